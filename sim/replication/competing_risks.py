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
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..config import Config
from ..metrics import year_of
from .fitting import FitError, combination, terms

__all__ = ["dataset", "data", "fit_model", "fit", "SCALE", "TERMS", "SQUARES", "CONTROLS", "SAMPLE_SIZE"]

SCALE = 10.0
SAMPLE_SIZE: str | None = None  # all firms' projects, with a size control (see docs/replication.md)
EXPERIENCE = ["external_exploitation", "external_exploration", "internal_exploration", "internal_exploitation"]
TERMS = [*EXPERIENCE, "internal_exploration_x_external_exploitation", "internal_exploitation_x_external_exploration"]
# Squared experience terms (of the centred counts) enter as controls: with correlated regressors whose effects are
# curvilinear, a product term without them picks up the curvature and reads as an interaction (Ganzach 1997,
# Psychological Methods 2: 235-247), so the interactions are tested net of each main effect's own curve.
SQUARES = [f"{x}_sq" for x in EXPERIENCE]
CONTROLS = [*SQUARES, "capability", "exploitation_project", "active_alliances", "start_year", "alliance_function", "large_firm"]


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
        "start_year": year_of(p["start_tick"].to_numpy(), ticks_per_year).astype(float),
        "alliance_function": p["alliance_function"].to_numpy(dtype=float),
        "large_firm": (p["size"] == "large").to_numpy(dtype=float),
    })
    return d[d["duration"] >= 1.0].reset_index(drop=True)  # started in the window's last tick: never at risk


def data(frames: Mapping[str, pd.DataFrame], config: Config) -> pd.DataFrame:
    return dataset(frames["projects"], config.run.ticks, config.run.ticks_per_year)


def _centred(data: pd.DataFrame) -> pd.DataFrame:
    """Experience mean-centred in the sample at hand, then the study's two interactions."""
    d = data.copy()
    for col in EXPERIENCE:
        d[col] = d[col] - d[col].mean()
    for col in EXPERIENCE:
        d[f"{col}_sq"] = d[col] ** 2
    d["internal_exploration_x_external_exploitation"] = d["internal_exploration"] * d["external_exploitation"]
    d["internal_exploitation_x_external_exploration"] = d["internal_exploitation"] * d["external_exploration"]
    return d


def fit_model(data: pd.DataFrame, cause: str = "approved"):
    """Cause-specific Cox model for ``cause`` (the other outcome and the window's end censor)."""
    from statsmodels.duration.hazard_regression import PHReg

    x = [*TERMS, *CONTROLS]
    d = _centred(data)
    if len(d) < 50 or d[cause].sum() < 10:
        raise FitError(f"only {len(d)} projects, {int(d[cause].sum())} {cause}")
    flat = [v for v in x if d[v].std() == 0]
    if flat:
        raise FitError(f"no variation in {', '.join(flat)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = PHReg(d["duration"].to_numpy(), d[x].astype(float), status=d[cause].to_numpy(), ties="efron")
            return model.fit(groups=d["firm_id"].to_numpy())
        except (np.linalg.LinAlgError, ValueError) as err:
            raise FitError(str(err).splitlines()[0]) from None


def fit(data: pd.DataFrame) -> dict[str, float]:
    names = [*TERMS, *CONTROLS]
    res = fit_model(data)
    est = terms(res, TERMS, names)
    sd = float(data["external_exploration"].std())
    est.update(combination(res, {"external_exploration": sd}, "external_exploration_sd", names))
    est.update(combination(res, {"external_exploitation": 1.0, "external_exploration": -1.0}, "exploitation_minus_exploration", names))
    est["n"], est["approved"] = float(len(data)), float(data["approved"].sum())
    return est
