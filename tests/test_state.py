"""The firms' state (sim.state): what a new firm is drawn with, and what it derives from its columns."""

import numpy as np

from sim.config import load_config
from sim.steps.demography import init_firms


def test_complexity_dilution_off_raises_only_large_firms_capture():
    cfg_on = load_config()
    cfg_off = load_config(overrides={"learning.complexity_dilution": 0.0})
    on = init_firms(cfg_on, np.random.default_rng(3))
    off = init_firms(cfg_off, np.random.default_rng(3))
    assert np.array_equal(on.capture_rate[~on.large], off.capture_rate[~off.large])
    assert (off.capture_rate[off.large] > on.capture_rate[on.large]).all()


def test_incentive_is_the_spending_core_income_does_not_cover():
    state = init_firms(load_config(), np.random.default_rng(6))
    state.spending[:] = 2.0 * state.income
    np.testing.assert_allclose(state.dependence(), 0.5)
    state.spending[:] = 0.5 * state.income
    assert (state.dependence() == 0).all()


def test_overconfidence_spreads_by_size_class_and_a_zero_spread_still_takes_entrants():
    from sim import AllianceModel

    cfg = load_config(overrides={"firms.n": 400, "firms.large.overconfidence_sd": 0.0, "firms.small.overconfidence_sd": 0.6})
    state = init_firms(cfg, np.random.default_rng(2))
    assert np.all(state.overconfidence[state.large] == cfg.portfolio.overconfidence)
    assert state.overconfidence[~state.large].std() > 0.3
    # a zero spread for the entrants' class too: entrants fill their slots (this crashed once, on a scalar)
    model = AllianceModel(config=load_config(overrides={"firms.n": 60, "run.ticks": 30, "run.burn_in": 10,
                                                        "firms.small.overconfidence_sd": 0.0, "firms.entry_rate": 0.2,
                                                        "firms.exit_threshold": 5.0}), rng=3).run()
    assert model.state.firm_id.max() >= 60  # ventures entered
    assert np.all(model.state.overconfidence[~model.state.large] == cfg.portfolio.overconfidence)


def test_new_firms_follow_a_size_class_value_changed_between_draws():
    """draw_firms keeps the size classes' values between draws (entrants come every tick) and builds them again
    when one changes: a class's resources and units, edited in place, reach the next draw."""
    from sim.steps.demography import draw_firms

    cfg = load_config(overrides={"firms.n": 50})
    small = np.zeros(4, dtype=bool)
    before = draw_firms(cfg, np.random.default_rng(1), small, 0, 0)
    cfg.firms.small.resources *= 2.0
    cfg.firms.small.units = 3
    after = draw_firms(cfg, np.random.default_rng(1), small, 0, 0)
    np.testing.assert_array_equal(after["resources"], 2.0 * before["resources"])
    assert (after["units"] == 3).all() and (before["units"] == 1).all()


def test_issuing_ids_appends_to_slot_of_id_and_clearing_zeroes_only_the_slots_given():
    from sim.state import ZERO_FIELDS

    state = init_firms(load_config(overrides={"firms.n": 12}), np.random.default_rng(3))
    before = state.slot_of_id.copy()
    for slots in [np.array([4, 1]), np.array([7]), np.arange(12)]:
        first = state.issue_ids(slots)
        assert first == len(before) and state.slot_of_id.tolist() == before.tolist() + slots.tolist()
        before = state.slot_of_id.copy()
    state.slot_of_id[0] = -1  # writes reach the ids issued
    assert state.slot_of_id[0] == -1 and state.issue_ids(np.array([5])) == len(before)
    assert state.slot_of_id[0] == -1
    for name in ZERO_FIELDS:
        getattr(state, name)[...] = 1
    state.clear(np.array([2, 9]))
    for name in ZERO_FIELDS:
        values = getattr(state, name)
        assert not values[[2, 9]].any() and (np.delete(values, [2, 9], axis=0) == 1).all(), name
