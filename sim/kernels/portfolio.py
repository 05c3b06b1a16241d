"""Portfolio management's pass (:func:`sim.steps.portfolio.manage`): forgetting, key people, capacity, the believed
alliance cap, reputation, income, the alliance-function review and the spending average, in one pass over the
firms (every quantity of a firm depends on that firm alone, so one pass computes what the numpy step's passes did).

``pp`` is the ``portfolio`` section and ``lp`` the ``learning`` section (:func:`sim.kernels.params`).
"""

from __future__ import annotations

import numpy as np

from ..state import believed_cap, grown_capacity, structural_capture
from . import kernel
from .generator import as_generator


@kernel
def review_function(has, worth, cost):
    """An alliance-function review (:func:`sim.steps.portfolio.review_functions`): +1 to set one up (the estimated
    ``worth`` of one exceeds its running ``cost``), -1 to drop the one it ``has`` (worth below half the cost),
    0 to leave things as they are."""
    if not has and worth > cost:
        return 1
    if has and worth < 0.5 * cost:
        return -1
    return 0


@kernel
def manage(full, keep, internal_keep, key_draw, review_draw, noise, spending_memory, alive, knowhow, technical,
           internal_knowhow, key_people, base_capacity, capacity, max_alliances, overconfidence, reputation, resources,
           income, function_setup, alliance_function, capture_rate, base_capture, units, active, spent, spending, ppa,
           lpa):
    """End-of-tick review of every firm (:func:`sim.steps.portfolio.manage`; ``key_draw``: a uniform per firm,
    empty when no key people leave; ``review_draw``: a uniform per firm, ``noise``: a log-normal draw per firm that
    reviews its alliance function, in slot order).  With ``full`` False, only the alliance functions
    (:func:`sim.steps.portfolio.review_functions`)."""
    pp, lp = ppa[0], lpa[0]  # the sections' records
    key_people_leave = full and lp.key_person_hazard > 0
    j = 0
    for f in range(len(alive)):
        if full:
            for k in range(2):
                knowhow[f, k] *= keep
                technical[f, k] *= keep
                internal_knowhow[f, k] *= internal_keep
            if key_people_leave and key_draw[f] < lp.key_person_hazard:
                lost = 1.0 - 1.0 / key_people[f]
                knowhow[f, 0] *= lost
                knowhow[f, 1] *= lost
            grown = grown_capacity(base_capacity[f], knowhow[f, 0] + knowhow[f, 1], pp.capacity_learning,
                                   lp.general_saturation)
            capacity[f] = np.maximum(capacity[f], grown)
            cap = believed_cap(capacity[f], base_capacity[f], overconfidence[f], pp.cap_follows_capacity)
            max_alliances[f] = np.int64(cap) * alive[f]
            reputation[f] += pp.reputation_reversion * (0.5 - reputation[f])
            reputation[f] = np.minimum(np.maximum(reputation[f], 0.0), 1.0)
            resources[f] += income[f]
        # the alliance function: one being set up works when its setup time is over; a firm that reviews it
        # (noise[j]: its estimate's draw) may set one up or drop it; it pays for one it has or is setting up
        finishing = function_setup[f] == 1
        if function_setup[f] > 0:
            function_setup[f] -= 1
        if alive[f] and review_draw[f] < pp.function_review_probability:
            has = alliance_function[f] or function_setup[f] > 0
            worth = pp.function_value_per_alliance * (active[f, 0] + active[f, 1]) * noise[j]
            j += 1
            choice = review_function(has, worth, pp.function_cost)
            if choice == 1:
                if pp.function_setup_ticks > 0:
                    function_setup[f] = np.int64(pp.function_setup_ticks)
                else:
                    finishing = True
            elif choice == -1:
                function_setup[f] = 0
                finishing = False
                alliance_function[f] = False
                capture_rate[f] = structural_capture(base_capture[f], False, units[f], lp.function_capture_bonus,
                                                     lp.complexity_dilution)
        if finishing:
            alliance_function[f] = True
            capture_rate[f] = structural_capture(base_capture[f], True, units[f], lp.function_capture_bonus,
                                                 lp.complexity_dilution)
        cost = pp.function_cost * (alliance_function[f] or function_setup[f] > 0)
        resources[f] -= cost
        spent[f] += cost
        if full:
            spending[f] += spending_memory * (spent[f] - spending[f])
            spent[f] = 0.0


@kernel
def count_reviewers(alive, review_draw, probability):
    """How many firms in the market review their alliance function this tick (``review_draw`` below
    ``probability``)."""
    k = 0
    for f in range(len(alive)):
        k += alive[f] and review_draw[f] < probability
    return k


@kernel
def manage_drawing(gen, key_people_leave, keep, internal_keep, spending_memory, alive, knowhow, technical,
                   internal_knowhow, key_people, base_capacity, capacity, max_alliances, overconfidence, reputation,
                   resources, income, function_setup, alliance_function, capture_rate, base_capture, units, active,
                   spent, spending, ppa, lpa):
    """:func:`manage` (the whole review) with its draws made here from the run's Generator (``gen``,
    :func:`.generator.handle`) in the numpy code's order: a uniform per slot for key people (when
    ``key_people_leave``), a uniform per slot for the function reviews, a log-normal per reviewer."""
    rng = as_generator(gen)
    n = len(alive)
    key_draw = rng.random(n if key_people_leave else 0)
    review_draw = rng.random(n)
    pp = ppa[0]
    noise = rng.lognormal(0.0, pp.function_value_sd, count_reviewers(alive, review_draw, pp.function_review_probability))
    manage(True, keep, internal_keep, key_draw, review_draw, noise, spending_memory, alive, knowhow, technical,
           internal_knowhow, key_people, base_capacity, capacity, max_alliances, overconfidence, reputation, resources,
           income, function_setup, alliance_function, capture_rate, base_capture, units, active, spent, spending, ppa,
           lpa)
