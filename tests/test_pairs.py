"""Pair memory (its compiled hash and partner lists) against a plain dict-of-pairs reference."""

from __future__ import annotations

import numpy as np

from sim.pairs import PairMemory


class PairReference:
    """The original dict-based pair memory, one pair at a time."""

    def __init__(self, rate):
        self.rate, self.count, self.stock, self.partners = rate, {}, {}, {}

    def record(self, a, b, tick):
        k = (min(a, b), max(a, b))
        if k not in self.count:
            self.partners.setdefault(a, []).append(b)
            self.partners.setdefault(b, []).append(a)
        self.count[k] = self.count.get(k, 0) + 1
        self.stock[k] = (self.get_stock(a, b, tick) + 1.0, tick)

    def get_stock(self, a, b, tick):
        value, since = self.stock.get((min(a, b), max(a, b)), (0.0, tick))
        return value * (1.0 - self.rate) ** (tick - since)


def test_pair_memory_matches_reference_through_many_rehashes():
    rng = np.random.default_rng(3)
    n, rate = 60, 0.07
    memory, reference = PairMemory(rate), PairReference(rate)
    for tick in range(1, 120):
        m = int(rng.integers(0, 40))
        a = rng.integers(0, n, m)
        b = (a + rng.integers(1, n, m)) % n
        if tick % 10 == 0 and m:  # a pair twice in one batch is allowed too
            a, b = np.r_[a, b[0]], np.r_[b, a[0]]
        if tick % 3 == 1:  # as the model does: look the pairs up (negotiation), then record them (reusing that search)
            memory.counts_and_stocks(b, a, tick)
        elif tick % 3 == 2 and m > 1:  # other pairs looked up last: nothing to reuse
            memory.counts_and_stocks(np.roll(a, 1), b, tick)
        memory.record_many(a, b, tick)
        for x, y in zip(a.tolist(), b.tolist()):
            reference.record(x, y, tick)
        qa, qb = rng.integers(0, n, 200), rng.integers(0, n, 200)
        expected_count = [reference.count.get((min(x, y), max(x, y)), 0) for x, y in zip(qa, qb)]
        expected_stock = [reference.get_stock(int(x), int(y), tick + 2) for x, y in zip(qa, qb)]
        assert memory.counts(qa, qb).tolist() == expected_count
        assert memory.known(qa, qb).tolist() == [c > 0 for c in expected_count]
        assert memory.stocks(qa, qb, tick + 2).tolist() == expected_stock  # bit-identical floats
        counts, stocks = memory.counts_and_stocks(qa, qb, tick + 2)
        assert counts.tolist() == expected_count and stocks.tolist() == expected_stock
        # a random past partner per firm (-1 for none), as the repeat search draws it
        draws = rng.random(n)
        expected = [reference.partners[f][int(d * len(reference.partners[f]))] if reference.partners.get(f) else -1
                    for f, d in zip(range(n), draws)]
        assert memory.random_partners(np.arange(n), draws).tolist() == expected
        # batch lookups of the nth past partner, many firms at once (as selection does)
        known = [f for f in range(n) if reference.partners.get(f)]
        if known:
            firms = rng.choice(known, 50)
            nth = (rng.random(50) * [len(reference.partners[f]) for f in firms]).astype(np.int64)
            expected = [reference.partners[f][k] for f, k in zip(firms, nth)]
            assert memory.nth_partners(firms, nth).tolist() == expected
    assert len(memory) == len(reference.count)
    assert len(memory.table[0]) > 1024  # the hash table did grow (rehash)
    for firm in range(n):
        assert memory.past_partners(firm) == reference.partners.get(firm, [])
    firms = np.arange(n)
    assert memory.partner_counts(firms).tolist() == [len(reference.partners.get(f, [])) for f in range(n)]
    assert memory.count(3, 7) == reference.count.get((3, 7), 0)


def test_partner_lists_survive_the_pool_being_compacted():
    """Thousands of firms with growing partner lists fill the shared pool several times; each time it is rebuilt
    without the room moved lists left behind, and every firm's partners stay in order."""
    rng = np.random.default_rng(5)
    n = 3000
    memory, reference = PairMemory(0.1), PairReference(0.1)
    pools = set()
    for tick in range(1, 40):
        a = rng.integers(0, n, 400)
        b = (a + rng.integers(1, n, 400)) % n
        memory.record_many(a, b, tick)
        for x, y in zip(a.tolist(), b.tolist()):
            reference.record(x, y, tick)
        pools.add(id(memory._pool))
    assert len(pools) > 2  # the pool was rebuilt
    assert memory._pool_n <= len(memory._pool)
    for firm in range(0, n, 7):
        assert memory.past_partners(firm) == reference.partners.get(firm, [])
