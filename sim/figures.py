"""Every picture the project draws, in one style, with matplotlib's object API.

No pyplot and no backend switch: each function builds a fresh
:class:`matplotlib.figure.Figure` (safe in the dashboard server's threads and
in worker processes) through :func:`subplots`, which applies :data:`STYLE`;
:func:`save` writes it.  Sections:

* panels (``draw_*`` onto a given axes; ``*_figure(model)`` of a running
  model): the live dashboard, the instructor notebooks and the run plots;
* run plots (:func:`write_summary_plots`): ``alliancesim run``'s plots folder.

The sweep plots (:mod:`sim.sweep.plots`) draw theirs with :func:`subplots`,
:func:`legend`, :func:`axes_title` and :func:`save` as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from .alliances import EXIT_REASONS
from .metrics import year_of
from .runner import success_by
from .state import EXPLORATION

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from .model import AllianceModel

__all__ = [
    "STYLE", "DPI", "SIZE_COLOURS", "TYPE_COLOURS", "EXIT_COLOURS", "subplots", "save", "close", "legend", "axes_title",
    "ring_layout", "active_alliances", "draw_network", "draw_general_curve", "draw_partner_specific",
    "draw_portfolio", "draw_exits", "network_figure", "learning_figure", "portfolio_figure", "exits_figure",
    "learning_curves", "activity", "portfolio", "success_by_start_year", "write_summary_plots",
]

# ------------------------------------------------------------------- style
STYLE = {
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "axes.titlesize": 10, "axes.labelsize": 9, "xtick.labelsize": 8, "ytick.labelsize": 8,
    "legend.frameon": False, "legend.fontsize": 8, "figure.titlesize": 11,
}
DPI = 110
SIZE_COLOURS = {"large": "#1f77b4", "small": "#2ca02c"}
TYPE_COLOURS = {"exploration": "#ff7f0e", "exploitation": "#9467bd"}
EXIT_COLOURS = {
    "goal_reached": "#2ca02c",
    "missed_milestones": "#d62728",
    "cost_overrun": "#8c564b",
    "conflict": "#e377c2",
    "expired": "#7f7f7f",
    "partner_exit": "#bcbd22",
}


def subplots(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6.4, 4.4), **kwargs: Any):
    """A new styled figure and its axes: ``(fig, ax)`` or ``(fig, array of axes)``, as pyplot's ``subplots``."""
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.subplots(nrows, ncols, **kwargs)


def save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at the project's resolution; returns ``path``."""
    with mpl.rc_context(STYLE):
        fig.savefig(path, dpi=DPI)
    return path


def close(fig: Figure) -> None:
    """Free a figure's artists (figures here are not registered anywhere, so this is all closing needs)."""
    fig.clear()


def legend(ax: "Axes", **kwargs: Any) -> None:
    """A legend in the project's style."""
    ax.legend(frameon=False, fontsize=8, **kwargs)


def axes_title(ax: "Axes", text: str) -> None:
    """An axes title in the project's style."""
    ax.set_title(text, fontsize=10)


