"""The compiled steps (sim/kernels) against the numpy code they replaced (tests/numpy_reference.py): each step run
both ways from the same state with the same draws must leave the same state, the same log rows and the same random
generator (so the same draws, in the same order and shapes), equal to float round-off (numba's exp, expm1 and tanh
may differ from numpy's by an ulp, and a few sums add in another order)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tests.numpy_reference as ref
from sim import AllianceModel, load_config
from sim.steps import demography, execution, exit, innovation, negotiation, portfolio, selection
from tests.strategies import kernel_settings as variants
from tests.strategies import seeds

def model_at(seed: int, overrides: dict, ticks: int = 6) -> AllianceModel:
    cfg = load_config(overrides={"firms.n": 90, "run.ticks": 60, "run.burn_in": 40, **overrides})
    return AllianceModel(config=cfg, rng=seed % 1000).run(ticks)


def assert_close(a, b, what: str) -> None:
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, what
    if a.dtype.kind == "f":
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12, err_msg=what)
    else:
        assert np.array_equal(a, b), what


def assert_same_state(x, y) -> None:
    for name, value in vars(x).items():
        if isinstance(value, np.ndarray) and not name.startswith("_"):  # a private array is storage (slot_of_id's room)
            assert_close(value, getattr(y, name), f"state.{name}")


def assert_same_log(x, y) -> None:
    assert x.n == y.n
    for name in x.cols:
        assert_close(x[name], y[name], f"log column {name}")
    assert_close(x.active_ids(), y.active_ids(), "active ids")


def assert_twins_agree(s1, s2, rng1, rng2, *logs) -> None:
    """The numpy and the compiled step left the same logs (pairs of ``logs``), state and generator state."""
    for x, y in zip(logs[::2], logs[1::2]):
        assert_same_log(x, y)
    assert_same_state(s1, s2)
    assert rng1.bit_generator.state == rng2.bit_generator.state


def twins(model: AllianceModel, seed: int):
    """Two independent copies of the model's state and logs, and two generators in the same state."""
    parts = (model.state, model.log, model.projects, model.pairs)
    return copy.deepcopy(parts), copy.deepcopy(parts), np.random.default_rng(seed), np.random.default_rng(seed)


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_negotiation_and_launch_match_the_numpy_steps(seed, overrides):
    model = model_at(seed, overrides)
    cfg = model.config
    matches = selection.select_partners(model.state, model.pairs, None, cfg.selection, np.random.default_rng(seed))
    if len(matches) == 0:
        return
    (s1, log1, _, pairs1), (s2, log2, _, pairs2), rng1, rng2 = twins(model, seed)
    tick = model.tick + 1
    records = ref.launch(s1, ref.negotiate(s1, pairs1, matches, tick, cfg.negotiation, cfg.learning, rng1), cfg.execution, rng1)
    log1.append(records)
    rows = negotiation.negotiate(s2, pairs2, matches, tick, cfg.negotiation, cfg.learning, rng2, log=log2)
    execution.launch(s2, rows, cfg.execution, rng2)
    log2.commit(rows)
    assert_twins_agree(s1, s2, rng1, rng2, log1, log2)
    # the public step functions return the records as columns, as before
    (s3, _, _, pairs3), rng3 = copy.deepcopy((model.state, model.log, model.projects, model.pairs)), np.random.default_rng(seed)
    again = execution.launch(s3, negotiation.negotiate(s3, pairs3, matches, tick, cfg.negotiation, cfg.learning, rng3),
                             cfg.execution, rng3)
    assert set(again) == set(records)
    for name in records:
        assert_close(records[name], again[name], name)


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_execution_matches_the_numpy_step(seed, overrides):
    model = model_at(seed, overrides)
    cfg = model.config
    (s1, log1, _, _), (s2, log2, _, _), rng1, rng2 = twins(model, seed)
    for tick in range(model.tick + 1, model.tick + 6):
        ref.execute(s1, log1, tick, cfg.execution, cfg.learning, rng1)
        execution.execute(s2, log2, tick, cfg.execution, cfg.learning, rng2)
        assert_twins_agree(s1, s2, rng1, rng2, log1, log2)


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_exit_and_settlement_match_the_numpy_step(seed, overrides):
    model = model_at(seed, overrides)
    (s1, log1, _, _), (s2, log2, _, _), rng1, rng2 = twins(model, seed)
    for tick in range(model.tick + 1, model.tick + 6):
        ended1 = ref.close(s1, log1, tick, model.config, rng1)
        ended2 = exit.close(s2, log2, tick, model.config, rng2)
        assert ended1.tolist() == ended2.tolist()
        assert_twins_agree(s1, s2, rng1, rng2, log1, log2)


