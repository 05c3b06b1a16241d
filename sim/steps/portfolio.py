"""Step 5, portfolio management: capacity, redundancy, balance, reputation.

Capacity grows with general know-how (experienced firms run more alliances
at once) and never shrinks; firms take on more than it, by their own ``overconfidence``
(spread across firms), because coordination costs are underestimated.  Redundant partners (alike the
ones the firm already has) fit the portfolio badly; searchers lean towards the
alliance type their portfolio lacks.  Reputation drifts back to neutral, and
knowledge fades (organisational forgetting).
"""

from __future__ import annotations

import numpy as np

from ..config import Learning, Portfolio
from ..learning import forget
from ..state import EXPLORATION, FirmState, believed_cap

__all__ = ["redundancy", "exploration_pull", "manage"]


def redundancy(state: FirmState, who: np.ndarray, whom: np.ndarray) -> np.ndarray:
    """How alike ``whom`` is to the partners ``who`` already has (0 = nothing alike, 1 = identical)."""
    count = state.active_total[who]
    mean_profile = state.partner_profile[who] / np.maximum(count, 1)[..., None]
    distance = np.abs(state.capability[whom] - mean_profile).mean(axis=-1)
    return np.where(count > 0, 1.0 - distance, 0.0) * np.minimum(count, 3) / 3.0


def exploration_pull(state: FirmState, who: np.ndarray, target: float) -> np.ndarray:
    """Probability that ``who`` looks for an exploration alliance next."""
    total = state.active_total[who]
    share = np.where(total > 0, state.active[who, EXPLORATION] / np.maximum(total, 1), target)
    return np.clip(target + (target - share), 0.0, 1.0)


def manage(state: FirmState, cfg: Portfolio, learning: Learning) -> None:
    """End-of-tick portfolio review for all firms (in place)."""
    state.knowhow[:] = forget(state.knowhow, learning.forgetting_rate)
    state.technical[:] = forget(state.technical, learning.forgetting_rate)
    state.internal_knowhow[:] = forget(state.internal_knowhow, learning.internal_forgetting_rate)
    grown = state.base_capacity + cfg.capacity_per_knowhow * state.general_knowhow
    np.maximum(state.capacity, grown, out=state.capacity)
    state.max_alliances[:] = believed_cap(state.capacity, state.overconfidence)
    state.reputation += cfg.reputation_reversion * (0.5 - state.reputation)
    np.clip(state.reputation, 0.0, 1.0, out=state.reputation)
    state.resources += state.income
