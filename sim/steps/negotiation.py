"""Step 2, deal negotiation: value at stake, the split, governance, exit triggers, hand-off.

Bargaining power comes from resources, reputation and outside options (spare
capacity); the split follows power, and a rushed weaker side concedes more.
Lopsided terms are recorded so execution can make the weaker side defensive.
Unfamiliar partners and high stakes push towards protective governance;
alliance functions make agreed exit triggers likelier and shrink the knowledge
lost when negotiators hand over to the execution team.

Partner-specific experience works here through two opposing mechanisms, set
at formation from the pair's history (:mod:`sim.learning`): relational
routines (the depreciating joint history) lower the attention the alliance
needs and its conflict hazard, by up to ``learning.relational_routines``;
knowledge redundancy (the partners' knowledge overlap, which every joint
alliance raises) takes away up to ``learning.knowledge_redundancy`` of the
novelty the pair can create (value at stake, milestone progress) and of what
the alliance teaches, less so in exploitation.  Their net effect on success is
not a parameter.
"""

from __future__ import annotations

import numpy as np

from ..config import Learning, Negotiation
from ..learning import clip, knowledge_overlap, partner_specific_benefit, relational_routine
from ..state import EXPLORATION, FirmState, PairMemory
from .selection import Matches, complementarity

__all__ = ["bargaining_power", "split_value", "negotiate"]


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