@settings(max_examples=12, deadline=None)
@given(seeds, variants, st.sampled_from([0.0, 0.05]))
def test_firms_leaving_match_the_numpy_step(seed, overrides, hazard):
    """Leavers (resources run out; ventures acquired when the hazard is on), with their alliances and projects."""
    model = model_at(seed, {**overrides, "firms.exit_threshold": 8.0, "firms.acquisition_hazard": hazard})
    (s1, log1, p1, _), (s2, log2, p2, _), rng1, rng2 = twins(model, seed)
    for tick in range(model.tick + 1, model.tick + 4):
        gone1, hit1, acquired1 = ref.exits(s1, log1, p1, tick, model.config, rng1)
        gone2, hit2, acquired2 = demography.exits(s2, log2, p2, tick, model.config, rng2)
        assert (gone1.tolist(), hit1.tolist(), acquired1) == (gone2.tolist(), hit2.tolist(), acquired2)
        assert_twins_agree(s1, s2, rng1, rng2, log1, log2, p1, p2)


@settings(max_examples=12, deadline=None)
@given(seeds, variants, st.sampled_from([0.01, 0.2]))
def test_entrants_match_the_numpy_step(seed, overrides, rate):
    """New ventures into empty slots: as many as the Poisson draw and the empty slots allow, fields and ids."""
    model = model_at(seed, {**overrides, "firms.exit_threshold": 8.0, "firms.entry_rate": rate})
    (s1, _, _, _), (s2, _, _, _), rng1, rng2 = twins(model, seed)
    for tick in range(model.tick + 1, model.tick + 4):
        s1.alive[rng1.permutation(s1.n)[:5]] = False  # room for entrants
        s2.alive[rng2.permutation(s2.n)[:5]] = False
        assert ref.entries(s1, tick, model.config, rng1).tolist() == demography.entries(s2, tick, model.config, rng2).tolist()
        assert_same_state(s1, s2)
        assert s1.slot_of_id.tolist() == s2.slot_of_id.tolist()
        assert rng1.bit_generator.state == rng2.bit_generator.state


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_settling_any_exit_code_matches_the_numpy_step(seed, overrides):
    """Every exit code, planned or not, including a firm on both sides of several alliances (partner exits)."""
    model = model_at(seed, overrides)
    (s1, log1, _, _), (s2, log2, _, _), rng, _ = twins(model, seed)
    active = log1.active_ids()
    ids = np.sort(rng.choice(active, size=min(len(active), 25), replace=False))
    code = rng.integers(1, 7, len(ids)).astype(np.int8)
    planned = rng.random(len(ids)) < 0.5
    ref.settle(s1, log1, ids, code, planned, model.tick + 1, model.config)
    exit.settle(s2, log2, ids, code, planned, model.tick + 1, model.config)
    assert_same_log(log1, log2)
    assert_same_state(s1, s2)


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_portfolio_review_matches_the_numpy_step(seed, overrides):
    model = model_at(seed, overrides)
    (s1, *_), (s2, *_), rng1, rng2 = twins(model, seed)
    for _ in range(3):
        ref.manage(s1, model.config, rng1)
        portfolio.manage(s2, model.config, rng2)
        assert_twins_agree(s1, s2, rng1, rng2)
    ref.review_functions(s1, model.config, rng1)
    portfolio.review_functions(s2, model.config, rng2)
    assert_twins_agree(s1, s2, rng1, rng2)


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_internal_rnd_matches_the_numpy_step(seed, overrides):
    model = model_at(seed, overrides)
    cfg = model.config
    (s1, _, p1, _), (s2, _, p2, _), rng1, rng2 = twins(model, seed)
    for tick in range(model.tick + 1, model.tick + 6):
        approved1 = ref.innovate(s1, p1, tick, cfg.innovation, cfg.learning, rng1)
        approved2 = innovation.innovate(s2, p2, tick, cfg.innovation, cfg.learning, rng2)
        assert approved1 == approved2
        assert_twins_agree(s1, s2, rng1, rng2, p1, p2)


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_public_formulas_match_the_numpy_ones(seed, overrides):
    """The numpy functions tests and notebooks call, now thin wrappers over the kernels' formulas."""
    model = model_at(seed, overrides)
    cfg, s, log = model.config, model.state, model.log
    rng = np.random.default_rng(seed)
    ids = log.active_ids()
    for tick in (None, model.tick, model.tick + 60):
        assert_close(ref.milestone_logit(s, log, ids, cfg.execution, cfg.learning, tick),
                     execution.milestone_logit(s, log, ids, cfg.execution, cfg.learning, tick), "milestone_logit")
    assert_close(ref.team_skill(s, log, ids, cfg.learning), execution.team_skill(s, log, ids, cfg.learning), "team_skill")
    assert_close(ref.conflict_hazard(s, log, ids, cfg.exit, cfg.learning),
                 exit.conflict_hazard(s, log, ids, cfg.exit, cfg.learning), "conflict_hazard")
    r1, r2 = (f(s, log, ids, model.tick, cfg.exit, cfg.learning, np.random.default_rng(seed))
              for f in (ref.exit_reasons, exit.exit_reasons))
    assert_close(r1[0], r2[0], "exit codes")
    assert_close(r1[1], r2[1], "planned exits")
    firms, types = rng.integers(0, s.n, 200), rng.integers(0, 2, 200)
    s.internal_knowhow[:] = rng.random((s.n, 2)) * 4.0
    assert_close(ref.absorbable(s, firms, types, cfg.learning), execution.absorbable(s, firms, types, cfg.learning),
                 "absorbable")
    capability = rng.random(200)
    assert_close(ref.approval_logit(s, firms, types, capability, cfg.innovation, cfg.learning),
                 innovation.approval_logit(s, firms, types, capability, cfg.innovation, cfg.learning), "approval_logit")
    assert_close(ref.bargaining_power(s, firms, cfg.negotiation), negotiation.bargaining_power(s, firms, cfg.negotiation),
                 "bargaining_power")
    pa, pb, rushed = rng.random(200) * 3, rng.random(200) * 3, rng.random(200) < 0.5
    assert_close(ref.split_value(pa, pb, rushed, 0.15), negotiation.split_value(pa, pb, rushed, 0.15), "split_value")
    protective = rng.random(200) < 0.5
    assert_close(ref.attention_need(types, protective, cfg.execution),
                 execution.attention_need(types, protective, cfg.execution), "attention_need")


