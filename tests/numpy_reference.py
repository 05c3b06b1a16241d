"""The numpy step code the phase-2 kernels replaced (sim/steps at e2bc59b), frozen as the tests' reference.

The model computes these formulas in compiled kernels (:mod:`sim.kernels`);
``tests/test_step_kernels.py`` runs each step both ways from the same state
and the same draws and checks they agree (to float round-off: numba's exp,
expm1 and tanh can differ from numpy's SIMD ones by an ulp, and some sums add
in another order).  It is a reference, not a second implementation: when a
formula changes on purpose, change it here too (and say so), or the test
names the step that now differs.  The learning curves (:mod:`sim.learning`)
and state formulas (:mod:`sim.state`) are shared: they are one definition,
which numpy and numba both run.
"""

from __future__ import annotations

import numpy as np

from sim.alliances import CONFLICT, EXPIRED, GOAL, MISSED, OVERRUN, PARTNER_EXIT, AllianceLog
from sim.config import Config, Execution, Exit, Innovation, Learning, Negotiation
from sim.learning import absorption, capture, clip, forget, general_benefit, knowledge_overlap, partner_specific_benefit
from sim.learning import relational_routine, saturating, sigmoid
from sim.state import CLASS_FIELDS as _C
from sim.state import EXPLOITATION, EXPLORATION, ZERO_FIELDS, FirmState, PairMemory, class_values
from sim.state import believed_cap as _believed_cap
from sim.state import grown_capacity as _grown_capacity
from sim.state import structural_capture as _structural_capture
from sim.steps.innovation import APPROVED, TERMINATED, ProjectLog
from sim.steps.portfolio import SPENDING_MEMORY
from sim.steps.selection import PREFERENCE_BOUNDS, Matches, complementarity


# ------------------------------------------------------------------ state
def draw_firms(cfg: Config, rng: np.random.Generator, large: np.ndarray, tick: int, first_id: int) -> dict[str, np.ndarray]:
    """Every field of ``len(large)`` new firms of the given size classes (founders or entrants) but the zero fields
    (:func:`sim.steps.demography.draw_firms` at 3eff8c9, before its draws moved into :func:`sim.kernels.demography.draw`)."""
    f = cfg.firms
    n = len(large)
    # Each firm's class values, a row per field (entrants arrive a few a tick, so per-field np.where calls would
    # cost more than the draws).
    codes = large.astype(np.intp)
    fields, mean_capability = class_values(f)
    per_firm = fields[:, codes]
    capability = clip(mean_capability[codes] + rng.normal(0.0, f.capability_sd, size=(n, 2)), 0.0, 1.0)
    alliance_function = rng.random(n) < per_firm[_C.index('alliance_function_prob')]
    base_capture = per_firm[_C.index('capture_rate')].copy()
    units = per_firm[_C.index('units')].copy()
    capture_rate = _structural_capture(base_capture, alliance_function, units, cfg.learning.function_capture_bonus,
                                      cfg.learning.complexity_dilution)

    mean_prior = per_firm[_C.index('initial_experience')][:, None] * 0.5
    if n and (per_firm[_C.index('initial_experience')] == per_firm[_C.index('initial_experience'), 0]).all():
        mean_prior = float(mean_prior[0, 0])  # one class: a scalar mean draws the same numbers, faster
    prior = rng.poisson(mean_prior, size=(n, 2)).astype(float)
    # Prior alliances were spread over past years: what is left of them is the
    # stationary level of capture-with-forgetting, approximated by their capture.
    prior_knowhow = capture(prior * cfg.learning.lesson_per_alliance, capture_rate[:, None])
    overconfidence = cfg.portfolio.overconfidence * rng.lognormal(0.0, per_firm[_C.index('overconfidence_sd')])  # floored where it sets the cap
    base_capacity = per_firm[_C.index('base_capacity')].copy()
    capacity = _grown_capacity(base_capacity, prior_knowhow[:, 0] + prior_knowhow[:, 1], cfg.portfolio.capacity_learning,
                              cfg.learning.general_saturation)
    preference = np.empty((n, 3))
    preference[:] = (cfg.selection.exploration_target, cfg.selection.repeat_partner_probability, 0.5)
    return {
        "large": large.copy(),
        "capability": capability,
        "alliance_function": alliance_function,
        "capture_rate": capture_rate,
        "base_capacity": base_capacity,
        "capacity": capacity,
        "max_alliances": _believed_cap(capacity, base_capacity, overconfidence, cfg.portfolio.cap_follows_capacity).astype(np.int64),
        "resources": per_firm[_C.index('resources')] * rng.lognormal(0.0, 0.3, size=n),
        "income": per_firm[_C.index('income')].copy(),
        "reputation": np.full(n, 0.5),
        "experience": prior,
        "knowhow": prior_knowhow,
        "technical": prior * cfg.learning.lesson_per_alliance * cfg.learning.absorb_exploitation,
        "overconfidence": overconfidence,
        "firm_id": np.arange(first_id, first_id + n, dtype=np.int64),
        "alive": np.ones(n, dtype=bool),
        "born": np.full(n, tick, dtype=np.int64),
        "base_capture": base_capture,
        "units": units,
        "key_people": per_firm[_C.index('key_people')].copy(),
        "spending": per_firm[_C.index('income')].copy(),
        "preference": preference,
        "aspiration": np.full(n, cfg.negotiation.prior_return),
    }


