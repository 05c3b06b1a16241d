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

import numpy as np

from ..alliances import AllianceLog
from ..config import Execution, Learning
from ..learning import general_benefit, sigmoid
from ..state import EXPLOITATION, EXPLORATION, FirmState

__all__ = ["launch", "book", "book_sides", "milestone_logit", "execute", "attention_need"]


def attention_need(types: np.ndarray, protective: np.ndarray, cfg: Execution) -> np.ndarray:
    """Attention units a new-partner alliance takes from each partner's management."""
    base = np.where(types == EXPLORATION, cfg.attention_exploration, cfg.attention_exploitation)
    return base + cfg.protective_attention * protective


def launch(state: FirmState, records: dict[str, np.ndarray], cfg: Execution, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draw the milestone plan and budget of new alliances and book their attention with both partners."""
    t = records["type"]
    m = len(t)
    records["milestones"] = np.where(t == EXPLORATION, cfg.milestones_exploration, cfg.milestones_exploitation)
    spacing = np.maximum(np.rint(cfg.ticks_per_milestone * rng.lognormal(0.0, cfg.plan_sd, size=m)), 1).astype(np.int64)
    records["spacing"] = spacing
    records["plan_ticks"] = records["milestones"] * spacing
    records["cost_per_tick"] = (cfg.cost_rate * records["value_at_stake"] / records["plan_ticks"]
                                * rng.lognormal(0.0, cfg.cost_sd, size=m))
    records["next_due"] = records["start_tick"] + spacing
    records["attention"] = attention_need(t, records["protective"], cfg) * (1.0 - records["relief"])
    book(state, records["slot_a"], records["slot_b"], t, records["attention"], 1)
    for side in ("slot_a", "slot_b"):
        np.add.at(state.experience, (records[side], t.astype(np.int64)), 1.0)
    return records


def book(state: FirmState, a: np.ndarray, b: np.ndarray, types: np.ndarray, attention: np.ndarray, sign: int) -> None:
    """Book (``sign=+1``, at launch) or unbook (``-1``, at exit) alliances' load with both partners.

    The load is the active count by type, the attention taken and the
    partners' capabilities (for redundancy in partner selection).
    """
    t = types.astype(np.int64)
    book_sides(state, np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([t, t]), np.concatenate([attention, attention]), sign)


def book_sides(state: FirmState, own: np.ndarray, other: np.ndarray, t: np.ndarray, attention: np.ndarray, sign: int) -> None:
    """:func:`book` with each alliance's rows given once per side (side a's rows, then side b's), as
    :func:`sim.steps.exit.settle` holds them: np.add.at adds in row order, so this is two passes in one."""
    np.add.at(state.active, (own, t), sign)
    np.add.at(state.attention, own, sign * attention)
    profile = sign * state.capability[other]
    for k in (EXPLORATION, EXPLOITATION):  # a column at a time: np.add.at of whole rows is several times slower
        np.add.at(state.partner_profile[:, k], own, profile[:, k])


def milestone_logit(
    state: FirmState,
    log: AllianceLog,
    ids: np.ndarray,
    cfg: Execution,
    learning: Learning,
    tick: int | None = None,
) -> np.ndarray:
    """Logit of meeting the next milestone for alliances ``ids`` (staleness counted when ``tick`` is given)."""
    c = log.cols
    a, b = c["slot_a"][ids], c["slot_b"][ids]
    t = c["type"][ids]
    base = np.where(t == EXPLORATION, cfg.base_logit_exploration, cfg.base_logit_exploitation)
    capability = cfg.capability_weight * (0.5 * (c["capability_a"][ids] + c["capability_b"][ids]) - 0.5)
    general = state.general_knowhow
    knowhow = general_benefit(general[a], learning.general_returns, learning.general_saturation)
    knowhow += general_benefit(general[b], learning.general_returns, learning.general_saturation)
    knowhow *= 1.0 - c["handoff_loss"][ids]
    load = state.load()
    own_need = c["attention"][ids] / np.maximum(attention_need(t, c["protective"][ids], cfg), 1e-9)
    coordination = cfg.coordination_penalty * own_need * 0.5 * (load[a] ** cfg.coordination_exponent + load[b] ** cfg.coordination_exponent)
    defensiveness = cfg.lopsided_effort_penalty * c["lopsidedness"][ids]
    fits = c["protective"][ids] == (t == EXPLOITATION)
    governance = np.where(fits, cfg.governance_fit, -cfg.governance_fit)
    novelty = cfg.novelty_weight * (c["novelty"][ids] - 1.0)
    logit = base + capability + knowhow + novelty + c["partner_specific_logit"][ids] - coordination - defensiveness + governance
    if tick is not None:
        overdue = np.maximum((tick - c["start_tick"][ids]) / c["plan_ticks"][ids] - 1.0, 0.0)
        logit -= cfg.stale_penalty * overdue
    return logit


def execute(
    state: FirmState,
    log: AllianceLog,
    tick: int,
    cfg: Execution,
    learning: Learning,
    rng: np.random.Generator,
) -> None:
    """Run one tick of every active alliance: both partners pay their share of its costs, due milestones are reviewed."""
    active = log.active_ids()
    if len(active) == 0:
        return
    c = log.cols
    cost = c["cost_per_tick"][active]
    c["costs"][active] += cost
    share_a = c["share_a"][active]
    paid = np.bincount(c["slot_a"][active], share_a * cost, state.n) + np.bincount(c["slot_b"][active], (1.0 - share_a) * cost, state.n)
    state.resources -= paid
    state.spent += paid
    due = active[c["next_due"][active] <= tick]
    if len(due) == 0:
        return
    p = sigmoid(milestone_logit(state, log, due, cfg, learning, tick))
    u = rng.random((len(due), 2))
    met = u[:, 0] < p
    has_function = c["function_a"][due] | c["function_b"][due]
    caught = ~met & has_function & ~c["retry_used"][due] & (u[:, 1] < cfg.health_check_detection)
    missed = ~met & ~caught
    c["met"][due[met]] += 1
    c["missed"][due[missed]] += 1
    c["caught"][due[caught]] += 1
    c["retry_used"][due] = caught
    c["next_due"][due] = tick + np.where(caught, 1, c["spacing"][due])