@pytest.mark.parametrize("overrides", [{}, {"firms.exit_threshold": 8.0, "firms.entry_rate": 0.05}])
def test_a_whole_run_keeps_its_books(overrides):
    """Bookkeeping the kernels keep across steps: each firm's active alliances and attention are what its running
    alliances add up to, and its alliances formed what the log's rows count."""
    model = model_at(5, overrides, ticks=30)
    s, log = model.state, model.log
    live = log.active_ids()
    active = np.zeros_like(s.active)
    np.add.at(active, (log["slot_a"][live], log["type"][live].astype(int)), 1)
    np.add.at(active, (log["slot_b"][live], log["type"][live].astype(int)), 1)
    assert np.array_equal(active, s.active)
    attention = np.zeros(s.n)
    np.add.at(attention, log["slot_a"][live], log["attention"][live])
    np.add.at(attention, log["slot_b"][live], log["attention"][live])
    np.testing.assert_allclose(attention, s.attention, atol=1e-9)


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_partner_selection_matches_the_numpy_step(seed, overrides):
    model = model_at(seed, overrides)
    (s1, _, _, pairs1), (s2, _, _, pairs2), rng1, rng2 = twins(model, seed)
    m1 = ref.select_partners(s1, pairs1, model.config.selection, rng1)
    m2 = selection.select_partners(s2, pairs2, None, model.config.selection, rng2)
    for name in ("a", "b", "type", "noise_a", "noise_b"):
        assert_close(getattr(m1, name), getattr(m2, name), f"matches.{name}")
    assert rng1.bit_generator.state == rng2.bit_generator.state