def overload_of(state: FirmState) -> np.ndarray:
    return np.maximum(state.attention / np.maximum(state.capacity, 1e-9) - 1.0, 0.0)


def dependence(state: FirmState, who) -> np.ndarray:
    return clip(1.0 - state.income[who] / np.maximum(state.spending[who], 1e-9), 0.0, 1.0)


def structural_capture(cfg, base, function, units):
    return _structural_capture(base, function, units, cfg.learning.function_capture_bonus, cfg.learning.complexity_dilution)


def grown_capacity(base_capacity, knowhow, cfg):
    return _grown_capacity(base_capacity, knowhow, cfg.portfolio.capacity_learning, cfg.learning.general_saturation)


def believed_cap(capacity, base_capacity, overconfidence, follows):
    return _believed_cap(capacity, base_capacity, overconfidence, follows).astype(np.int64)


# -------------------------------------------------------------- selection
def adapt(state: FirmState, slots: np.ndarray, returns: np.ndarray, choices: np.ndarray, cfg) -> None:
    if cfg.adaptation_rate == 0.0 or len(slots) == 0:
        return
    surprise = np.tanh(returns - state.aspiration[slots])
    toward = np.where(surprise[:, None] >= 0, choices, 1.0 - choices)
    step = cfg.adaptation_rate * np.abs(surprise)[:, None] * (toward - state.preference[slots])
    np.add.at(state.preference, slots, step)
    clip(state.preference, *PREFERENCE_BOUNDS, out=state.preference)
    np.add.at(state.aspiration, slots, cfg.aspiration_rate * (returns - state.aspiration[slots]))


# -------------------------------------------------------------- execution
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
    count_formed(records["slot_a"], records["slot_b"], t.astype(np.int64), state.experience)
    return records


def book(state, a, b, types, attention, sign):
    t = types.astype(np.int64)
    book_sides(state, np.concatenate([a, b]), np.concatenate([b, a]), np.concatenate([t, t]), np.concatenate([attention, attention]), sign)


def book_sides(state, own, other, t, attention, sign):
    np.add.at(state.active, (own, t), sign)
    np.add.at(state.attention, own, sign * attention)
    for k in (EXPLORATION, EXPLOITATION):
        np.add.at(state.partner_profile[:, k], own, (sign * state.capability[other])[:, k])


def count_formed(a, b, t, experience):
    np.add.at(experience, (a, t), 1.0)
    np.add.at(experience, (b, t), 1.0)


