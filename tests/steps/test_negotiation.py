"""Step 2, deal negotiation: each test fails if its mechanism is removed."""

import numpy as np
import pytest

from sim.steps import negotiation
from tests.steps.helpers import fresh_state, small_model


def test_split_follows_bargaining_power():
    power_a, power_b = np.array([4.0, 1.0, 1.0]), np.array([1.0, 4.0, 1.0])
    share = negotiation.split_value(power_a, power_b, np.zeros(3, bool), 0.1)
    assert share[0] > 0.5 > share[1] and share[2] == pytest.approx(0.5)
    rushed = negotiation.split_value(power_a, power_b, np.ones(3, bool), 0.1)
    assert rushed[0] > share[0] and rushed[1] < share[1]  # the weaker side concedes


def test_richer_partner_has_more_power():
    cfg, state = fresh_state(10, 0)
    state.resources[:] = 10.0
    state.resources[0] = 1000.0
    p = negotiation.bargaining_power(state, np.arange(10), cfg.negotiation)
    assert p[0] == p.max() and p[0] > p[1]
    flat = negotiation.bargaining_power(state, np.arange(10), cfg.negotiation.model_copy(update={"resource_power": 0.0}))
    assert flat[0] == pytest.approx(flat[1])


def test_governance_and_triggers_respond_to_their_parameters():
    def frac(**o):
        a = small_model(ticks=20, **o).alliances_frame()
        return (a["governance"] == "protective").mean(), a["exit_triggers"].mean()

    lo = frac(**{"negotiation.protective_base": 0.0, "negotiation.protective_new_partner": 0.0, "negotiation.exit_trigger_probability": 0.0, "negotiation.exit_trigger_function_bonus": 0.0})
    hi = frac(**{"negotiation.protective_base": 1.0, "negotiation.exit_trigger_probability": 1.0})
    assert lo == (0.0, 0.0) and hi == (1.0, 1.0)


def test_larger_partner_is_firm_a():
    a = small_model(ticks=20).alliances_frame()
    assert not ((a["size_a"] == "small") & (a["size_b"] == "large")).any()
