"""R4-R6's firm-year design recovers the turning points a known count process was drawn with."""

import numpy as np
import pandas as pd
import pytest

from sim.replication.firm_panel import dataset, experience_halves, fit


def _panel(peak_experienced: float, peak_inexperienced: float, peak_exploitation: float, peak_exploration: float,
           seed: int = 3, firms: int = 600, years: int = 12) -> pd.DataFrame:
    """Poisson counts whose log mean is an inverted U in alliances, peaking where the arguments say."""
    rng = np.random.default_rng(seed)
    n = firms * years
    explore, exploit = rng.uniform(0, 6, n), rng.uniform(0, 6, n)
    alliances = explore + exploit
    experience = rng.uniform(0, 20, n)
    high = experience > np.median(experience)
    curve = np.where(high, 0.4 * alliances - 0.2 / peak_experienced * alliances**2,
                     0.4 * alliances - 0.2 / peak_inexperienced * alliances**2)
    # by type: a second process whose log mean is the types' own quadratics (the total's terms cancel out of it)
    types = 0.3 * explore - 0.15 / peak_exploration * explore**2 + 0.3 * exploit - 0.15 / peak_exploitation * exploit**2
    y = rng.poisson(np.exp(-1.0 + curve / 4 + types))
    return pd.DataFrame({"firm_id": np.repeat(np.arange(firms), years), "year": np.tile(np.arange(years), firms),
                         "new_products": y, "alliances": alliances, "alliances_sq": alliances**2,
                         "exploration": explore, "exploration_sq": explore**2, "exploitation": exploit,
                         "exploitation_sq": exploit**2, "experience": experience,
                         "exploration_capability": rng.uniform(0, 1, n), "exploitation_capability": rng.uniform(0, 1, n)})


def test_halves_split_every_firm_year_once_at_the_median():
    data = _panel(6.0, 3.0, 4.0, 2.0)
    halves = experience_halves(data)
    assert (halves["experienced"] + halves["inexperienced"]).equals(halves["alliances"])
    assert halves["experienced_level"].mean() == pytest.approx(0.5, abs=0.01)
    assert ((halves["experienced"] > 0) <= (halves["experienced_level"] == 1)).all()


def test_the_experience_interaction_finds_the_higher_turning_point_of_the_experienced_half():
    est = fit(_panel(peak_experienced=8.0, peak_inexperienced=4.0, peak_exploitation=4.0, peak_exploration=2.0))
    assert est["experienced_turning_point"] > est["inexperienced_turning_point"]
    assert est["turning_point_gain_experience"] > 0 and est["turning_point_gain_experience.p"] < 0.05
    assert est["turning_point_gain_exploitation"] > 0 and est["turning_point_gain_exploitation.p"] < 0.05


def test_equal_turning_points_give_no_significant_gain_in_most_draws():
    """Under no difference the 5% test holds in about one draw in twenty, not in half of them as a sign would."""
    ps = [fit(_panel(5.0, 5.0, 3.0, 3.0, seed=s))["turning_point_gain_experience.p"] for s in range(10)]
    assert sum(p < 0.05 for p in ps) <= 2


def _frames() -> dict[str, pd.DataFrame]:
    """Two ventures and their large partner (firm 2) over three years of four ticks: firm 0 in the market from the
    start, firm 1 from year 2 on; firm 0 runs one alliance through year 1 and two through year 2, firm 1 one in
    year 3."""
    snaps = [(0, t) for t in (4, 8, 12)] + [(1, t) for t in (8, 12)] + [(2, t) for t in (4, 8, 12)]
    firms = pd.DataFrame({"firm_id": [f for f, _ in snaps], "tick": [t for _, t in snaps],
                          "size": ["small"] * 5 + ["large"] * 3,
                          "new_products": [1, 2, 0, 0, 1, 0, 0, 0], "general_experience": [1, 3, 3, 0, 1, 1, 3, 4],
                          "exploration_capability": 0.5, "exploitation_capability": 0.5, "alliance_function": False})
    alliances = pd.DataFrame({"firm_a": [0, 0, 1], "firm_b": [2, 2, 2], "start_tick": [1, 5, 9],
                              "end_tick": [9.0, 9.0, np.nan], "type": ["exploration", "exploitation", "exploration"]})
    return {"firms": firms, "alliances": alliances}


def test_the_lagged_panel_sets_each_year_against_the_year_befores_alliances():
    same = dataset(_frames(), ticks=12, ticks_per_year=4).set_index(["firm_id", "year"])
    lagged = dataset(_frames(), ticks=12, ticks_per_year=4, lagged=True).set_index(["firm_id", "year"])
    assert same.loc[(0, 1), "alliances"] == 1.0 and same.loc[(0, 2), "alliances"] == 2.0
    # a firm's first year in the market has no year before: left out, as is every firm's first year
    assert sorted(lagged.index) == [(0, 2), (0, 3), (1, 3)]
    for firm, year in lagged.index:
        assert lagged.loc[(firm, year), "alliances"] == same.loc[(firm, year - 1), "alliances"]
        assert lagged.loc[(firm, year), "new_products"] == same.loc[(firm, year), "new_products"]


def test_counted_during_the_year_an_alliance_counts_whole_in_every_year_it_ran():
    """The hand-made alliances: firm 0's first (ticks 1-8) and second (5-8) alliance end at tick 9, in year 3;
    firm 1's runs from tick 9 to the window's end."""
    mean = dataset(_frames(), ticks=12, ticks_per_year=4, count="mean").set_index(["firm_id", "year"])
    during = dataset(_frames(), ticks=12, ticks_per_year=4).set_index(["firm_id", "year"])  # the design's count
    assert during.loc[(0, 1), "alliances"] == 1.0 and during.loc[(0, 2), "alliances"] == 2.0
    assert mean.loc[(0, 3), "alliances"] == 0.0 and during.loc[(0, 3), "alliances"] == 0.0  # ended with tick 8
    assert during.loc[(1, 3), "alliances"] == 1.0
    assert during.loc[(1, 3), "exploration"] == 1.0 and during.loc[(0, 2), "exploitation"] == 1.0
    # an alliance ending in the middle of a year: the mean counts part of it, the count during the year all of it
    frames = _frames()
    frames["alliances"].loc[0, "end_tick"] = 7.0  # ends during tick 7: ran ticks 1-6
    mean = dataset(frames, ticks=12, ticks_per_year=4, count="mean").set_index(["firm_id", "year"])
    during = dataset(frames, ticks=12, ticks_per_year=4).set_index(["firm_id", "year"])
    assert mean.loc[(0, 2), "alliances"] == 1.5 and during.loc[(0, 2), "alliances"] == 2.0
