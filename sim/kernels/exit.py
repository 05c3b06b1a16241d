"""Exit's formulas and passes (:mod:`sim.steps.exit`): conflict hazard, exit reasons, settlement.

``p`` is the ``exit`` section, ``lp`` the ``learning`` section and ``sp`` the
``selection`` section (:func:`sim.kernels.params`).
"""

from __future__ import annotations

import numpy as np

from ..learning import capture, sigmoid
from ..state import dependence, overload
from . import kernel
from .generator import as_generator
from .execution import alliance_skill, milestone_logit, overdue, review_outcome, standing, team_skill, transfer
from .selection import adapt

GOAL, MISSED, OVERRUN, CONFLICT, EXPIRED, PARTNER_EXIT = 1, 2, 3, 4, 5, 6  # sim.alliances' exit codes
EXPLORATION = 0


# ---------------------------------------------------------------- formulas
@kernel
def conflict_hazard(lopsidedness, protective, relief, skill, function, p):
    """Per-tick chance that an alliance dissolves in conflict (:func:`sim.steps.exit.conflict_hazard`): lopsided
    terms raise it; protective governance, a repeat pair's relational routines (``relief``), the team's general
    know-how (``skill``, :func:`sim.kernels.execution.team_skill`) and a partner's alliance function damp it."""
    return ((p.conflict_hazard + p.lopsided_conflict * lopsidedness)
            * (1.0 - p.protective_conflict_reduction * protective) * (1.0 - relief)
            * (1.0 - p.knowhow_conflict_reduction * skill)
            * (1.0 - p.function_conflict_reduction * function))


@kernel
def exit_reason(met, milestones, missed, triggers, costs, value, age, conflict_draw, hazard, p):
    """Exit code of an alliance (0 = carries on; :func:`sim.steps.exit.exit_reasons`): the first reason that holds,
    in the order goal reached, missed milestones (an agreed trigger's count, or the tolerance without one), cost
    overrun, conflict (``conflict_draw`` below ``hazard``), expiry (``age`` ticks since the start)."""
    if met >= milestones:
        return GOAL
    if (triggers and missed >= p.trigger_misses) or missed >= p.tolerance_misses:
        return MISSED
    if costs > p.overrun_limit * value:
        return OVERRUN
    if conflict_draw < hazard:
        return CONFLICT
    if age >= p.max_duration:
        return EXPIRED
    return 0


@kernel
def planned_exit(code, triggers):
    """An exit is planned when the goal was reached, an agreed trigger (not a conflict) ended it, or it expired."""
    return code == GOAL or (code != CONFLICT and triggers) or code == EXPIRED


# ------------------------------------------------------------------- passes
@kernel
def conflict_hazards(ids, lopsidedness, protective, relief, handoff_loss, function_a, function_b, slot_a, slot_b,
                     knowhow, pa, lpa, out):
    """:func:`conflict_hazard` of alliances ``ids``."""
    p, lp = pa[0], lpa[0]  # the sections' records
    for i in range(len(ids)):
        r = ids[i]
        skill = alliance_skill(r, slot_a, slot_b, handoff_loss, knowhow, lp)
        out[i] = conflict_hazard(lopsidedness[r], protective[r], relief[r], skill, function_a[r] or function_b[r], p)


@kernel
def exit_reasons(ids, u, tick, met, milestones, missed, exit_triggers, costs, value_at_stake, start_tick, lopsidedness,
                 protective, relief, handoff_loss, function_a, function_b, slot_a, slot_b, knowhow, pa, lpa, code, planned):
    """:func:`exit_reason` and :func:`planned_exit` of alliances ``ids`` at ``tick`` (``u``: a uniform each)."""
    p, lp = pa[0], lpa[0]  # the sections' records
    hazard = np.empty(len(ids))
    conflict_hazards(ids, lopsidedness, protective, relief, handoff_loss, function_a, function_b, slot_a, slot_b,
                     knowhow, pa, lpa, hazard)
    for i in range(len(ids)):
        r = ids[i]
        code[i] = exit_reason(met[r], milestones[r], missed[r], exit_triggers[r], costs[r], value_at_stake[r],
                              tick - start_tick[r], u[i], hazard[i], p)
        planned[i] = planned_exit(code[i], exit_triggers[r])


