"""The equivalence tests' a-priori sizing (sim.replication.sizing)."""

import numpy as np
import pytest

from sim.replication.registry import FINDINGS
from sim.replication.rules import Equivalent, tost_p
from sim.replication.sizing import POWER, equivalence_parts, needed_firms, needed_se


@pytest.mark.parametrize("upper_only", [False, True])
def test_at_the_needed_se_the_test_passes_a_true_zero_with_the_planned_power(upper_only):
    test = Equivalent("x", 0.15, upper_only=upper_only)
    se = needed_se(test)
    estimates = np.random.default_rng(1).normal(0.0, se, 3_000)
    passed = np.mean([tost_p(e, se, test.delta, upper_only=upper_only) < test.alpha for e in estimates])
    assert passed == pytest.approx(POWER, abs=0.03)  # binomial sd 0.007
    # a larger SE loses power
    wider = np.mean([tost_p(e, 1.5 * se, test.delta, upper_only=upper_only) < test.alpha for e in estimates * 1.5])
    assert wider < POWER - 0.1


def test_needed_firms_scales_with_the_squared_se_ratio_and_rounds_up():
    assert needed_firms(300, 0.2, 0.1) == 1200
    assert needed_firms(300, 0.2, 0.099) == 1300  # 1224.4 rounds up
    assert needed_firms(1100, 0.05, 0.1) == 1100  # never smaller than it is


def test_the_nulls_are_the_findings_with_an_equivalence_test():
    assert [f.id for f in FINDINGS if equivalence_parts(f.rule)] == ["R2", "R8"]
