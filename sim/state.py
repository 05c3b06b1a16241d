"""The firms' numeric state as arrays (struct of arrays).

Each attribute is one numpy array with a row per firm, so every step can work
on all firms at once.  The Mesa agents (:class:`sim.firm.Firm`) are a readable
face over one row each.  Pair-level memory (partner-specific experience) is
sparse and lives in :class:`~sim.pairs.PairMemory` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Config
from .learning import capture
from .pairs import PairMemory

__all__ = ["FirmState", "PairMemory", "init_firms", "believed_cap", "EXPLORATION", "EXPLOITATION", "TYPE_NAMES"]

EXPLORATION = 0
EXPLOITATION = 1
TYPE_NAMES = np.array(["exploration", "exploitation"])


@dataclass
class FirmState:
    """Numeric state of all firms; index ``i`` is firm ``i``."""

    large: np.ndarray  # bool: large incumbent (True) or small venture
    capability: np.ndarray  # (n, 2) internal capability: [:,0] exploration, [:,1] exploitation
    alliance_function: np.ndarray  # bool: dedicated alliance function
    capture_rate: np.ndarray  # share of alliance lessons kept
    base_capacity: np.ndarray  # attention units before experience
    capacity: np.ndarray  # alliance-management capacity (never falls: structures persist)
    max_alliances: np.ndarray  # hard cap on concurrent alliances: what the firm believes it can run
    resources: np.ndarray
    income: np.ndarray
    reputation: np.ndarray  # in [0, 1]
    # observed experience: counts of alliances formed (what studies measure)
    experience: np.ndarray  # (n, 2) alliances formed, by type
    # retained know-how (what performance depends on)
    knowhow: np.ndarray  # (n, 2) alliance know-how by type, depreciating
    internal_experience: np.ndarray  # (n, 2) internal R&D projects finished, by type
    internal_knowhow: np.ndarray  # (n, 2) internal R&D know-how, depreciating
    # portfolio
    active: np.ndarray  # (n, 2) active alliances by type
    attention: np.ndarray  # attention used by active alliances
    partner_profile: np.ndarray  # (n, 2) sum of active partners' capabilities (for redundancy)
    projects: np.ndarray  # active internal R&D projects
    products: np.ndarray  # new products, cumulative
    # expectations vs outcomes of ended alliances (portfolio performance)
    expected_value: np.ndarray
    captured_value: np.ndarray
    ended_alliances: np.ndarray
    successes: np.ndarray
    realised_return: np.ndarray  # sum over ended alliances of value captured / own stake
    # technical knowledge taken home from ended alliances, by type (what internal
    # R&D can absorb); unlike alliance-management know-how it does not depend on
    # the capture rate, only on absorptive capacity when it is used
    technical: np.ndarray | None = None
    overconfidence: np.ndarray | float = 1.0  # multiple of capacity the firm believes it can run

    @property
    def n(self) -> int:
        return self.large.shape[0]

    # Sums over the two types.  Written as column additions: numpy's
    # ``sum(axis=1)`` over a 2-wide axis is ~30x slower and these are read
    # many times a tick (same values: a two-term sum is one addition).
    @property
    def general_experience(self) -> np.ndarray:
        return self.experience[:, 0] + self.experience[:, 1]

    @property
    def general_knowhow(self) -> np.ndarray:
        return self.knowhow[:, 0] + self.knowhow[:, 1]

    @property
    def active_total(self) -> np.ndarray:
        return self.active[:, 0] + self.active[:, 1]

    @property
    def underperforming(self) -> np.ndarray:
        """Firms whose ended alliances captured less than they expected at formation."""
        return (self.ended_alliances > 0) & (self.captured_value < self.expected_value)

    def load(self) -> np.ndarray:
        """Coordination load: attention used per unit of management capacity."""
        return self.attention / np.maximum(self.capacity, 1e-9)


def init_firms(cfg: Config, rng: np.random.Generator) -> FirmState:
    """Draw a heterogeneous population: large incumbents and small ventures."""
    f = cfg.firms
    n = f.n
    n_large = int(round(f.share_large * n))
    large = np.zeros(n, dtype=bool)
    large[rng.permutation(n)[:n_large]] = True

    def by_size(attr: str) -> np.ndarray:
        return np.where(large, getattr(f.large, attr), getattr(f.small, attr)).astype(float)

    mean_cap = np.stack([by_size("explore_capability"), by_size("exploit_capability")], axis=1)
    capability = np.clip(mean_cap + rng.normal(0.0, f.capability_sd, size=(n, 2)), 0.0, 1.0)
    alliance_function = rng.random(n) < by_size("alliance_function_prob")
    capture_rate = np.clip(by_size("capture_rate") * (1.0 + alliance_function * cfg.learning.function_capture_bonus), 0.0, 1.0)

    prior = rng.poisson(by_size("initial_experience")[:, None] * 0.5, size=(n, 2)).astype(float)
    # Prior alliances were spread over past years: what is left of them is the
    # stationary level of capture-with-forgetting, approximated by their capture.
    prior_knowhow = capture(prior * cfg.learning.lesson_per_alliance, capture_rate[:, None])
    spread = cfg.portfolio.overconfidence_sd
    overconfidence = np.maximum(cfg.portfolio.overconfidence * (rng.lognormal(0.0, spread, size=n) if spread > 0 else 1.0), 1.0)
    base_capacity = by_size("base_capacity")
    capacity = base_capacity + cfg.portfolio.capacity_per_knowhow * prior_knowhow.sum(axis=1)

    zeros = np.zeros(n)
    return FirmState(
        large=large,
        capability=capability,
        alliance_function=alliance_function,
        capture_rate=capture_rate,
        base_capacity=base_capacity,
        capacity=capacity,
        max_alliances=believed_cap(capacity, overconfidence),
        resources=by_size("resources") * rng.lognormal(0.0, 0.3, size=n),
        income=by_size("income"),
        reputation=np.full(n, 0.5),
        experience=prior,
        knowhow=prior_knowhow,
        internal_experience=np.zeros((n, 2)),
        internal_knowhow=np.zeros((n, 2)),
        active=np.zeros((n, 2), dtype=np.int64),
        attention=zeros.copy(),
        partner_profile=np.zeros((n, 2)),
        projects=np.zeros(n, dtype=np.int64),
        products=np.zeros(n, dtype=np.int64),
        expected_value=zeros.copy(),
        captured_value=zeros.copy(),
        ended_alliances=np.zeros(n, dtype=np.int64),
        successes=np.zeros(n, dtype=np.int64),
        realised_return=zeros.copy(),
        technical=prior * cfg.learning.lesson_per_alliance,
        overconfidence=overconfidence,
    )


def believed_cap(capacity: np.ndarray, overconfidence: np.ndarray | float) -> np.ndarray:
    """Concurrent alliances a firm takes on: its capacity inflated by overconfidence."""
    return np.floor(capacity * overconfidence + 1e-9).astype(np.int64)
