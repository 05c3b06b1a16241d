"""Partner-specific memory of every pair of firms that has ever allied.

Selection and negotiation ask about thousands of pairs a tick (is this
candidate a past partner? how many joint alliances, how much memory left?),
so every question is a batch over numpy arrays, never a Python loop:

* each pair is one row, in order of its first alliance, of count, stock
  and the tick the stock was last updated (:class:`~sim.columns.ColumnLog`);
* :class:`SortedKeys` indexes find rows by binary search: pair code
  ``lo << 32 | hi`` -> row, and ``firm << 32 | row`` (twice per pair, once
  per side), whose run of keys for one firm lists its past partners in order
  of first alliance.
"""

from __future__ import annotations

import numpy as np

from .columns import Column, ColumnLog
from .learning import clip

__all__ = ["PairMemory", "SortedKeys"]

_EMPTY = np.zeros(0, dtype=np.int64)


class SortedKeys:
    """Unique int64 keys, each with an int64 value, kept sorted for batch binary search.

    Why two levels: inserting into one big sorted array copies all of it,
    every tick.  New keys go to a small sorted ``recent`` level instead, which
    is merged into ``main`` once it outgrows an eighth of it, so insertion is
    amortised O(1) per key and a lookup is two binary searches.
    """

    def __init__(self) -> None:
        self.main = (_EMPTY, _EMPTY)  # (keys, values)
        self.recent = (_EMPTY, _EMPTY)

    def __len__(self) -> int:
        return len(self.main[0]) + len(self.recent[0])

    @staticmethod
    def _merge(level: tuple[np.ndarray, np.ndarray], keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        old_keys, old_values = level
        # np.insert's work without its per-call overhead: the new keys (sorted)
        # land at their search positions shifted by the new keys before them.
        new_at = old_keys.searchsorted(keys) + np.arange(len(keys))
        size = len(old_keys) + len(keys)
        old_at = np.ones(size, dtype=bool)
        old_at[new_at] = False
        merged_keys, merged_values = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
        merged_keys[new_at], merged_values[new_at] = keys, values
        merged_keys[old_at], merged_values[old_at] = old_keys, old_values
        return merged_keys, merged_values

    def insert(self, keys: np.ndarray, values: np.ndarray) -> None:
        """Add new ``keys`` (not yet present) with their ``values``."""
        order = keys.argsort(kind="stable")
        self.recent = self._merge(self.recent, keys[order], values[order])
        if len(self.recent[0]) > max(1024, len(self.main[0]) // 8):
            self.main = self._merge(self.main, *self.recent)
            self.recent = (_EMPTY, _EMPTY)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Value of each key (0 where absent) and whether it is present."""
        values = np.zeros(np.shape(keys), dtype=np.int64)
        found = np.zeros(np.shape(keys), dtype=bool)
        for stored, vals in (self.main, self.recent):
            if len(stored):
                at = np.minimum(stored.searchsorted(keys), len(stored) - 1)
                hit = stored[at] == keys
                values = np.where(hit, vals[at], values)
                found |= hit
        return values, found

    def spans(self, lo: np.ndarray, hi: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per level, (first position, count) of the stored keys in ``[lo, hi)``."""
        out = []
        for stored, _ in (self.main, self.recent):
            start = stored.searchsorted(lo)
            out.append((start, stored.searchsorted(hi) - start))
        return out


class _PairRows(ColumnLog):
    """One row per pair that has ever allied, in order of its first alliance."""

    table = (
        Column("lo", np.int64, "lower firm id of the pair"),
        Column("hi", np.int64, "higher firm id of the pair"),
        Column("count", np.int64, "alliances formed by the pair so far"),
        Column("stock", float, "depreciating partner-specific memory, as of tick ``since``"),
        Column("since", np.int64, "tick the stock was last updated"),
    )


class PairMemory:
    """Sparse partner-specific memory: per unordered pair, prior joint alliances.

    ``count`` is what studies observe; ``stock`` is the depreciating memory that
    drives the partner-specific mechanism (routines fade, so does complacency).
    """

    def __init__(self, forgetting_rate: float):
        self.forgetting_rate = forgetting_rate
        self._rows = _PairRows()
        self._by_pair = SortedKeys()  # pair code -> row
        self._by_firm = SortedKeys()  # firm << 32 | row -> row
        # (1 - rate) ** k for k = 0, 1, ...: Python powers, so a batch lookup
        # gives the very same floats as a scalar one.
        self._decay: list[float] = [1.0]
        self._decay_array = np.ones(1)
        # The last counts_and_stocks search (tick, codes, rows, found, stocks):
        # the model records the pairs it has just negotiated, so record_many
        # reuses it instead of searching again.  Any update clears it.
        self._last: tuple | None = None

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
        return self._by_pair.find(self.codes(a, b))

    def _decay_by(self, ticks: np.ndarray) -> np.ndarray:
        top = int(ticks.max(initial=0))
        if len(self._decay) <= top:
            while len(self._decay) <= top:
                self._decay.append((1.0 - self.forgetting_rate) ** len(self._decay))
            self._decay_array = np.asarray(self._decay)
        return self._decay_array[ticks]

    def _stocks_at(self, row: np.ndarray, found: np.ndarray, tick: int) -> np.ndarray:
        if self._rows.n == 0:
            return np.zeros(row.shape)
        value = np.where(found, self._rows["stock"][row], 0.0)
        elapsed = np.where(found, tick - self._rows["since"][row], 0)
        return value * self._decay_by(elapsed)

    # --------------------------------------------------------------- lookups
    def counts(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Prior joint alliances of each pair (0 for strangers)."""
        row, found = self._find(a, b)
        if self._rows.n == 0:
            return np.zeros(row.shape, dtype=np.int64)
        return np.where(found, self._rows["count"][row], 0)

    def stocks(self, a: np.ndarray, b: np.ndarray, tick: int) -> np.ndarray:
        """Depreciated partner-specific memory of each pair at ``tick``."""
        return self._stocks_at(*self._find(a, b), tick)

    def counts_and_stocks(self, a: np.ndarray, b: np.ndarray, tick: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`counts` and :meth:`stocks` of the same pairs, with one search."""
        codes = self.codes(a, b)
        row, found = self._by_pair.find(codes)
        if self._rows.n == 0:
            counts, stocks = np.zeros(row.shape, dtype=np.int64), np.zeros(row.shape)
        else:
            counts, stocks = np.where(found, self._rows["count"][row], 0), self._stocks_at(row, found, tick)
        self._last = (tick, codes, row, found, stocks)
        return counts, stocks

    def known(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether each pair has ever allied (``counts(a, b) > 0``, without reading the counts)."""
        return self._find(a, b)[1]

    def count(self, a: int, b: int) -> int:
        return int(self.counts(np.array([a]), np.array([b]))[0])

    def stock(self, a: int, b: int, tick: int) -> float:
        return float(self.stocks(np.array([a]), np.array([b]), tick)[0])

    def _spans(self, firms: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        firms = np.asarray(firms, dtype=np.int64)
        return self._by_firm.spans(firms << 32, (firms + 1) << 32)

    def partner_counts(self, firms: np.ndarray) -> np.ndarray:
        """Distinct past partners of each firm."""
        (_, n_main), (_, n_recent) = self._spans(firms)
        return n_main + n_recent

    def random_partners(self, firms: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """A past partner of each of ``firms``, the ``floor(draws[i] * count)``-th (``draws`` uniform in [0, 1)); -1 for a firm with none."""
        firms = np.asarray(firms, dtype=np.int64)
        spans = self._spans(firms)
        known = spans[0][1] + spans[1][1]
        has = known > 0
        out = np.full(len(firms), -1, dtype=np.int64)
        nth = (draws[has] * known[has]).astype(np.int64)
        out[has] = self._nth(firms[has], nth, [(start[has], count[has]) for start, count in spans], checked=True)
        return out

    def nth_partners(self, firms: np.ndarray, nth: np.ndarray) -> np.ndarray:
        """The ``nth[i]`` past partner (0-based, in order of first alliance) of ``firms[i]``."""
        firms, nth = np.asarray(firms, dtype=np.int64), np.asarray(nth, dtype=np.int64)
        return self._nth(firms, nth, self._spans(firms))

    def _nth(self, firms: np.ndarray, nth: np.ndarray, spans: list[tuple[np.ndarray, np.ndarray]], checked: bool = False) -> np.ndarray:
        (s_main, n_main), (s_recent, n_recent) = spans
        if not checked and np.any((nth < 0) | (nth >= n_main + n_recent)):  # random_partners' indices are in range
            raise IndexError("partner index out of range")
        # A firm's recent partners all came after its older ones (rows only grow).
        in_main = nth < n_main
        main, recent = self._by_firm.main[1], self._by_firm.recent[1]
        row = np.where(
            in_main,
            # both branches are evaluated: clip each index into its array
            main[clip(s_main + nth, 0, len(main) - 1)] if len(main) else 0,
            recent[clip(s_recent + nth - n_main, 0, len(recent) - 1)] if len(recent) else 0,
        )
        return self._rows["lo"][row] + self._rows["hi"][row] - firms

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
        last, self._last = self._last, None
        ordered = np.sort(codes)
        if (ordered[1:] == ordered[:-1]).any():  # a pair twice in one batch: one at a time
            for x, y in zip(a, b):
                self.record_many(x[None], y[None], tick)
            return
        if last is not None and last[0] == tick and np.array_equal(last[1], codes):
            _, _, row, found, stocks = last  # these very pairs were just looked up
            old = row[found]
            stock = stocks[found]
        else:
            row, found = self._by_pair.find(codes)
            old = row[found]
            stock = self._stocks_at(old, np.ones(len(old), dtype=bool), tick)
        rows = self._rows.cols
        rows["stock"][old] = stock + 1.0
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
            self._by_pair.insert(codes[new], ids)
            both = np.concatenate([ids, ids])
            self._by_firm.insert((np.concatenate([lo, hi]) << 32) | both, both)

    def record(self, a: int, b: int, tick: int) -> None:
        """A new alliance between a and b was formed at ``tick``."""
        self.record_many(np.array([a]), np.array([b]), tick)
