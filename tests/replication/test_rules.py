"""The rules on synthetic data where the truth is known: a null passes equivalence and fails the directional
rule, a real effect the reverse; the shape and level rules; the smallest effect of interest."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.replication.fitting import cluster_groups, fit_logit, terms
from sim.replication.rules import All, Between, Equivalent, Inside, Sign, Significant, small_telescope, tost_p


def synthetic_logit(beta: float, n: int = 6000, seed: int = 1) -> dict[str, float]:
    """Estimates of a logit fitted to data whose true slope (per SD of x) is ``beta``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.1 + beta * x)))).astype(int)
    d = pd.DataFrame({"y": y, "x": x, "firm": np.arange(n) // 5})
    return terms(fit_logit(d, "y", ["x"], cluster_groups(d["firm"])), ["x"])


DIRECTIONAL = Significant("x", 1)
NULL = Equivalent("x", small_telescope(300))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_null_effect_passes_equivalence_and_fails_the_directional_rule(seed):
    est = synthetic_logit(0.0, seed=seed)
    assert NULL.holds(est)
    assert not DIRECTIONAL.holds(est)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_real_effect_fails_equivalence_and_passes_the_directional_rule(seed):
    est = synthetic_logit(0.5, seed=seed)
    assert DIRECTIONAL.holds(est)
    assert not NULL.holds(est)


def test_a_small_sample_of_a_null_passes_neither_rule():
    """Lack of power is not evidence of a null: at n=300 the interval is wider than the margin."""
    est = synthetic_logit(0.0, n=300, seed=4)
    assert not NULL.holds(est) and not DIRECTIONAL.holds(est)


def test_tost_p_against_the_two_one_sided_tests():
    est, se, delta = 0.05, 0.04, 0.15
    lower = stats.norm.sf((est + delta) / se)
    upper = stats.norm.cdf((est - delta) / se)
    assert tost_p(est, se, delta) == pytest.approx(max(lower, upper))
    assert tost_p(est, se, delta, upper_only=True) == pytest.approx(upper)
    assert tost_p(-1.0, 0.04, delta, upper_only=True) < 0.001  # a clear harm is "no benefit"
    assert tost_p(-1.0, 0.04, delta) > 0.99  # but not equivalent to zero
    assert math.isnan(tost_p(0.0, 0.0, delta))


def test_small_telescope_is_the_effect_with_one_in_three_power():
    n = 300
    delta = small_telescope(n)
    se = 1 / math.sqrt(n * 0.25)
    power = stats.norm.sf(1.959964 - delta / se) + stats.norm.cdf(-1.959964 - delta / se)
    assert power == pytest.approx(1 / 3, abs=0.01)
    assert small_telescope(412) < delta


def test_one_sided_marginal_rule():
    rule = Significant("b", -1, alpha=0.10, one_sided=True)
    assert rule.holds({"b": -0.2, "b.p": 0.15})  # one-sided 0.075
    assert not rule.holds({"b": -0.2, "b.p": 0.25})
    assert not rule.holds({"b": 0.2, "b.p": 0.01})  # wrong sign


def test_shape_and_level_rules_and_missing_values():
    est = {"tp": 3.0, "lo": 1.0, "hi": 5.0, "share": 0.5, "q": -0.1}
    assert Inside("tp", "lo", "hi").holds(est)
    assert not Inside("tp", "lo", "hi").holds({**est, "tp": 6.0})
    assert Between("share", 0.3, 0.7).holds(est) and not Between("share", 0.6, 0.7).holds(est)
    assert All((Sign("q", -1), Between("share", 0.3, 0.7))).holds(est)
    assert not All((Sign("q", 1), Between("share", 0.3, 0.7))).holds(est)
    for rule in (Inside("tp", "lo", "hi"), Sign("tp", 1), Significant("tp", 1), Equivalent("tp", 1.0)):
        assert not rule.holds({"tp": float("nan"), "lo": 1.0, "hi": 5.0, "tp.p": 0.01, "tp.se": 0.1})
        assert not rule.holds({})
