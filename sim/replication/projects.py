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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .fitting import FitError, cluster_groups, coef, fit_logit, wald_p
from .targets import Row, row, unavailable

__all__ = ["dataset", "fit", "findings", "controls", "SCALE", "EXPERIENCE"]

SCALE = 10.0  # experience is entered in tens of alliances (readable coefficients)
BASE_CONTROLS = ["exploitation", "log_value", "protective", "function_large", "function_small",
                 "capability_large", "capability_small", "portfolio_large", "portfolio_small",
                 "portfolio_large_sq", "portfolio_small_sq"]
EXPERIENCE = ["small_experience", "small_experience_sq", "large_experience", "large_experience_sq", "partner_specific"]


def year_dummies(data: pd.DataFrame) -> list[str]:
    """Start-year fixed effects (first year is the reference): experience counts grow with time, so without
    them a firm's count doubles as a clock and picks up any time trend in success."""
    return sorted(c for c in data.columns if c.startswith("year_"))[1:]


def controls(data: pd.DataFrame) -> list[str]:
    return [*BASE_CONTROLS, *year_dummies(data)]


def dataset(alliances: pd.DataFrame, ticks_per_year: int = 4) -> pd.DataFrame:
    """Ended large-small alliances as the study's project sample."""
    a = alliances
    d = a[(a["size_a"] == "large") & (a["size_b"] == "small") & a["end_tick"].notna()].copy()
    xs, xl = d["general_experience_b"] / SCALE, d["general_experience_a"] / SCALE
    out = pd.DataFrame({
        "success": d["success"].astype(int).to_numpy(),
        "small_experience": xs.to_numpy(), "small_experience_sq": (xs**2).to_numpy(),
        "large_experience": xl.to_numpy(), "large_experience_sq": (xl**2).to_numpy(),
        "partner_specific": d["partner_specific_experience"].astype(float).to_numpy(),
        "exploitation": (d["type"] == "exploitation").astype(float).to_numpy(),
        "log_value": np.log(d["value_at_stake"]).to_numpy(),
        "start_year": (d["start_tick"] / ticks_per_year).to_numpy(),
        "protective": (d["governance"] == "protective").astype(float).to_numpy(),
        "function_large": d["function_a"].astype(float).to_numpy(), "function_small": d["function_b"].astype(float).to_numpy(),
        "capability_large": d["capability_a"].to_numpy(), "capability_small": d["capability_b"].to_numpy(),
        "portfolio_large": d["portfolio_a"].astype(float).to_numpy(), "portfolio_small": d["portfolio_b"].astype(float).to_numpy(),
        "portfolio_large_sq": d["portfolio_a"].astype(float).to_numpy() ** 2, "portfolio_small_sq": d["portfolio_b"].astype(float).to_numpy() ** 2,
        "firm_large": d["firm_a"].to_numpy(), "firm_small": d["firm_b"].to_numpy(),
    })
    year = np.floor(out["start_year"]).astype(int)
    for y in sorted(year.unique()):
        out[f"year_{y:03d}"] = (year == y).astype(float)
    return out


def fit(data: pd.DataFrame):
    """The study's logit with two-way clustered standard errors."""
    return fit_logit(data, "success", [*EXPERIENCE, *controls(data)], cluster_groups(data["firm_large"], data["firm_small"]))


def findings(alliances: pd.DataFrame, ticks_per_year: int = 4, alpha: float = 0.05) -> list[Row]:
    data = dataset(alliances, ticks_per_year)
    rows: list[Row] = []
    try:
        res = fit(data)
    except FitError as err:
        return [unavailable(f, v, str(err)) for f, v in (
            ("R1", "small_experience"), ("R1", "small_experience_sq"), ("R2", "large_experience"), ("R3", "partner_specific"))]
    n = f"n={len(data)} projects"
    lin, sq = coef(res, "small_experience"), coef(res, "small_experience_sq")
    rows.append(row("R1", "small_experience", *vars(lin).values(), lin.estimate > 0 and lin.p_value < alpha, n))
    rows.append(row("R1", "small_experience_sq", *vars(sq).values(), sq.estimate < 0 and sq.p_value < alpha, n))
    large = coef(res, "large_experience")
    joint = wald_p(res, ["large_experience", "large_experience_sq"])
    rows.append(row("R2", "large_experience", large.estimate, large.std_error, joint, joint >= alpha,
                    "p-value: joint Wald test of linear and squared term"))
    ps = coef(res, "partner_specific")
    rows.append(row("R3", "partner_specific", *vars(ps).values(), ps.estimate < 0, "sign only (marginal in the study)"))
    return rows

