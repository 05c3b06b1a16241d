"""Read a sweep folder back and compute: replication means with CIs, effects, sensitivity indices.

* :func:`load_runs` - the per-run table, in design order.
* :func:`mean_ci` - n, mean, sd and a t-based CI of one outcome's values.
* :func:`aggregate` - per point and outcome: n, mean, sd and a t-based 95% CI
  over replications (tidy, one row per point x metric).
* :func:`main_effects` - an outcome against one swept key, pooled over the
  other keys (quantile bins for sampled designs), with a CI over runs.
* :func:`sensitivity` - Sobol (S1, ST) or Morris (mu*, sigma) indices through
  SALib, when the design was one, on the replication means.
* the findings map of a findings sweep (:mod:`.findings`): :func:`findings_map`
  (where each finding holds over the design), :func:`cooccurrence` (which hold
  together) and :func:`prim_boxes` (PRIM: the parameter ranges where each
  holds); their tables' file names and columns are :data:`FINDINGS_FILES`.
  The outcomes of a findings sweep are by default whether each finding holds
  (as 0/1, so a mean is the share of runs in which it holds).

The figures of these are :mod:`.plots`'; :mod:`.report` writes both to ``DIR/analysis``.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config import ConfigError, show_path
from .findings import estimate_column, holds_column, holds_columns
from .store import PART_GLOB, damaged_parts, manifest_schema, read_manifest

__all__ = ["load_runs", "mean_ci", "aggregate", "main_effects", "sensitivity", "HEADLINE_METRICS",
           "findings_map", "findings_points", "changed_keys", "cooccurrence", "prim_boxes", "FINDINGS_FILES",
           "PRIM_DENSITY"]

HEADLINE_METRICS = (
    "success_rate", "breakup_within_10y", "success_rate_repeat", "success_rate_new_partner",
    "products_per_firm_year", "mean_active_alliances", "underperforming_share", "value_per_alliance",
)
PRIM_DENSITY = 0.8  # a finding's box: the largest-coverage box of PRIM's peeling in which it holds in >= 80% of runs

# The findings map's tables (`alliancesim analyze` of a findings sweep writes them), and their columns.
FINDINGS_FILES = {
    "findings_map.csv": ["finding", "points", "runs", "share_holds", "points_always", "points_never", "claim"],
    "findings_cooccurrence.csv": ["finding", "with", "share_both", "share_given", "phi"],
    "findings_boxes.csv": ["finding", "key", "low", "high", "restricted", "coverage", "density", "mass", "note"],
    "findings_points.csv": ["point", "changed", "finding", "runs", "share_holds", "estimate_mean", "estimate_sd"],
}


def load_runs(out: str | Path) -> pd.DataFrame:
    """The per-run table (one row per run), sorted by (point, replication).

    A damaged folder (see :mod:`.store`) is a ConfigError naming the first
    damaged file; resuming the sweep sets such files aside and reruns their runs.
    """
    out = Path(out)
    runs_dir = out / "runs"
    manifest = read_manifest(out)
    damaged = damaged_parts(out, manifest_schema(manifest))
    if damaged:
        path, reason = damaged[0]
        more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
        raise ConfigError(f"{show_path(path)} is damaged ({reason}){more}; run the same `alliancesim sweep` command "
                          "on this folder to set it aside and rerun its runs")
    parts = sorted(runs_dir.glob(PART_GLOB))
    if not parts:
        raise ConfigError(f"{show_path(out)} has no finished runs (nothing in {runs_dir})")
    runs = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True).sort_values(["point", "replication"], ignore_index=True)
    if manifest.get("findings"):  # bool whatever the parts hold (a failed run's is missing)
        runs = runs.astype({c: "boolean" for c in holds_columns(manifest["findings"])})
    return runs


def mean_ci(values: pd.Series, level: float = 0.95) -> tuple[int, float, float, float, float]:
    """``(n, mean, sd, ci_low, ci_high)`` of the values that are not NaN (t interval; NaN where undefined)."""
    v = values.dropna().to_numpy(dtype=float)
    n = len(v)
    if n == 0:
        return 0, np.nan, np.nan, np.nan, np.nan
    mean = float(v.mean())
    if n == 1:
        return 1, mean, np.nan, np.nan, np.nan
    sd = float(v.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n))
    return n, mean, sd, mean - half, mean + half


def aggregate(runs: pd.DataFrame, keys: list[str], metrics: list[str], level: float = 0.95) -> pd.DataFrame:
    """Replication mean, sd and CI per point and metric (failed runs excluded)."""
    ok = runs[runs["status"] == "ok"]
    rows = []
    for point, group in ok.groupby("point", sort=True):
        head = {"point": point, **{k: group[k].iloc[0] for k in keys}}
        for m in metrics:
            n, mean, sd, lo, hi = mean_ci(group[m], level)
            rows.append({**head, "metric": m, "n": n, "mean": mean, "sd": sd, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows)


def main_effects(runs: pd.DataFrame, key: str, metric: str, bins: int = 8, level: float = 0.95) -> pd.DataFrame:
    """``metric`` against ``key`` pooled over other keys: x, n, mean, ci_low, ci_high."""
    ok = runs[(runs["status"] == "ok")][[key, metric]].dropna()
    if ok[key].nunique() > bins:
        groups = ok.groupby(pd.qcut(ok[key], q=bins, duplicates="drop"), observed=True)
    else:
        groups = ok.groupby(key, sort=True)
    rows = []
    for _, g in groups:
        n, mean, _, lo, hi = mean_ci(g[metric], level)
        rows.append({"x": float(g[key].astype(float).mean()), "n": n, "mean": mean, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=["x", "n", "mean", "ci_low", "ci_high"]).astype(float)


def sensitivity(manifest: dict[str, Any], design: pd.DataFrame, point_means: pd.DataFrame, metrics: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """SALib Sobol or Morris indices per metric (empty for grid/LHS), plus notes on what was skipped."""
    method = manifest["method"]
    if method not in ("sobol", "morris"):
        return pd.DataFrame(), []
    spec = manifest["spec"]["design"]
    names = manifest["parameters"]
    problem = {"num_vars": len(names), "names": names, "bounds": [spec["parameters"][k] for k in names]}
    seed = manifest["root_seed"]
    rows, notes = [], []
    for m in metrics:
        y = point_means.reindex(design["point"])[m].to_numpy(dtype=float)
        if not np.all(np.isfinite(y)):
            notes.append(f"{method} indices of {m!r} skipped: {int((~np.isfinite(y)).sum())} of {len(y)} points have no value (failed runs or undefined outcome)")
            continue
        if method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(problem, y, calc_second_order=spec.get("second_order", False), seed=seed)
            for i, k in enumerate(names):
                rows.append({"metric": m, "parameter": k, "S1": res["S1"][i], "S1_conf": res["S1_conf"][i], "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})
        else:
            from SALib.analyze import morris

            x = design[names].to_numpy(dtype=float)
            res = morris.analyze(problem, x, y, num_levels=spec.get("levels", 4), seed=seed)
            for i, k in enumerate(names):
                rows.append({"metric": m, "parameter": k, "mu": res["mu"][i], "mu_star": res["mu_star"][i], "sigma": res["sigma"][i], "mu_star_conf": res["mu_star_conf"][i]})
    return pd.DataFrame(rows), notes


# ------------------------------------------------------------------ the map
def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def findings_map(runs: pd.DataFrame, findings) -> pd.DataFrame:
    """One row per finding over the runs that did not fail (failed runs are left out, as in every sweep analysis).

    ``points``: design points with at least one such run; ``runs``: those
    runs; ``share_holds``: the share of them in which the finding holds;
    ``points_always`` / ``points_never``: points at which it holds in every /
    in none of their runs.
    """
    from ..replication.registry import FINDING_BY_ID

    ok = _ok(runs)
    rows = []
    for f in findings:
        holds = ok[holds_column(f)].astype(bool)
        per_point = holds.groupby(ok["point"]).agg(["all", "any"])
        rows.append({"finding": f, "points": int(len(per_point)), "runs": int(len(holds)),
                     "share_holds": float(holds.mean()) if len(holds) else math.nan,
                     "points_always": int(per_point["all"].sum()), "points_never": int((~per_point["any"]).sum()),
                     "claim": FINDING_BY_ID[f].claim})
    return pd.DataFrame(rows, columns=FINDINGS_FILES["findings_map.csv"])


def changed_keys(runs: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per point, the keys whose value differs from point 0's, as ``key=value; ...`` (``base`` for none): in a
    one-at-a-time (``ablate``) design, what each point switches."""
    points = runs.drop_duplicates("point").set_index("point").sort_index()[keys]
    if points.empty:
        return pd.Series(dtype=object)
    first = points.iloc[0]
    return pd.Series({p: "; ".join(f"{k}={row[k]:g}" if isinstance(row[k], (int, float)) and not isinstance(row[k], bool)
                                   else f"{k}={row[k]}" for k in keys if row[k] != first[k]) or "base"
                      for p, row in points.iterrows()}, dtype=object)


