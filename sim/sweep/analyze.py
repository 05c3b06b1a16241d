"""Read a sweep folder back: replication means with CIs, sensitivity indices, plots.

* :func:`aggregate` - per point and outcome: n, mean, sd and a t-based 95% CI
  over replications (tidy, one row per point x metric).
* :func:`main_effects` - an outcome against one swept key, pooled over the
  other keys (quantile bins for sampled designs), with a CI over runs.
* :func:`sensitivity` - Sobol (S1, ST) or Morris (mu*, sigma) indices through
  SALib, when the design was one, on the replication means.
* :func:`analyze_sweep` - all of the above written to ``DIR/analysis``; for a
  findings sweep also the findings map (:func:`sim.sweep.findings.analyze_findings`),
  and the outcomes are by default whether each finding holds (as 0/1, so a
  mean is the share of runs in which it holds).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..config import ConfigError, show_path
from ..outputs import write_json
from .store import PART_GLOB, damaged_parts, manifest_schema, read_manifest

__all__ = ["load_runs", "aggregate", "main_effects", "sensitivity", "analyze_sweep", "HEADLINE_METRICS", "AnalysisResult"]

HEADLINE_METRICS = (
    "success_rate", "breakup_within_10y", "success_rate_repeat", "success_rate_new_partner",
    "products_per_firm_year", "mean_active_alliances", "underperforming_share", "value_per_alliance",
)


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
        from .findings import holds_columns

        runs = runs.astype({c: "boolean" for c in holds_columns(manifest["findings"])})
    return runs


def _ci(values: pd.Series, level: float = 0.95) -> tuple[int, float, float, float, float]:
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
            n, mean, sd, lo, hi = _ci(group[m], level)
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
        n, mean, _, lo, hi = _ci(g[metric], level)
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


@dataclass
class AnalysisResult:
    folder: Path
    runs: int
    failed: int
    points: int
    summary: pd.DataFrame
    indices: pd.DataFrame
    plots: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def analyze_sweep(sweep_dir: str | Path, metrics: list[str] | None = None, folder: str | Path | None = None) -> AnalysisResult:
    """Aggregate, compute indices and plot a sweep folder into ``folder`` (default ``DIR/analysis``, replaced)."""
    out = Path(sweep_dir)
    folder = Path(folder) if folder else out / "analysis"
    manifest = read_manifest(out)
    runs = load_runs(out)
    try:
        design = pd.read_parquet(out / "design.parquet")
    except (OSError, ValueError) as err:
        raise ConfigError(f"{show_path(out / 'design.parquet')} is damaged or missing ({type(err).__name__}); "
                          "run the same `alliancesim sweep` command on this folder to rewrite it") from None
    keys = manifest["parameters"]
    findings = manifest.get("findings")
    outcomes = list(manifest["metrics"])
    if findings:  # whether each finding holds, as 0/1: a mean over runs is the share in which it holds
        from .findings import holds_columns

        holds = holds_columns(findings)
        runs = runs.astype({c: float for c in holds})
        outcomes = holds + outcomes
    metrics = list(metrics) if metrics else (holds if findings else [m for m in HEADLINE_METRICS if m in outcomes])
    unknown = [m for m in metrics if m not in runs.columns]
    if unknown:
        raise ConfigError(f"--metrics {unknown[0]!r}: not a column of the runs table; choose from {outcomes}")
    summary = aggregate(runs, keys, metrics)
    point_means = runs[runs["status"] == "ok"].groupby("point")[metrics].mean()
    indices, notes = sensitivity(manifest, design, point_means, metrics)
    failed = int((runs["status"] != "ok").sum())
    missing = manifest["runs"] - len(runs)
    if missing:
        notes.append(f"{missing} of {manifest['runs']} runs not done yet (resume the sweep to finish)")

    tmp = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "plots").mkdir(parents=True)
    try:
        summary.to_csv(tmp / "points.csv", index=False)
        if len(indices):
            indices.to_csv(tmp / f"{manifest['method']}_indices.csv", index=False)
        from ..figures import write_sweep_plots

        plots = write_sweep_plots(tmp / "plots", runs, summary, indices, manifest, keys, metrics)
        if findings:
            from .findings import analyze_findings

            more, findings_notes = analyze_findings(tmp, runs, manifest)
            plots += more
            notes += findings_notes
        write_json(tmp / "analysis.json", {"runs": len(runs), "failed": failed, "points": int(manifest["points"]), "metrics": metrics, "notes": notes})
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    plots = [folder / "plots" / p.name for p in plots]
    return AnalysisResult(folder, len(runs), failed, int(manifest["points"]), summary, indices, plots, notes)
