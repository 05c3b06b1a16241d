"""The pair memory's index (:class:`sim.pairs.PairMemory`): an open-addressing hash and per-firm partner lists.

* Pair code ``lo << 32 | hi`` -> row: linear probing in a power-of-two table
  of int64 keys (``-1`` = empty) and values, at most half full.
* A firm's past partners, in order of first alliance: per firm id a segment
  of a shared pool of partner ids (``start``, ``capacity``, ``partners``
  used); a full segment moves to the pool's end with twice the room, so
  recording appends in amortised O(1) and the ``k``-th partner is one read
  (``pool[start + k]``), which matters at 100,000 firms, where a firm's
  partners are scattered over millions of pair rows.
"""

from __future__ import annotations

import numpy as np

from . import kernel

EMPTY = -1
_MULT = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing


@kernel(inline=True)
def _home(code, mask):
    h = np.uint64(code) * _MULT
    return np.int64((h ^ (h >> np.uint64(29))) & np.uint64(mask))


@kernel(inline=True)
def pair_code(a, b):
    """Order-free code of the pair (a, b)."""
    return (min(a, b) << 32) | max(a, b)


@kernel(inline=True)
def probe(keys, code):
    """Position of ``code`` in the table, or of the empty slot where it would go."""
    mask = len(keys) - 1
    p = _home(code, mask)
    while keys[p] != code and keys[p] != EMPTY:
        p = (p + 1) & mask
    return p


@kernel
def find(keys, vals, a, b, rows, found):
    """Row of each pair (a[i], b[i]) and whether it has ever allied (rows 0 where not)."""
    for i in range(len(a)):
        p = probe(keys, pair_code(a[i], b[i]))
        if keys[p] == EMPTY:
            rows[i] = 0
            found[i] = False
        else:
            rows[i] = vals[p]
            found[i] = True


@kernel(inline=True)
def count_and_stock(keys, vals, a, b, count, stock, since, decay, tick):
    """Prior joint alliances and depreciated memory at ``tick`` of the pair of firm ids ``a``, ``b`` (0 for
    strangers)."""
    p = probe(keys, pair_code(a, b))
    if keys[p] == EMPTY:
        return 0, 0.0
    row = vals[p]
    return count[row], stock[row] * decay[tick - since[row]]


@kernel
def counts_and_stocks(keys, vals, a, b, count, stock, since, decay, tick, counts, stocks):
    """Prior joint alliances and depreciated memory at ``tick`` of each pair (0 for strangers)."""
    for i in range(len(a)):
        counts[i], stocks[i] = count_and_stock(keys, vals, a[i], b[i], count, stock, since, decay, tick)


@kernel
def rehash(keys, vals, lo, hi, n):
    """Insert rows ``0 .. n-1`` into an empty table."""
    for row in range(n):
        code = (lo[row] << 32) | hi[row]
        p = probe(keys, code)
        keys[p] = code
        vals[p] = row


@kernel
def _compact(start, capacity, partners, pool, extra):
    """A new pool holding every firm's segment side by side (the room moved segments left behind dropped), with room
    for a quarter more and ``extra``; returns it and its use."""
    live = 0
    for f in range(len(start)):
        live += capacity[f]
    fresh = np.empty(live + live // 4 + extra + 1024, dtype=pool.dtype)
    n = 0
    for f in range(len(start)):
        if capacity[f] > 0:
            fresh[n: n + partners[f]] = pool[start[f]: start[f] + partners[f]]
            start[f] = n
            n += capacity[f]
    return fresh, n


@kernel
def _append(firm, partner, start, capacity, partners, pool, pool_n):
    """Append ``partner`` to ``firm``'s segment; returns the pool (a new, larger one if it had no room) and its use."""
    used = partners[firm]
    if used == capacity[firm]:  # full: move the segment to the pool's end, with twice the room
        room = max(4, 2 * used)
        if pool_n + room > len(pool):
            pool, pool_n = _compact(start, capacity, partners, pool, room)
        pool[pool_n: pool_n + used] = pool[start[firm]: start[firm] + used]
        start[firm] = pool_n
        capacity[firm] = room
        pool_n += room
    pool[start[firm] + used] = partner
    partners[firm] = used + 1
    return pool, pool_n


@kernel
def record(keys, vals, a, b, tick, n, lo, hi, count, stock, since, running, decay, start, capacity, partners, pool,
           pool_n):
    """New alliances between a[i] and b[i] at ``tick``, one after another; returns the new row count, the partner
    pool (new if it grew) and its use.

    The caller makes room: rows for ``n + len(a)``, a table that stays at most
    half full, per-firm arrays beyond every id in ``a`` and ``b``.
    """
    for i in range(len(a)):
        code = pair_code(a[i], b[i])
        p = probe(keys, code)
        if keys[p] != EMPTY:
            row = vals[p]
            stock[row] = stock[row] * decay[tick - since[row]] + 1.0
            count[row] += 1
            since[row] = tick
            running[row] += 1
        else:
            row = n
            n += 1
            keys[p] = code
            vals[p] = row
            x, y = min(a[i], b[i]), max(a[i], b[i])
            lo[row], hi[row] = x, y
            count[row] = 1
            stock[row] = 1.0
            since[row] = tick
            running[row] = 1
            # each firm's list gets the other; a list with room takes it in place (the helper, which may move
            # the list or rebuild the pool, is called only when it is full: arrays passed to a helper cost
            # reference counting on every call)
            if partners[x] < capacity[x]:
                pool[start[x] + partners[x]] = y
                partners[x] += 1
            else:
                pool, pool_n = _append(x, y, start, capacity, partners, pool, pool_n)
            if partners[y] < capacity[y]:
                pool[start[y] + partners[y]] = x
                partners[y] += 1
            else:
                pool, pool_n = _append(y, x, start, capacity, partners, pool, pool_n)
    return n, pool, pool_n


@kernel
def end(keys, vals, a, b, running):
    """Alliances between a[i] and b[i] (pairs on record) have ended."""
    for i in range(len(a)):
        running[vals[probe(keys, pair_code(a[i], b[i]))]] -= 1


@kernel
def end_rows(keys, vals, rows, firm_a, firm_b, running):
    """:func:`end` of the alliances in rows ``rows`` of the columns ``firm_a``, ``firm_b``."""
    for i in range(len(rows)):
        r = rows[i]
        running[vals[probe(keys, pair_code(firm_a[r], firm_b[r]))]] -= 1


@kernel
def random_partners(firms, draws, start, partners, pool, out):
    """The ``floor(draws[i] * count)``-th past partner of each firm; -1 for a firm with none."""
    known = len(partners)
    for i in range(len(firms)):
        f = firms[i]
        k = partners[f] if f < known else 0
        out[i] = -1 if k == 0 else pool[start[f] + np.int64(draws[i] * k)]


@kernel
def nth_partners(firms, nth, start, pool, out):
    """The ``nth[i]``-th past partner (0-based, in order of first alliance) of each firm (the caller checks it has
    that many)."""
    for i in range(len(firms)):
        out[i] = pool[start[firms[i]] + nth[i]]