def findings_points(runs: pd.DataFrame, findings, keys: list[str]) -> pd.DataFrame:
    """One row per design point and finding, over the runs that did not fail: ``runs``, ``share_holds`` (the share
    of them in which the finding holds), the mean and between-run SD of its headline estimate, and ``changed``
    (:func:`changed_keys`)."""
    ok = _ok(runs)
    changed = changed_keys(runs, keys)
    rows = []
    for point, group in ok.groupby("point", sort=True):
        for f in findings:
            _, estimate_mean, estimate_sd, _, _ = mean_ci(pd.to_numeric(group[estimate_column(f)], errors="coerce"))
            rows.append({"point": int(point), "changed": changed[point], "finding": f, "runs": int(len(group)),
                         "share_holds": float(group[holds_column(f)].astype(bool).mean()),
                         "estimate_mean": estimate_mean, "estimate_sd": estimate_sd})
    return pd.DataFrame(rows, columns=FINDINGS_FILES["findings_points.csv"])


def cooccurrence(runs: pd.DataFrame, findings) -> pd.DataFrame:
    """For each ordered pair of findings (``finding``, ``with``), over the runs that did not fail.

    ``share_both``: the share of runs in which both hold (on the diagonal,
    the finding's own share); ``share_given``: the share of the runs in which
    ``finding`` holds in which ``with`` holds too (empty if ``finding``
    never holds); ``phi``: the correlation of the two 0/1 indicators over
    runs (> 0: they hold together, < 0: they pull against each other; empty
    if either always or never holds).
    """
    ok = _ok(runs)
    x = ok[holds_columns(findings)].astype(bool).to_numpy()
    rows = []
    for i, a in enumerate(findings):
        for j, b in enumerate(findings):
            both = x[:, i] & x[:, j]
            given = both.sum() / x[:, i].sum() if x[:, i].any() else math.nan
            varies = x[:, i].std() > 0 and x[:, j].std() > 0
            phi = float(np.corrcoef(x[:, i], x[:, j])[0, 1]) if varies else math.nan
            rows.append({"finding": a, "with": b, "share_both": float(both.mean()) if len(both) else math.nan,
                         "share_given": float(given), "phi": phi})
    return pd.DataFrame(rows, columns=FINDINGS_FILES["findings_cooccurrence.csv"])