@kernel
def settle(ids, code, planned, tick, c_type, slot_a, slot_b, value_at_stake, costs, met, milestones, share_a, novelty,
           attention_col, expected_a, expected_b, partner_specific_experience, active_col, end_tick, success_col,
           exit_code, planned_col, value_created, captured_a_col, captured_b_col, active, attention, partner_profile,
           capability, knowhow, capture_rate, income, spending, reputation, resources, products, ended_alliances,
           successes, expected_value, captured_value, realised_return, large, preference, aspiration, low, high, pa,
           lpa, spa):
    """End alliances ``ids`` with exit ``code`` (:func:`sim.steps.exit.settle`): the value each partner captures
    (it paid its share of the running costs as they accrued), reputation, the lesson each keeps (capture rate
    times its incentive to capture), the portfolio unbooked, and each partner's search preferences reinforced by
    its realised return (:func:`sim.steps.selection.adapt`, preferences kept within ``low``..``high``).

    Rows are side a's, then side b's, as the numpy step's ``np.add.at`` over both sides added them; every value
    a row reads (aspiration, preferences) is read before any row changes it."""
    p, lp, sp = pa[0], lpa[0], spa[0]  # the sections' records
    k = len(ids)
    captured = np.empty(2 * k)
    returns = np.empty(2 * k)
    for i in range(k):
        r = ids[i]
        value = value_at_stake[r]
        partial = p.salvage_share * value * met[r] / max(milestones[r], 1)
        exit_cost = (p.planned_exit_cost if planned[i] else p.unplanned_exit_cost) * value
        created = (value if code[i] == GOAL else partial - exit_cost) - costs[r]
        ca = share_a[r] * created
        captured[i], captured[k + i] = ca, created - ca
        active_col[r] = False
        end_tick[r] = tick
        success_col[r] = code[i] == GOAL
        exit_code[r] = code[i]
        planned_col[r] = planned[i]
        value_created[r] = created
        captured_a_col[r] = ca
        captured_b_col[r] = created - ca
    for j in range(2 * k):  # the portfolios unbooked
        i = j % k
        r = ids[i]
        f, o = (slot_a[r], slot_b[r]) if j < k else (slot_b[r], slot_a[r])
        active[f, c_type[r]] -= 1
        attention[f] += -attention_col[r]
        partner_profile[f, 0] += -capability[o, 0]
        partner_profile[f, 1] += -capability[o, 1]
    for j in range(2 * k):
        i = j % k
        r = ids[i]
        f = slot_a[r] if j < k else slot_b[r]
        success = code[i] == GOAL
        share = share_a[r] if j < k else 1.0 - share_a[r]
        value = value_at_stake[r]
        effort = 1.0 - lp.incentive_weight + lp.incentive_weight * dependence(income[f], spending[f])
        knowhow[f, c_type[r]] += capture(lp.lesson_per_alliance * novelty[r], capture_rate[f] * effort)
        reputation[f] += (p.reputation_gain if success else 0.0) - (p.reputation_loss if not planned[i] else 0.0)
        resources[f] += captured[j] + share * costs[r]
        products[f] += success
        ended_alliances[f] += 1
        successes[f] += success
        expected_value[f] += expected_a[r] if j < k else expected_b[r]
        captured_value[f] += captured[j]
        returns[j] = captured[j] / max(share * value, 1e-9)
        realised_return[f] += returns[j]
    slots = np.empty(2 * k, dtype=np.int64)
    choices = np.empty((2 * k, 3))
    for j in range(2 * k):
        r = ids[j % k]
        f, o = (slot_a[r], slot_b[r]) if j < k else (slot_b[r], slot_a[r])
        slots[j] = f
        choices[j, 0] = c_type[r] == EXPLORATION
        choices[j, 1] = partner_specific_experience[r] > 0
        choices[j, 2] = large[o]
    adapt(slots, returns, choices, aspiration, preference, low, high, spa)
    for f in range(len(reputation)):
        reputation[f] = np.minimum(np.maximum(reputation[f], 0.0), 1.0)
        attention[f] = np.maximum(attention[f], 0.0)  # float round-off


# ------------------------------------------------------------- a tick's run
@kernel
def count_due(active, next_due, tick):
    """How many of the active alliances have a milestone review due at ``tick``."""
    k = 0
    for i in range(len(active)):
        k += next_due[active[i]] <= tick
    return k


