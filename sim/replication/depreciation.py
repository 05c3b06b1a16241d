"""R15: does older alliance experience still count?  The design of Sampson (2005).

Sampson asked whether a firm's prior alliances keep paying off or whether
their lessons depreciate.  The data set here is every *ended* alliance seen
from each small partner's side (the firms whose capture of lessons makes
experience matter at all): outcome = goal reached; the firm's alliance
experience is split into alliances it completed within the last few years
before the start, and older ones.  If know-how depreciates, recent experience
adds more than older experience.

The model is a linear probability model with firm and start-year fixed
effects, standard errors clustered by firm: a firm's persistent traits
(capability, alliance function, how overconfident it is) shape both how
often it allies and how well its alliances go, so the comparison is made
within firm, between its alliances begun after a busy recent spell and those
begun when its experience had aged.  Nothing here reads the simulation's
know-how: the regressors are counts a researcher codes from announcements.

Diminishing returns also make older experience look weaker within firm (a
firm's older count grows late in its life, when further lessons add little),
so the note of the row adds a check that holds total experience fixed:
pooled across firms, with a dummy for each total count, does a larger older
share lower success?  It isolates depreciation but has less power; see
docs/replication.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..config import Config
from ..metrics import window_ticks, year_of
from .fitting import FitError, combination, terms

__all__ = ["completed_before", "completed_experience", "dataset", "data", "fit_model", "fit", "composition_t",
           "RECENT_YEARS", "SCALE", "CONTROLS"]

SCALE = 10.0  # experience in tens of alliances
RECENT_YEARS = 3  # "experience older than a few years"
CONTROLS = ["partner_experience", "partner_large", "partner_capability", "partner_function", "partner_specific",
            "portfolio", "portfolio_sq", "exploitation", "log_value", "protective"]


def completed_before(alliances: pd.DataFrame) -> np.ndarray:
    """``counts[f, t]``: alliances firm ``f`` completed before tick ``t`` (ended at a tick < t).

    Lessons are learned when an alliance ends, so experience is dated by its
    end, as a researcher with the alliance table would date it.
    """
    done = alliances[alliances["end_tick"].notna()]
    firms = np.concatenate([done["firm_a"].to_numpy(), done["firm_b"].to_numpy()]).astype(np.int64)
    ends = np.tile(done["end_tick"].to_numpy(dtype=np.int64), 2)
    n = int(max(alliances["firm_a"].max(), alliances["firm_b"].max())) + 1 if len(alliances) else 0
    horizon = int(max(alliances["start_tick"].max(), ends.max(initial=0))) + 2 if len(alliances) else 1
    ended_at = np.zeros((n, horizon), dtype=np.int64)
    np.add.at(ended_at, (firms, ends + 1), 1)
    return np.cumsum(ended_at, axis=1)


def completed_experience(alliances: pd.DataFrame, firm_col: str, window: int,
                         counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Alliances the firm in ``firm_col`` completed within ``window`` ticks before each alliance's start, and earlier."""
    counts = completed_before(alliances) if counts is None else counts
    firm = alliances[firm_col].to_numpy(dtype=np.int64)
    start = alliances["start_tick"].to_numpy(dtype=np.int64)
    before = counts[firm, start]
    older = counts[firm, np.maximum(start - window, 0)]
    return (before - older).astype(float), older.astype(float)


def dataset(alliances: pd.DataFrame, ticks_per_year: int, recent_ticks: int, size: str = "small") -> pd.DataFrame:
    """One row per ended alliance and partner of ``size``: outcome, recent (completed within ``recent_ticks``)
    and older experience, controls."""
    a = alliances
    counts = completed_before(a)
    parts = []
    for own, other in (("a", "b"), ("b", "a")):
        d = a[a["end_tick"].notna() & (a[f"size_{own}"] == size)]
        if d.empty:
            continue
        recent, older = completed_experience(d, f"firm_{own}", recent_ticks, counts)
        load = d[f"portfolio_{own}"].astype(float).to_numpy()
        parts.append(pd.DataFrame({
            "success": d["success"].astype(int).to_numpy(),
            "recent": recent / SCALE, "older": older / SCALE,
            "partner_experience": d[f"general_experience_{other}"].to_numpy() / SCALE,
            "partner_large": (d[f"size_{other}"] == "large").astype(float).to_numpy(),
            "partner_capability": d[f"capability_{other}"].to_numpy(),
            "partner_function": d[f"function_{other}"].astype(float).to_numpy(),
            "partner_specific": d["partner_specific_experience"].astype(float).to_numpy(),
            "portfolio": load, "portfolio_sq": load**2,
            "exploitation": (d["type"] == "exploitation").astype(float).to_numpy(),
            "log_value": np.log(d["value_at_stake"]).to_numpy(),
            "protective": (d["governance"] == "protective").astype(float).to_numpy(),
            "start_year": year_of(d["start_tick"].to_numpy(), ticks_per_year).astype(int),
            "firm": d[f"firm_{own}"].to_numpy(),
        }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["success", "recent", "older", "firm"])


def data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    return dataset(frames["alliances"], config.run.ticks_per_year, window_ticks(config, RECENT_YEARS))


def fit_model(data: pd.DataFrame, min_rows: int = 100):
    """Linear probability model with firm and start-year fixed effects (within-firm), clustered by firm.

    The fixed effects are absorbed by demeaning every column within firm (the
    year dummies too, which makes the year effects exact in the unbalanced
    panel); they are nested in the clusters, so no degrees-of-freedom
    correction is needed for them.
    """
    import statsmodels.api as sm

    if len(data) < min_rows:
        raise FitError(f"only {len(data)} alliances (need {min_rows})")
    years = pd.get_dummies(data["start_year"], prefix="year", drop_first=True, dtype=float)
    x = pd.concat([data[["recent", "older", *CONTROLS]].astype(float), years], axis=1)
    y = data["success"].astype(float)
    firm = data["firm"]
    x = x - x.groupby(firm).transform("mean")
    y = y - y.groupby(firm).transform("mean")
    x = x.loc[:, x.std() > 1e-12]
    for v in ("recent", "older"):
        if v not in x:
            raise FitError(f"no within-firm variation in {v} experience")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(firm)[0]}, use_t=True)


def composition_t(data: pd.DataFrame) -> float:
    """t-value of older experience at a fixed total (dummies for each total count up to 15), pooled, clustered by firm.

    Negative when experience depreciates: of two firms with the same number
    of completed alliances, the one whose alliances are older does worse.
    """
    import statsmodels.api as sm

    total = np.minimum(np.rint((data["recent"] + data["older"]) * SCALE).astype(int), 15)
    dummies = [pd.get_dummies(total, prefix="total", drop_first=True, dtype=float),
               pd.get_dummies(data["start_year"], prefix="year", drop_first=True, dtype=float)]
    x = sm.add_constant(pd.concat([data[["older", *CONTROLS]].astype(float), *dummies], axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.OLS(data["success"].astype(float), x).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(data["firm"])[0]})
    return float(res.tvalues["older"])


def fit(data: pd.DataFrame) -> dict[str, float]:
    """Within-firm recent and older experience, their difference, and the equal-total check's t-value."""
    res = fit_model(data)
    est = terms(res, ["recent", "older"])
    est.update(combination(res, {"recent": 1.0, "older": -1.0}, "recent_minus_older"))
    est["older_at_equal_total.t"] = composition_t(data)
    est["n"], est["firms"] = float(len(data)), float(data["firm"].nunique())
    return est
