"""From stored estimates to verdicts and the findings table (no refits: rules read the estimates).

``verdicts``: one row per finding, run, arm (``baseline`` / ``placebo``) and
sample (``study``: the whole study population; ``published``: a draw of the
published size): whether the finding's rule holds, its headline estimate and
that estimate's within-run standard error.

``findings_table``: one row per finding R1-R16.  ``role`` is the finding's
role in the calibration behind the defaults (``fitted``, ``held_out`` or
``base_rate``: :mod:`sim.calibration.roles`).  ``reproduced_share`` is the
share of baseline runs in which the rule holds, ``placebo_share`` the same
with the mechanism switched off, ``power_published_n`` the share of
published-size samples in which it holds.  ``estimate_mean`` /
``estimate_sd`` / ``estimate_low`` / ``estimate_high`` are the mean, the
between-run SD and the 2.5-97.5% quantiles of the headline estimate over the
runs; ``within_se_mean`` is the mean standard error the fit reported inside
a run.  Pooled over runs (each run an independent market): ``pooled_z`` is
the mean estimate over its between-run standard error, and
``placebo_difference_z`` how far switching the mechanism off moves the mean
estimate, in standard errors (a referee reads these beside the shares).  Status: ``reproduced`` needs kind ``emergent``, a share >= 0.9, a
placebo share <= 0.2 and (R5, R6) the 95% interval over runs above 0;
``assumed`` rows read ``assumed``; ``calibration`` rows ``calibrated`` (share
>= 0.9) or ``off target``; everything else ``not reproduced``.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from ..config import Config
from .placebos import PLACEBOS
from .registry import DESIGN_OF, FINDINGS
from .runs import BASELINE

__all__ = ["verdicts", "findings_table", "status", "FINDINGS_COLUMNS", "REPRODUCED_SHARE", "PLACEBO_SHARE"]

REPRODUCED_SHARE = 0.9
PLACEBO_SHARE = 0.2
FINDINGS_COLUMNS = ["finding", "kind", "status", "role", "mechanism", "runs", "reproduced_share", "placebo_share",
                    "power_published_n", "estimate", "estimate_mean", "estimate_sd", "estimate_low", "estimate_high",
                    "within_se_mean", "pooled_z", "placebo_mean", "placebo_sd", "placebo_difference_z",
                    "across_runs_above_zero", "published_n",
                    "placebo", "placebo_rate_gap", "claim", "note"]


def _value(est: dict, key: str) -> float:
    v = est.get(key)
    return float("nan") if v is None else float(v)


def verdicts(stored: pd.DataFrame) -> pd.DataFrame:
    """Rule, headline estimate and SE of every finding in every stored fit."""
    rows = []
    for r in stored.itertuples(index=False):
        est = json.loads(r.estimates)
        for f in FINDINGS:
            if DESIGN_OF[f.id].id != r.design or (r.arm != BASELINE and f.placebo != r.arm):
                continue
            rows.append({"finding": f.id, "run": r.run, "seed": r.seed, "arm": "baseline" if r.arm == BASELINE else "placebo",
                         "sample": r.sample, "holds": bool(f.rule.holds(est)), "estimate": _value(est, f.estimate),
                         "std_error": _value(est, f"{f.estimate}.se"), "p_value": _value(est, f"{f.estimate}.p"),
                         "success_rate": r.success_rate, "approval_rate": r.approval_rate, "error": r.error})
    out = pd.DataFrame(rows)
    order = {f.id: i for i, f in enumerate(FINDINGS)}
    return out.sort_values(["finding", "arm", "sample", "run"], key=lambda s: s.map(order) if s.name == "finding" else s,
                           ignore_index=True)


def status(kind: str, reproduced: float, placebo: float, across_ok: bool) -> str:
    if kind == "assumed":
        return "assumed"
    if kind == "calibration":
        return "calibrated" if reproduced >= REPRODUCED_SHARE else "off target"
    ok = reproduced >= REPRODUCED_SHARE and placebo <= PLACEBO_SHARE and across_ok
    return "reproduced" if ok else "not reproduced"


def _share(x: pd.Series) -> float:
    return float(x.mean()) if len(x) else float("nan")


def _z(x: pd.Series) -> float:
    """The mean over runs in units of its standard error over runs (each run one independent market)."""
    return float(x.mean() / (x.std(ddof=1) / math.sqrt(len(x)))) if len(x) > 1 and x.std(ddof=1) > 0 else math.nan


def _difference_z(base: pd.Series, placebo: pd.Series) -> float:
    """How far the mechanism moves the estimate: baseline mean minus placebo mean over their standard error."""
    if len(base) < 2 or len(placebo) < 2:
        return math.nan
    se = math.sqrt(base.var(ddof=1) / len(base) + placebo.var(ddof=1) / len(placebo))
    return float((base.mean() - placebo.mean()) / se) if se > 0 else math.nan


def findings_table(v: pd.DataFrame, configs: dict[str, Config]) -> pd.DataFrame:
    """One row per finding (see the module docstring for each column)."""
    from ..calibration.roles import default_roles

    roles = default_roles()
    out = []
    for f in FINDINGS:
        design = DESIGN_OF[f.id]
        config = configs[design.population]
        placebo = PLACEBOS[f.placebo]
        mine = v[v["finding"] == f.id]
        base = mine[(mine["arm"] == "baseline") & (mine["sample"] == "study")]
        plac = mine[(mine["arm"] == "placebo") & (mine["sample"] == "study")]
        pub = mine[(mine["arm"] == "baseline") & (mine["sample"] == "published")]
        est = base["estimate"].dropna()
        low, high = (np.quantile(est, [0.025, 0.975]) if len(est) else (math.nan, math.nan))
        across_ok = True
        if f.across_runs is not None:
            across_ok = bool(len(est) and low > 0)
        kind = f.kind.of(config)
        reproduced, placebo_share = _share(base["holds"]), _share(plac["holds"])
        rate = placebo.holds[0].rate
        merged = plac[["run", rate]].merge(base[["run", rate]], on="run", suffixes=("_placebo", "_baseline"))
        notes = [n for n in (f.caveat(config) if f.caveat else None,
                             f"assumed: {f.kind.why}" if kind == "assumed" else None,
                             f"{int((base['error'] != '').sum())} of {len(base)} runs not estimable" if (base["error"] != "").any() else None)
                 if n]
        out.append({
            "finding": f.id, "kind": kind, "status": status(kind, reproduced, placebo_share, across_ok), "role": roles[f.id],
            "mechanism": placebo.mechanism, "runs": int(len(base)),
            "reproduced_share": reproduced, "placebo_share": placebo_share,
            "power_published_n": _share(pub["holds"]) if design.published else math.nan,
            "estimate": f.estimate, "estimate_mean": float(est.mean()) if len(est) else math.nan,
            "estimate_sd": float(est.std(ddof=1)) if len(est) > 1 else math.nan,
            "estimate_low": float(low), "estimate_high": float(high),
            "within_se_mean": float(base["std_error"].mean()) if len(base) else math.nan,
            "pooled_z": _z(est),
            "placebo_mean": float(plac["estimate"].mean()) if len(plac) else math.nan,
            "placebo_sd": float(plac["estimate"].std(ddof=1)) if len(plac) > 1 else math.nan,
            "placebo_difference_z": _difference_z(est, plac["estimate"].dropna()),
            "across_runs_above_zero": across_ok if f.across_runs else None,
            "published_n": design.published.describe() if design.published else "",
            "placebo": f"{placebo.name}: {placebo.describe()}",
            "placebo_rate_gap": float((merged[f"{rate}_placebo"] - merged[f"{rate}_baseline"]).mean()) if len(merged) else math.nan,
            "claim": f.claim, "note": "; ".join(notes),
        })
    return pd.DataFrame(out, columns=FINDINGS_COLUMNS)
