"""A sweep's analysis folder (``DIR/analysis``): the tables of :mod:`.analyze` and the figures of :mod:`.plots`.

:func:`analyze_sweep` writes ``points.csv`` (replication means with CIs),
``<method>_indices.csv`` (Sobol or Morris designs), ``plots/`` and
``analysis.json``, replacing the folder whole (written beside it, then renamed).
For a findings sweep (:mod:`.findings`) it also writes the findings map
(:data:`~sim.sweep.analyze.FINDINGS_FILES` and their plots), and the outcomes
are by default whether each finding holds (as 0/1, so a mean is the share of
runs in which it holds).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import ConfigError, show_path
from ..outputs import write_json
from .analyze import (FINDINGS_FILES, HEADLINE_METRICS, aggregate, cooccurrence, findings_map, findings_points, load_runs,
                      prim_boxes, sensitivity)
from .findings import holds_columns
from .plots import write_findings_plots, write_sweep_plots
from .store import read_manifest

__all__ = ["analyze_sweep", "AnalysisResult", "write_findings_map"]


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
        plots = write_sweep_plots(tmp / "plots", runs, summary, indices, manifest, keys, metrics)
        if findings:
            more, findings_notes = write_findings_map(tmp, runs, manifest)
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


def write_findings_map(folder: Path, runs: pd.DataFrame, manifest: dict[str, Any]) -> tuple[list[Path], list[str]]:
    """Write the findings map of a findings sweep into ``folder`` (tables) and ``folder/plots``; returns plots and notes."""
    findings = list(manifest["findings"])
    keys = list(manifest["parameters"])
    table = findings_map(runs, findings)
    pairs = cooccurrence(runs, findings)
    boxes, notes = prim_boxes(runs, keys, findings)
    points = findings_points(runs, findings, keys)
    for name, frame in zip(FINDINGS_FILES, (table, pairs, boxes, points), strict=True):
        frame.to_csv(folder / name, index=False)
    plots, plot_notes = write_findings_plots(folder / "plots", table, pairs, boxes, runs, findings, points)
    return plots, notes + plot_notes
