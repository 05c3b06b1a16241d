"""The compiled kernels (sim/kernels) against the numpy code or the plain rules they replace, bit for bit, and their
on-disk cache: shared by processes started at once, and skipped where no location is writable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels import booking as kb
from sim.kernels import selection as ks
from sim.kernels.generator import as_generator, handle
from sim.pairs import PairMemory
from sim.state import EXPLOITATION, EXPLORATION
from sim.steps import selection
from tests.steps.helpers import fresh_state
from tests.strategies import seeds
from tests.test_pairs import PairReference

ROOT = Path(__file__).resolve().parents[1]


def busy_state(seed: int, n: int = 120):
    """Firms with random portfolios, experience, reputations and preferences (every scoring term varies)."""
    cfg, state = fresh_state(n, seed)
    rng = np.random.default_rng(seed)
    state.active[:] = rng.integers(0, 4, (n, 2))
    state.partner_profile[:] = state.active * rng.random((n, 2))
    state.experience[:] = rng.integers(0, 30, (n, 2))
    state.reputation[:] = rng.random(n)
    state.preference[:] = rng.random((n, 3))
    return cfg, state, rng


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_scores_are_evaluate_bit_for_bit(seed):
    cfg, state, rng = busy_state(seed)
    who, whom = rng.integers(0, state.n, 500), rng.integers(0, state.n, 500)
    familiar, noise = (rng.random(500) < 0.3).astype(float), rng.normal(0.0, 1.0, 500)
    out = np.empty(500)
    ks.target_scores(whom, who, familiar, noise, *selection._scoring(state, cfg.selection), out)  # targets score seekers
    assert out.tobytes() == selection.evaluate(state, whom, who, familiar, cfg.selection, noise).tobytes()


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_best_candidate_is_the_argmax_of_evaluate_over_those_with_room(seed):
    cfg, state, rng = busy_state(seed)
    pairs = PairMemory(0.1)
    pairs.record_many(state.firm_id[rng.integers(0, 60, 80)], state.firm_id[rng.integers(60, state.n, 80)], 1)
    spare = rng.integers(-1, 3, state.n)
    seekers = rng.choice(state.n, 40, replace=False)
    cand = rng.integers(0, state.n, (40, 6))
    noise = rng.normal(0.0, 1.0, cand.shape)
    best, score, familiar = np.empty(40, dtype=np.int64), np.empty(40), np.empty(40)
    ks.best_candidates(seekers, cand, noise, spare, state.firm_id, *pairs.table, *selection._scoring(state, cfg.selection),
                       best, score, familiar)
    # the numpy reference: -inf for a full candidate, evaluate() for the others, then argmax
    who = np.repeat(seekers, 6)
    known = pairs.known(state.firm_id[who], state.firm_id[cand.ravel()]).astype(float)
    ref = selection.evaluate(state, who, cand.ravel(), known, cfg.selection, noise.ravel()).reshape(cand.shape)
    ref[spare[cand] <= 0] = -np.inf
    top = ref.argmax(axis=1)
    assert best.tolist() == top.tolist()
    assert score.tobytes() == ref[np.arange(40), top].tobytes()
    has_room = np.isfinite(score)
    assert familiar[has_room].tolist() == known.reshape(cand.shape)[np.arange(40), top][has_room].tolist()


@settings(max_examples=40, deadline=None)
@given(seeds, st.sampled_from([1, -1]))
def test_booking_adds_what_np_add_at_adds(seed, sign):
    _, state, rng = busy_state(seed)
    own, other = rng.integers(0, state.n, 300), rng.integers(0, state.n, 300)  # repeats: order matters for floats
    types, attention = rng.integers(0, 2, 300), rng.random(300) * 3.0
    active, used, profile = state.active.copy(), rng.random(state.n) * 5.0, state.partner_profile.copy()
    ref_active, ref_used, ref_profile = active.copy(), used.copy(), profile.copy()
    np.add.at(ref_active, (own, types), sign)
    np.add.at(ref_used, own, sign * attention)
    for k in (EXPLORATION, EXPLOITATION):
        np.add.at(ref_profile[:, k], own, (sign * state.capability[other])[:, k])
    kb.book_sides(own, other, types, attention, sign, active, used, profile, state.capability)
    assert active.tolist() == ref_active.tolist()
    assert used.tobytes() == ref_used.tobytes()
    assert profile.tobytes() == ref_profile.tobytes()


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 12)), max_size=15), min_size=1, max_size=12),
       st.floats(0.0, 0.5))
def test_pair_memory_is_the_dict_reference(batches, rate):
    memory, reference = PairMemory(rate), PairReference(rate)
    for tick, batch in enumerate(batches, start=1):
        a = np.array([x for x, _ in batch], dtype=np.int64)
        b = (a + np.array([d for _, d in batch], dtype=np.int64)) % 13  # never a firm with itself
        memory.record_many(a, b, tick)
        for x, y in zip(a.tolist(), b.tolist()):
            reference.record(x, y, tick)
    qa, qb = np.repeat(np.arange(13), 13), np.tile(np.arange(13), 13)
    tick = len(batches) + 3
    assert memory.counts(qa, qb).tolist() == [reference.count.get((min(x, y), max(x, y)), 0) for x, y in zip(qa, qb)]
    assert memory.stocks(qa, qb, tick).tolist() == [reference.get_stock(int(x), int(y), tick) for x, y in zip(qa, qb)]
    for firm in range(13):
        assert memory.past_partners(firm) == reference.partners.get(firm, [])


def test_a_kernel_compiles_in_memory_where_no_cache_location_is_writable(monkeypatch):
    import numba

    import sim.kernels as kernels

    real = numba.njit

    def no_cache(*args, **kwargs):
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function: no locator available")  # what numba raises then
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_cache)
    monkeypatch.setattr(kernels, "_warned", False)
    with pytest.warns(UserWarning, match="no writable numba cache"):
        twice = kernels.kernel(lambda x: 2 * x)
    assert twice(21) == 42


_RUN = """
import hashlib
from sim import AllianceModel, load_config
m = AllianceModel(config=load_config(overrides={"firms.n": 120, "run.ticks": 10, "run.burn_in": 10}), rng=3).run()
print(hashlib.sha256(m.alliances_frame().to_csv().encode()).hexdigest())
"""


@pytest.mark.slow
def test_processes_compiling_at_once_share_one_cache(tmp_path):
    """Two processes with an empty cache compile and write it at the same time (as xdist workers do); a third loads
    it; all three get the same tables."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    first = [subprocess.Popen([sys.executable, "-c", _RUN], env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    hashes = [p.communicate(timeout=600)[0].strip() for p in first]
    assert all(p.returncode == 0 for p in first)
    cached = sorted(f.name for f in tmp_path.rglob("*.nbi"))
    assert cached, "the kernels were cached"
    third = subprocess.run([sys.executable, "-c", _RUN], env=env, capture_output=True, text=True, timeout=600, check=True)
    assert hashes == [third.stdout.strip()] * 2
    assert sorted(f.name for f in tmp_path.rglob("*.nbi")) == cached  # loaded, not compiled again under new names


