"""The summary plot set of a run: learning curves and alliance activity over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .runner import success_by  # noqa: E402

__all__ = ["learning_curves", "activity", "write_summary_plots"]


def learning_curves(alliances: pd.DataFrame) -> plt.Figure:
    """Success vs general experience of each partner, and vs partner-specific experience."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    ax = axes[0]
    for side, label, colour in (("b", "small partner (venture)", "tab:green"), ("a", "large partner (incumbent)", "tab:blue")):
        mixed = alliances[(alliances["size_a"] == "large") & (alliances["size_b"] == "small")]
        col = f"general_experience_{side}"
        if mixed.empty or mixed[col].nunique() < 2:
            continue
        curve = success_by(mixed, col, bins=np.unique(np.quantile(mixed[col], np.linspace(0, 1, 9))))
        ax.plot(curve[col], curve["success_rate"], "o-", color=colour, label=label)
    ax.set_xlabel("general alliance experience at formation (prior alliances)")
    ax.set_ylabel("share of alliances reaching their goal")
    ax.set_title("General experience (large x small alliances)")
    ax.legend(frameon=False)

    ax = axes[1]
    ended = alliances[alliances["end_tick"].notna()]
    if not ended.empty:
        g = ended.assign(prior=ended["partner_specific_experience"].clip(upper=3)).groupby("prior")
        rates = g["success"].apply(lambda s: s.astype(float).mean())
        counts = g.size()
        ax.bar(rates.index.astype(int), rates.values, color="tab:purple", alpha=0.8)
        for x, (r, c) in enumerate(zip(rates.values, counts.values)):
            ax.text(rates.index[x], r + 0.01, f"n={c}", ha="center", fontsize=8)
        ax.set_xticks(rates.index.astype(int), [f"{i}" if i < 3 else "3+" for i in rates.index.astype(int)])
        ax.set_ylim(0, min(1.0, rates.max() * 1.2 + 0.02))
    ax.set_xlabel("prior alliances between the same two firms")
    ax.set_ylabel("share reaching their goal")
    ax.set_title("Partner-specific experience")
    return fig


def activity(model: pd.DataFrame) -> plt.Figure:
    """Active alliances, formations and exits by reason over time."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    ax = axes[0]
    ax.plot(model["tick"], model["active_exploration"], label="exploration")
    ax.plot(model["tick"], model["active_exploitation"], label="exploitation")
    ax.plot(model["tick"], model["active_alliances"], color="k", label="all")
    ax.set_xlabel("tick")
    ax.set_ylabel("active alliances")
    ax.legend(frameon=False)
    ax.set_title("Alliances over time")
    ax = axes[1]
    exits = [c for c in model.columns if c.startswith("exits_")]
    yearly = model.groupby("year")[exits].sum()
    yearly.columns = [c.removeprefix("exits_").replace("_", " ") for c in exits]
    yearly.plot.bar(stacked=True, ax=ax, width=0.85)
    ax.set_xlabel("year")
    ax.set_ylabel("alliances ended")
    ax.set_title("Exits by reason")
    ax.legend(frameon=False, fontsize=8)
    return fig


def write_summary_plots(folder: Path, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """Save the summary plots as PNG files in ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, fig in (("learning_curves.png", learning_curves(frames["alliances"])), ("alliances_over_time.png", activity(frames["model"]))):
        path = folder / name
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append(path)
    return out
