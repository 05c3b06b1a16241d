"""R11-R14 and R16: shares and contrasts of the market population.

Three designs read the same simulated market (``configs/studies/shares.yaml``):

* alliance function (R11, Kale, Dyer & Singh 2002): each large firm's ended
  alliances (their sample was 200 corporations), split by whether the firm had
  a dedicated alliance function when each was formed; the success rates of firms with and without one (means over
  firms) and the binomial logit contrast (SEs clustered by firm).
* base rates (R12-R14): the failure share of ended alliances; the break-up
  share of alliances observed for ten full years (:func:`sim.metrics.breakups`:
  ended within ten years neither by reaching the goal nor by an agreed exit);
  the share of firms (with at least one ended alliance) whose portfolio
  returned less than they expected, at the end of the window.
* learning speed (R16): firm-year panel of each firm's alliances ended that
  year; binomial logit of their success on the firm's general experience at
  the start of the year (log 1 + count), its size, experience x small, and
  controls for the firm's load (mean simultaneous alliances that year) and
  time (year).  Each size's learning slope is a linear combination.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..config import Config
from ..metrics import breakups, year_of
from .fitting import FitError, cluster_groups, combination, terms

__all__ = ["function_firms", "function_data", "fit_function", "base_rate_data", "fit_base_rates",
           "learning_data", "fit_learning", "R11_WITH", "R11_WITHOUT", "R12_RANGE", "R13_RANGE", "R14_RANGE", "MEASURES"]

R11_WITH, R11_WITHOUT = (0.53, 0.73), (0.40, 0.60)  # "about 63%" / "about 50%": +-10 points
R12_RANGE = (0.30, 0.70)
R13_RANGE = (0.33, 0.66)
R14_RANGE = (0.35, 0.65)  # "about half"
MEASURES = {"failure": "failure_share", "breakup": "breakup_share", "underperforming": "underperforming_share"}


# ------------------------------------------------------------------ R11
def function_firms(alliances: pd.DataFrame, size: str = "large") -> pd.DataFrame:
    """Each ``size`` firm's ended alliances, split by whether the firm had a dedicated alliance function when the
    alliance was formed: one row per (firm, function) with the alliances ended and the successes among them.

    The unit is the firm, as in Kale, Dyer & Singh (2002), who compared the alliance success rates of firms with
    and without a function (a partner's function does not make a firm one with a function), and the firms are
    large incumbents: their sample was 200 corporations (Dyer, Kale & Singh 2001).  An alliance ended by a
    partner's exit from the market is left out (it says nothing about how the alliance was managed).
    """
    e = alliances[alliances["end_tick"].notna() & (alliances["exit_reason"] != "partner_exit")]
    sides = pd.DataFrame({
        "firm": np.concatenate([e["firm_a"], e["firm_b"]]),
        "size": np.concatenate([e["size_a"], e["size_b"]]),
        "function": np.concatenate([e["function_a"], e["function_b"]]).astype(float),
        "success": np.concatenate([e["success"].astype(int)] * 2),
    })
    sides = sides[sides["size"] == size]
    g = sides.groupby(["firm", "function"], sort=True)["success"]
    return pd.DataFrame({"ended": g.size(), "wins": g.sum()}).reset_index()


def function_data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    return function_firms(frames["alliances"])


def fit_function(data: pd.DataFrame) -> dict[str, float]:
    """Binomial logit of each firm's alliance success on having a function (SEs clustered by firm); the success
    rates with and without a function are means over firms, as the study reports them."""
    import statsmodels.api as sm

    if len(data) < 50 or data["function"].nunique() < 2:
        raise FitError(f"only {len(data)} firm rows, {data['function'].nunique()} function statuses")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.GLM(np.column_stack([data["wins"], data["ended"] - data["wins"]]),
                         sm.add_constant(data[["function"]], has_constant="add"), family=sm.families.Binomial()).fit(
                cov_type="cluster", cov_kwds={"groups": cluster_groups(data["firm"])})
        except (np.linalg.LinAlgError, ValueError) as err:
            raise FitError(str(err).splitlines()[0]) from None
    est = terms(res, ["function"])
    rate = data["wins"] / data["ended"]
    with_f = float(rate[data["function"] == 1].mean())
    without = float(rate[data["function"] == 0].mean())
    est.update({"success_with_function": with_f, "success_without_function": without,
                "function_difference": with_f - without, "function_difference.p": est["function.p"],
                "function_difference.se": est["function.se"] * with_f * (1 - with_f), "n": float(data["firm"].nunique())})
    return est


# ------------------------------------------------------------------ R12-R14
def base_rate_data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    """One row per counted unit and measure: failure (ended alliances), break-up (alliances observed ten
    years), underperforming (firms with an ended alliance, last tick); ``value`` is 0/1."""
    a, f = frames["alliances"], frames["firms"]
    ended = a[a["end_tick"].notna()]
    last = f[(f["tick"] == f["tick"].max()) & (f["ended_alliances"] > 0)]
    parts = {
        "failure": ~ended["success"].astype(bool).to_numpy(),
        "breakup": breakups(a, config).to_numpy(),
        "underperforming": last["underperforming"].astype(bool).to_numpy(),
    }
    return pd.concat([pd.DataFrame({"measure": m, "value": v.astype(float)}) for m, v in parts.items()], ignore_index=True)


def fit_base_rates(data: pd.DataFrame) -> dict[str, float]:
    est: dict[str, float] = {}
    for measure, name in MEASURES.items():
        x = data.loc[data["measure"] == measure, "value"].to_numpy()
        p = float(x.mean()) if len(x) else float("nan")
        est[name], est[f"{name}.se"], est[f"{name}.n"] = p, float(np.sqrt(p * (1 - p) / max(len(x), 1))), float(len(x))
    return est


# ------------------------------------------------------------------ R16
def learning_data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    """Firm-years with ended alliances: wins, ended, log(1 + experience at the start of the year), size, load, year."""
    f = frames["firms"].sort_values(["firm_id", "tick"])
    g = f.groupby("firm_id")
    ended = g["ended_alliances"].diff().fillna(f["ended_alliances"])
    wins = g["successful_alliances"].diff().fillna(f["successful_alliances"])
    prev_exp = g["general_experience"].shift().fillna(f["general_experience"])
    d = pd.DataFrame({
        "firm": f["firm_id"], "ended": ended, "wins": wins,
        "experience": np.log1p(prev_exp), "small": (f["size"] == "small").astype(float),
        "load": f["mean_active_alliances"].astype(float),
        "year": year_of(f["tick"], config.run.ticks_per_year).astype(float),
    })
    d = d[d["ended"] > 0].reset_index(drop=True)
    d["experience_x_small"] = d["experience"] * d["small"]
    return d


def fit_learning(data: pd.DataFrame) -> dict[str, float]:
    import statsmodels.api as sm

    x = ["experience", "small", "experience_x_small", "load", "year"]
    if len(data) < 50:
        raise FitError(f"only {len(data)} firm-years with ended alliances")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.GLM(np.column_stack([data["wins"], data["ended"] - data["wins"]]),
                         sm.add_constant(data[x], has_constant="add"), family=sm.families.Binomial()).fit(
                cov_type="cluster", cov_kwds={"groups": cluster_groups(data["firm"])})
        except (np.linalg.LinAlgError, ValueError) as err:
            raise FitError(str(err).splitlines()[0]) from None
    est = terms(res, ["experience_x_small", "load"])
    est.update(combination(res, {"experience": 1.0}, "large_slope"))
    est.update(combination(res, {"experience": 1.0, "experience_x_small": 1.0}, "small_slope"))
    est["n"] = float(len(data))
    return est