def test_the_pair_memory_knows_the_pairs_allied_now():
    """Its running counts (recorded at formation, ended with each alliance) name the pairs of the log's active rows,
    which selection must not match again."""
    from tests.steps.helpers import small_model

    model = small_model(ticks=30, **{"firms.exit_threshold": 5.0})  # firms exit too: their alliances end with them
    pairs = model.pairs
    lo, hi = pairs._rows["lo"], pairs._rows["hi"]
    allied_now = set(PairMemory.codes(lo, hi)[pairs.allied(lo, hi)].tolist())
    assert allied_now == set(model.log.active_pair_codes().tolist())
    assert allied_now and len(allied_now) < len(pairs)


@numba.njit
def _draw_through_handle(gen, n):
    rng = as_generator(gen)
    out = np.empty((n, 5))
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2] = rng.random(), rng.normal(0.0, 0.3), rng.integers(0, 999)
        out[i, 3], out[i, 4] = rng.poisson(2.5), rng.lognormal(0.0, 0.4)
    return out


@numba.njit
def _draw_through_object(rng, n):
    out = np.empty((n, 5))
    for i in range(n):
        out[i, 0], out[i, 1], out[i, 2] = rng.random(), rng.normal(0.0, 0.3), rng.integers(0, 999)
        out[i, 3], out[i, 4] = rng.poisson(2.5), rng.lognormal(0.0, 0.4)
    return out


@settings(max_examples=10, deadline=None)
@given(seeds)
def test_a_kernel_draws_through_a_handle_what_it_draws_from_the_generator(seed):
    one, two = np.random.default_rng(seed), np.random.default_rng(seed)
    np.testing.assert_array_equal(_draw_through_handle(handle(one), 200), _draw_through_object(two, 200))
    assert one.random() == two.random()  # the handle drew from the Generator's own state: both moved alike


def test_a_handle_belongs_to_its_generator():
    one, two = np.random.default_rng(1), np.random.default_rng(1)
    assert handle(one) is handle(one)
    assert not np.array_equal(handle(one), handle(two))  # the same seed, another bit generator's state


@numba.njit
def _sized_draws_through_handle(gen, n, m, w):
    rng = as_generator(gen)
    return rng.random(n), rng.random((m, 2)), rng.lognormal(0.1, 0.4, n), rng.normal(0.0, 0.3, (m, w))


@settings(max_examples=10, deadline=None)
@given(seeds, st.integers(0, 40), st.integers(0, 12))
def test_a_kernels_sized_draws_are_numpys_own_calls(seed, n, m):
    one, two = np.random.default_rng(seed), np.random.default_rng(seed)
    got = _sized_draws_through_handle(handle(one), n, m, 8)
    want = two.random(n), two.random((m, 2)), two.lognormal(0.1, 0.4, n), two.normal(0.0, 0.3, (m, 8))
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert one.random() == two.random()
