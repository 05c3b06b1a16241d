"""Step 3, execution: milestone plans, coordination load, governance, health assessments.

An alliance is a project with a milestone plan: its type sets how many
milestones it has, and each alliance draws how far apart its reviews are (a
log-normal spread around ``ticks_per_milestone``), so plans run from a few
quarters to more than a decade.  Running costs are budgeted as a share of the
value at stake spread over the plan, with an estimation error; each partner
pays its share every tick.  The chance of meeting a milestone is a logistic
function of: the partners' relevant capabilities; their general alliance
know-how, through the diminishing-returns curve and after hand-off loss; the
novelty the pair can still create (knowledge redundancy takes it away from
repeat partners); coordination load (attention used / capacity, convex),
weighed by how much attention this alliance needs (relational routines make
a repeat alliance need less); staleness (an alliance past its plan drags);
the weaker side's defensiveness under lopsided terms; governance fit; and the
optional direct partner-specific term.  Where a partner has an alliance
function, a health assessment may catch a miss early and give the team one
retry.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..alliances import AllianceLog
from ..columns import Batch
from ..config import Execution, Exit, Learning, Selection
from ..kernels import booking as kb
from ..kernels import execution as kx
from ..kernels import exit as kexit
from ..kernels import params
from ..kernels.generator import handle
from ..state import EXPLORATION, FirmState

__all__ = ["launch", "book", "book_sides", "absorbable", "transfer", "team_skill", "milestone_logit", "execute", "attention_need"]

# launch's columns: what it adds to negotiate's records
LAUNCHED = {"milestones": np.int64, "spacing": np.int64, "plan_ticks": np.int64, "cost_per_tick": float,
            "next_due": np.int64, "attention": float}


def attention_need(types: np.ndarray, protective: np.ndarray, cfg: Execution) -> np.ndarray:
    """Attention units a new-partner alliance takes from each partner's management (:func:`sim.kernels.execution.attention_need`)."""
    types, protective = np.broadcast_arrays(np.asarray(types, dtype=np.int64), np.asarray(protective, dtype=bool))
    out = np.empty(types.shape)
    kx.attention_needs(types.ravel(), protective.ravel(), params(cfg), out.reshape(-1))
    return out


def launch(state: FirmState, records: Any, cfg: Execution, rng: np.random.Generator) -> Any:
    """Draw the milestone plan and budget of new alliances and book their attention with both partners
    (:func:`sim.kernels.execution.launch`).

    ``records``: negotiate's columns of the new alliances (a dict: the launch columns are added to it), or the
    :class:`~sim.columns.Batch` of alliance-log rows negotiate wrote them to.
    """
    batch = _batch(records)
    m = batch.size
    c = batch
    kx.launch_drawing(handle(rng), float(cfg.plan_sd), float(cfg.cost_sd), batch.start, m, c.type, c.protective,
                      c.relief, c.value_at_stake, c.start_tick, c.slot_a, c.slot_b, c.milestones, c.spacing,
                      c.plan_ticks, c.cost_per_tick, c.next_due, c.attention, state.active, state.attention,
                      state.partner_profile, state.capability, state.experience, params(cfg))
    return records


def _batch(records: Any) -> Any:
    """A dict of new alliances' columns as a batch of rows (starting at 0), with room for launch's columns."""
    if isinstance(records, Batch):
        return records
    m = len(records["type"])
    for name, dtype in LAUNCHED.items():
        if name not in records or len(records[name]) != m:
            records[name] = np.zeros(m, dtype=dtype)
    return Batch(records, 0, m)


def book(state: FirmState, a: np.ndarray, b: np.ndarray, types: np.ndarray, attention: np.ndarray, sign: int) -> None:
    """Book (``sign=+1``, at launch) or unbook (``-1``, at exit) alliances' load with both partners.

    The load is the active count by type, the attention taken and the
    partners' capabilities (for redundancy in partner selection).
    """
    t = types.astype(np.int64)
    book_sides(state, np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([t, t]), np.concatenate([attention, attention]), sign)


def book_sides(state: FirmState, own: np.ndarray, other: np.ndarray, t: np.ndarray, attention: np.ndarray, sign: int) -> None:
    """:func:`book` with each alliance's rows given once per side (side a's rows, then side b's); compiled
    (:mod:`sim.kernels.booking`), adding in row order."""
    kb.book_sides(np.asarray(own, dtype=np.int64), np.asarray(other, dtype=np.int64), np.asarray(t, dtype=np.int64),
                  np.asarray(attention, dtype=float), int(sign), state.active, state.attention, state.partner_profile,
                  state.capability)


