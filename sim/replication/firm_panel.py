"""R4-R6: the firm-year panel design of Rothaermel & Deeds (2006).

One row per small venture (the study's biotech firms) and year: new products
that year (internal R&D approvals plus alliances that reached their goal), the
number of alliances running in the year, each counted whole, in total and by
type (rebuilt from the alliance table's start and end ticks; :data:`COUNT`), alliance experience
at the start of the year, and controls.  The model is a Poisson regression of
the product count on alliances and alliances squared, standard errors
clustered by firm.  R5 interacts alliances and their square with the more
and the less experienced half of firm-years (split at the median of general
alliance experience; the half's own level too), in one fit, as the study's
experience interaction; R6 enters exploration and exploitation alliances with
their own squares.

Estimates (``fit``): the pooled linear and squared terms and turning point
(R4); for each experience half and each alliance type its linear term,
squared term and turning point; the observed range of each (1st-99th
percentile of the alliances it is measured on); and the two turning-point
differences (more minus less experienced, exploitation minus exploration)
with delta-method standard errors over their fit's full covariance and
two-sided p-values.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..config import Config
from ..metrics import year_of
from .fitting import FitError, cluster_groups, fit_count, terms, turning_point, turning_point_difference

__all__ = ["alliance_years", "alliances_during_years", "COUNTS", "COUNT", "dataset", "data", "experience_halves", "fit_model",
           "fit", "CONTROLS", "FAMILY", "RANGE_PERCENTILES"]

# No alliance-function control: a firm sets a function up because it runs many alliances, and the function then
# changes what they yield, so it lies on the path from the alliance count to output (a mediator, a "bad control").
CONTROLS = ["exploration_capability", "exploitation_capability", "year"]
FAMILY = "poisson"
RANGE_PERCENTILES = (1, 99)  # "the observed range": robust to a handful of outlying firm-years


def alliance_years(alliances: pd.DataFrame, n_firms: int, ticks: int, ticks_per_year: int) -> np.ndarray:
    """Mean simultaneous alliances over each year's ticks, per firm, year and type: array (firm, year, type) (a
    check, not the design: it needs alliance dates finer than the year, and an alliance that reaches its goal
    mid-year lowers the same year's mean while its goal adds to that year's products)."""
    years = ticks // ticks_per_year
    per_tick = np.zeros((n_firms, ticks + 2, 2))
    start = alliances["start_tick"].to_numpy()
    end = alliances["end_tick"].fillna(ticks + 1).to_numpy(dtype=np.int64)
    typ = (alliances["type"] == "exploitation").to_numpy().astype(np.int64)
    # active on ticks start..end-1: launched during tick ``start``, closed during tick ``end``
    for col in ("firm_a", "firm_b"):
        f = alliances[col].to_numpy()
        np.add.at(per_tick, (f, np.clip(start, 0, ticks + 1), typ), 1)
        np.add.at(per_tick, (f, np.clip(end, 0, ticks + 1), typ), -1)
    active = np.cumsum(per_tick, axis=1)[:, 1 : years * ticks_per_year + 1]
    return active.reshape(n_firms, years, ticks_per_year, 2).mean(axis=2)


def alliances_during_years(alliances: pd.DataFrame, n_firms: int, ticks: int, ticks_per_year: int) -> np.ndarray:
    """Alliances running at some tick of each year, per firm, year and type: array (firm, year, type).  An
    alliance counts whole in every year it ran in, however early in the year it ended: what a panel with yearly
    alliance records can count (the design)."""
    years = ticks // ticks_per_year
    per_year = np.zeros((n_firms, years + 1, 2))
    start = np.maximum(alliances["start_tick"].to_numpy(dtype=np.int64), 1)
    last = np.minimum(alliances["end_tick"].fillna(ticks + 1).to_numpy(dtype=np.int64) - 1, years * ticks_per_year)
    ran = last >= start  # active on ticks start..end-1 (as alliance_years counts them), inside the window
    first_year, last_year = (start[ran] - 1) // ticks_per_year, (last[ran] - 1) // ticks_per_year
    typ = (alliances["type"] == "exploitation").to_numpy().astype(np.int64)[ran]
    for col in ("firm_a", "firm_b"):
        f = alliances[col].to_numpy()[ran]
        np.add.at(per_year, (f, first_year, typ), 1)
        np.add.at(per_year, (f, last_year + 1, typ), -1)
    return np.cumsum(per_year, axis=1)[:, :years]


COUNTS = {"during": alliances_during_years, "mean": alliance_years}
"""How a year's alliances are counted: those running ``during`` the year, each whole (the design), or the
``mean`` of simultaneous alliances over the year's ticks (a check)."""
COUNT = "during"
"""The design's count (docs/replication.md, R4: the study's panel is yearly, so an alliance is in a year's count
or not; a mean over the year's quarters needs dates the study's records do not carry)."""


