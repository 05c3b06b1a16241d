"""Step 4, exit: goal reached, missed milestones, cost overrun, conflict, expiry.

An agreed exit trigger turns missed milestones or an overrun into a *planned*
exit, which costs little.  Without triggers the partners tolerate more misses
and then dissolve the alliance *unplanned*, losing value and reputation.
Lopsided terms breed conflict; protective governance damps it, and so do a
repeat pair's relational routines (they resolve conflict sooner).  Ending an
alliance settles it: each partner receives its share of what it created
(it paid its share of the running costs as they accrued), keeps what it can
of the lesson (its capture rate, its incentive to capture, less what knowledge
redundancy left to teach), takes home what it can use of the partner's
technical knowledge (absorptive capacity), and updates its partner-search
preferences from the return it realised.
"""

from __future__ import annotations

import numpy as np

from ..alliances import CONFLICT, EXPIRED, GOAL, MISSED, OVERRUN, AllianceLog
from ..config import Config, Exit
from ..learning import absorption, capture, clip
from ..state import EXPLOITATION, EXPLORATION, FirmState
from .execution import book_sides
from .selection import adapt

__all__ = ["exit_reasons", "close", "settle", "absorbable"]


def exit_reasons(log: AllianceLog, ids: np.ndarray, tick: int, cfg: Exit, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Exit code (0 = carries on) and planned flag for alliances ``ids``; first reason wins."""
    c = {k: log.cols[k][ids] for k in ("met", "milestones", "missed", "exit_triggers", "costs", "value_at_stake", "lopsidedness", "protective", "start_tick", "relief")}
    triggers = c["exit_triggers"]
    hazard = ((cfg.conflict_hazard + cfg.lopsided_conflict * c["lopsidedness"])
              * (1.0 - cfg.protective_conflict_reduction * c["protective"]) * (1.0 - c["relief"]))
    conditions = [
        (c["met"] >= c["milestones"], GOAL),
        ((triggers & (c["missed"] >= cfg.trigger_misses)) | (c["missed"] >= cfg.tolerance_misses), MISSED),
        (c["costs"] > cfg.overrun_limit * c["value_at_stake"], OVERRUN),
        (rng.random(len(ids)) < hazard, CONFLICT),
        (tick - c["start_tick"] >= cfg.max_duration, EXPIRED),
    ]
    code = np.zeros(len(ids), dtype=np.int8)
    for cond, reason in reversed(conditions):  # the first reason that holds is written last (np.select's rule, faster)
        code = np.where(cond, np.int8(reason), code)
    planned = (code == GOAL) | ((code != CONFLICT) & triggers) | (code == EXPIRED)
    return code, planned


def absorbable(state: FirmState, slots: np.ndarray, types: np.ndarray, config: Config) -> np.ndarray:
    """Usable share of the technical knowledge a partner of ``types`` brings home to ``slots``.

    Exploitation partners' knowledge is usable as far as the firm's own
    research (internal exploration know-how) overlaps with it; exploration
    partners' distant knowledge is crowded out by the firm's exploitation
    routines (internal exploitation know-how).
    """
    lc = config.learning
    # Each type reads the other kind of internal know-how (exploitation
    # partners: the firm's exploration know-how; exploration partners: its
    # exploitation routines), so one gather and per-row coefficients do both.
    exploit = types == EXPLOITATION
    internal = state.internal_knowhow[slots, EXPLORATION + EXPLOITATION - types]  # the other type's column
    base = np.where(exploit, lc.absorb_exploitation, lc.absorb_exploration)
    slope = np.where(exploit, lc.absorptive_capacity_gain, -lc.absorb_exploration * lc.exploitation_rigidity)
    return absorption(base, slope, internal, lc.absorptive_saturation)


def settle(state: FirmState, log: AllianceLog, ids: np.ndarray, code: np.ndarray, planned: np.ndarray, tick: int, config: Config) -> None:
    """End alliances ``ids`` with exit ``code``: value, reputation, lessons, absorbed knowledge, preferences."""
    cfg, learning = config.exit, config.learning
    c = log.cols
    value, costs = c["value_at_stake"][ids], c["costs"][ids]
    success = code == GOAL
    partial = cfg.salvage_share * value * c["met"][ids] / np.maximum(c["milestones"][ids], 1)
    exit_cost = np.where(planned, cfg.planned_exit_cost, cfg.unplanned_exit_cost) * value
    created = np.where(success, value, partial - exit_cost) - costs
    share_a = c["share_a"][ids]
    captured_a = share_a * created
    captured_b = created - captured_a

    log.deactivate(ids)
    c["end_tick"][ids] = tick
    c["success"][ids] = success
    c["exit_code"][ids] = code
    c["planned_exit"][ids] = planned
    c["value_created"][ids] = created
    c["captured_a"][ids] = captured_a
    c["captured_b"][ids] = captured_b

    # Both partners at once: side a's rows, then side b's (np.add.at adds in
    # that order, as two passes would).
    both = lambda x, y: np.concatenate([x, y])  # noqa: E731
    slot_a, slot_b = c["slot_a"][ids], c["slot_b"][ids]
    firms, others = both(slot_a, slot_b), both(slot_b, slot_a)
    t = c["type"][ids].astype(np.int64)
    t2 = both(t, t)
    attention = c["attention"][ids]
    book_sides(state, firms, others, t2, both(attention, attention), -1)
    rep_change = np.where(success, cfg.reputation_gain, 0.0) - np.where(~planned, cfg.reputation_loss, 0.0)
    lesson = learning.lesson_per_alliance * c["novelty"][ids]  # a redundant pair has less left to teach
    share = both(share_a, 1.0 - share_a)
    captured = both(captured_a, captured_b)
    lesson, costs, value, success = (both(x, x) for x in (lesson, costs, value, success))
    effort = 1.0 - learning.incentive_weight + learning.incentive_weight * state.dependence(firms)
    np.add.at(state.knowhow, (firms, t2), capture(lesson, state.capture_rate[firms] * effort))
    np.add.at(state.technical, (firms, t2), lesson * absorbable(state, firms, t2, config))
    np.add.at(state.reputation, firms, both(rep_change, rep_change))
    np.add.at(state.resources, firms, captured + share * costs)  # running costs were paid as they accrued
    wins = success.astype(np.int64)
    np.add.at(state.products, firms, wins)
    np.add.at(state.ended_alliances, firms, 1)
    np.add.at(state.successes, firms, wins)
    np.add.at(state.expected_value, firms, both(c["expected_a"][ids], c["expected_b"][ids]))
    np.add.at(state.captured_value, firms, captured)
    returns = captured / np.maximum(share * value, 1e-9)
    np.add.at(state.realised_return, firms, returns)
    choices = np.empty((len(firms), 3))
    choices[:, 0] = t2 == EXPLORATION
    repeat = c["partner_specific_experience"][ids] > 0
    choices[:, 1] = both(repeat, repeat)
    choices[:, 2] = state.large[others]
    adapt(state, firms, returns, choices, config.selection)
    clip(state.reputation, 0.0, 1.0, out=state.reputation)
    np.maximum(state.attention, 0.0, out=state.attention)  # float round-off


def close(state: FirmState, log: AllianceLog, tick: int, config: Config, rng: np.random.Generator) -> np.ndarray:
    """End the alliances whose time has come and settle them. Returns ended ids."""
    active = log.active_ids()
    if len(active) == 0:
        return active
    code, planned = exit_reasons(log, active, tick, config.exit, rng)
    ended = code > 0
    ids = active[ended]
    if len(ids):
        settle(state, log, ids, code[ended], planned[ended], tick, config)
    return ids
