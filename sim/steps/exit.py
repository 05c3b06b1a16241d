"""Step 4, exit: goal reached, missed milestones, cost overrun, conflict, expiry.

An agreed exit trigger turns missed milestones or an overrun into a *planned*
exit, which costs little.  Without triggers the partners tolerate more misses
and then dissolve the alliance *unplanned*, losing value and reputation.
Lopsided terms breed conflict; protective governance damps it, and so do a
repeat pair's relational routines (they resolve conflict sooner).  Ending an
alliance settles it: each partner receives its share of what it created
(it paid its share of the running costs as they accrued), keeps what it can
of the lesson (its capture rate, its incentive to capture, less what knowledge
redundancy left to teach) and updates its partner-search preferences from
the return it realised.  (Technical knowledge came home milestone by
milestone, in execution.)
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from ..alliances import AllianceLog
from ..config import Config, Execution, Exit, Learning, Selection
from ..kernels import exit as kx
from ..kernels import params
from ..kernels.generator import handle
from ..state import FirmState
from .selection import PREFERENCE_BOUNDS

__all__ = ["conflict_hazard", "exit_reasons", "close", "settle", "settle_arguments", "execute_and_close", "run"]


def _ids(ids: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(ids, dtype=np.int64)


def _hazard_columns(log: AllianceLog) -> tuple:
    c = log
    return (c.lopsidedness, c.protective, c.relief, c.handoff_loss, c.function_a, c.function_b,
            c.slot_a, c.slot_b)


def conflict_hazard(state: FirmState, log: AllianceLog, ids: np.ndarray, cfg: Exit, learning: Learning) -> np.ndarray:
    """Per-tick chance that alliances ``ids`` dissolve in conflict (:func:`sim.kernels.exit.conflict_hazard`).

    Lopsided terms raise it; protective governance, a repeat pair's relational
    routines, the team's general alliance know-how (conflict-resolution
    routines, :func:`~sim.steps.execution.team_skill`) and a partner's
    dedicated alliance function (it manages the relationship) damp it.
    """
    ids = _ids(ids)
    out = np.empty(len(ids))
    kx.conflict_hazards(ids, *_hazard_columns(log), state.knowhow, params(cfg), params(learning), out)
    return out


def exit_reasons(state: FirmState, log: AllianceLog, ids: np.ndarray, tick: int, cfg: Exit, learning: Learning,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Exit code (0 = carries on) and planned flag for alliances ``ids``; first reason wins
    (:func:`sim.kernels.exit.exit_reason`, :func:`~sim.kernels.exit.planned_exit`)."""
    ids = _ids(ids)
    u = rng.random(len(ids))
    code, planned = np.empty(len(ids), dtype=np.int8), np.empty(len(ids), dtype=bool)
    _reasons(state, log, ids, u, tick, cfg, learning, code, planned)
    return code, planned


def _reasons(state, log, ids, u, tick, cfg, learning, code, planned) -> None:
    c = log
    kx.exit_reasons(ids, u, tick, c.met, c.milestones, c.missed, c.exit_triggers, c.costs,
                    c.value_at_stake, c.start_tick, *_hazard_columns(log), state.knowhow, params(cfg),
                    params(learning), code, planned)


def settle(state: FirmState, log: AllianceLog, ids: np.ndarray, code: np.ndarray, planned: np.ndarray, tick: int, config: Config) -> None:
    """End alliances ``ids`` with exit ``code``: value, reputation, lessons, preferences
    (:func:`sim.kernels.exit.settle`)."""
    kx.settle(_ids(ids), np.asarray(code, dtype=np.int8), np.asarray(planned, dtype=bool), tick,
              *settle_arguments(state, log, config))
    log.deactivated()


def settle_arguments(state: FirmState, log: AllianceLog, config: Config) -> tuple:
    """What :func:`sim.kernels.exit.settle` takes after ``tick``: the log's columns, the firms' fields, the
    preference bounds, the exit, learning and selection sections' records."""
    return (*_SETTLE_COLUMNS(log), *_SETTLE_STATE(state), *PREFERENCE_BOUNDS, params(config.exit),
            params(config.learning), params(config.selection))