def _import_prim():
    try:
        with warnings.catch_warnings():  # EMA warns at import about optional back-ends it does not need here
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        return None
    return prim


def prim_boxes(runs: pd.DataFrame, keys: list[str], findings) -> tuple[pd.DataFrame, list[str]]:
    """PRIM (EMA Workbench) per finding: the parameter ranges where it holds; one row per finding and key.

    PRIM peels the design (the runs that did not fail, each run a case, the
    finding holding as the case of interest); of the boxes on its peeling
    trajectory the one kept is the largest (highest coverage) in which the
    finding holds in at least :data:`PRIM_DENSITY` of the runs, or, if none
    reaches it, the densest.  ``coverage``: the share of all runs where the
    finding holds that lie in the box; ``density``: the share of the box's
    runs in which it holds; ``mass``: the share of runs in the box;
    ``restricted``: the box limits this key.  A finding that holds in every
    run (or in none) gets the whole range (or no box) and a note.  Without
    the ``ema`` extra nothing is computed and the note says so.
    """
    columns = FINDINGS_FILES["findings_boxes.csv"]
    prim = _import_prim()
    if prim is None:
        return pd.DataFrame(columns=columns), ["PRIM boxes skipped: the EMA Workbench is not installed (pip install 'alliancesim[ema]')"]
    ok = _ok(runs)
    numeric = [k for k in keys if pd.api.types.is_numeric_dtype(ok[k])]
    notes = [f"PRIM leaves out {k!r} (not numeric)" for k in keys if k not in numeric]
    if not numeric or ok.empty:
        return pd.DataFrame(columns=columns), notes + ["PRIM boxes skipped: no numeric swept key" if not numeric else "PRIM boxes skipped: no runs"]
    x = ok[numeric].astype(float).reset_index(drop=True)  # EMA 3.0.0's PRIM fails on integer columns (issue #448)
    low, high = x.min(), x.max()
    rows = []
    for f in findings:
        y = ok[holds_column(f)].astype(bool).to_numpy()
        if y.all() or not y.any():
            whole = y.all()
            for k in numeric:
                rows.append({"finding": f, "key": k, "low": low[k] if whole else math.nan, "high": high[k] if whole else math.nan,
                             "restricted": False, "coverage": 1.0 if whole else math.nan, "density": 1.0 if whole else 0.0,
                             "mass": 1.0 if whole else math.nan,
                             "note": "holds in every run" if whole else "holds in no run: no box"})
            continue
        with warnings.catch_warnings():  # EMA 3.0.0 calls DataFrame.drop(inplace=True), which pandas deprecates
            warnings.filterwarnings("ignore", message=".*inplace keyword.*")
            box = prim.Prim(x, y).find_box()
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        dense = trajectory[trajectory["density"] >= PRIM_DENSITY]
        if len(dense):
            i, note = int(dense.sort_values(["coverage", "id"], ascending=[False, True]).index[0]), ""
        else:
            i = int(trajectory.sort_values(["density", "coverage"], ascending=[False, False]).index[0])
            note = f"no box reaches density {PRIM_DENSITY:g}: the densest"
        lims = box.box_lims[i]
        stats = trajectory.loc[i]
        for k in numeric:
            lo, hi = float(lims.loc[0, k]), float(lims.loc[1, k])
            rows.append({"finding": f, "key": k, "low": lo, "high": hi, "restricted": bool(lo > low[k] or hi < high[k]),
                         "coverage": float(stats["coverage"]), "density": float(stats["density"]), "mass": float(stats["mass"]),
                         "note": note})
    return pd.DataFrame(rows, columns=columns), notes
