"""The summary plot set of a run, from its tables.

The panels are the dashboard's own (:mod:`sim.viz.figures`), so a run folder,
a notebook and the live dashboard show the same pictures; this module adds
the time series and writes PNG files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from .viz.figures import draw_exits, draw_general_curve, draw_partner_specific, draw_portfolio

__all__ = ["learning_curves", "activity", "write_summary_plots"]


def learning_curves(alliances: pd.DataFrame) -> Figure:
    """Success vs general experience of each partner, and vs partner-specific experience."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2, sharey=True)
    draw_general_curve(left, alliances)
    draw_partner_specific(right, alliances)
    fig.suptitle("Learning curves: share of ended alliances reaching their goal")
    return fig


def activity(model: pd.DataFrame, alliances: pd.DataFrame) -> Figure:
    """Active alliances by type over time, and how alliances ended."""
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax, right = fig.subplots(1, 2)
    ax.plot(model["tick"], model["active_exploration"], label="exploration")
    ax.plot(model["tick"], model["active_exploitation"], label="exploitation")
    ax.plot(model["tick"], model["active_alliances"], color="k", label="all")
    ax.set_xlabel("tick")
    ax.set_ylabel("active alliances")
    ax.legend(frameon=False)
    ax.set_title("Alliances over time")
    draw_exits(right, alliances)
    return fig


def portfolio(firms: pd.DataFrame) -> Figure:
    """New products per firm-year by the number of simultaneous alliances."""
    fig = Figure(figsize=(6, 4.2), layout="constrained")
    draw_portfolio(fig.subplots(), firms)
    return fig


def write_summary_plots(folder: Path, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """Save the summary plots as PNG files in ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "learning_curves.png": learning_curves(frames["alliances"]),
        "alliances_over_time.png": activity(frames["model"], frames["alliances"]),
        "portfolio.png": portfolio(frames["firms"]),
    }
    paths = []
    for name, fig in figures.items():
        fig.savefig(folder / name, dpi=110)
        paths.append(folder / name)
    return paths
