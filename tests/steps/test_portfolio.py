"""Step 5, portfolio management: each test fails if its mechanism is removed."""

import numpy as np

from sim.state import EXPLOITATION
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
    assert np.all(state.max_alliances >= np.floor(state.capacity))


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
