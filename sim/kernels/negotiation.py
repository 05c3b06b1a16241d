"""Negotiation's formulas and pass (:mod:`sim.steps.negotiation`): bargaining power, the split, the terms of
every matched pair.

``p`` is the ``negotiation`` section and ``lp`` the ``learning`` section (:func:`sim.kernels.params`).
"""

from __future__ import annotations

import numpy as np

from ..learning import knowledge_overlap, partner_specific_benefit, relational_routine
from . import kernel
from .generator import as_generator
from .pairs import count_and_stock
from .selection import complementarity

EXPLORATION = 0

# The alliance-log columns negotiate writes, in the order the kernel takes them.
COLUMNS = ("firm_a", "firm_b", "slot_a", "slot_b", "type", "relief", "novelty", "large_a", "large_b", "start_tick",
           "next_due", "value_at_stake", "share_a", "lopsidedness", "protective", "exit_triggers", "handoff_loss",
           "general_experience_a", "general_experience_b", "exploration_experience_a", "exploitation_experience_a",
           "exploration_experience_b", "exploitation_experience_b", "partner_specific_experience",
           "partner_specific_logit", "capability_a", "capability_b", "complementarity", "function_a", "function_b",
           "portfolio_a", "portfolio_b", "expected_a", "expected_b")


# ---------------------------------------------------------------- formulas
@kernel
def bargaining_power(resources, reputation, max_alliances, active_total, p):
    """Power of a firm at the table (:func:`sim.steps.negotiation.bargaining_power`): resources, reputation and
    outside options (the share of its believed alliance cap still free)."""
    outside = max(max_alliances - active_total, 0) / max(max_alliances, 1)
    return (max(resources, 1e-6) ** p.resource_power * (1.0 + p.reputation_power * reputation)
            * (1.0 + p.outside_option_power * outside))


@kernel
def split_value(power_a, power_b, rushed, concession):
    """Share of firm ``a`` (:func:`sim.steps.negotiation.split_value`): proportional to power; a rushed weaker side
    gives ``concession`` away."""
    share_a = power_a / (power_a + power_b)
    if rushed:
        share_a = share_a - concession if share_a < 0.5 else share_a + concession
    return np.minimum(np.maximum(share_a, 0.0), 1.0)


@kernel
def belief(realised_return, ended_alliances, prior_return):
    """Return per unit of stake a firm believes alliances yield: its realised returns shrunk towards
    ``prior_return`` as if it had ended two alliances at that return (adaptive expectations)."""
    return (realised_return + prior_return * 2.0) / (ended_alliances + 2.0)


# ------------------------------------------------------ vectorised formulas
@kernel
def bargaining_powers(who, resources, reputation, max_alliances, active, pa, out):
    """:func:`bargaining_power` of firms ``who``."""
    p = pa[0]  # the sections' records
    for i in range(len(who)):
        f = who[i]
        out[i] = bargaining_power(resources[f], reputation[f], max_alliances[f], active[f, 0] + active[f, 1], p)


@kernel
def split_values(power_a, power_b, rushed, concession, out):
    """:func:`split_value` of each pair."""
    for i in range(len(out)):
        out[i] = split_value(power_a[i], power_b[i], rushed[i], concession)


