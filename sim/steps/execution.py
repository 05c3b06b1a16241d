"""Step 3, execution: milestones, coordination load, governance, health assessments.

An alliance is a project with a milestone review every ``ticks_per_milestone``
ticks.  The chance of meeting a milestone is a logistic function of:
the partners' relevant capabilities; their general alliance know-how, through
the diminishing-returns curve and after hand-off loss; the partner-specific
net effect; coordination load (attention used / capacity, convex); the weaker
side's defensiveness under lopsided terms; and governance fit to the type.
Where a partner has an alliance function, a health assessment may catch a miss
early and give the team one retry.
"""

from __future__ import annotations

import numpy as np

from ..alliances import AllianceLog
from ..config import Execution, Learning
from ..learning import general_benefit, sigmoid
from ..state import EXPLOITATION, EXPLORATION, FirmState

__all__ = ["launch", "book", "milestone_logit", "execute"]


def attention_need(types: np.ndarray, protective: np.ndarray, cfg: Execution) -> np.ndarray:
    """Attention units an alliance takes from each partner's management."""
    base = np.where(types == EXPLORATION, cfg.attention_exploration, cfg.attention_exploitation)
    return base + cfg.protective_attention * protective


def launch(state: FirmState, records: dict[str, np.ndarray], cfg: Execution) -> dict[str, np.ndarray]:
    """Set the milestone plan of new alliances and book their attention with both partners."""
    t = records["type"]
    records["milestones"] = np.where(t == EXPLORATION, cfg.milestones_exploration, cfg.milestones_exploitation)
    records["next_due"] = records["start_tick"] + cfg.ticks_per_milestone
    records["attention"] = attention_need(t, records["protective"], cfg)
    book(state, records["firm_a"], records["firm_b"], t, records["attention"], +1)
    for firms in (records["firm_a"], records["firm_b"]):
        np.add.at(state.experience, (firms, t.astype(np.int64)), 1.0)
    return records


def book(state: FirmState, a: np.ndarray, b: np.ndarray, types: np.ndarray, attention: np.ndarray, sign: int) -> None:
    """Book (``sign=+1``, at launch) or unbook (``-1``, at exit) alliances' load with both partners.

    The load is the active count by type, the attention taken and the
    partners' capabilities (for redundancy in partner selection).
    """
    t = types.astype(np.int64)
    for own, other in ((a, b), (b, a)):
        np.add.at(state.active, (own, t), sign)
        np.add.at(state.attention, own, sign * attention)
        np.add.at(state.partner_profile, own, sign * state.capability[other])


def milestone_logit(
    state: FirmState,
    log: AllianceLog,
    ids: np.ndarray,
    cfg: Execution,
    learning: Learning,
) -> np.ndarray:
    """Logit of meeting the next milestone for alliances ``ids``."""
    a, b = log["firm_a"][ids], log["firm_b"][ids]
    t = log["type"][ids]
    base = np.where(t == EXPLORATION, cfg.base_logit_exploration, cfg.base_logit_exploitation)
    capability = cfg.capability_weight * (0.5 * (log["capability_a"][ids] + log["capability_b"][ids]) - 0.5)
    knowhow = general_benefit(state.general_knowhow[a], learning.general_returns, learning.general_saturation)
    knowhow += general_benefit(state.general_knowhow[b], learning.general_returns, learning.general_saturation)
    knowhow *= 1.0 - log["handoff_loss"][ids]
    load = state.load()
    coordination = cfg.coordination_penalty * 0.5 * (load[a] ** cfg.coordination_exponent + load[b] ** cfg.coordination_exponent)
    defensiveness = cfg.lopsided_effort_penalty * log["lopsidedness"][ids]
    fits = log["protective"][ids] == (t == EXPLOITATION)
    governance = np.where(fits, cfg.governance_fit, -cfg.governance_fit)
    return base + capability + knowhow + log["partner_specific_logit"][ids] - coordination - defensiveness + governance


def execute(
    state: FirmState,
    log: AllianceLog,
    tick: int,
    cfg: Execution,
    learning: Learning,
    rng: np.random.Generator,
) -> None:
    """Run one tick of every active alliance: costs accrue, due milestones are reviewed."""
    active = log.active_ids()
    if len(active) == 0:
        return
    log.cols["costs"][active] += cfg.cost_rate * log["value_at_stake"][active]
    due = active[log["next_due"][active] <= tick]
    if len(due) == 0:
        return
    p = sigmoid(milestone_logit(state, log, due, cfg, learning))
    u = rng.random((len(due), 2))
    met = u[:, 0] < p
    has_function = log["function_a"][due] | log["function_b"][due]
    caught = ~met & has_function & ~log["retry_used"][due] & (u[:, 1] < cfg.health_check_detection)
    missed = ~met & ~caught
    c = log.cols
    c["met"][due[met]] += 1
    c["missed"][due[missed]] += 1
    c["caught"][due[caught]] += 1
    c["retry_used"][due] = caught
    c["next_due"][due] = tick + np.where(caught, 1, cfg.ticks_per_milestone)
