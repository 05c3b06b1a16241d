"""Sweep figures: outcome vs each swept key with CI bands, 2-key heatmaps, sensitivity bars."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["write_sweep_plots", "effect_figure", "heatmap_figure", "sensitivity_figure", "distribution_figure"]


def _axes(n: int, width: float = 3.6, height: float = 2.8):
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def effect_figure(runs: pd.DataFrame, key: str, metrics: list[str], title: str = ""):
    """One panel per metric: mean over runs at each value of ``key`` with a 95% CI band."""
    from .analyze import main_effects

    fig, axes = _axes(len(metrics))
    for ax, m in zip(axes, metrics):
        eff = main_effects(runs, key, m)
        ax.plot(eff["x"], eff["mean"], marker="o", color="C0")
        ax.fill_between(eff["x"], eff["ci_low"], eff["ci_high"], color="C0", alpha=0.25, label="95% CI")
        ax.set_xlabel(key)
        ax.set_ylabel(m)
        ax.grid(alpha=0.3)
    fig.suptitle(title or f"outcomes vs {key} (mean over runs, 95% CI)")
    fig.tight_layout()
    return fig


def distribution_figure(runs: pd.DataFrame, metrics: list[str]):
    """Histogram of each outcome over runs, with the mean and its 95% CI."""
    from .analyze import _ci

    fig, axes = _axes(len(metrics))
    for ax, m in zip(axes, metrics):
        n, mean, _, lo, hi = _ci(runs[m])
        ax.hist(runs[m].dropna(), bins=30, color="C0", alpha=0.7)
        ax.axvline(mean, color="k", lw=1)
        ax.axvspan(lo, hi, color="k", alpha=0.15) if n > 1 else None
        ax.set_xlabel(m)
        ax.set_ylabel("runs")
    fig.suptitle(f"outcomes over {len(runs)} runs (line: mean, band: 95% CI of the mean)")
    fig.tight_layout()
    return fig


def heatmap_figure(summary: pd.DataFrame, keys: list[str], metrics: list[str], title: str = ""):
    """Replication means on a two-key grid, one panel per metric."""
    fig, axes = _axes(len(metrics), width=4.0, height=3.4)
    x, y = keys
    for ax, m in zip(axes, metrics):
        table = summary[summary["metric"] == m].pivot_table(index=y, columns=x, values="mean")
        im = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in table.columns], rotation=45)
        ax.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, (int, float)) else str(v) for v in table.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(m, fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.85)
    fig.suptitle(title or f"replication means over {x} x {y}")
    fig.tight_layout()
    return fig


def sensitivity_figure(indices: pd.DataFrame, method: str, metrics: list[str]):
    """Sobol S1/ST or Morris mu*/sigma per parameter, one panel per metric."""
    shown = [m for m in metrics if m in set(indices["metric"])]
    fig, axes = _axes(len(shown), width=4.2, height=3.0)
    bars = [("S1", "S1_conf"), ("ST", "ST_conf")] if method == "sobol" else [("mu_star", "mu_star_conf"), ("sigma", None)]
    for ax, m in zip(axes, shown):
        part = indices[indices["metric"] == m]
        pos = np.arange(len(part))
        width = 0.38
        for i, (col, conf) in enumerate(bars):
            err = part[conf].to_numpy() if conf else None
            ax.barh(pos + (i - 0.5) * width, part[col].to_numpy(), height=width, xerr=err, label=col, color=f"C{i}", capsize=2)
        ax.set_yticks(pos, [p.rsplit(".", 1)[-1] if len(p) > 28 else p for p in part["parameter"]], fontsize=7)
        ax.set_title(m, fontsize=9)
        ax.axvline(0, color="k", lw=0.6)
        ax.legend(fontsize=7)
    fig.suptitle(f"{method} sensitivity indices (SALib; bars: 95% conf.)")
    fig.tight_layout()
    return fig


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_sweep_plots(folder: Path, runs: pd.DataFrame, summary: pd.DataFrame, indices: pd.DataFrame,
                      manifest: dict[str, Any], keys: list[str], metrics: list[str]) -> list[Path]:
    """Write the standard figure set of a sweep; returns the files."""
    ok = runs[runs["status"] == "ok"]
    metrics = [m for m in metrics if ok[m].notna().any()]  # an outcome undefined everywhere has nothing to show
    written: list[Path] = []
    if not metrics:
        return written
    if not keys:  # replications of one config: show how outcomes vary run to run
        written.append(_save(distribution_figure(ok, metrics), folder / "distributions.png"))
    for key in keys:
        written.append(_save(effect_figure(runs, key, metrics), folder / f"effect_{key}.png"))
    if manifest["method"] == "grid" and len(keys) == 2 and len(summary):
        written.append(_save(heatmap_figure(summary, keys, metrics), folder / f"heatmap_{keys[0]}__{keys[1]}.png"))
    if len(indices):
        written.append(_save(sensitivity_figure(indices, manifest["method"], metrics), folder / f"sensitivity_{manifest['method']}.png"))
    return written
