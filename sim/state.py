"""The firms' numeric state as arrays (struct of arrays).

Each attribute is one numpy array with a row per firm, so every step can work
on all firms at once.  The Mesa agents (:class:`sim.firm.Firm`) are a readable
face over one row each.  Pair-level memory (partner-specific experience) is
sparse and lives in :class:`PairMemory`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .columns import ColumnLog
from .config import Config
from .learning import capture

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
    capture_rate = np.clip(by_size("capture_rate") + alliance_function * cfg.learning.function_capture_bonus, 0.0, 1.0)

    prior = rng.poisson(by_size("initial_experience")[:, None] * 0.5, size=(n, 2)).astype(float)
    # Prior alliances were spread over past years: what is left of them is the
    # stationary level of capture-with-forgetting, approximated by their capture.
    prior_knowhow = capture(prior * cfg.learning.lesson_per_alliance, capture_rate[:, None])
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
        max_alliances=believed_cap(capacity, cfg.portfolio.overconfidence),
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
    )


def believed_cap(capacity: np.ndarray, overconfidence: float) -> np.ndarray:
    """Concurrent alliances a firm takes on: its capacity inflated by overconfidence."""
    return np.floor(capacity * overconfidence + 1e-9).astype(np.int64)


class _PairRows(ColumnLog):
    """One row per pair that has ever allied, in order of its first alliance."""

    columns = {"lo": np.int64, "hi": np.int64, "count": np.int64, "stock": float, "since": np.int64}


def _sorted_insert(keys: np.ndarray, new: np.ndarray, *parallel: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """Insert ``new`` into sorted ``keys`` (and each ``(array, values)`` alongside); returns the new arrays."""
    order = np.argsort(new, kind="stable")
    at = np.searchsorted(keys, new[order])
    return [np.insert(keys, at, new[order])] + [np.insert(arr, at, values[order]) for arr, values in parallel]


class PairMemory:
    """Sparse partner-specific memory: per unordered pair, prior joint alliances.

    ``count`` is what studies observe; ``stock`` is the depreciating memory that
    drives the partner-specific mechanism (routines fade, so does complacency).

    Why this layout: selection and negotiation ask about thousands of pairs a
    tick, so every question is a batch over numpy arrays.  Each pair is one
    row (in order of first alliance) of count, stock and the tick the stock
    was last updated.  Two sorted int64 indexes find rows by binary search:
    pair code ``lo << 32 | hi`` -> row, and ``firm << 32 | row`` (twice per
    pair, once per side), whose block for a firm lists its past partners in
    order of first alliance.
    """

    def __init__(self, forgetting_rate: float):
        self.forgetting_rate = forgetting_rate
        self._rows = _PairRows()
        self._codes = np.zeros(0, dtype=np.int64)  # sorted pair codes ...
        self._code_row = np.zeros(0, dtype=np.int64)  # ... and the row of each
        self._by_firm = np.zeros(0, dtype=np.int64)  # sorted firm << 32 | row
        # (1 - rate) ** k for k = 0, 1, ...: Python powers, so a batch lookup
        # gives the very same floats as a scalar one.
        self._decay: list[float] = [1.0]

    # ------------------------------------------------------------ pair codes
    @staticmethod
    def key(a: int, b: int) -> tuple[int, int]:
        return (a, b) if a < b else (b, a)

    @staticmethod
    def codes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Order-free int64 code of each pair ``(a[i], b[i])`` (any broadcastable shapes)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        return (np.minimum(a, b) << 32) | np.maximum(a, b)

    def _find(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each pair (0 where absent) and whether it has ever allied."""
        codes = self.codes(a, b)
        if len(self._codes) == 0:
            return np.zeros(codes.shape, dtype=np.int64), np.zeros(codes.shape, dtype=bool)
        at = np.minimum(np.searchsorted(self._codes, codes), len(self._codes) - 1)
        found = self._codes[at] == codes
        return np.where(found, self._code_row[at], 0), found

    def _decay_by(self, ticks: np.ndarray) -> np.ndarray:
        top = int(ticks.max(initial=0))
        while len(self._decay) <= top:
            self._decay.append((1.0 - self.forgetting_rate) ** len(self._decay))
        return np.asarray(self._decay)[ticks]

    def _stocks_at(self, row: np.ndarray, found: np.ndarray, tick: int) -> np.ndarray:
        value = np.where(found, self._rows["stock"][row] if self._rows.n else 0.0, 0.0)
        elapsed = np.where(found, tick - self._rows["since"][row] if self._rows.n else 0, 0)
        return value * self._decay_by(elapsed)

    # --------------------------------------------------------------- lookups
    def counts(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Prior joint alliances of each pair (0 for strangers)."""
        row, found = self._find(a, b)
        return np.where(found, self._rows["count"][row] if self._rows.n else 0, 0)

    def stocks(self, a: np.ndarray, b: np.ndarray, tick: int) -> np.ndarray:
        """Depreciated partner-specific memory of each pair at ``tick``."""
        return self._stocks_at(*self._find(a, b), tick)

    def count(self, a: int, b: int) -> int:
        return int(self.counts(np.array([a]), np.array([b]))[0])

    def stock(self, a: int, b: int, tick: int) -> float:
        return float(self.stocks(np.array([a]), np.array([b]), tick)[0])

    def _blocks(self, firms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        firms = np.asarray(firms, dtype=np.int64)
        start = np.searchsorted(self._by_firm, firms << 32)
        return start, np.searchsorted(self._by_firm, (firms + 1) << 32) - start

    def partner_counts(self, firms: np.ndarray) -> np.ndarray:
        """Distinct past partners of each firm."""
        return self._blocks(firms)[1]

    def nth_partners(self, firms: np.ndarray, nth: np.ndarray) -> np.ndarray:
        """The ``nth[i]`` past partner (0-based, in order of first alliance) of ``firms[i]``."""
        start, size = self._blocks(firms)
        if np.any((nth < 0) | (nth >= size)):
            raise IndexError("partner index out of range")
        row = self._by_firm[start + nth] & 0xFFFFFFFF
        return self._rows["lo"][row] + self._rows["hi"][row] - np.asarray(firms, dtype=np.int64)

    def past_partners(self, firm: int) -> list[int]:
        """Firms ``firm`` has allied with, in order of first alliance."""
        size = int(self.partner_counts(np.array([firm]))[0])
        return self.nth_partners(np.full(size, firm), np.arange(size)).tolist()

    def __len__(self) -> int:
        """Distinct pairs that have ever allied."""
        return self._rows.n

    # --------------------------------------------------------------- updates
    def record_many(self, a: np.ndarray, b: np.ndarray, tick: int) -> None:
        """New alliances between ``a[i]`` and ``b[i]`` were formed at ``tick`` (in this order)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        codes = self.codes(a, b)
        ordered = np.sort(codes)
        if (ordered[1:] == ordered[:-1]).any():  # a pair twice in one batch: one at a time
            for x, y in zip(a, b):
                self.record_many(x[None], y[None], tick)
            return
        row, found = self._find(a, b)
        old = row[found]
        rows = self._rows.cols
        rows["stock"][old] = self._stocks_at(old, np.ones(len(old), dtype=bool), tick) + 1.0
        rows["count"][old] += 1
        rows["since"][old] = tick
        new = ~found
        if new.any():
            lo, hi = np.minimum(a[new], b[new]), np.maximum(a[new], b[new])
            m = len(lo)
            ids = self._rows.append({
                "lo": lo, "hi": hi, "count": np.ones(m, dtype=np.int64),
                "stock": np.ones(m), "since": np.full(m, tick, dtype=np.int64),
            })
            self._codes, self._code_row = _sorted_insert(self._codes, codes[new], (self._code_row, ids))
            (self._by_firm,) = _sorted_insert(self._by_firm, np.concatenate([(lo << 32) | ids, (hi << 32) | ids]))

    def record(self, a: int, b: int, tick: int) -> None:
        """A new alliance between a and b was formed at ``tick``."""
        self.record_many(np.array([a]), np.array([b]), tick)
