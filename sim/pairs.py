"""Partner-specific memory of every pair of firms that has ever allied.

Selection and negotiation ask about thousands of pairs a tick (is this
candidate a past partner? how many joint alliances, how much memory left?),
so every question is a batch answered by a compiled kernel
(:mod:`sim.kernels.pairs`), never a Python loop:

* each pair is one row, in order of its first alliance, of count, stock
  and the tick the stock was last updated (:class:`~sim.columns.ColumnLog`);
* an open-addressing hash finds a pair's row from its code ``lo << 32 | hi``;
* per firm id, a segment of a shared pool lists its past partners in order
  of first alliance (the repeat-partner search draws the ``k``-th).
"""

from __future__ import annotations

import numpy as np

from .columns import Column, ColumnLog
from .kernels import pairs as kp

__all__ = ["PairMemory"]


class _PairRows(ColumnLog):
    """One row per pair that has ever allied, in order of its first alliance."""

    table = (
        Column("lo", np.int64, "lower firm id of the pair"),
        Column("hi", np.int64, "higher firm id of the pair"),
        Column("count", np.int32, "alliances formed by the pair so far", output=np.int64),
        Column("stock", float, "depreciating partner-specific memory, as of tick ``since``"),
        Column("since", np.int32, "tick the stock was last updated", output=np.int64),
        Column("running", np.int32, "alliances of the pair running now", output=np.int64),
    )