def close(state: FirmState, log: AllianceLog, tick: int, config: Config, rng: np.random.Generator) -> np.ndarray:
    """End the alliances whose time has come and settle them (:func:`sim.kernels.exit.run_alliances`). Returns ended ids."""
    active = log.active_ids()
    if len(active) == 0:
        return active
    return run(state, log, tick, config.execution, config.exit, config.learning, config.selection, active, None,
               rng.random(len(active)))


def execute_and_close(state: FirmState, log: AllianceLog, tick: int, config: Config, rng: np.random.Generator) -> np.ndarray:
    """:func:`sim.steps.execution.execute` then :func:`close`, in one pass over the active alliances (the same draws,
    in the same order: the milestone reviews', then the exits'). Returns the ended ids."""
    active = log.active_ids()
    if len(active) == 0:
        return active
    ended, remaining = kx.run_alliances_drawing(handle(rng), active, log.next_due, tick, *_run_arguments(
        state, log, config.execution, config.exit, config.learning, config.selection))
    if len(ended):
        log.deactivated(remaining)
    return ended


def run(state: FirmState, log: AllianceLog, tick: int, execution: Execution, cfg: Exit, learning: Learning,
        selection: Selection, active: np.ndarray, due_draw: np.ndarray | None, exit_draw: np.ndarray | None) -> np.ndarray:
    """Execute (``due_draw``: two uniforms per due review, or ``None``) and close (``exit_draw``: a uniform per active
    alliance, or ``None``) the ``active`` alliances (:func:`sim.kernels.exit.run_alliances`); returns the ended ids."""
    whole = active is log.active_ids()  # every active row: the kernel then knows which remain
    ended, remaining = kx.run_alliances(
        due_draw is not None, exit_draw is not None, active, _NO_DRAWS_2 if due_draw is None else due_draw,
        _NO_DRAWS if exit_draw is None else exit_draw, tick, *_run_arguments(state, log, execution, cfg, learning,
                                                                              selection))
    if len(ended):
        log.deactivated(remaining if whole else None)
    return ended


def _run_arguments(state: FirmState, log: AllianceLog, execution: Execution, cfg: Exit, learning: Learning,
                   selection: Selection) -> tuple:
    """What :func:`sim.kernels.exit.run_alliances` takes after ``tick``: the log's columns, the firms' fields, the
    preference bounds, the sections' records."""
    return (*_RUN_COLUMNS(log), *_RUN_STATE(state), *PREFERENCE_BOUNDS, params(execution), params(cfg),
            params(learning), params(selection))


_NO_DRAWS = np.zeros(0)
_NO_DRAWS_2 = np.zeros((0, 2))
# What run_alliances reads and writes, in its order: the log's columns, then the firms' fields.
_RUN_COLUMNS = attrgetter(
    "type", "slot_a", "slot_b", "capability_a", "capability_b", "handoff_loss", "attention", "protective",
    "lopsidedness", "novelty", "partner_specific_logit", "relief", "start_tick", "plan_ticks", "function_a",
    "function_b", "retry_used", "met", "missed", "caught", "next_due", "spacing", "milestones", "cost_per_tick", "costs",
    "share_a", "exit_triggers", "value_at_stake", "expected_a", "expected_b", "partner_specific_experience", "active",
    "end_tick", "success", "exit_code", "planned_exit", "value_created", "captured_a", "captured_b")
_RUN_STATE = attrgetter(
    "active", "attention", "capacity", "partner_profile", "capability", "knowhow", "capture_rate", "income", "spending",
    "reputation", "resources", "spent", "products", "ended_alliances", "successes", "expected_value", "captured_value",
    "realised_return", "large", "preference", "aspiration", "technical", "internal_knowhow")
# What settle reads and writes, in its order: the log's columns, then the firms' fields.
_SETTLE_COLUMNS = attrgetter(
    "type", "slot_a", "slot_b", "value_at_stake", "costs", "met", "milestones", "share_a", "novelty", "attention",
    "expected_a", "expected_b", "partner_specific_experience", "active", "end_tick", "success", "exit_code",
    "planned_exit", "value_created", "captured_a", "captured_b")
_SETTLE_STATE = attrgetter(
    "active", "attention", "partner_profile", "capability", "knowhow", "capture_rate", "income", "spending",
    "reputation", "resources", "products", "ended_alliances", "successes", "expected_value", "captured_value",
    "realised_return", "large", "preference", "aspiration")
