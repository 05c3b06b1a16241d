"""Step 5, portfolio management: each test fails if its mechanism is removed."""

import numpy as np

from sim.state import EXPLOITATION, believed_cap
from sim.steps import portfolio
from tests.steps.helpers import fresh_state


def test_capacity_grows_with_knowhow_and_never_shrinks():
    cfg, state = fresh_state(50, 0)
    before = state.capacity.copy()
    state.knowhow[:, 0] += 4.0
    portfolio.manage(state, cfg, np.random.default_rng(0))
    grown = state.capacity.copy()
    assert np.all(grown > before)
    state.knowhow[:] = 0.0
    portfolio.manage(state, cfg, np.random.default_rng(0))
    assert np.all(state.capacity == grown)
    follows = cfg.portfolio.cap_follows_capacity
    assert np.all(state.max_alliances == believed_cap(state.capacity, state.base_capacity, state.overconfidence, follows))


def test_forgetting_erodes_knowhow_and_reputation_reverts():
    cfg, state = fresh_state(50, 0)
    state.knowhow[:] = 2.0
    state.reputation[:] = 1.0
    portfolio.manage(state, cfg, np.random.default_rng(0))
    assert np.all(state.knowhow < 2.0) and np.all(state.reputation < 1.0)
    cfg2 = cfg.model_copy(update={"learning": cfg.learning.model_copy(update={"forgetting_rate": 0.0, "key_person_hazard": 0.0})})
    state.knowhow[:] = 2.0
    portfolio.manage(state, cfg2, np.random.default_rng(0))
    assert np.all(state.knowhow == 2.0)


def test_redundant_partners_fit_worse():
    cfg, state = fresh_state(3, 0)
    state.capability[:] = [[0.5, 0.5], [0.5, 0.5], [0.0, 1.0]]
    state.active[0, EXPLOITATION] = 3
    state.partner_profile[0] = 3 * state.capability[1]
    r = portfolio.redundancy(state, np.array([0, 0]), np.array([1, 2]))
    assert r[0] > r[1]


def test_balance_pulls_towards_the_missing_type():
    cfg, state = fresh_state(2, 0)
    state.active[0] = [3, 0]
    state.active[1] = [0, 3]
    pull = portfolio.exploration_pull(state, np.array([0, 1]), 0.5)
    assert pull[0] < 0.5 < pull[1]


def test_capacity_rises_on_the_know_how_curve_by_a_bounded_factor():
    from sim.state import grown_capacity

    cfg, state = fresh_state(50, 0)
    base = state.base_capacity
    knobs = cfg.portfolio.capacity_learning, cfg.learning.general_saturation
    np.testing.assert_allclose(grown_capacity(base, np.zeros(50), *knobs), base)
    huge = grown_capacity(base, np.full(50, 1e6), *knobs)
    np.testing.assert_allclose(huge, base * (1 + cfg.portfolio.capacity_learning))
    some = grown_capacity(base, np.full(50, cfg.learning.general_saturation), *knobs)
    np.testing.assert_allclose(some, base * (1 + cfg.portfolio.capacity_learning * (1 - np.exp(-1))))


def test_the_believed_cap_follows_what_experience_added_as_far_as_the_key_says():
    base, grown, confidence = np.array([2.0]), np.array([4.0]), np.array([1.5])
    assert believed_cap(grown, base, confidence, 0.0)[0] == 3  # floor(2 x 1.5): appetite stays at the base
    assert believed_cap(grown, base, confidence, 1.0)[0] == 6  # floor(4 x 1.5)
    assert believed_cap(grown, base, confidence, 0.5)[0] == 4  # floor(3 x 1.5)


def test_a_belief_below_one_counts_as_one():
    base = np.array([3.0])
    assert believed_cap(base, base, np.array([0.6]), 0.0)[0] == believed_cap(base, base, np.array([1.0]), 0.0)[0] == 3


def test_overconfidence_stays_a_trait_at_persistence_one_and_drifts_with_a_stationary_spread_below():
    cfg, state = fresh_state(4000, 0, **{"portfolio.overconfidence_persistence": 1.0})
    drawn = state.overconfidence.copy()
    for _ in range(3):
        portfolio.manage(state, cfg, np.random.default_rng(1))
    assert np.array_equal(state.overconfidence, drawn)  # persistence 1: a fixed trait

    rho = 0.8
    cfg, state = fresh_state(4000, 0, **{"portfolio.overconfidence_persistence": rho, "firms.small.overconfidence_sd": 0.4})
    small = ~state.large
    z0 = np.log(state.overconfidence[small] / cfg.portfolio.overconfidence) / 0.4
    rng = np.random.default_rng(2)
    for _ in range(10):
        portfolio.manage(state, cfg, rng)
    z = np.log(state.overconfidence[small] / cfg.portfolio.overconfidence) / 0.4
    # the spread across firms is the entrants' (sd 1 in units of the class's spread), the mean stays at the class's
    assert abs(z.std() - 1.0) < 0.05 and abs(z.mean()) < 0.06
    # and a firm's deviation decays as rho^ticks: 0.8^10 = 0.107
    assert abs(np.corrcoef(z0, z)[0, 1] - rho ** 10) < 0.05
    # the cap follows the drifted overconfidence in the same review
    follows = cfg.portfolio.cap_follows_capacity
    assert np.all(state.max_alliances == believed_cap(state.capacity, state.base_capacity, state.overconfidence, follows))
