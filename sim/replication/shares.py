"""R11-R14 and R16: shares and contrasts from the alliance and firm tables.

* R11 (Kale, Dyer & Singh 2002): each ended alliance seen from each partner;
  success rate of firms with and without a dedicated alliance function, and
  the logit contrast (standard errors clustered by firm).
* R12: failure share of ended alliances.
* R13: of the alliances formed at least 10 years before the window closes,
  the share that ended short of their goal within 10 years.
* R14: share of firms (with at least one ended alliance) whose portfolio
  returned less than they expected at formation, at the end of the window.
* R16: firm-year panel of each firm's alliances ended that year; binomial
  logit of their success on the firm's general experience (log 1 + count), its
  size, and experience x small: the per-alliance gain is larger for small
  firms if the interaction is positive.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .fitting import FitError, cluster_groups, coef, fit_logit
from .targets import Row, row, unavailable

__all__ = ["function_sides", "findings", "R11_WITH", "R11_WITHOUT", "R12_RANGE", "R13_RANGE", "R14_RANGE"]

R11_WITH, R11_WITHOUT = (0.53, 0.73), (0.40, 0.60)  # "about 63%" / "about 50%": +-10 points
R12_RANGE = (0.30, 0.70)
R13_RANGE = (0.33, 0.66)
R14_RANGE = (0.35, 0.65)  # "about half"


def _share(x: np.ndarray) -> tuple[float, float]:
    p = float(np.mean(x)) if len(x) else float("nan")
    return p, float(np.sqrt(p * (1 - p) / max(len(x), 1)))


def function_sides(alliances: pd.DataFrame) -> pd.DataFrame:
    """Ended alliances twice, once from each partner's side."""
    e = alliances[alliances["end_tick"].notna()]
    return pd.DataFrame({
        "firm": np.concatenate([e["firm_a"], e["firm_b"]]),
        "function": np.concatenate([e["function_a"], e["function_b"]]).astype(float),
        "success": np.concatenate([e["success"].astype(int)] * 2),
    })


def _function_row(alliances: pd.DataFrame, alpha: float) -> Row:
    d = function_sides(alliances)
    try:
        res = fit_logit(d, "success", ["function"], cluster_groups(d["firm"]))
    except FitError as err:
        return unavailable("R11", "success_with - success_without", str(err))
    with_f = d.loc[d["function"] == 1, "success"].mean()
    without = d.loc[d["function"] == 0, "success"].mean()
    c = coef(res, "function")
    ok = (c.estimate > 0 and c.p_value < alpha and R11_WITH[0] <= with_f <= R11_WITH[1]
          and R11_WITHOUT[0] <= without <= R11_WITHOUT[1])
    return row("R11", "success_with - success_without", with_f - without, c.std_error * with_f * (1 - with_f), c.p_value, ok,
               f"success {with_f:.2f} with a function vs {without:.2f} without; p from the firm-clustered logit")


def _range_row(finding: str, variable: str, x: np.ndarray, lo_hi: tuple[float, float], note: str) -> Row:
    p, se = _share(x)
    return row(finding, variable, p, se, float("nan"), bool(lo_hi[0] <= p <= lo_hi[1]), f"{note}; n={len(x)}")


def _learning_speed_row(frames: dict[str, pd.DataFrame], ticks_per_year: int, alpha: float) -> Row:
    f = frames["firms"].sort_values(["firm_id", "tick"])
    g = f.groupby("firm_id")
    ended = g["ended_alliances"].diff().fillna(f["ended_alliances"])
    wins = g["successful_alliances"].diff().fillna(f["successful_alliances"])
    prev_exp = g["general_experience"].shift().fillna(f["general_experience"])
    d = pd.DataFrame({
        "firm": f["firm_id"], "ended": ended, "wins": wins,
        "experience": np.log1p(prev_exp), "small": (f["size"] == "small").astype(float), "year": f["tick"] / ticks_per_year,
    })
    d = d[d["ended"] > 0]
    d["experience_x_small"] = d["experience"] * d["small"]
    import statsmodels.api as sm

    x = ["experience", "small", "experience_x_small", "year"]
    if len(d) < 50:
        return unavailable("R16", "experience_x_small", f"only {len(d)} firm-years with ended alliances")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.GLM(np.column_stack([d["wins"], d["ended"] - d["wins"]]), sm.add_constant(d[x]),
                         family=sm.families.Binomial()).fit(cov_type="cluster", cov_kwds={"groups": cluster_groups(d["firm"])})
        except (np.linalg.LinAlgError, ValueError) as err:
            return unavailable("R16", "experience_x_small", str(err).splitlines()[0])
    c = coef(res, "experience_x_small")
    slope_large = float(res.params["experience"])
    return row("R16", "experience_x_small", *vars(c).values(), c.estimate > 0 and c.p_value < alpha,
               f"logit gain per log-experience: large {slope_large:.2f}, small {slope_large + c.estimate:.2f}; firm-years n={len(d)}")


def findings(frames: dict[str, pd.DataFrame], ticks: int, ticks_per_year: int, alpha: float = 0.05) -> list[Row]:
    a = frames["alliances"]
    ended = a[a["end_tick"].notna()]
    window = 10 * ticks_per_year
    early = ended[ended["start_tick"] <= ticks - window]
    early_all = a[a["start_tick"] <= ticks - window]
    broke = (~early["success"].astype(bool)) & ((early["end_tick"] - early["start_tick"]) <= window)
    last = frames["firms"][frames["firms"]["tick"] == frames["firms"]["tick"].max()]
    last = last[last["ended_alliances"] > 0]
    rows = [_function_row(a, alpha)]
    rows.append(_range_row("R12", "failure_share", (~ended["success"].astype(bool)).to_numpy(), R12_RANGE,
                           "ended alliances that did not reach their goal"))
    if len(early_all):
        rows.append(_range_row("R13", "breakup_within_10y", np.r_[broke.to_numpy(), np.zeros(len(early_all) - len(early), bool)],
                               R13_RANGE, "alliances formed >= 10 years before the window closed"))
    else:
        rows.append(unavailable("R13", "breakup_within_10y", f"window of {ticks} ticks is shorter than 10 years"))
    rows.append(_range_row("R14", "underperforming_share", last["underperforming"].astype(bool).to_numpy(), R14_RANGE,
                           "firms whose captured value fell below their expectations"))
    rows.append(_learning_speed_row(frames, ticks_per_year, alpha))
    return rows