def absorbable(state: FirmState, slots: np.ndarray, types: np.ndarray, learning: Learning) -> np.ndarray:
    """Usable share of the technical knowledge a partner of ``types`` brings home to ``slots``.

    Exploitation partners' knowledge is usable as far as the firm's own
    research (internal exploration know-how) overlaps with it; exploration
    partners' distant knowledge is crowded out by the firm's exploitation
    routines (internal exploitation know-how).
    """
    lc = learning
    # Each type reads the other kind of internal know-how (exploitation
    # partners: the firm's exploration know-how; exploration partners: its
    # exploitation routines), so one gather and per-row coefficients do both.
    exploit = (types == EXPLOITATION) | bool(lc.exploration_absorbed_as_exploitation)
    internal = state.internal_knowhow[slots, np.where(exploit, EXPLORATION, EXPLOITATION)]
    base = np.where(exploit, lc.absorb_exploitation, lc.absorb_exploration)
    slope = np.where(exploit, lc.absorptive_capacity_gain, -lc.absorb_exploration * lc.exploitation_rigidity)
    return absorption(base, slope, internal, lc.absorptive_saturation)


def team_skill(state: FirmState, log: AllianceLog, ids: np.ndarray, learning: Learning) -> np.ndarray:
    """How much of the partners' general alliance know-how the team running alliances ``ids`` commands, in [0, 1]:
    the mean of the two partners' know-how on the diminishing-returns curve, less what the hand-off lost.
    Milestones (``learning.general_returns``) and conflict resolution (``exit.knowhow_conflict_reduction``)
    both draw on it."""
    c = log.cols
    general = state.general_knowhow
    sat = saturating(general[c["slot_a"][ids]], learning.general_saturation)
    sat += saturating(general[c["slot_b"][ids]], learning.general_saturation)
    return 0.5 * sat * (1.0 - c["handoff_loss"][ids])


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
    knowhow = 2.0 * learning.general_returns * team_skill(state, log, ids, learning)
    overload = overload_of(state)
    own_need = c["attention"][ids] / np.maximum(attention_need(t, c["protective"][ids], cfg), 1e-9)
    coordination = cfg.coordination_penalty * own_need * 0.5 * (overload[a] ** cfg.coordination_exponent + overload[b] ** cfg.coordination_exponent)
    defensiveness = cfg.lopsided_effort_penalty * c["lopsidedness"][ids]
    fits = c["protective"][ids] == (t == EXPLOITATION)
    governance = np.where(fits, cfg.governance_fit, -cfg.governance_fit)
    novelty = cfg.novelty_weight * (c["novelty"][ids] - 1.0)
    logit = base + capability + knowhow + novelty + c["partner_specific_logit"][ids] - coordination - defensiveness + governance
    if tick is not None:
        overdue = np.maximum((tick - c["start_tick"][ids]) / c["plan_ticks"][ids] - 1.0, 0.0)
        logit -= cfg.stale_penalty * overdue
    return logit


def transfer(state: FirmState, log: AllianceLog, ids: np.ndarray, learning: Learning) -> None:
    """Alliances ``ids`` met a milestone: each partner takes home the usable share (:func:`absorbable`) of the
    technical knowledge that milestone delivered, ``lesson_per_alliance x novelty / milestones`` (a whole
    alliance delivers its lesson; a redundant pair has less that is new)."""
    if len(ids) == 0:
        return
    c = log.cols
    t = c["type"][ids].astype(np.int64)
    lesson = learning.lesson_per_alliance * c["novelty"][ids] / c["milestones"][ids]
    firms, types, lessons = (np.concatenate([c["slot_a"][ids], c["slot_b"][ids]]), np.concatenate([t, t]),
                             np.concatenate([lesson, lesson]))
    np.add.at(state.technical, (firms, types), lessons * absorbable(state, firms, types, learning))


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
    transfer(state, log, due[met], learning)
    c["missed"][due[missed]] += 1
    c["caught"][due[caught]] += 1
    c["retry_used"][due] = caught
    c["next_due"][due] = tick + np.where(caught, 1, c["spacing"][due])


# ------------------------------------------------------------------- exit
def conflict_hazard(state: FirmState, log: AllianceLog, ids: np.ndarray, cfg: Exit, learning: Learning) -> np.ndarray:
    """Per-tick chance that alliances ``ids`` dissolve in conflict.

    Lopsided terms raise it; protective governance, a repeat pair's relational
    routines, the team's general alliance know-how (conflict-resolution
    routines, :func:`~sim.steps.execution.team_skill`) and a partner's
    dedicated alliance function (it manages the relationship) damp it.
    """
    c = log.cols
    function = c["function_a"][ids] | c["function_b"][ids]
    return ((cfg.conflict_hazard + cfg.lopsided_conflict * c["lopsidedness"][ids])
            * (1.0 - cfg.protective_conflict_reduction * c["protective"][ids]) * (1.0 - c["relief"][ids])
            * (1.0 - cfg.knowhow_conflict_reduction * team_skill(state, log, ids, learning))
            * (1.0 - cfg.function_conflict_reduction * function))