@settings(max_examples=8, deadline=None)
@given(seeds, variants)
def test_model_series_match_their_numpy_definitions(seed, overrides):
    """The series the recorder reads from one pass over the firms (sim.kernels.recording) are the numpy means and
    counts (to round-off: the kernel adds in slot order, numpy pairwise)."""
    model = model_at(seed, {**overrides, "firms.exit_threshold": 5.0}, ticks=1)
    for _ in range(4):
        model.step()
        expected = ref.firm_series(model.state)
        for name, value in expected.items():
            got = model.stats[name]
            assert type(got) is type(value), name
            if value != value:  # NaN
                assert got != got, name
            else:
                assert got == pytest.approx(value, rel=1e-12, abs=1e-15), name


@settings(max_examples=12, deadline=None)
@given(seeds, variants)
def test_execution_and_exit_in_one_pass_match_the_numpy_steps(seed, overrides):
    """The model's path: execution and exit in one pass over the active alliances (the same draws, in order)."""
    model = model_at(seed, overrides)
    cfg = model.config
    (s1, log1, _, _), (s2, log2, _, _), rng1, rng2 = twins(model, seed)
    for tick in range(model.tick + 1, model.tick + 6):
        ref.execute(s1, log1, tick, cfg.execution, cfg.learning, rng1)
        ended1 = ref.close(s1, log1, tick, cfg, rng1)
        ended2 = exit.execute_and_close(s2, log2, tick, cfg, rng2)
        assert ended1.tolist() == ended2.tolist()
        assert_twins_agree(s1, s2, rng1, rng2, log1, log2)


@settings(max_examples=12, deadline=None)
@given(seeds, variants, st.integers(0, 40), st.floats(0.0, 1.0))
def test_drawing_new_firms_matches_the_numpy_code(seed, overrides, n, share_large):
    """Founders of both size classes (in any order) and entrants, drawn into fresh arrays and into a state's
    slots: the numpy code's values and the same draws."""
    from sim.steps.demography import draw_firms, draw_into

    cfg = load_config(overrides={**overrides, "firms.small.overconfidence_sd": 0.5, "firms.small.initial_experience": 3.0})
    large = np.random.default_rng(seed).random(n) < share_large
    kernel_rng, numpy_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    got, want = draw_firms(cfg, kernel_rng, large, 7, 100), ref.draw_firms(cfg, numpy_rng, large, 7, 100)
    assert got.keys() == want.keys()
    for name in want:
        assert_close(got[name], want[name], name)
    assert kernel_rng.random() == numpy_rng.random()

    model = model_at(seed, overrides)  # entrants: into free slots of a running model's state, in a given order
    slots = np.random.default_rng(seed).permutation(model.state.n)[:n].astype(np.int64)
    draw_into(vars(model.state), slots, np.zeros(n, dtype=np.intp), model.config, kernel_rng, 9, 500)
    want = ref.draw_firms(model.config, numpy_rng, np.zeros(n, dtype=bool), 9, 500)
    for name in want:
        assert_close(getattr(model.state, name)[slots], want[name], name)
    assert kernel_rng.random() == numpy_rng.random()