def _empty(ax: "Axes", message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")


# ------------------------------------------------------------------ network
def ring_layout(large: np.ndarray) -> np.ndarray:
    """Fixed node positions: large incumbents on an inner ring, small ventures outside.

    Fixed (not force-directed) so a firm stays put from tick to tick and the
    eye follows alliances forming and ending, not nodes jumping about.
    """
    pos = np.zeros((len(large), 2))
    for members, radius in ((np.flatnonzero(large), 0.45), (np.flatnonzero(~large), 1.0)):
        angle = 2 * np.pi * np.arange(len(members)) / max(len(members), 1)
        pos[members] = radius * np.column_stack([np.cos(angle), np.sin(angle)])
    return pos


def active_alliances(model: "AllianceModel") -> pd.DataFrame:
    """Edges of the alliance network now: one row per active alliance (a, b, type)."""
    log = model.log
    ids = log.active_ids()
    return pd.DataFrame({
        "a": log["slot_a"][ids],  # slots: the positions of the firms' nodes
        "b": log["slot_b"][ids],
        "type": np.where(log["type"][ids] == EXPLORATION, "exploration", "exploitation"),
    })


def draw_network(ax: "Axes", model: "AllianceModel") -> None:
    """Firms as nodes (size ~ general experience, colour = size class), active alliances as edges (colour = type)."""
    s = model.state
    pos = ring_layout(s.large)
    edges = active_alliances(model)
    for kind, colour in TYPE_COLOURS.items():
        sub = edges[edges["type"] == kind]
        segments = np.stack([pos[sub["a"].to_numpy()], pos[sub["b"].to_numpy()]], axis=1) if len(sub) else np.zeros((0, 2, 2))
        ax.add_collection(LineCollection(segments, colors=colour, linewidths=0.8, alpha=0.6, zorder=1))
    experience = s.general_experience
    sizes = 6 + 90 * np.sqrt(experience / max(experience.max(), 1.0))
    colours = np.where(s.large, SIZE_COLOURS["large"], SIZE_COLOURS["small"])
    ax.scatter(pos[:, 0], pos[:, 1], s=sizes, c=colours, edgecolors="white", linewidths=0.3, zorder=2)
    ax.set_xlim(-1.12, 1.12)
    ax.set_ylim(-1.12, 1.12)
    ax.set_aspect("equal")
    ax.axis("off")
    handles = [
        Line2D([], [], marker="o", ls="", color=SIZE_COLOURS["large"], label="large incumbent"),
        Line2D([], [], marker="o", ls="", color=SIZE_COLOURS["small"], label="small venture"),
        *[Line2D([], [], color=c, label=f"{k} alliance") for k, c in TYPE_COLOURS.items()],
    ]
    legend(ax, handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes_title(ax, f"Alliance network at tick {model.steps}: {len(edges)} active alliances")


# ---------------------------------------------------------- learning curves
def _ended(alliances: pd.DataFrame) -> pd.DataFrame:
    return alliances[alliances["end_tick"].notna()]


def draw_general_curve(ax: "Axes", alliances: pd.DataFrame, min_count: int = 10) -> None:
    """Success rate by each partner's general experience at formation (large x small alliances).

    The small partner's curve rising and flattening is diminishing returns
    (R1); the large partner's curve staying flat is R2.
    """
    mixed = _ended(alliances)
    mixed = mixed[(mixed["size_a"] == "large") & (mixed["size_b"] == "small")]
    drawn = False
    for side, label, colour in (("b", "small partner", SIZE_COLOURS["small"]), ("a", "large partner", SIZE_COLOURS["large"])):
        col = f"general_experience_{side}"
        if len(mixed) < 2 * min_count or mixed[col].nunique() < 2:
            continue
        edges = np.unique(np.quantile(mixed[col], np.linspace(0, 1, 7)))
        curve = success_by(mixed, col, bins=edges)
        curve = curve[curve["n"] >= min_count]
        ax.plot(curve[col], curve["success_rate"], "o-", color=colour, label=label)
        drawn = True
    if drawn:
        legend(ax)
    else:
        _empty(ax, "waiting for ended\nlarge x small alliances")
    ax.set_ylim(0, 1)
    ax.set_xlabel("general alliance experience at formation")
    ax.set_ylabel("share reaching their goal")
    axes_title(ax, "vs general experience")


def draw_partner_specific(ax: "Axes", alliances: pd.DataFrame, top: int = 3) -> None:
    """Success rate by prior alliances between the same two firms (0, 1, ..., top+)."""
    ended = _ended(alliances)
    if ended.empty:
        _empty(ax, "waiting for ended alliances")
    else:
        prior = ended["partner_specific_experience"].clip(upper=top)
        g = ended["success"].astype(float).groupby(prior)
        rates, counts = g.mean(), g.size()
        ax.bar(rates.index, rates.to_numpy(), color="#17becf")
        for x, r, c in zip(rates.index, rates.to_numpy(), counts.to_numpy()):
            ax.text(x, r + 0.02, f"n={c}", ha="center", fontsize=7)
        ax.set_xticks(range(top + 1), [str(i) if i < top else f"{top}+" for i in range(top + 1)])
    ax.set_ylim(0, 1)
    ax.set_xlabel("prior alliances with the same partner")
    axes_title(ax, "vs partner-specific experience")


# ---------------------------------------------------------------- portfolio
def draw_portfolio(ax: "Axes", firms: pd.DataFrame, min_count: int = 5) -> None:
    """New products per firm-year by the number of simultaneous alliances (R4's picture)."""
    if firms.empty:
        _empty(ax, "waiting for the first year\n(firm panel is yearly)")
    else:
        size = firms["mean_active_alliances"].round().astype(int)
        for cls, colour in SIZE_COLOURS.items():
            sub = firms[firms["size"] == cls]
            g = sub["new_products"].groupby(size[sub.index])
            curve = pd.DataFrame({"mean": g.mean(), "n": g.size()})
            curve = curve[curve["n"] >= min_count]
            ax.plot(curve.index, curve["mean"], "o-", color=colour, label=f"{cls} firms")
        legend(ax)
    ax.set_xlabel("simultaneous alliances (mean over the year)")
    ax.set_ylabel("new products per firm-year")
    axes_title(ax, "Portfolio size vs performance")


# -------------------------------------------------------------------- exits
def draw_exits(ax: "Axes", alliances: pd.DataFrame) -> None:
    """How alliances ended so far, by exit reason, with planned/unplanned split."""
    ended = _ended(alliances)
    reasons = [r for r in EXIT_REASONS if r]
    if ended.empty:
        _empty(ax, "no alliance has ended yet")
    planned = ended["planned_exit"].astype(bool)
    counts = pd.DataFrame({
        "planned": ended[planned]["exit_reason"].value_counts().reindex(reasons, fill_value=0),
        "unplanned": ended[~planned]["exit_reason"].value_counts().reindex(reasons, fill_value=0),
    })
    y = np.arange(len(reasons))
    colours = [EXIT_COLOURS[r] for r in reasons]
    ax.barh(y, counts["planned"], color=colours)
    ax.barh(y, counts["unplanned"], left=counts["planned"], color=colours, alpha=0.45, hatch="//")
    total = max(len(ended), 1)
    for yi, (p, u) in enumerate(counts.to_numpy()):
        if p + u:
            ax.text(p + u, yi, f" {(p + u) / total:.0%}", va="center", fontsize=8)
    ax.set_yticks(y, [r.replace("_", " ") for r in reasons])
    ax.invert_yaxis()
    ax.set_xlabel("alliances ended (solid: planned exit, hatched: unplanned)")
    axes_title(ax, f"Exits by reason ({len(ended)} ended)")


# --------------------------------------------------------- stationarity
def draw_success_by_start_year(ax: "Axes", alliances: pd.DataFrame, ticks_per_year: int) -> None:
    """Share of alliances reaching their goal by the year they began, beside the share still running at the end.

    After the burn-in the rate should stay level (failure rates have not
    changed much over time).  Alliances begun in the last years are mostly
    still running, and those that ended early are the quick failures, so the
    last years read low: the grey line shows how much of each year is not yet
    decided.
    """
    if alliances.empty:
        _empty(ax, "no alliance yet")
        return
    year = year_of(alliances["start_tick"].to_numpy(), ticks_per_year)
    ended = alliances["end_tick"].notna().to_numpy()
    by_year = pd.DataFrame({"year": year, "ended": ended, "success": alliances["success"].astype(float).where(ended)})
    g = by_year.groupby("year")
    ax.plot(g["success"].mean(), "o-", color="#2ca02c", label="reached their goal (of those ended)")
    ax.plot(1.0 - g["ended"].mean(), "--", color="#7f7f7f", label="still running at the end")
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("year the alliance began")
    ax.set_ylabel("share")
    legend(ax)
    axes_title(ax, "Success rate by start year")


def success_by_start_year(alliances: pd.DataFrame, ticks_per_year: int) -> Figure:
    fig, ax = subplots(figsize=(6.4, 3.8))
    draw_success_by_start_year(ax, alliances, ticks_per_year)
    return fig


# ------------------------------------------------------------ whole figures
def network_figure(model: "AllianceModel") -> Figure:
    fig, ax = subplots(figsize=(6.8, 4.2))
    draw_network(ax, model)
    return fig


def learning_figure(model: "AllianceModel") -> Figure:
    return learning_curves(model.alliances_frame(), "Learning curves: success of ended alliances", (7.0, 3.6))


def portfolio_figure(model: "AllianceModel") -> Figure:
    return portfolio(model.firms_frame(), (6.0, 3.8))


def exits_figure(model: "AllianceModel") -> Figure:
    fig, ax = subplots(figsize=(6.0, 3.6))
    draw_exits(ax, model.alliances_frame())
    return fig


# --------------------------------------------------------------- run plots
def learning_curves(alliances: pd.DataFrame, title: str = "Learning curves: share of ended alliances reaching their goal",
                    figsize: tuple[float, float] = (11, 4.2)) -> Figure:
    """Success vs general experience of each partner, and vs partner-specific experience."""
    fig, (left, right) = subplots(1, 2, figsize=figsize, sharey=True)
    draw_general_curve(left, alliances)
    draw_partner_specific(right, alliances)
    fig.suptitle(title)
    return fig


def activity(model: pd.DataFrame, alliances: pd.DataFrame) -> Figure:
    """Active alliances by type over time, and how alliances ended."""
    fig, (ax, right) = subplots(1, 2, figsize=(11, 4.2))
    ax.plot(model["tick"], model["active_exploration"], label="exploration")
    ax.plot(model["tick"], model["active_exploitation"], label="exploitation")
    ax.plot(model["tick"], model["active_alliances"], color="k", label="all")
    ax.set_xlabel("tick")
    ax.set_ylabel("active alliances")
    legend(ax)
    axes_title(ax, "Alliances over time")
    draw_exits(right, alliances)
    return fig


def portfolio(firms: pd.DataFrame, figsize: tuple[float, float] = (6, 4.2)) -> Figure:
    """New products per firm-year by the number of simultaneous alliances."""
    fig, ax = subplots(figsize=figsize)
    draw_portfolio(ax, firms)
    return fig


def write_summary_plots(folder: Path, frames: dict[str, pd.DataFrame], ticks_per_year: int) -> list[Path]:
    """Save the summary plots as PNG files in ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    figures = {
        "learning_curves.png": learning_curves(frames["alliances"]),
        "alliances_over_time.png": activity(frames["model"], frames["alliances"]),
        "portfolio.png": portfolio(frames["firms"]),
        "success_by_start_year.png": success_by_start_year(frames["alliances"], ticks_per_year),
    }
    return [save(fig, folder / name) for name, fig in figures.items()]