def exit_reasons(state: FirmState, log: AllianceLog, ids: np.ndarray, tick: int, cfg: Exit, learning: Learning,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Exit code (0 = carries on) and planned flag for alliances ``ids``; first reason wins."""
    c = {k: log.cols[k][ids] for k in ("met", "milestones", "missed", "exit_triggers", "costs", "value_at_stake", "start_tick")}
    triggers = c["exit_triggers"]
    hazard = conflict_hazard(state, log, ids, cfg, learning)
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
    effort = 1.0 - learning.incentive_weight + learning.incentive_weight * dependence(state, firms)
    np.add.at(state.knowhow, (firms, t2), capture(lesson, state.capture_rate[firms] * effort))
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
    code, planned = exit_reasons(state, log, active, tick, config.exit, config.learning, rng)
    ended = code > 0
    ids = active[ended]
    if len(ids):
        settle(state, log, ids, code[ended], planned[ended], tick, config)
    return ids


# ------------------------------------------------------------ negotiation
def bargaining_power(state: FirmState, who: np.ndarray, cfg: Negotiation) -> np.ndarray:
    """Power of each firm at the table: resources, reputation and outside options."""
    spare = np.maximum(state.max_alliances[who] - state.active_total[who], 0)
    outside = spare / np.maximum(state.max_alliances[who], 1)
    return (
        np.maximum(state.resources[who], 1e-6) ** cfg.resource_power
        * (1.0 + cfg.reputation_power * state.reputation[who])
        * (1.0 + cfg.outside_option_power * outside)
    )


def split_value(power_a: np.ndarray, power_b: np.ndarray, rushed: np.ndarray, concession: float) -> np.ndarray:
    """Share of firm ``a``: proportional to power; a rushed weaker side gives ``concession`` away."""
    share_a = power_a / (power_a + power_b)
    a_weaker = share_a < 0.5
    share_a = np.where(rushed & a_weaker, share_a - concession, share_a)
    share_a = np.where(rushed & ~a_weaker, share_a + concession, share_a)
    return clip(share_a, 0.0, 1.0)


def negotiate(
    state: FirmState,
    pairs: PairMemory,
    matches: Matches,
    tick: int,
    cfg: Negotiation,
    learning: Learning,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Turn matched pairs into alliance records (columns of the alliance log).

    Firm ``a`` is the larger partner where sizes differ (the table's convention).
    """
    m = len(matches)
    swap = ~state.large[matches.a] & state.large[matches.b]
    ids = state.firm_id
    a = np.where(swap, matches.b, matches.a)
    b = np.where(swap, matches.a, matches.b)
    noise_a = np.where(swap, matches.noise_b, matches.noise_a)
    noise_b = np.where(swap, matches.noise_a, matches.noise_b)
    t = matches.type

    cap_a, cap_b = state.capability[a, t], state.capability[b, t]
    compl = complementarity(state, a, b)
    prior_joint, stock = pairs.counts_and_stocks(ids[a], ids[b], tick)
    routine = relational_routine(stock, learning.partner_specific_saturation)
    weight = np.where(t == EXPLORATION, 1.0, learning.redundancy_exploitation_weight)
    novelty = 1.0 - learning.knowledge_redundancy * weight * knowledge_overlap(prior_joint, learning.overlap_per_alliance)
    mean_value = np.where(t == EXPLORATION, cfg.value_exploration, cfg.value_exploitation)
    value = mean_value * rng.lognormal(0.0, cfg.value_sd, size=m) * (1.0 + compl) * novelty

    # Per-firm quantities for both sides at once: a's rows, then b's.
    ab = np.concatenate([a, b])
    rushed = rng.random(m) < cfg.rushed_deal_probability
    power = bargaining_power(state, ab, cfg)
    share_a = split_value(power[:m], power[m:], rushed, cfg.rushed_concession)

    p_protective = cfg.protective_base + cfg.protective_new_partner * (prior_joint == 0)
    has_function = state.alliance_function[ab]
    function_a, function_b = has_function[:m], has_function[m:]
    p_triggers = cfg.exit_trigger_probability + cfg.exit_trigger_function_bonus * (function_a | function_b)
    loss = cfg.handoff_loss * (1.0 - cfg.handoff_function_reduction * has_function)
    handoff = 0.5 * (loss[:m] + loss[m:])

    # What each side expects to capture: its share of its own (noisy, hence
    # optimistic when it won the search) view of the value, times the return
    # per unit of stake it believes alliances yield (adaptive expectations).
    belief = (state.realised_return[ab] + cfg.prior_return * 2.0) / (state.ended_alliances[ab] + 2.0)
    noise = np.concatenate([noise_a, noise_b])
    expected = np.concatenate([share_a, 1.0 - share_a]) * np.concatenate([value, value]) * np.exp(0.5 * noise) * belief
    general_experience, experience, portfolio = state.general_experience[ab], state.experience[ab], state.active_total[ab]
    large = state.large[ab]

    return {
        "firm_a": ids[a], "firm_b": ids[b], "slot_a": a, "slot_b": b, "type": t.astype(np.int8),
        "relief": learning.relational_routines * routine, "novelty": novelty,
        "large_a": large[:m], "large_b": large[m:],
        "start_tick": np.full(m, tick), "next_due": np.full(m, tick),  # execution sets the schedule
        "value_at_stake": value, "share_a": share_a, "lopsidedness": np.abs(share_a - 0.5),
        "protective": rng.random(m) < p_protective,
        "exit_triggers": rng.random(m) < clip(p_triggers, 0.0, 1.0),
        "handoff_loss": handoff,
        "general_experience_a": general_experience[:m], "general_experience_b": general_experience[m:],
        "exploration_experience_a": experience[:m, 0], "exploitation_experience_a": experience[:m, 1],
        "exploration_experience_b": experience[m:, 0], "exploitation_experience_b": experience[m:, 1],
        "partner_specific_experience": prior_joint,
        "partner_specific_logit": partner_specific_benefit(
            stock, learning.partner_specific_effect, learning.partner_specific_saturation
        ),
        "capability_a": cap_a, "capability_b": cap_b, "complementarity": compl,
        "function_a": function_a, "function_b": function_b,
        "portfolio_a": portfolio[:m], "portfolio_b": portfolio[m:],
        "expected_a": expected[:m], "expected_b": expected[m:],
    }


# -------------------------------------------------------------- portfolio
def review_functions(state: FirmState, config: Config, rng: np.random.Generator) -> None:
    """Set up, finish setting up, pay for and drop dedicated alliance functions."""
    cfg = config.portfolio
    finishing = state.function_setup == 1
    state.function_setup[state.function_setup > 0] -= 1
    reviewers = (state.alive & (rng.random(state.n) < cfg.function_review_probability)).nonzero()[0]
    noise = rng.lognormal(0.0, cfg.function_value_sd, size=len(reviewers))
    worth = cfg.function_value_per_alliance * state.active_total[reviewers] * noise
    has = state.alliance_function[reviewers] | (state.function_setup[reviewers] > 0)
    start = reviewers[~has & (worth > cfg.function_cost)]
    drop = reviewers[has & (worth < 0.5 * cfg.function_cost)]
    if cfg.function_setup_ticks > 0:
        state.function_setup[start] = cfg.function_setup_ticks
    else:
        finishing[start] = True
    state.function_setup[drop] = 0
    finishing[drop] = False
    changed = np.concatenate([finishing.nonzero()[0], drop])
    state.alliance_function[finishing] = True
    state.alliance_function[drop] = False
    state.capture_rate[changed] = structural_capture(config, state.base_capture[changed], state.alliance_function[changed], state.units[changed])
    cost = cfg.function_cost * (state.alliance_function | (state.function_setup > 0))
    state.resources -= cost
    state.spent += cost


def manage(state: FirmState, config: Config, rng: np.random.Generator) -> None:
    """End-of-tick portfolio review for all firms (in place)."""
    cfg: Portfolio = config.portfolio
    learning: Learning = config.learning
    if cfg.overconfidence_persistence < 1.0:  # overconfidence a passing state: an AR(1) of its log around the mean
        rho = cfg.overconfidence_persistence
        spread = np.where(state.large, config.firms.large.overconfidence_sd, config.firms.small.overconfidence_sd)
        shock = rng.standard_normal(state.n)
        live = state.alive & (spread > 0)
        z = np.log(state.overconfidence[live] / cfg.overconfidence) / spread[live]
        state.overconfidence[live] = cfg.overconfidence * np.exp(spread[live] * (rho * z + np.sqrt(1.0 - rho * rho) * shock[live]))
    keep, internal_keep = forget(1.0, learning.forgetting_rate), forget(1.0, learning.internal_forgetting_rate)
    state.knowhow *= keep  # forget(k, rate) is k times forget(1, rate): the same floats, in place
    state.technical *= keep
    state.internal_knowhow *= internal_keep
    if learning.key_person_hazard > 0:
        leaving = rng.random(state.n) < learning.key_person_hazard
        state.knowhow[leaving] *= (1.0 - 1.0 / state.key_people[leaving])[:, None]
    grown = grown_capacity(state.base_capacity, state.general_knowhow, config)
    np.maximum(state.capacity, grown, out=state.capacity)
    state.max_alliances[:] = believed_cap(state.capacity, state.base_capacity, state.overconfidence, cfg.cap_follows_capacity) * state.alive
    state.reputation += cfg.reputation_reversion * (0.5 - state.reputation)
    clip(state.reputation, 0.0, 1.0, out=state.reputation)
    state.resources += state.income
    review_functions(state, config, rng)
    state.spending += SPENDING_MEMORY * (state.spent - state.spending)
    state.spent[:] = 0.0


# ------------------------------------------------------------- innovation
def approval_logit(state: FirmState, firms: np.ndarray, types: np.ndarray, capability: np.ndarray, cfg: Innovation, learning: Learning) -> np.ndarray:
    """Per-tick approval logit of internal projects of ``types`` run by ``firms``."""
    internal = general_benefit(state.internal_knowhow[firms, types], cfg.experience_returns, cfg.experience_saturation)
    absorbed = state.technical[firms, EXPLORATION] + state.technical[firms, EXPLOITATION]
    external = general_benefit(absorbed, learning.technical_returns, learning.technical_saturation)
    return cfg.base_logit + cfg.capability_weight * (capability - 0.5) + internal + external - cfg.load_penalty * overload_of(state)[firms]


def _start(state: FirmState, log: ProjectLog, tick: int, cfg: Innovation, rng: np.random.Generator) -> None:
    room = state.alive & (state.projects < cfg.max_projects)
    starters = (room & (rng.random(state.n) < cfg.project_probability)).nonzero()[0]
    if len(starters) == 0:
        return
    cap = state.capability[starters]
    types = (rng.random(len(starters)) >= cap[:, 0] / np.maximum(cap[:, 0] + cap[:, 1], 1e-9)).astype(np.int64)
    log.append({
        "firm": starters, "firm_id": state.firm_id[starters], "large": state.large[starters], "type": types.astype(np.int8),
        "start_tick": np.full(len(starters), tick),
        "internal_exploration_experience": state.internal_experience[starters, EXPLORATION],
        "internal_exploitation_experience": state.internal_experience[starters, EXPLOITATION],
        "alliance_exploration_experience": state.experience[starters, EXPLORATION],
        "alliance_exploitation_experience": state.experience[starters, EXPLOITATION],
        "capability": cap[np.arange(len(starters)), types],
        "alliance_function": state.alliance_function[starters],
        "active_alliances": state.active_total[starters],
    })
    state.projects[starters] += 1


def innovate(state: FirmState, log: ProjectLog, tick: int, cfg: Innovation, learning: Learning, rng: np.random.Generator) -> int:
    """One tick of internal R&D for all firms; returns the number of new products."""
    active = log.active_ids()
    approved_count = 0
    if len(active):
        c = log.cols
        firms = c["firm"][active]
        types = c["type"][active].astype(np.int64)
        p_approve = sigmoid(approval_logit(state, firms, types, c["capability"][active], cfg, learning))
        u = rng.random(len(active))
        approved = u < p_approve
        terminated = ~approved & ((u < p_approve + cfg.termination_hazard) | (tick - c["start_tick"][active] >= cfg.max_duration))
        done = approved | terminated
        ids = active[done]
        log.deactivate(ids)
        c["end_tick"][ids] = tick
        c["outcome"][ids] = np.where(approved[done], APPROVED, TERMINATED)
        f, t = firms[done], types[done]
        np.add.at(state.projects, f, -1)
        np.add.at(state.internal_experience, (f, t), 1.0)
        sd = learning.internal_capture_noise
        lesson = capture(rng.lognormal(-0.5 * sd * sd, sd, size=len(f)), learning.internal_capture_rate)
        np.add.at(state.internal_knowhow, (f, t), lesson)
        np.add.at(state.products, firms[approved], 1)
        np.add.at(state.resources, firms[approved], cfg.product_value)
        approved_count = int(approved.sum())
    cost = cfg.project_cost * state.projects
    state.resources -= cost
    state.spent += cost
    _start(state, log, tick, cfg, rng)
    return approved_count


# ------------------------------------------------------------- demography
def exits(state: FirmState, log: AllianceLog, projects: ProjectLog, tick: int, config: Config,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """The leavers, their alliances settled as partner exits, their projects terminated, their slots emptied
    (sim/steps/demography.py at bbe1dd6)."""
    hazard = float(config.firms.acquisition_hazard)
    draw = rng.random(state.n) if hazard > 0 else np.zeros(0)
    threshold = config.firms.exit_threshold
    acquired_now = (~state.large & (draw < hazard)) if len(draw) else np.zeros(state.n, dtype=bool)
    gone = (state.alive & ((state.resources < threshold) | acquired_now)).nonzero()[0]
    if len(gone) == 0:
        return gone, gone, 0
    acquired = int((state.resources[gone] >= threshold).sum())
    active = log.active_ids()
    leaving = np.zeros(state.n, dtype=bool)
    leaving[gone] = True
    hit = active[leaving[log.slot_a[active]] | leaving[log.slot_b[active]]]
    if len(hit):
        settle(state, log, hit, np.full(len(hit), PARTNER_EXIT, dtype=np.int8), np.zeros(len(hit), dtype=bool), tick,
               config)
        log.deactivated()
    running = projects.active_ids()
    stopped = running[leaving[projects.firm[running]]]
    projects.deactivate(stopped)
    projects.end_tick[stopped] = tick
    projects.outcome[stopped] = TERMINATED
    state.projects[gone] = 0
    state.alive[gone] = False
    state.max_alliances[gone] = 0
    state.income[gone] = 0.0
    state.alliance_function[gone] = False
    state.function_setup[gone] = 0
    state.slot_of_id[state.firm_id[gone]] = -1
    return gone, hit, acquired



def entries(state: FirmState, tick: int, config: Config, rng: np.random.Generator) -> np.ndarray:
    """New ventures into the first empty slots (sim/steps/demography.py at bbe1dd6, its draws :func:`draw_firms`)."""
    free = (~state.alive).nonzero()[0]
    k = min(int(rng.poisson(config.firms.entry_rate * config.firms.n)), len(free))
    if k == 0:
        return free[:0]
    slots = free[:k]
    for name in ZERO_FIELDS:
        getattr(state, name)[slots] = 0
    for name, values in draw_firms(config, rng, np.zeros(k, dtype=bool), tick, len(state.slot_of_id)).items():
        getattr(state, name)[slots] = values
    state.slot_of_id = np.concatenate([state.slot_of_id, slots])
    return slots

# -------------------------------------------------------------- selection
def exploration_pull(state: FirmState, who: np.ndarray, target: float | np.ndarray) -> np.ndarray:
    total = state.active_total[who]
    share = np.where(total > 0, state.active[who, EXPLORATION] / np.maximum(total, 1), target)
    return clip(target + (target - share), 0.0, 1.0)


def select_partners(state: FirmState, pairs: PairMemory, cfg, rng: np.random.Generator):
    """The numpy rule: scores by :func:`sim.steps.selection.evaluate` (itself checked against the scoring kernel bit
    for bit in tests/test_kernels.py), the best candidate by argmax, acceptance one proposal at a time."""
    from sim.steps.selection import evaluate

    n = state.n
    spare = state.max_alliances - state.active_total
    seekers = ((spare > 0) & (rng.random(n) < cfg.search_probability)).nonzero()[0]
    if len(seekers) == 0 or n < 2:
        return Matches.empty()
    p_explore = exploration_pull(state, seekers, state.preference[seekers, 0])
    types = (rng.random(len(seekers)) >= p_explore).astype(np.int64)
    k = min(cfg.search_breadth, n - 1)
    cand = rng.integers(0, n - 1, size=(len(seekers), k))
    cand += cand >= seekers[:, None]
    repeat = (rng.random(len(seekers)) < state.preference[seekers, 1]).nonzero()[0]
    partner = pairs.random_partners(state.firm_id[seekers[repeat]], rng.random(len(repeat)))
    has = partner >= 0
    slot = state.slot_of_id[partner[has]]
    there = slot >= 0
    cand[repeat[has][there], 0] = slot[there]
    noise = rng.normal(0.0, cfg.observation_noise, size=cand.shape)
    who = np.repeat(seekers, cand.shape[1])
    known = pairs.known(state.firm_id[who], state.firm_id[cand.ravel()]).astype(float).reshape(cand.shape)
    score = evaluate(state, who, cand.ravel(), known.ravel(), cfg, noise.ravel()).reshape(cand.shape)
    score[spare[cand] <= 0] = -np.inf
    best = score.argmax(axis=1)
    rows = np.arange(len(seekers))
    ok = np.isfinite(score[rows, best]).nonzero()[0]
    seekers, types, best = seekers[ok], types[ok], best[ok]
    targets, fam, noise_seeker = cand[ok, best], known[ok, best], noise[ok, best]
    noise_target = rng.normal(0.0, cfg.observation_noise, size=len(targets))
    target_score = evaluate(state, targets, seekers, fam, cfg, noise_target)
    keep = target_score > cfg.reservation_score
    order = keep.nonzero()[0][(-target_score[keep]).argsort(kind="stable")]
    room, taken, idx = spare.copy(), set(), []
    for i in order.tolist():
        s, t = int(seekers[i]), int(targets[i])
        pair = (min(s, t), max(s, t))
        if room[s] <= 0 or room[t] <= 0 or pair in taken or pairs.allied(state.firm_id[[s]], state.firm_id[[t]])[0]:
            continue
        taken.add(pair)
        room[s] -= 1
        room[t] -= 1
        idx.append(i)
    if not idx:
        return Matches.empty()
    idx = np.array(idx)
    return Matches(seekers[idx], targets[idx], types[idx], noise_seeker[idx], noise_target[idx])


# -------------------------------------------------------------- recording
def _mean_where(values: np.ndarray, mask: np.ndarray) -> float:
    count = np.count_nonzero(mask)
    return float(values[mask].sum() / count) if count else float("nan")


def firm_series(s: FirmState) -> dict[str, float]:
    """The model series read from the firms' state (sim/recording.py at e2bc59b)."""
    has_ended = s.alive & (s.ended_alliances > 0)
    out = {
        "active_alliances": int(s.active.sum() // 2),
        "active_exploration": int(s.active[:, 0].sum() // 2),
        "active_exploitation": int(s.active[:, 1].sum() // 2),
        "underperforming_share": _mean_where(s.underperforming, has_ended),
        "mean_general_experience": _mean_where(s.general_experience, s.alive),
        "mean_knowhow": _mean_where(s.general_knowhow, s.alive),
        "rnd_projects_active": int(s.projects.sum()),
        "firms": int(s.alive.sum()),
        "function_share": _mean_where(s.alliance_function, s.alive),
    }
    for k, name in enumerate(("exploration", "repeat", "large")):
        out[f"preference_{name}"] = _mean_where(s.preference[:, k], s.alive)
    return out