@kernel
def run_alliances(execute, close, live, due_draw, exit_draw, tick, c_type, slot_a, slot_b, capability_a,
                  capability_b, handoff_loss, attention_col, protective, lopsidedness, novelty, partner_specific_logit,
                  relief, start_tick, plan_ticks, function_a, function_b, retry_used, met, missed, caught, next_due,
                  spacing, milestones, cost_per_tick, costs, share_a, exit_triggers, value_at_stake, expected_a,
                  expected_b, partner_specific_experience, active_col, end_tick, success_col, exit_code, planned_col,
                  value_created, captured_a_col, captured_b_col, active, attention, capacity, partner_profile, capability,
                  knowhow, capture_rate, income, spending, reputation, resources, spent, products, ended_alliances, successes,
                  expected_value, captured_value, realised_return, large, preference, aspiration, technical,
                  internal_knowhow, low, high, xa, pa, lpa, spa):
    """One tick of every active alliance, in one pass over them: when ``execute`` (:func:`sim.steps.execution.execute`),
    both partners pay their share of its running cost and a due milestone is reviewed (:func:`review_outcome` at
    the chance of its :func:`~sim.kernels.execution.milestone_logit`; ``due_draw``: two uniforms per due review,
    in row order), a met one delivering technical knowledge (:func:`~sim.kernels.execution.transfer`, after the
    pass); when ``close`` (:func:`sim.steps.exit.close`), its :func:`exit_reason` (``exit_draw``: a uniform per
    active alliance), and the ended ones are settled (:func:`settle`).  Returns the ended alliances and, when some
    ended, the ones still running (``live`` in order, less the ended).

    No step of one alliance changes what another's reads (costs change resources, transfers technical knowledge,
    which no chance depends on; settlement comes after), so this is what the numpy steps computed pass by pass."""
    x, p, lp = xa[0], pa[0], lpa[0]  # the sections' records
    stand = np.empty(len(resources))
    for f in range(len(resources)):
        stand[f] = standing(knowhow[f, 0] + knowhow[f, 1], lp)
    hit = np.empty(len(live) if execute else 0, dtype=np.int64)
    code = np.zeros(len(live), dtype=np.int8)
    planned = np.zeros(len(live), dtype=np.bool_)
    j = k = ending = 0
    for i in range(len(live)):
        r = live[i]
        a, b = slot_a[r], slot_b[r]
        skill = team_skill(stand[a], stand[b], handoff_loss[r])
        function = function_a[r] or function_b[r]
        if execute:
            cost = cost_per_tick[r]
            costs[r] += cost
            pay_a, pay_b = share_a[r] * cost, (1.0 - share_a[r]) * cost
            resources[a] -= pay_a
            spent[a] += pay_a
            resources[b] -= pay_b
            spent[b] += pay_b
            if next_due[r] <= tick:
                logit = milestone_logit(c_type[r], capability_a[r], capability_b[r], skill, attention_col[r],
                                        protective[r], overload(attention[a], capacity[a]),
                                        overload(attention[b], capacity[b]), lopsidedness[r], novelty[r],
                                        partner_specific_logit[r], overdue(tick, start_tick[r], plan_ticks[r]), x, lp)
                outcome = review_outcome(due_draw[j, 0], due_draw[j, 1], sigmoid(logit), function, retry_used[r], x)
                j += 1
                if outcome == 0:
                    met[r] += 1
                    hit[k] = r
                    k += 1
                elif outcome == 1:
                    caught[r] += 1
                else:
                    missed[r] += 1
                retry_used[r] = outcome == 1
                next_due[r] = tick + (1 if outcome == 1 else spacing[r])
        if close:
            hazard = conflict_hazard(lopsidedness[r], protective[r], relief[r], skill, function, p)
            code[i] = exit_reason(met[r], milestones[r], missed[r], exit_triggers[r], costs[r], value_at_stake[r],
                                  tick - start_tick[r], exit_draw[i], hazard, p)
            planned[i] = planned_exit(code[i], exit_triggers[r])
            ending += code[i] > 0
    if execute:
        transfer(hit[:k], c_type, novelty, milestones, slot_a, slot_b, technical, internal_knowhow, lpa)
    ended = np.empty(ending, dtype=np.int64)
    remaining = np.empty(len(live) - ending, dtype=np.int64)  # the active rows after this tick, in order
    if ending:
        codes, plans = np.empty(ending, dtype=np.int8), np.empty(ending, dtype=np.bool_)
        e = m = 0
        for i in range(len(live)):
            if code[i] > 0:
                ended[e], codes[e], plans[e] = live[i], code[i], planned[i]
                e += 1
            else:
                remaining[m] = live[i]
                m += 1
        settle(ended, codes, plans, tick, c_type, slot_a, slot_b, value_at_stake, costs, met, milestones, share_a,
               novelty, attention_col, expected_a, expected_b, partner_specific_experience, active_col, end_tick,
               success_col, exit_code, planned_col, value_created, captured_a_col, captured_b_col, active, attention,
               partner_profile, capability, knowhow, capture_rate, income, spending, reputation, resources, products,
               ended_alliances, successes, expected_value, captured_value, realised_return, large, preference,
               aspiration, low, high, pa, lpa, spa)
    return ended, remaining


@kernel
def count_code(ids, exit_code, code):
    """How many of alliances ``ids`` ended with exit ``code``."""
    k = 0
    for i in range(len(ids)):
        k += exit_code[ids[i]] == code
    return k


@kernel
def run_alliances_drawing(gen, live, next_due, tick, *rest):
    """:func:`run_alliances` executing and closing ``live``, its draws made here from the run's Generator (``gen``,
    :func:`.generator.handle`) in the numpy code's order: two uniforms per due review (:func:`count_due`), then a
    uniform per active alliance.  ``rest``: the arguments of :func:`run_alliances` after ``tick``."""
    rng = as_generator(gen)
    due = rng.random((count_due(live, next_due, tick), 2))
    return run_alliances(True, True, live, due, rng.random(len(live)), tick, *rest)
