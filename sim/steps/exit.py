"""Step 4, exit: goal reached, missed milestones, cost overrun, conflict, expiry.

An agreed exit trigger turns missed milestones or an overrun into a *planned*
exit, which costs little.  Without triggers the partners tolerate more misses
and then dissolve the alliance *unplanned*, losing value and reputation.
Lopsided terms breed conflict; protective governance damps it.  Ending an
alliance is where its lessons are learned: each partner keeps what its capture
rate allows.
"""

from __future__ import annotations

import numpy as np

from ..alliances import CONFLICT, EXPIRED, GOAL, MISSED, OVERRUN, AllianceLog
from ..config import Exit, Learning
from ..learning import capture
from ..state import FirmState
from .execution import book

__all__ = ["exit_reasons", "close"]


def exit_reasons(log: AllianceLog, ids: np.ndarray, tick: int, cfg: Exit, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Exit code (0 = carries on) and planned flag for alliances ``ids``; first reason wins."""
    c = {k: log[k][ids] for k in ("met", "milestones", "missed", "exit_triggers", "costs", "value_at_stake", "lopsidedness", "protective", "start_tick")}
    triggers = c["exit_triggers"]
    hazard = (cfg.conflict_hazard + cfg.lopsided_conflict * c["lopsidedness"]) * (1.0 - cfg.protective_conflict_reduction * c["protective"])
    conditions = [
        (c["met"] >= c["milestones"], GOAL),
        ((triggers & (c["missed"] >= cfg.trigger_misses)) | (c["missed"] >= cfg.tolerance_misses), MISSED),
        (c["costs"] > cfg.overrun_limit * c["value_at_stake"], OVERRUN),
        (rng.random(len(ids)) < hazard, CONFLICT),
        (tick - c["start_tick"] >= cfg.max_duration, EXPIRED),
    ]
    code = np.select([cond for cond, _ in conditions], [reason for _, reason in conditions], default=0).astype(np.int8)
    planned = (code == GOAL) | ((code != CONFLICT) & triggers) | (code == EXPIRED)
    return code, planned


def close(
    state: FirmState,
    log: AllianceLog,
    tick: int,
    cfg: Exit,
    learning: Learning,
    rng: np.random.Generator,
) -> np.ndarray:
    """End the alliances whose time has come; settle value, reputation and lessons. Returns ended ids."""
    active = log.active_ids()
    if len(active) == 0:
        return active
    code, planned = exit_reasons(log, active, tick, cfg, rng)
    ended = code > 0
    ids, code, planned = active[ended], code[ended], planned[ended]
    if len(ids) == 0:
        return ids
    c = log.cols
    value, costs = c["value_at_stake"][ids], c["costs"][ids]
    success = code == GOAL
    partial = cfg.salvage_share * value * c["met"][ids] / np.maximum(c["milestones"][ids], 1)
    exit_cost = np.where(planned, cfg.planned_exit_cost, cfg.unplanned_exit_cost) * value
    created = np.where(success, value, partial - exit_cost) - costs
    captured_a = c["share_a"][ids] * created
    captured_b = created - captured_a

    c["active"][ids] = False
    c["end_tick"][ids] = tick
    c["success"][ids] = success
    c["exit_code"][ids] = code
    c["planned_exit"][ids] = planned
    c["value_created"][ids] = created
    c["captured_a"][ids] = captured_a
    c["captured_b"][ids] = captured_b

    book(state, c["firm_a"][ids], c["firm_b"][ids], c["type"][ids], c["attention"][ids], -1)
    t = c["type"][ids].astype(np.int64)
    rep_change = np.where(success, cfg.reputation_gain, 0.0) - np.where(~planned, cfg.reputation_loss, 0.0)
    share_a = c["share_a"][ids]
    sides = (
        ("firm_a", captured_a, share_a, "expected_a"),
        ("firm_b", captured_b, 1.0 - share_a, "expected_b"),
    )
    for side, captured, share, expected in sides:
        firms = c[side][ids]
        lesson = capture(learning.lesson_per_alliance, state.capture_rate[firms])
        np.add.at(state.knowhow, (firms, t), lesson)
        np.add.at(state.technical, (firms, t), learning.lesson_per_alliance)
        np.add.at(state.reputation, firms, rep_change)
        np.add.at(state.resources, firms, captured)
        np.add.at(state.products, firms, success.astype(np.int64))
        np.add.at(state.ended_alliances, firms, 1)
        np.add.at(state.successes, firms, success.astype(np.int64))
        np.add.at(state.expected_value, firms, c[expected][ids])
        np.add.at(state.captured_value, firms, captured)
        np.add.at(state.realised_return, firms, captured / np.maximum(share * value, 1e-9))
    np.clip(state.reputation, 0.0, 1.0, out=state.reputation)
    np.maximum(state.attention, 0.0, out=state.attention)  # float round-off
    return ids