def absorbable(state: FirmState, slots: np.ndarray, types: np.ndarray, learning: Learning) -> np.ndarray:
    """Usable share of the technical knowledge a partner of ``types`` brings home to ``slots``
    (:func:`sim.kernels.execution.absorbable`).

    Exploitation partners' knowledge is usable as far as the firm's own
    research (internal exploration know-how) overlaps with it; exploration
    partners' distant knowledge is crowded out by the firm's exploitation
    routines (internal exploitation know-how), unless
    ``learning.exploration_absorbed_as_exploitation`` absorbs it by the
    exploitation partners' rule (R8's placebo).
    """
    slots, types = np.broadcast_arrays(np.asarray(slots, dtype=np.int64), np.asarray(types, dtype=np.int64))
    out = np.empty(slots.shape)
    kx.absorbables(slots.ravel(), types.ravel(), state.internal_knowhow, params(learning), out.reshape(-1))
    return out


def _ids(ids: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(ids, dtype=np.int64)


def team_skill(state: FirmState, log: AllianceLog, ids: np.ndarray, learning: Learning) -> np.ndarray:
    """How much of the partners' general alliance know-how the team running alliances ``ids`` commands, in [0, 1]
    (:func:`sim.kernels.execution.team_skill`): the mean of the two partners' know-how on the diminishing-returns
    curve, less what the hand-off lost.  Milestones (``learning.general_returns``) and conflict resolution
    (``exit.knowhow_conflict_reduction``) both draw on it."""
    ids = _ids(ids)
    c = log
    out = np.empty(len(ids))
    kx.team_skills(ids, c.slot_a, c.slot_b, c.handoff_loss, state.knowhow, params(learning), out)
    return out


def milestone_logit(
    state: FirmState,
    log: AllianceLog,
    ids: np.ndarray,
    cfg: Execution,
    learning: Learning,
    tick: int | None = None,
) -> np.ndarray:
    """Logit of meeting the next milestone for alliances ``ids`` (staleness counted when ``tick`` is given;
    :func:`sim.kernels.execution.milestone_logit`)."""
    ids = _ids(ids)
    out = np.empty(len(ids))
    kx.milestone_logits(ids, 0 if tick is None else int(tick), tick is not None, *_logit_columns(log), state.knowhow,
                        state.attention, state.capacity, params(cfg), params(learning), out)
    return out


def _logit_columns(log: AllianceLog) -> tuple:
    c = log
    return (c.type, c.slot_a, c.slot_b, c.capability_a, c.capability_b, c.handoff_loss, c.attention,
            c.protective, c.lopsidedness, c.novelty, c.partner_specific_logit, c.start_tick,
            c.plan_ticks)


def transfer(state: FirmState, log: AllianceLog, ids: np.ndarray, learning: Learning) -> None:
    """Alliances ``ids`` met a milestone: each partner takes home the usable share (:func:`absorbable`) of the
    technical knowledge that milestone delivered, ``lesson_per_alliance x novelty / milestones`` (a whole
    alliance delivers its lesson; a redundant pair has less that is new; :func:`sim.kernels.execution.transfer`)."""
    c = log
    kx.transfer(_ids(ids), c.type, c.novelty, c.milestones, c.slot_a, c.slot_b, state.technical,
                state.internal_knowhow, params(learning))


def execute(
    state: FirmState,
    log: AllianceLog,
    tick: int,
    cfg: Execution,
    learning: Learning,
    rng: np.random.Generator,
) -> None:
    """Run one tick of every active alliance: both partners pay their share of its costs, due milestones are
    reviewed (:func:`sim.kernels.exit.run_alliances`, which :func:`sim.steps.exit.execute_and_close` runs with the
    exits in the same pass)."""
    from .exit import run

    active = log.active_ids()
    if len(active) == 0:
        return
    due = rng.random((kexit.count_due(active, log.next_due, tick), 2))
    run(state, log, tick, cfg, _DEFAULT_EXIT, learning, _DEFAULT_SELECTION, active, due, None)


_DEFAULT_EXIT, _DEFAULT_SELECTION = Exit(), Selection()  # sections run() takes and, executing only, does not read