def dataset(frames: Mapping[str, pd.DataFrame], ticks: int, ticks_per_year: int, size: str = "small",
            lagged: bool = False, count: str = COUNT) -> pd.DataFrame:
    """Firm-year panel of ``size`` firms (default: the ventures, as in the study).  ``lagged``: each year's
    products against the year before's alliances, for the firm-years whose firm was in the market a year before
    (a robustness check).  ``count``: how a year's alliances are counted (:data:`COUNTS`; the design's
    :data:`COUNT`)."""
    firms, alliances = frames["firms"], frames["alliances"]
    n = int(firms["firm_id"].max()) + 1
    by_year = COUNTS[count](alliances, n, ticks, ticks_per_year)
    if lagged:
        by_year = np.concatenate([np.full_like(by_year[:, :1], np.nan), by_year[:, :-1]], axis=1)
    f = firms[(firms["size"] == size) & (firms["tick"] % ticks_per_year == 0)].copy()
    year = year_of(f["tick"].to_numpy(), ticks_per_year)
    fid = f["firm_id"].to_numpy()
    explore, exploit = by_year[fid, year - 1, 0], by_year[fid, year - 1, 1]
    # experience at the start of the year: last year's snapshot (0 before the first)
    prev = firms[["firm_id", "tick", "general_experience"]].assign(tick=lambda x: x["tick"] + ticks_per_year)
    f = f.merge(prev.rename(columns={"general_experience": "experience_start"}), on=["firm_id", "tick"], how="left")
    alliances_total = explore + exploit
    d = pd.DataFrame({
        "firm_id": fid, "year": year,
        "new_products": f["new_products"].to_numpy(),
        "alliances": alliances_total, "alliances_sq": alliances_total**2,
        "exploration": explore, "exploration_sq": explore**2,
        "exploitation": exploit, "exploitation_sq": exploit**2,
        "experience": f["experience_start"].fillna(f["general_experience"]).to_numpy(),
        "exploration_capability": f["exploration_capability"].to_numpy(),
        "exploitation_capability": f["exploitation_capability"].to_numpy(),
        "alliance_function": f["alliance_function"].astype(float).to_numpy(),
    })
    if lagged:  # in the market a year before: it has last year's snapshot
        d = d[f["experience_start"].notna().to_numpy() & np.isfinite(d["alliances"].to_numpy())].reset_index(drop=True)
    return d


def data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    return dataset(frames, config.run.ticks, config.run.ticks_per_year)


def fit_model(data: pd.DataFrame, regressors: list[str]):
    return fit_count(data, "new_products", [*regressors, *CONTROLS], cluster_groups(data["firm_id"]), family=FAMILY)


def _quadratic(data: pd.DataFrame, res, x: str, name: str) -> dict[str, float]:
    """Linear and squared term of ``x`` renamed ``name`` / ``name_sq``, its turning point and observed range."""
    est = {k.replace(x, name, 1): v for k, v in terms(res, [x, f"{x}_sq"]).items()}
    tp = turning_point(res, x, f"{x}_sq")
    est[f"{name}_turning_point"], est[f"{name}_turning_point.se"] = tp.estimate, tp.std_error
    lo, hi = np.percentile(data[x], RANGE_PERCENTILES)
    est[f"{name}_range_low"], est[f"{name}_range_high"] = float(lo), float(hi)
    return est


def _gain(est: dict[str, float], res, high: str, low: str, name: str) -> None:
    """Turning point of ``high`` minus that of ``low``, both quadratics of fit ``res`` (its full covariance)."""
    gain = turning_point_difference(res, (high, f"{high}_sq"), (low, f"{low}_sq"))
    est[name], est[f"{name}.se"], est[f"{name}.p"] = gain.estimate, gain.std_error, gain.p_value


def experience_halves(data: pd.DataFrame) -> pd.DataFrame:
    """``data`` with the more experienced half of firm-years marked (``experienced_level``: general alliance
    experience above its median) and the alliances and their square split by half (``experienced``,
    ``experienced_sq``, ``inexperienced``, ``inexperienced_sq``): the study's experience interaction."""
    high = (data["experience"] > data["experience"].median()).to_numpy(dtype=float)
    return data.assign(experienced_level=high,
                       experienced=data["alliances"] * high, experienced_sq=data["alliances_sq"] * high,
                       inexperienced=data["alliances"] * (1 - high), inexperienced_sq=data["alliances_sq"] * (1 - high))


def fit(data: pd.DataFrame) -> dict[str, float]:
    est = _quadratic(data, fit_model(data, ["alliances", "alliances_sq"]), "alliances", "alliances")
    halves = experience_halves(data)
    high = halves["experienced_level"] == 1.0
    try:
        if high.all() or not high.any():
            raise FitError("every firm-year in one experience half")
        res = fit_model(halves, ["experienced_level", "experienced", "experienced_sq", "inexperienced", "inexperienced_sq"])
        est.update(_quadratic(halves[high], res, "experienced", "experienced"))
        est.update(_quadratic(halves[~high], res, "inexperienced", "inexperienced"))
        _gain(est, res, "experienced", "inexperienced", "turning_point_gain_experience")
    except FitError:
        pass  # the halves cannot be estimated: their terms stay missing and R5's rule fails
    res = fit_model(data, ["exploration", "exploration_sq", "exploitation", "exploitation_sq"])
    for x in ("exploration", "exploitation"):
        est.update(_quadratic(data, res, x, x))
    _gain(est, res, "exploitation", "exploration", "turning_point_gain_exploitation")
    est["median_experience"] = float(data["experience"].median())
    est["n"] = float(len(data))
    return est