class PairMemory:
    """Sparse partner-specific memory: per unordered pair, prior joint alliances.

    ``count`` is what studies observe; ``stock`` is the depreciating memory that
    drives the partner-specific mechanism (routines fade, so does complacency).
    """

    def __init__(self, forgetting_rate: float):
        self.forgetting_rate = forgetting_rate
        self._rows = _PairRows()
        self._keys = np.full(1024, kp.EMPTY, dtype=np.int64)  # hash table: pair code -> row
        self._vals = np.zeros(1024, dtype=np.int32)  # rows (fewer than 2**31)
        # per firm id: where its segment of the partner pool starts, its room and its partners so far
        self._start = np.zeros(0, dtype=np.int64)
        self._capacity = np.zeros(0, dtype=np.int64)
        self._partners = np.zeros(0, dtype=np.int64)
        self._pool = np.zeros(4096, dtype=np.int32)  # partner ids (fewer than 2**31)
        self._pool_n = 0
        # (1 - rate) ** k for k = 0, 1, ...: Python powers, so a batch lookup
        # gives the very same floats as a scalar one.
        self._decay: list[float] = [1.0]
        self._decay_array = np.ones(1)
        self._first_tick: int | None = None  # earliest tick recorded: no stock is older

    # ------------------------------------------------------------ pair codes
    @staticmethod
    def key(a: int, b: int) -> tuple[int, int]:
        return (a, b) if a < b else (b, a)

    @staticmethod
    def codes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Order-free int64 code of each pair ``(a[i], b[i])`` (any broadcastable shapes)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        return (np.minimum(a, b) << 32) | np.maximum(a, b)

    @property
    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """The hash table's keys and values, for kernels that look pairs up themselves."""
        return self._keys, self._vals

    @property
    def partner_lists(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each firm id's past partners, for kernels: where its segment of the pool starts, how many it has, the pool."""
        return self._start, self._partners, self._pool

    @property
    def running(self) -> np.ndarray:
        """Alliances running now, by pair row (kernels read it through :attr:`table`)."""
        return self._rows.running

    def _decay_to(self, tick: int) -> np.ndarray:
        """The decay table, long enough for any stock's age at ``tick``."""
        top = tick - (tick if self._first_tick is None else self._first_tick)
        if len(self._decay) <= top:  # doubled, as a run asks for one more entry every tick
            size = max(top + 1, 2 * len(self._decay))
            while len(self._decay) < size:
                self._decay.append((1.0 - self.forgetting_rate) ** len(self._decay))
            self._decay_array = np.asarray(self._decay)
        return self._decay_array

    @staticmethod
    def _ids(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if (type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == b.dtype == np.int64 and a.ndim == 1
                and a.shape == b.shape and a.flags.c_contiguous and b.flags.c_contiguous):
            return a, b  # what the model passes: nothing to convert
        a, b = np.broadcast_arrays(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
        return np.ascontiguousarray(a).ravel(), np.ascontiguousarray(b).ravel()

    # --------------------------------------------------------------- lookups
    def _find(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each pair (0 where absent) and whether it has ever allied."""
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        a, b = self._ids(a, b)
        rows, found = np.empty(len(a), dtype=np.int64), np.empty(len(a), dtype=bool)
        kp.find(self._keys, self._vals, a, b, rows, found)
        return rows.reshape(shape), found.reshape(shape)

    def counts(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Prior joint alliances of each pair (0 for strangers)."""
        row, found = self._find(a, b)
        return np.where(found, self._rows.count[row], 0).astype(np.int64)

    def stocks(self, a: np.ndarray, b: np.ndarray, tick: int) -> np.ndarray:
        """Depreciated partner-specific memory of each pair at ``tick``."""
        return self.counts_and_stocks(a, b, tick)[1]

    def counts_and_stocks(self, a: np.ndarray, b: np.ndarray, tick: int) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`counts` and :meth:`stocks` of the same pairs, with one search."""
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        a, b = self._ids(a, b)
        counts, stocks = np.empty(len(a), dtype=np.int64), np.empty(len(a))
        c = self._rows
        kp.counts_and_stocks(self._keys, self._vals, a, b, c.count, c.stock, c.since, self._decay_to(tick),
                             tick, counts, stocks)
        return counts.reshape(shape), stocks.reshape(shape)

    def lookup(self, tick: int) -> tuple[np.ndarray, ...]:
        """What a kernel needs to look pairs up at ``tick`` (:func:`sim.kernels.pairs.count_and_stock`): the hash
        table's keys and values, the rows' counts, stocks and ticks of their last update, the decay table."""
        c = self._rows
        return self._keys, self._vals, c.count, c.stock, c.since, self._decay_to(tick)

    def known(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether each pair has ever allied (``counts(a, b) > 0``, without reading the counts)."""
        return self._find(a, b)[1]

    def count(self, a: int, b: int) -> int:
        return int(self.counts(np.array([a]), np.array([b]))[0])

    def stock(self, a: int, b: int, tick: int) -> float:
        return float(self.stocks(np.array([a]), np.array([b]), tick)[0])

    def partner_counts(self, firms: np.ndarray) -> np.ndarray:
        """Distinct past partners of each firm."""
        firms = np.asarray(firms, dtype=np.int64)
        counts = np.zeros(firms.shape, dtype=np.int64)
        seen = firms < len(self._partners)  # ids beyond the table have no partners yet
        counts[seen] = self._partners[firms[seen]]
        return counts

    def random_partners(self, firms: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """A past partner of each of ``firms``, the ``floor(draws[i] * count)``-th (``draws`` uniform in [0, 1)); -1 for a firm with none."""
        firms = np.ascontiguousarray(firms, dtype=np.int64)
        out = np.empty(len(firms), dtype=np.int64)
        kp.random_partners(firms, np.ascontiguousarray(draws, dtype=float), self._start, self._partners, self._pool, out)
        return out

    def nth_partners(self, firms: np.ndarray, nth: np.ndarray) -> np.ndarray:
        """The ``nth[i]`` past partner (0-based, in order of first alliance) of ``firms[i]``."""
        firms, nth = np.ascontiguousarray(firms, dtype=np.int64), np.ascontiguousarray(nth, dtype=np.int64)
        if np.any((nth < 0) | (nth >= self.partner_counts(firms))):
            raise IndexError("partner index out of range")
        out = np.empty(len(firms), dtype=np.int64)
        kp.nth_partners(firms, nth, self._start, self._pool, out)
        return out

    def past_partners(self, firm: int) -> list[int]:
        """Firms ``firm`` has allied with, in order of first alliance."""
        size = int(self.partner_counts(np.array([firm]))[0])
        return self.nth_partners(np.full(size, firm), np.arange(size)).tolist()

    def __len__(self) -> int:
        """Distinct pairs that have ever allied."""
        return self._rows.n

    # --------------------------------------------------------------- updates
    def _make_room(self, new: int, top_id: int) -> None:
        """Room for ``new`` more pairs and for firm ids up to ``top_id``."""
        rows = self._rows
        rows._grow(rows.n + new)
        if 2 * (rows.n + new) > len(self._keys):  # keep the table at most half full
            size = len(self._keys)
            while 2 * (rows.n + new) > size:
                size *= 2
            self._keys, self._vals = np.full(size, kp.EMPTY, dtype=np.int64), np.zeros(size, dtype=np.int32)
            kp.rehash(self._keys, self._vals, rows.lo, rows.hi, rows.n)
        if top_id >= len(self._partners):
            size = max(top_id + 1, int(1.25 * len(self._partners)), 1024)
            grow = size - len(self._partners)
            self._start = np.concatenate([self._start, np.zeros(grow, dtype=np.int64)])
            self._capacity = np.concatenate([self._capacity, np.zeros(grow, dtype=np.int64)])
            self._partners = np.concatenate([self._partners, np.zeros(grow, dtype=np.int64)])

    def record_many(self, a: np.ndarray, b: np.ndarray, tick: int, top_id: int | None = None) -> None:
        """New alliances between ``a[i]`` and ``b[i]`` were formed at ``tick`` (in this order); ``top_id``, if given,
        is at least every id among them (the model knows it: the last id issued)."""
        a, b = self._ids(a, b)
        if len(a) == 0:
            return
        self._make_room(len(a), int(max(a.max(), b.max())) if top_id is None else top_id)
        if self._first_tick is None:
            self._first_tick = tick
        rows = self._rows
        c = rows
        rows.n, self._pool, self._pool_n = kp.record(
            self._keys, self._vals, a, b, tick, rows.n, c.lo, c.hi, c.count, c.stock, c.since,
            c.running, self._decay_to(tick), self._start, self._capacity, self._partners, self._pool, self._pool_n)

    def end_many(self, a: np.ndarray, b: np.ndarray) -> None:
        """Alliances between ``a[i]`` and ``b[i]``, recorded when they were formed, have ended."""
        a, b = self._ids(a, b)
        kp.end(self._keys, self._vals, a, b, self._rows.running)

    def end_rows(self, rows: np.ndarray, firm_a: np.ndarray, firm_b: np.ndarray) -> None:
        """:meth:`end_many` of the alliances in rows ``rows`` of the columns ``firm_a``, ``firm_b`` (an alliance log's)."""
        kp.end_rows(self._keys, self._vals, np.asarray(rows, dtype=np.int64), firm_a, firm_b, self._rows.running)

    def allied(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether each pair has an alliance running now."""
        row, found = self._find(a, b)
        return found & (self._rows.running[row] > 0)

    def record(self, a: int, b: int, tick: int) -> None:
        """A new alliance between a and b was formed at ``tick``."""
        self.record_many(np.array([a]), np.array([b]), tick)
