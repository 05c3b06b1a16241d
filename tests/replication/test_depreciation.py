"""R15's regressors and profile likelihood (sim.replication.depreciation)."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.replication import depreciation as D
from tests.strategies import alliance_spans


def _frame(rows) -> pd.DataFrame:
    a = pd.DataFrame([{"firm_a": fa, "firm_b": fb, "start_tick": s, "end_tick": None if d is None else s + d}
                      for fa, fb, s, d in rows])
    a["end_tick"] = a["end_tick"].astype(float)
    return a


@settings(max_examples=60, deadline=None)
@given(alliance_spans, st.sampled_from([2, 4]))
def test_prior_ages_are_the_completions_strictly_before_the_start(rows, ticks_per_year):
    """R15's regressor, against a brute-force list: every alliance of the firm that ended at a tick before the new
    one's start, aged in years; the discounted stock weighs each by retention ** age."""
    a = _frame(rows)
    firms, starts = a["firm_b"].to_numpy(dtype=np.int64), a["start_tick"].to_numpy(dtype=np.int64)
    ages = D.prior_ages(a, firms, starts, ticks_per_year)
    for i, (firm, start) in enumerate(zip(firms, starts)):
        ends = pd.concat([a.loc[a["firm_a"] == firm, "end_tick"], a.loc[a["firm_b"] == firm, "end_tick"]]).dropna()
        expected = sorted((start - ends[ends < start]) / ticks_per_year)
        got = sorted(ages[i][~np.isnan(ages[i])])
        np.testing.assert_allclose(got, expected)
        for rate in (1.0, 0.5):
            np.testing.assert_allclose(D.discounted(ages[i:i + 1], rate), [sum(rate ** x for x in expected)])


def _histories(rng: np.random.Generator, firms: int = 150, per_firm: int = 14) -> tuple[pd.DataFrame, np.ndarray]:
    """Random alliance histories of ``firms`` firms and the controls of each alliance, with its prior completions'
    ages as columns; and those ages."""
    rows = []
    for firm in range(firms):
        t = 0
        for _ in range(per_firm):
            t += int(rng.integers(1, 10))
            rows.append({"firm": firm, "start": t, "end": t + int(rng.integers(1, 6))})
    a = pd.DataFrame(rows)
    alliances = pd.DataFrame({"firm_a": a["firm"] + 10_000, "firm_b": a["firm"], "start_tick": a["start"],
                              "end_tick": a["end"].astype(float)})
    ages = D.prior_ages(alliances, a["firm"].to_numpy(), a["start"].to_numpy(), 4)
    base = pd.DataFrame({c: rng.normal(size=len(a)) for c in D.CONTROLS}).assign(
        start_year=(a["start"] - 1) // 4 + 1, firm=a["firm"])
    return pd.concat([base, pd.DataFrame(ages, columns=[f"age_{k}" for k in range(ages.shape[1])])], axis=1), ages


def test_profile_likelihood_finds_depreciation_written_into_outcomes_and_none_where_there_is_none():
    """The design recovers a known depreciation: benefits drawn from a discounted stock at retention 0.5 a year make
    the likelihood peak near 0.5 and reject no depreciation; drawn from the plain count, it does not reject.  The
    same holds with firm fixed effects (the check beside the design)."""
    rng = np.random.default_rng(3)
    data, ages = _histories(rng)

    def estimate(retention, fixed_effects=False):
        benefit = 0.5 * np.log1p(D.discounted(ages, retention)) + rng.normal(0.0, 0.4, len(data))
        return D.fit(data.assign(benefit=benefit), fixed_effects=fixed_effects)

    for fixed_effects in (False, True):
        decays, lasts = estimate(0.5, fixed_effects), estimate(1.0, fixed_effects)
        assert abs(decays["retention"] - 0.5) <= 0.25 and decays["annual_depreciation.p"] < 0.05
        assert lasts["retention"] >= 0.8 and lasts["annual_depreciation.p"] > 0.05
        assert decays["experience_slope"] > 0


def test_the_profile_is_one_least_squares_fit_per_rate():
    """profile's projected residual sums of squares equal those of a full fit at each rate (fit_at), pooled and with
    firm fixed effects."""
    rng = np.random.default_rng(4)
    data, ages = _histories(rng, firms=40, per_firm=8)
    data = data.assign(benefit=0.3 * np.log1p(D.discounted(ages, 0.7)) + rng.normal(0.0, 0.5, len(data)))
    for fixed_effects in (False, True):
        rss = D.profile(data, fixed_effects=fixed_effects)
        for i in (0, 9, len(D.RETENTION_GRID) - 1):
            full = D.fit_at(data, float(D.RETENTION_GRID[i]), fixed_effects)
            np.testing.assert_allclose(rss[i], full.ssr, rtol=1e-8)


def test_the_benefit_window_needs_the_firm_in_the_market_before_and_after():
    """A firm's new products between two snapshots; NaN where it has none (not yet in the market, or gone)."""
    firms = pd.DataFrame({"firm_id": [1, 1, 1, 2], "tick": [4, 8, 12, 8], "products": [1.0, 3.0, 6.0, 2.0]})
    got = D.products_between(D.cumulative_products(firms), np.array([1, 1, 2, 2]), np.array([4, 4, 8, 4]),
                             np.array([12, 8, 8, 8]))
    np.testing.assert_array_equal(got[:3], [5.0, 2.0, 0.0])
    assert np.isnan(got[3])