# --------------------------------------------------------------------- pass
@kernel
def negotiate(start, tick, proposer, target, types, noise_proposer, noise_target, value_draw, rushed_draw,
              protective_draw, trigger_draw, large, capability, resources, reputation, max_alliances, active,
              alliance_function, realised_return, ended_alliances, experience, firm_id, keys, vals, pair_count,
              pair_stock, pair_since, decay,
              firm_a, firm_b, slot_a, slot_b, c_type, relief, novelty, large_a, large_b, start_tick, next_due,
              value_at_stake, share_a, lopsidedness, protective, exit_triggers, handoff_loss, general_experience_a,
              general_experience_b, exploration_experience_a, exploitation_experience_a, exploration_experience_b,
              exploitation_experience_b, partner_specific_experience, partner_specific_logit, capability_a,
              capability_b, complementarity_col, function_a, function_b, portfolio_a, portfolio_b, expected_a,
              expected_b, pa, lpa):
    """The terms of every matched pair, written to rows ``start ..`` of the :data:`COLUMNS` (the draws, one per
    pair each, in the numpy step's order: value, rushed, protective, triggers).  Firm ``a`` is the larger partner
    where sizes differ.  Relational routines (the pair's depreciating joint history) relieve attention and
    conflict; knowledge redundancy (every joint alliance raises the overlap) takes novelty away."""
    p, lp = pa[0], lpa[0]  # the sections' records
    for i in range(len(proposer)):
        r = start + i
        swap = not large[proposer[i]] and large[target[i]]
        a, b = (target[i], proposer[i]) if swap else (proposer[i], target[i])
        na, nb = (noise_target[i], noise_proposer[i]) if swap else (noise_proposer[i], noise_target[i])
        t = types[i]
        prior_joint, stock = count_and_stock(keys, vals, firm_id[a], firm_id[b], pair_count, pair_stock, pair_since,
                                             decay, tick)
        compl = complementarity(capability[b, 0], capability[b, 1], capability[a, 0], capability[a, 1])
        weight = 1.0 if t == EXPLORATION else lp.redundancy_exploitation_weight
        new = 1.0 - lp.knowledge_redundancy * weight * knowledge_overlap(prior_joint, lp.overlap_per_alliance)
        mean_value = p.value_exploration if t == EXPLORATION else p.value_exploitation
        value = mean_value * value_draw[i] * (1.0 + compl) * new
        power_a = bargaining_power(resources[a], reputation[a], max_alliances[a], active[a, 0] + active[a, 1], p)
        power_b = bargaining_power(resources[b], reputation[b], max_alliances[b], active[b, 0] + active[b, 1], p)
        share = split_value(power_a, power_b, rushed_draw[i] < p.rushed_deal_probability, p.rushed_concession)
        fa, fb = alliance_function[a], alliance_function[b]
        p_triggers = p.exit_trigger_probability + p.exit_trigger_function_bonus * (fa or fb)
        loss_a = p.handoff_loss * (1.0 - p.handoff_function_reduction * fa)
        loss_b = p.handoff_loss * (1.0 - p.handoff_function_reduction * fb)
        firm_a[r], firm_b[r], slot_a[r], slot_b[r], c_type[r] = firm_id[a], firm_id[b], a, b, t
        relief[r] = lp.relational_routines * relational_routine(stock, lp.partner_specific_saturation)
        novelty[r] = new
        large_a[r], large_b[r] = large[a], large[b]
        start_tick[r] = tick
        next_due[r] = tick  # launch sets the schedule
        value_at_stake[r] = value
        share_a[r] = share
        lopsidedness[r] = abs(share - 0.5)
        protective[r] = protective_draw[i] < p.protective_base + p.protective_new_partner * (prior_joint == 0)
        exit_triggers[r] = trigger_draw[i] < np.minimum(np.maximum(p_triggers, 0.0), 1.0)
        handoff_loss[r] = 0.5 * (loss_a + loss_b)
        general_experience_a[r] = experience[a, 0] + experience[a, 1]
        general_experience_b[r] = experience[b, 0] + experience[b, 1]
        exploration_experience_a[r], exploitation_experience_a[r] = experience[a, 0], experience[a, 1]
        exploration_experience_b[r], exploitation_experience_b[r] = experience[b, 0], experience[b, 1]
        partner_specific_experience[r] = prior_joint
        partner_specific_logit[r] = partner_specific_benefit(stock, lp.partner_specific_effect,
                                                             lp.partner_specific_saturation)
        capability_a[r], capability_b[r] = capability[a, t], capability[b, t]
        complementarity_col[r] = compl
        function_a[r], function_b[r] = fa, fb
        portfolio_a[r], portfolio_b[r] = active[a, 0] + active[a, 1], active[b, 0] + active[b, 1]
        expected_a[r] = share * value * np.exp(0.5 * na) * belief(realised_return[a], ended_alliances[a],
                                                                  p.prior_return)
        expected_b[r] = (1.0 - share) * value * np.exp(0.5 * nb) * belief(realised_return[b], ended_alliances[b],
                                                                          p.prior_return)


@kernel
def negotiate_drawing(gen, value_sd, start, tick, proposer, target, types, noise_proposer, noise_target, *rest):
    """:func:`negotiate`, its draws made here from the run's Generator (``gen``, :func:`.generator.handle`) in the
    numpy code's order: a log-normal value per match, then a uniform per match for rushing, for protective
    governance and for exit triggers.  ``rest``: the arguments of :func:`negotiate` after ``trigger_draw``."""
    rng = as_generator(gen)
    m = len(proposer)
    value = rng.lognormal(0.0, value_sd, m)
    rushed = rng.random(m)
    protective = rng.random(m)
    triggers = rng.random(m)
    negotiate(start, tick, proposer, target, types, noise_proposer, noise_target, value, rushed, protective, triggers,
              *rest)
