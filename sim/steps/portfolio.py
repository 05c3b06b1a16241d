"""Step 5, portfolio management: capacity, redundancy, balance, reputation, the alliance function.

Capacity grows with general know-how (experienced firms run more alliances
at once) and never shrinks; firms take on more than it, by their own ``overconfidence``
(spread across firms), because coordination costs are underestimated.  Redundant partners (alike the
ones the firm already has) fit the portfolio badly; searchers lean towards the
alliance type their portfolio lacks.  Reputation drifts back to neutral, and
knowledge fades (organisational forgetting); when one of the few key people
who hold a firm's alliance know-how leaves, their share of it goes too.

A dedicated alliance function is a choice: now and then a firm reviews
whether one pays, comparing what it expects the function to add (a value per
active alliance, estimated with noise) with its running cost.  It sets one up
when the portfolio makes it pay (the function works after a setup time, and
costs from the decision on) and drops it when the estimate falls below half
the cost.
"""

from __future__ import annotations

import numpy as np

from ..config import Config, Learning, Portfolio
from ..learning import clip, forget
from ..state import EXPLORATION, FirmState, believed_cap, structural_capture, type_mean

__all__ = ["redundancy", "exploration_pull", "manage", "review_functions", "SPENDING_MEMORY"]

SPENDING_MEMORY = 0.1  # weight of this tick's spending in the firm's moving average


def redundancy(state: FirmState, who: np.ndarray, whom: np.ndarray, whom_capability: np.ndarray | None = None) -> np.ndarray:
    """How alike ``whom`` is to the partners ``who`` already has (0 = nothing alike, 1 = identical).

    ``whom_capability`` is ``state.capability[whom]`` when the caller has it.
    """
    count = state.active_total[who]
    mean_profile = state.partner_profile[who] / np.maximum(count, 1)[..., None]
    if whom_capability is None:
        whom_capability = state.capability[whom]
    distance = type_mean(np.abs(whom_capability - mean_profile))
    return np.where(count > 0, 1.0 - distance, 0.0) * np.minimum(count, 3) / 3.0


def exploration_pull(state: FirmState, who: np.ndarray, target: float | np.ndarray) -> np.ndarray:
    """Probability that ``who`` looks for an exploration alliance next, given its target share of exploration."""
    total = state.active_total[who]
    share = np.where(total > 0, state.active[who, EXPLORATION] / np.maximum(total, 1), target)
    return clip(target + (target - share), 0.0, 1.0)


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
    keep, internal_keep = forget(1.0, learning.forgetting_rate), forget(1.0, learning.internal_forgetting_rate)
    state.knowhow *= keep  # forget(k, rate) is k times forget(1, rate): the same floats, in place
    state.technical *= keep
    state.internal_knowhow *= internal_keep
    if learning.key_person_hazard > 0:
        leaving = rng.random(state.n) < learning.key_person_hazard
        state.knowhow[leaving] *= (1.0 - 1.0 / state.key_people[leaving])[:, None]
    grown = state.base_capacity + cfg.capacity_per_knowhow * state.general_knowhow
    np.maximum(state.capacity, grown, out=state.capacity)
    state.max_alliances[:] = believed_cap(state.capacity, state.overconfidence) * state.alive
    state.reputation += cfg.reputation_reversion * (0.5 - state.reputation)
    clip(state.reputation, 0.0, 1.0, out=state.reputation)
    state.resources += state.income
    review_functions(state, config, rng)
    state.spending += SPENDING_MEMORY * (state.spent - state.spending)
    state.spent[:] = 0.0
