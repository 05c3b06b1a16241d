"""Experience curves: shape pinned by hypothesis properties."""

import numpy as np
from hypothesis import given

from sim.learning import absorption, capture, forget, general_benefit, partner_specific_benefit, saturating
from tests.strategies import effect, experience, inner_rate, knowhow, lesson, positive, rate, repeats, slope, some_ticks, step, ticks


@given(experience, experience, positive, positive)
def test_general_benefit_is_monotone_and_bounded(x, y, returns, sat):
    lo, hi = sorted((x, y))
    b_lo, b_hi = general_benefit([lo, hi], returns, sat)
    assert 0.0 <= b_lo <= b_hi <= returns + 1e-12


@given(experience, step, positive, positive)
def test_general_benefit_has_diminishing_returns(x, h, returns, sat):
    # equal steps further out add no more than equal steps closer in (concavity)
    b0, b1, b2 = general_benefit([x, x + h, x + 2 * h], returns, sat)
    assert (b2 - b1) <= (b1 - b0) + 1e-12


@given(positive, positive)
def test_general_benefit_is_zero_without_experience(returns, sat):
    assert general_benefit(0.0, returns, sat) == 0.0


@given(repeats, effect, positive)
def test_partner_specific_sign_follows_the_parameter(prior, eff, sat):
    value = float(partner_specific_benefit(prior, eff, sat))
    assert np.sign(value) == np.sign(eff) or abs(value) < 1e-12
    assert abs(value) <= abs(eff) + 1e-12


@given(positive)
def test_partner_specific_is_zero_without_repeats(sat):
    assert partner_specific_benefit(0, -1.0, sat) == 0.0
    assert partner_specific_benefit(3, 0.0, sat) == 0.0


@given(lesson, rate)
def test_capture_keeps_a_share_of_the_lesson(lesson, r):
    kept = float(capture(lesson, r))
    assert 0.0 <= kept <= lesson + 1e-12


@given(lesson, rate, ticks)
def test_forgetting_never_adds_and_never_goes_negative(k, r, ticks):
    left = float(forget(k, r, ticks))
    assert 0.0 <= left <= k + 1e-12


@given(knowhow, inner_rate, some_ticks)
def test_more_forgetting_leaves_less(k, r, ticks):
    assert forget(k, r, ticks) < forget(k, r / 2, ticks)


@given(slope, slope, experience, experience)
def test_absorption_moves_with_internal_experience_in_the_slope_direction(base, slope, x, y):
    lo, hi = sorted((x, y))
    a_lo, a_hi = absorption(base, slope, [lo, hi])
    if slope >= 0:
        assert a_hi >= a_lo - 1e-12
    else:
        assert a_hi <= a_lo + 1e-12


def test_saturating_is_vectorised():
    out = saturating(np.arange(12).reshape(3, 4), 2.0)
    assert out.shape == (3, 4)
    assert np.all(np.diff(out.ravel()) > 0)
