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


def test_profile_likelihood_finds_depreciation_written_into_outcomes_and_none_where_there_is_none():
    """The design recovers a known depreciation: outcomes drawn from a discounted stock at retention 0.5 a year make
    the likelihood peak near 0.5 and reject no depreciation; drawn from the plain count, it does not reject."""
    rng = np.random.default_rng(3)
    firms, per_firm, rows = 150, 14, []
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
    data = pd.concat([base, pd.DataFrame(ages, columns=[f"age_{k}" for k in range(ages.shape[1])])], axis=1)

    def estimate(retention):
        p = 0.2 + 0.6 * (1 - np.exp(-0.8 * D.discounted(ages, retention)))
        return D.fit(data.assign(success=(rng.random(len(a)) < p).astype(int)))

    decays, lasts = estimate(0.5), estimate(1.0)
    assert abs(decays["retention"] - 0.5) <= 0.25 and decays["annual_depreciation.p"] < 0.05
    assert lasts["retention"] >= 0.8 and lasts["annual_depreciation.p"] > 0.05
