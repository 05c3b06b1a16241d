"""R7-R10: internal R&D projects as competing risks (Hoang & Rothaermel 2010).

One row per internal R&D project from the projects table (all firms, with a
size control: the study's sample was the pharma firms' projects, but in the
model large firms keep so little of their alliance lessons that their
projects alone carry too little signal; docs/replication.md says why).  A project ends approved (a new product) or
terminated, or is still running when the window closes (censored).  The model
is the cause-specific Cox hazard of approval, with termination and the
window's end as censoring (statsmodels ``PHReg``, Efron ties, standard errors
robust to clustering by firm).  Regressors: the firm's alliance experience of
each type at the project's start (counts, in tens of alliances), its internal
experience of each type (finished projects, in tens), the two interactions of
the study, and controls.  Experience is mean-centred before the interactions
are formed, so each main effect is the effect at the sample's mean of the
other variable.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .fitting import FitError, coef
from .targets import Row, row, unavailable

__all__ = ["dataset", "fit", "findings", "SCALE", "TERMS", "CONTROLS", "SAMPLE_SIZE"]

SCALE = 10.0
SAMPLE_SIZE: str | None = None  # all firms' projects, with a size control (see docs/replication.md)
EXPERIENCE = ["external_exploitation", "external_exploration", "internal_exploration", "internal_exploitation"]
TERMS = [*EXPERIENCE, "internal_exploration_x_external_exploitation", "internal_exploitation_x_external_exploration"]
CONTROLS = ["capability", "exploitation_project", "active_alliances", "start_year", "alliance_function", "large_firm"]


def dataset(projects: pd.DataFrame, ticks: int, ticks_per_year: int = 4, size: str | None = SAMPLE_SIZE) -> pd.DataFrame:
    """Projects of ``size`` firms (``None``: all firms) with duration, cause and centred experience."""
    p = projects if size is None else projects[projects["size"] == size]
    ended = p["end_tick"].notna().to_numpy()
    end = np.where(ended, p["end_tick"].fillna(0).to_numpy(dtype=float), float(ticks))
    d = pd.DataFrame({
        "firm_id": p["firm_id"].to_numpy(),
        "duration": end - p["start_tick"].to_numpy(),
        "approved": (p["outcome"] == "approved").fillna(False).to_numpy(dtype=float),
        "terminated": (p["outcome"] == "terminated").fillna(False).to_numpy(dtype=float),
        "external_exploitation": p["alliance_exploitation_experience"].to_numpy() / SCALE,
        "external_exploration": p["alliance_exploration_experience"].to_numpy() / SCALE,
        "internal_exploration": p["internal_exploration_experience"].to_numpy() / SCALE,
        "internal_exploitation": p["internal_exploitation_experience"].to_numpy() / SCALE,
        "capability": p["capability"].to_numpy(),
        "exploitation_project": (p["type"] == "exploitation").to_numpy(dtype=float),
        "active_alliances": p["active_alliances"].to_numpy(dtype=float),
        "start_year": p["start_tick"].to_numpy() / ticks_per_year,
        "alliance_function": p["alliance_function"].to_numpy(dtype=float),
        "large_firm": (p["size"] == "large").to_numpy(dtype=float),
    })
    d = d[d["duration"] >= 1.0].reset_index(drop=True)  # started in the window's last tick: never at risk
    for col in EXPERIENCE:
        d[col] = d[col] - d[col].mean()
    d["internal_exploration_x_external_exploitation"] = d["internal_exploration"] * d["external_exploitation"]
    d["internal_exploitation_x_external_exploration"] = d["internal_exploitation"] * d["external_exploration"]
    return d


def fit(data: pd.DataFrame, cause: str = "approved"):
    """Cause-specific Cox model for ``cause`` (the other outcome and the window's end censor)."""
    from statsmodels.duration.hazard_regression import PHReg

    x = [*TERMS, *CONTROLS]
    if len(data) < 50 or data[cause].sum() < 10:
        raise FitError(f"only {len(data)} projects, {int(data[cause].sum())} {cause}")
    flat = [v for v in x if data[v].std() == 0]
    if flat:
        raise FitError(f"no variation in {', '.join(flat)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = PHReg(data["duration"].to_numpy(), data[x].astype(float), status=data[cause].to_numpy(), ties="efron")
            return model.fit(groups=data["firm_id"].to_numpy())
        except (np.linalg.LinAlgError, ValueError) as err:
            raise FitError(str(err).splitlines()[0]) from None


class _Named:
    """PHReg results carry plain arrays; give them the names ``coef`` expects."""

    def __init__(self, res, names: list[str]):
        self.params = pd.Series(res.params, index=names)
        self.bse = pd.Series(res.bse, index=names)
        self.pvalues = pd.Series(res.pvalues, index=names)


def findings(projects: pd.DataFrame, ticks: int, ticks_per_year: int = 4, alpha: float = 0.05) -> list[Row]:
    data = dataset(projects, ticks, ticks_per_year)
    wanted = [("R7", "external_exploitation"), ("R8", "external_exploration"),
              ("R9", "internal_exploration_x_external_exploitation"), ("R10", "internal_exploitation_x_external_exploration")]
    try:
        res = _Named(fit(data), [*TERMS, *CONTROLS])
    except FitError as err:
        return [unavailable(f, v, str(err)) for f, v in wanted]
    note = f"n={len(data)} projects, {int(data['approved'].sum())} approved, {int(data['terminated'].sum())} terminated; Cox hazard of approval"
    c = {v: coef(res, v) for _, v in wanted}
    return [
        row("R7", wanted[0][1], *vars(c[wanted[0][1]]).values(), c[wanted[0][1]].estimate > 0 and c[wanted[0][1]].p_value < alpha, note),
        row("R8", wanted[1][1], *vars(c[wanted[1][1]]).values(), c[wanted[1][1]].estimate <= 0, note + "; sign only"),
        row("R9", wanted[2][1], *vars(c[wanted[2][1]]).values(), c[wanted[2][1]].estimate > 0 and c[wanted[2][1]].p_value < alpha, note),
        row("R10", wanted[3][1], *vars(c[wanted[3][1]]).values(), c[wanted[3][1]].estimate < 0 and c[wanted[3][1]].p_value < alpha, note),
    ]
