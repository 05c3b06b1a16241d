"""R1-R3: the project-level design of Hoang & Rothaermel (2005).

The data set is every *ended* alliance between a large incumbent (firm ``a``,
the pharma partner) and a small venture (firm ``b``, the biotech partner): one
row per joint R&D project, outcome = goal reached.  As in the study, the model
is a logit of project success on each partner's general alliance experience
(counts at formation, in tens of alliances) and its square, partner-specific
experience (prior alliances between the two firms) and controls (type, value
at stake, start-year fixed effects, governance, each partner's alliance function,
capability and current number of alliances with its square: the coordination penalty
is convex in load), with standard errors clustered two ways, by
the large and by the small partner.

Nothing here reads the simulation's know-how or curves: the regressors are the
counts a researcher would code from alliance announcements, so the estimates
come only through what the mechanisms did to outcomes.

Estimates (``fit``): both partners' linear and squared terms; each
partner's marginal slope at the sample mean (``small_slope``,
``large_slope``, per ten alliances), their difference ``slope_contrast``;
the large partner's slope per standard deviation of its experience
(``large_slope_sd``, R2's equivalence test); ``partner_specific``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..config import Config
from ..metrics import year_of
from .fitting import cluster_groups, combination, fit_logit, terms

__all__ = ["dataset", "data", "fit_model", "fit", "controls", "small_partner_slope", "SCALE", "EXPERIENCE"]

SCALE = 10.0  # experience is entered in tens of alliances (readable coefficients)
BASE_CONTROLS = ["exploitation", "log_value", "small_share", "protective", "function_large", "function_small",
                 "capability_large", "capability_small", "portfolio_large", "portfolio_small",
                 "portfolio_large_sq", "portfolio_small_sq"]
EXPERIENCE = ["small_experience", "small_experience_sq", "large_experience", "large_experience_sq", "partner_specific"]


def year_dummies(data: pd.DataFrame) -> list[str]:
    """Start-year fixed effects (first year is the reference): experience counts grow with time, so without
    them a firm's count doubles as a clock and picks up any time trend in success.  Only the years present in
    ``data`` (a published-size sample may miss some)."""
    return sorted(c for c in data.columns if c.startswith("year_") and data[c].any())[1:]


def controls(data: pd.DataFrame) -> list[str]:
    return [*BASE_CONTROLS, *year_dummies(data)]


def dataset(alliances: pd.DataFrame, ticks_per_year: int = 4) -> pd.DataFrame:
    """Ended large-small alliances as the study's project sample."""
    a = alliances
    # A project that ended because a partner left the market is censored (a competing risk), not a failure:
    # the study asks how projects performed, and a partner's demise ends a project whatever its progress.
    d = a[(a["size_a"] == "large") & (a["size_b"] == "small") & a["end_tick"].notna()
          & (a["exit_reason"] != "partner_exit")].copy()
    xs, xl = d["general_experience_b"] / SCALE, d["general_experience_a"] / SCALE
    out = pd.DataFrame({
        "success": d["success"].astype(int).to_numpy(),
        "small_experience": xs.to_numpy(), "small_experience_sq": (xs**2).to_numpy(),
        "large_experience": xl.to_numpy(), "large_experience_sq": (xl**2).to_numpy(),
        "partner_specific": d["partner_specific_experience"].astype(float).to_numpy(),
        "exploitation": (d["type"] == "exploitation").astype(float).to_numpy(),
        "log_value": np.log(d["value_at_stake"]).to_numpy(),
        "small_share": d["share_b"].to_numpy(),
        "start_year": year_of(d["start_tick"].to_numpy(), ticks_per_year),
        "protective": (d["governance"] == "protective").astype(float).to_numpy(),
        "function_large": d["function_a"].astype(float).to_numpy(), "function_small": d["function_b"].astype(float).to_numpy(),
        "capability_large": d["capability_a"].to_numpy(), "capability_small": d["capability_b"].to_numpy(),
        "portfolio_large": d["portfolio_a"].astype(float).to_numpy(), "portfolio_small": d["portfolio_b"].astype(float).to_numpy(),
        "portfolio_large_sq": d["portfolio_a"].astype(float).to_numpy() ** 2, "portfolio_small_sq": d["portfolio_b"].astype(float).to_numpy() ** 2,
        "firm_large": d["firm_a"].to_numpy(), "firm_small": d["firm_b"].to_numpy(),
    })
    for y in sorted(out["start_year"].unique()):
        out[f"year_{y:03d}"] = (out["start_year"] == y).astype(float)
    return out


def data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    return dataset(frames["alliances"], config.run.ticks_per_year)


def fit_model(data: pd.DataFrame):
    """The study's logit with two-way clustered standard errors (statsmodels result)."""
    return fit_logit(data, "success", [*EXPERIENCE, *controls(data)], cluster_groups(data["firm_large"], data["firm_small"]),
                     dummies=year_dummies(data))


def fit(data: pd.DataFrame) -> dict[str, float]:
    res = fit_model(data)
    est = terms(res, EXPERIENCE)
    mean = {who: float(data[f"{who}_experience"].mean()) for who in ("small", "large")}
    slope = {who: {f"{who}_experience": 1.0, f"{who}_experience_sq": 2.0 * mean[who]} for who in ("small", "large")}
    est.update(combination(res, slope["small"], "small_slope"))
    est.update(combination(res, slope["large"], "large_slope"))
    sd = float(data["large_experience"].std())
    est.update(combination(res, {k: v * sd for k, v in slope["large"].items()}, "large_slope_sd"))
    contrast = {**slope["small"], **{k: -v for k, v in slope["large"].items()}}
    est.update(combination(res, contrast, "slope_contrast"))
    est["n"] = float(res.nobs)
    return est


def small_partner_slope(data: pd.DataFrame, within: bool = False) -> dict[str, float]:
    """A check beside the study's fit, not its design: R1's regressors and controls (start-year dummies included)
    in a linear probability model of project success, pooled or ``within`` each small partner (every variable
    demeaned by venture: venture fixed effects), standard errors clustered by venture.  Within ventures, the slope
    comes only from a venture's own experience growing, so selection between ventures (which ventures last and
    pile up experience) cannot produce it.  Returns the small partner's linear and squared terms, their p-values
    and its slope at the mean experience (per ten alliances)."""
    import statsmodels.api as sm

    x = data[[*EXPERIENCE, *controls(data)]].astype(float)
    y = data["success"].astype(float)
    if within:
        venture = data["firm_small"]
        x, y = x - x.groupby(venture).transform("mean"), y - y.groupby(venture).transform("mean")
        x = x.loc[:, x.std() > 1e-9]  # traits constant within every venture drop out (demeaned to rounding noise)
    else:
        x = sm.add_constant(x)
    res = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": data["firm_small"]})
    b1, b2 = res.params["small_experience"], res.params["small_experience_sq"]
    return {"linear": float(b1), "linear_p": float(res.pvalues["small_experience"]), "squared": float(b2),
            "squared_p": float(res.pvalues["small_experience_sq"]),
            "slope": float(b1 + 2 * b2 * data["small_experience"].mean())}
