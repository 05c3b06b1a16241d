"""R4-R6: the firm-year panel design of Rothaermel & Deeds (2006).

One row per small venture (the study's biotech firms) and year: new products
that year (internal R&D approvals plus alliances that reached their goal), the
mean number of simultaneous alliances over the year, in total and by type
(rebuilt from the alliance table's start and end ticks), alliance experience
at the start of the year, and controls.  The model is a Poisson regression of
the product count on alliances and alliances squared, standard errors
clustered by firm.  R5 fits it separately for the more and the less
experienced half of firm-years (split at the median of general alliance
experience); R6 enters exploration and exploitation alliances with their own
squares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from .fitting import FitError, cluster_groups, coef, fit_count, turning_point
from .targets import Row, row, unavailable

__all__ = ["alliance_years", "dataset", "fit", "findings", "CONTROLS", "FAMILY"]

CONTROLS = ["exploration_capability", "exploitation_capability", "alliance_function", "year"]
FAMILY = "poisson"


def alliance_years(alliances: pd.DataFrame, n_firms: int, ticks: int, ticks_per_year: int) -> np.ndarray:
    """Mean simultaneous alliances per firm, year and type: array (firm, year, type)."""
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


def dataset(frames: dict[str, pd.DataFrame], ticks: int, ticks_per_year: int, size: str = "small") -> pd.DataFrame:
    """Firm-year panel of ``size`` firms (default: the ventures, as in the study)."""
    firms, alliances = frames["firms"], frames["alliances"]
    n = int(firms["firm_id"].max()) + 1
    mean_active = alliance_years(alliances, n, ticks, ticks_per_year)
    f = firms[(firms["size"] == size) & (firms["tick"] % ticks_per_year == 0)].copy()
    year = (f["tick"].to_numpy() // ticks_per_year) - 1
    fid = f["firm_id"].to_numpy()
    explore, exploit = mean_active[fid, year, 0], mean_active[fid, year, 1]
    # experience at the start of the year: last year's snapshot (0 before the first)
    prev = firms[["firm_id", "tick", "general_experience"]].assign(tick=lambda x: x["tick"] + ticks_per_year)
    f = f.merge(prev.rename(columns={"general_experience": "experience_start"}), on=["firm_id", "tick"], how="left")
    alliances_total = explore + exploit
    return pd.DataFrame({
        "firm_id": fid, "year": year + 1,
        "new_products": f["new_products"].to_numpy(),
        "alliances": alliances_total, "alliances_sq": alliances_total**2,
        "exploration": explore, "exploration_sq": explore**2,
        "exploitation": exploit, "exploitation_sq": exploit**2,
        "experience": f["experience_start"].fillna(f["general_experience"]).to_numpy(),
        "exploration_capability": f["exploration_capability"].to_numpy(),
        "exploitation_capability": f["exploitation_capability"].to_numpy(),
        "alliance_function": f["alliance_function"].astype(float).to_numpy(),
    })


def fit(data: pd.DataFrame, terms: list[str]):
    return fit_count(data, "new_products", [*terms, *CONTROLS], cluster_groups(data["firm_id"]), family=FAMILY)


def _inverted_u(data: pd.DataFrame, lin: str, sq: str):
    res = fit(data, [lin, sq])
    return res, coef(res, lin), coef(res, sq), turning_point(res, lin, sq)


def findings(frames: dict[str, pd.DataFrame], ticks: int, ticks_per_year: int, alpha: float = 0.05) -> list[Row]:
    data = dataset(frames, ticks, ticks_per_year)
    rows: list[Row] = []
    lo, hi = np.percentile(data["alliances"], [1, 99]) if len(data) else (np.nan, np.nan)
    try:
        _, b1, b2, tp = _inverted_u(data, "alliances", "alliances_sq")
        note = f"n={len(data)} firm-years; observed range (1st-99th pct) {lo:.2f}-{hi:.2f}"
        rows += [
            row("R4", "alliances", *vars(b1).values(), b1.estimate > 0 and b1.p_value < alpha, note),
            row("R4", "alliances_sq", *vars(b2).values(), b2.estimate < 0 and b2.p_value < alpha, note),
            row("R4", "turning_point", tp.estimate, tp.std_error, tp.p_value, bool(lo < tp.estimate < hi), note),
        ]
    except FitError as err:
        rows += [unavailable("R4", v, str(err)) for v in ("alliances", "alliances_sq", "turning_point")]
    rows.append(_experience_split(data))
    rows.append(_type_split(data))
    return rows


def _difference(high, low) -> tuple[float, float, float]:
    diff = high.estimate - low.estimate
    se = float(np.hypot(high.std_error, low.std_error))
    p = float(2 * norm.sf(abs(diff) / se)) if se > 0 else float("nan")
    return diff, se, p


def _experience_split(data: pd.DataFrame) -> Row:
    """R5: turning points of the more and the less experienced half of firm-years."""
    median = data["experience"].median()
    halves = {"experienced": data[data["experience"] > median], "inexperienced": data[data["experience"] <= median]}
    try:
        fits = {k: _inverted_u(d, "alliances", "alliances_sq") for k, d in halves.items()}
    except FitError as err:
        return unavailable("R5", "turning_point experienced - inexperienced", str(err))
    concave = all(f[2].estimate < 0 for f in fits.values())
    hi, lo = fits["experienced"][3], fits["inexperienced"][3]
    diff, se, p = _difference(hi, lo)
    note = f"split at median experience {median:.0f}; turning points {hi.estimate:.2f} vs {lo.estimate:.2f}"
    return row("R5", "turning_point experienced - inexperienced", diff, se, p, concave and diff > 0, note)


def _type_split(data: pd.DataFrame) -> Row:
    """R6: one model with exploration and exploitation alliances and their squares."""
    try:
        res = fit(data, ["exploration", "exploration_sq", "exploitation", "exploitation_sq"])
    except FitError as err:
        return unavailable("R6", "turning_point exploitation - exploration", str(err))
    explore = turning_point(res, "exploration", "exploration_sq")
    exploit = turning_point(res, "exploitation", "exploitation_sq")
    concave = res.params["exploration_sq"] < 0 and res.params["exploitation_sq"] < 0
    diff, se, p = _difference(exploit, explore)
    note = f"turning points exploitation {exploit.estimate:.2f} vs exploration {explore.estimate:.2f}"
    return row("R6", "turning_point exploitation - exploration", diff, se, p, bool(concave and diff > 0), note)
