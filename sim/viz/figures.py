"""The dashboard's live panels as plain matplotlib figures of a running model.

Each ``*_figure(model)`` builds a fresh :class:`matplotlib.figure.Figure`
(no pyplot: figures are made in the server's threads) from the model's current
state and alliance log, so the same pictures appear in the browser dashboard,
in the instructor notebooks and in tests.  Each ``draw_*`` function draws onto
a given axes, for notebooks that want to compose their own figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..alliances import EXIT_REASONS
from ..runner import success_by
from ..state import EXPLORATION

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import AllianceModel

__all__ = [
    "SIZE_COLOURS",
    "TYPE_COLOURS",
    "EXIT_COLOURS",
    "ring_layout",
    "active_alliances",
    "draw_network",
    "draw_general_curve",
    "draw_partner_specific",
    "draw_portfolio",
    "draw_exits",
    "network_figure",
    "learning_figure",
    "portfolio_figure",
    "exits_figure",
]

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


def _figure(width: float = 6.4, height: float = 4.4) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


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
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    ax.set_title(f"Alliance network at tick {model.steps}: {len(edges)} active alliances", fontsize=10)


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
        ax.legend(frameon=False, fontsize=8)
    else:
        _empty(ax, "waiting for ended\nlarge x small alliances")
    ax.set_ylim(0, 1)
    ax.set_xlabel("general alliance experience at formation")
    ax.set_ylabel("share reaching their goal")
    ax.set_title("vs general experience", fontsize=10)


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
    ax.set_title("vs partner-specific experience", fontsize=10)


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
        ax.legend(frameon=False, fontsize=8)
    ax.set_xlabel("simultaneous alliances (mean over the year)")
    ax.set_ylabel("new products per firm-year")
    ax.set_title("Portfolio size vs performance", fontsize=10)


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
    ax.set_title(f"Exits by reason ({len(ended)} ended)", fontsize=10)


# ------------------------------------------------------------ whole figures
def network_figure(model: "AllianceModel") -> Figure:
    fig = _figure(6.8, 4.2)
    draw_network(fig.subplots(), model)
    return fig


def learning_figure(model: "AllianceModel") -> Figure:
    fig = _figure(7.0, 3.6)
    alliances = model.alliances_frame()
    left, right = fig.subplots(1, 2, sharey=True)
    draw_general_curve(left, alliances)
    draw_partner_specific(right, alliances)
    fig.suptitle("Learning curves: success of ended alliances", fontsize=11)
    return fig


def portfolio_figure(model: "AllianceModel") -> Figure:
    fig = _figure(6.0, 3.8)
    draw_portfolio(fig.subplots(), model.firms_frame())
    return fig


def exits_figure(model: "AllianceModel") -> Figure:
    fig = _figure(6.0, 3.6)
    draw_exits(fig.subplots(), model.alliances_frame())
    return fig
