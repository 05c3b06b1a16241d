"""The figures of a sweep's analysis (``DIR/analysis/plots``), in the project's style (:mod:`sim.figures`).

:func:`write_sweep_plots` writes the standard set: outcome distributions (a
sweep of replications only), one effect figure per swept key, a heatmap for a
two-key grid, and the sensitivity indices of a Sobol or Morris design.
:func:`write_findings_plots` draws the findings map of a findings sweep (the
tables of :func:`~sim.sweep.analyze.findings_map`,
:func:`~sim.sweep.analyze.cooccurrence` and :func:`~sim.sweep.analyze.prim_boxes`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd

from ..figures import axes_title, legend, save, subplots
from .analyze import main_effects, mean_ci

__all__ = ["effect_figure", "distribution_figure", "heatmap_figure", "sensitivity_figure", "write_sweep_plots",
           "findings_shares_figure", "cooccurrence_figure", "boxes_figure", "write_findings_plots"]


def _grid(n: int, width: float = 3.6, height: float = 2.8):
    """A figure with ``n`` panels, up to four a row."""
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def effect_figure(runs: pd.DataFrame, key: str, metrics: list[str], title: str = ""):
    """One panel per metric: mean over runs at each value of ``key`` with a 95% CI band."""
    fig, axes = _grid(len(metrics))
    for ax, m in zip(axes, metrics):
        eff = main_effects(runs, key, m)
        ax.plot(eff["x"], eff["mean"], marker="o", color="C0")
        ax.fill_between(eff["x"], eff["ci_low"], eff["ci_high"], color="C0", alpha=0.25, label="95% CI")
        ax.set_xlabel(key)
        ax.set_ylabel(m)
        if m.endswith("_holds"):  # whether a finding holds (sim.sweep.findings): the mean is a share
            ax.set_ylim(-0.03, 1.03)
    fig.suptitle(title or f"outcomes vs {key} (mean over runs, 95% CI)")
    return fig


def distribution_figure(runs: pd.DataFrame, metrics: list[str]):
    """Histogram of each outcome over runs, with the mean and its 95% CI."""
    fig, axes = _grid(len(metrics))
    for ax, m in zip(axes, metrics):
        n, mean, _, lo, hi = mean_ci(runs[m])
        ax.hist(runs[m].dropna(), bins=30, color="C0", alpha=0.7)
        ax.axvline(mean, color="k", lw=1)
        ax.axvspan(lo, hi, color="k", alpha=0.15) if n > 1 else None
        ax.set_xlabel(m)
        ax.set_ylabel("runs")
    fig.suptitle(f"outcomes over {len(runs)} runs (line: mean, band: 95% CI of the mean)")
    return fig


def heatmap_figure(summary: pd.DataFrame, keys: list[str], metrics: list[str], title: str = ""):
    """Replication means on a two-key grid, one panel per metric."""
    fig, axes = _grid(len(metrics), width=4.0, height=3.4)
    x, y = keys
    for ax, m in zip(axes, metrics):
        table = summary[summary["metric"] == m].pivot_table(index=y, columns=x, values="mean")
        ax.grid(False)
        im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in table.columns], rotation=45)
        ax.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in table.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        axes_title(ax, m)
        fig.colorbar(im, ax=ax, shrink=0.85)
    fig.suptitle(title or f"replication means over {x} x {y}")
    return fig


def sensitivity_figure(indices: pd.DataFrame, method: str, metrics: list[str]):
    """Sobol S1/ST or Morris mu*/sigma per parameter, one panel per metric."""
    shown = [m for m in metrics if m in set(indices["metric"])]
    fig, axes = _grid(len(shown), width=4.2, height=3.0)
    bars = [("S1", "S1_conf"), ("ST", "ST_conf")] if method == "sobol" else [("mu_star", "mu_star_conf"), ("sigma", None)]
    for ax, m in zip(axes, shown):
        part = indices[indices["metric"] == m]
        pos = np.arange(len(part))
        width = 0.38
        for i, (col, conf) in enumerate(bars):
            err = part[conf].to_numpy() if conf else None
            ax.barh(pos + (i - 0.5) * width, part[col].to_numpy(), height=width, xerr=err, label=col, color=f"C{i}", capsize=2)
        ax.set_yticks(pos, [p.rsplit(".", 1)[-1] if len(p) > 28 else p for p in part["parameter"]], fontsize=7)
        axes_title(ax, m)
        ax.axvline(0, color="k", lw=0.6)
        legend(ax)
    fig.suptitle(f"{method} sensitivity indices (SALib; bars: 95% conf.)")
    return fig


def write_sweep_plots(folder: Path, runs: pd.DataFrame, summary: pd.DataFrame, indices: pd.DataFrame,
                      manifest: dict[str, Any], keys: list[str], metrics: list[str]) -> list[Path]:
    """Write the standard figure set of a sweep; returns the files."""
    ok = runs[runs["status"] == "ok"]
    metrics = [m for m in metrics if ok[m].notna().any()]  # an outcome undefined everywhere has nothing to show
    written: list[Path] = []
    if not metrics:
        return written
    if not keys:  # replications of one config: show how outcomes vary run to run
        written.append(save(distribution_figure(ok, metrics), folder / "distributions.png"))
    for key in keys:
        written.append(save(effect_figure(runs, key, metrics), folder / f"effect_{key}.png"))
    if manifest["method"] == "grid" and len(keys) == 2 and len(summary):
        written.append(save(heatmap_figure(summary, keys, metrics), folder / f"heatmap_{keys[0]}__{keys[1]}.png"))
    if len(indices):
        written.append(save(sensitivity_figure(indices, manifest["method"], metrics), folder / f"sensitivity_{manifest['method']}.png"))
    return written


# ------------------------------------------------------ findings-map plots
def findings_shares_figure(table: pd.DataFrame):
    """Share of runs in which each finding holds over the whole design (``findings_map.csv``)."""
    fig, ax = subplots(figsize=(max(5.0, 0.45 * len(table) + 1.5), 3.4))
    x = np.arange(len(table))
    ax.bar(x, table["share_holds"].fillna(0), color="C0")
    for i, r in enumerate(table.itertuples()):
        height = 0.0 if pd.isna(r.share_holds) else min(r.share_holds, 0.93)
        ax.text(i, height + 0.02, f"{r.points_always}/{r.points}", ha="center", fontsize=6, color="0.3")
    ax.set_xticks(x, table["finding"], fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(f"share of {int(table['runs'].max()) if len(table) else 0} runs where it holds")
    axes_title(ax, "Where each finding holds over the design (label: points where it holds in every run / points)")
    return fig


def cooccurrence_figure(pairs: pd.DataFrame, findings: list[str]):
    """Two heatmaps over pairs of findings: share of runs where both hold, and the phi correlation."""
    fig, axes = subplots(1, 2, figsize=(2 * (0.42 * len(findings) + 2.4), 0.42 * len(findings) + 1.6))
    for ax, column, cmap, limits, label in ((axes[0], "share_both", "viridis", (0, 1), "share of runs where both hold"),
                                            (axes[1], "phi", "RdBu", (-1, 1), "phi: > 0 together, < 0 against")):
        table = pairs.pivot(index="finding", columns="with", values=column).reindex(index=findings, columns=findings)
        ax.grid(False)
        im = ax.imshow(table.to_numpy(dtype=float), cmap=mpl.colormaps[cmap].with_extremes(bad="0.85"),
                       vmin=limits[0], vmax=limits[1])
        ax.set_xticks(range(len(findings)), findings, rotation=90, fontsize=7)
        ax.set_yticks(range(len(findings)), findings, fontsize=7)
        ax.set_xlabel("with")
        ax.set_ylabel("finding")
        axes_title(ax, label)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle("Which findings hold together (over runs; grey: undefined, one of the two always or never holds)")
    return fig


def boxes_figure(boxes: pd.DataFrame, runs: pd.DataFrame):
    """Per finding whose PRIM box restricts a key: each key's range in the box, on the design's range (0-1)."""
    shown = [f for f, b in boxes.groupby("finding", sort=False) if b["restricted"].any()]
    keys = list(dict.fromkeys(boxes["key"]))
    fig, axes = _grid(len(shown), width=4.2, height=0.32 * len(keys) + 1.2)
    for ax, f in zip(axes, shown):
        b = boxes[boxes["finding"] == f].set_index("key").reindex(keys)
        lo, hi = runs[keys].astype(float).min(), runs[keys].astype(float).max()
        span = (hi - lo).replace(0, 1.0)
        left, right = (b["low"] - lo) / span, (b["high"] - lo) / span
        colours = np.where(b["restricted"].astype(bool), "C3", "0.75")
        ax.barh(np.arange(len(keys)), (right - left).to_numpy(dtype=float), left=left.to_numpy(dtype=float), color=colours)
        short = {k: k.split(".", 1)[-1] for k in keys}  # without the section: small.capture_rate, general_returns
        labels = [f"{short[k]} [{b.loc[k, 'low']:.3g}, {b.loc[k, 'high']:.3g}]" if b.loc[k, "restricted"] else short[k]
                  for k in keys]
        ax.set_yticks(np.arange(len(keys)), labels, fontsize=6)
        ax.set_xlim(0, 1)
        first = b.iloc[0]
        axes_title(ax, f"{f}: coverage {first['coverage']:.2f}, density {first['density']:.2f}")
    fig.suptitle("PRIM box per finding: where it holds (red: restricted keys, on each key's design range)")
    return fig


POINTS_FIGURE_MAX = 40  # design points up to which the per-point figure is drawn (one row each)


def findings_points_figure(points: pd.DataFrame, findings: list[str]):
    """Heatmap of each finding's hold share at each design point (``findings_points.csv``), rows labelled by what the
    point changes from point 0 (an ablation design's base)."""
    labels = points.drop_duplicates("point").set_index("point")["changed"]
    table = points.pivot(index="point", columns="finding", values="share_holds").reindex(columns=findings)
    fig, ax = subplots(figsize=(0.5 * len(findings) + 4.5, 0.36 * len(table) + 1.6))
    ax.grid(False)
    im = ax.imshow(table.to_numpy(dtype=float), cmap=mpl.colormaps["viridis"].with_extremes(bad="0.85"), vmin=0, vmax=1,
                   aspect="auto")
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        if np.isfinite(value):
            ax.text(j, i, f"{value:.1f}", ha="center", va="center", fontsize=6, color="white" if value < 0.6 else "black")
    ax.set_xticks(range(len(findings)), findings, fontsize=7)
    ax.set_yticks(range(len(table)), [f"{p}: {labels[p]}" for p in table.index], fontsize=7)
    fig.colorbar(im, ax=ax, shrink=0.8, label="share of runs where it holds")
    runs = int(points["runs"].max()) if len(points) else 0
    axes_title(ax, f"Where each finding holds, point by point (up to {runs} runs a point; label: what the point changes)")
    return fig


def write_findings_plots(folder: Path, table: pd.DataFrame, pairs: pd.DataFrame, boxes: pd.DataFrame,
                         runs: pd.DataFrame, findings: list[str], points: pd.DataFrame | None = None) -> tuple[list[Path], list[str]]:
    """Write the findings map's figures (shares, co-occurrence, PRIM boxes if any restricts a key, each point's
    shares if the design has at most :data:`POINTS_FIGURE_MAX` points); returns files and notes."""
    plots = [save(findings_shares_figure(table), folder / "findings_shares.png"),
             save(cooccurrence_figure(pairs, findings), folder / "findings_cooccurrence.png")]
    notes = []
    if points is not None and len(points) and points["point"].nunique() <= POINTS_FIGURE_MAX:
        plots.append(save(findings_points_figure(points, findings), folder / "findings_points.png"))
    if len(boxes) and boxes["restricted"].any():
        plots.append(save(boxes_figure(boxes, runs[runs["status"] == "ok"]), folder / "findings_boxes.png"))
    elif len(boxes):
        notes.append("no finding's PRIM box restricts any key: no box plot")
    return plots, notes
