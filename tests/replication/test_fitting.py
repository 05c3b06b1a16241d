"""Turning points and their difference: delta-method standard errors against the fit's covariance."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.replication.fitting import turning_point, turning_point_difference

NAMES = ["hi", "hi_sq", "lo", "lo_sq"]


class _Fit:
    """The two attributes of a statsmodels result that the turning-point functions read."""

    def __init__(self, params, cov):
        self.params = pd.Series(params, index=NAMES)
        self._cov = pd.DataFrame(cov, index=NAMES, columns=NAMES)

    def cov_params(self):
        return self._cov


coef = st.floats(0.2, 3.0)


@settings(max_examples=50, deadline=None)
@given(coef, coef, coef, coef, st.floats(0.01, 0.3), st.floats(-0.9, 0.9))
def test_the_difference_is_the_two_peaks_apart_and_independent_blocks_add_in_quadrature(b1, b2, c1, c2, sd, rho):
    params = [b1, -b2, c1, -c2]
    within = np.array([[1.0, rho], [rho, 1.0]]) * sd**2
    fit = _Fit(params, np.block([[within, np.zeros((2, 2))], [np.zeros((2, 2)), within]]))
    hi, lo = turning_point(fit, "hi", "hi_sq"), turning_point(fit, "lo", "lo_sq")
    diff = turning_point_difference(fit, ("hi", "hi_sq"), ("lo", "lo_sq"))
    assert diff.estimate == pytest.approx(b1 / (2 * b2) - c1 / (2 * c2))
    assert diff.estimate == pytest.approx(hi.estimate - lo.estimate)
    assert diff.std_error == pytest.approx(np.hypot(hi.std_error, lo.std_error))
    assert 0.0 <= diff.p_value <= 1.0


def test_terms_that_move_together_leave_the_difference_more_precise_than_quadrature():
    """Two types in one fit whose peaks err in the same direction: their difference is known better than either."""
    params = [1.0, -0.25, 0.8, -0.25]  # peaks at 2.0 and 1.6
    # both linear terms share one error component: each peak moves with it
    cov = np.diag([0.01, 0.0, 0.01, 0.0])
    cov[0, 2] = cov[2, 0] = 0.009
    fit = _Fit(params, cov)
    quadrature = np.hypot(turning_point(fit, "hi", "hi_sq").std_error, turning_point(fit, "lo", "lo_sq").std_error)
    diff = turning_point_difference(fit, ("hi", "hi_sq"), ("lo", "lo_sq"))
    assert diff.estimate == pytest.approx(0.4)
    assert diff.std_error < quadrature / 2
    # the delta method is exact here (peaks linear in the linear terms): var = (0.01 + 0.01 - 2 * 0.009) * 2^2
    assert diff.std_error == pytest.approx(np.sqrt(0.002) * 2.0)


def test_a_flat_quadratic_has_no_difference():
    fit = _Fit([1.0, 0.0, 1.0, -0.5], np.eye(4) * 0.01)
    assert np.isnan(turning_point_difference(fit, ("hi", "hi_sq"), ("lo", "lo_sq")).estimate)
