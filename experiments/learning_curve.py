"""Headline sweep 1: the shape of the alliance learning curve.

Sweeps learning.general_returns x learning.general_saturation (configs/sweeps/
learning_curve.yaml) and draws, from every alliance's experience at formation,
the success rate against the smaller partner's general alliance experience: one
curve per saturation (how fast returns diminish), and the flat curve when
general learning is switched off (returns = 0).

    python experiments/learning_curve.py [--reps 3] [--workers 2]
"""

import numpy as np
import pandas as pd
from _common import plt, run_experiment, save

from sim.runner import success_by


def main() -> None:
    args, out, runs = run_experiment("learning_curve", __doc__.splitlines()[0])
    alliances = pd.read_parquet(out / "alliances", columns=["point", "general_experience_b", "end_tick", "success"])
    design = pd.read_parquet(out / "design.parquet").set_index("point")
    alliances = alliances.join(design, on="point")
    edges = np.unique(np.quantile(alliances["general_experience_b"], np.linspace(0, 1, 9)))

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), sharey=True)
    for ax, (returns, group) in zip(axes, alliances.groupby("learning.general_returns")):
        for saturation, sub in group.groupby("learning.general_saturation"):
            curve = success_by(sub, "general_experience_b", bins=edges)
            ax.plot(curve["general_experience_b"], curve["success_rate"], marker="o", label=f"saturation {saturation:g}")
        ax.set_title(f"general_returns = {returns:g}")
        ax.set_xlabel("smaller partner's general alliance experience (alliances)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("alliance success rate")
    axes[-1].legend(fontsize=8)
    fig.suptitle("Learning curves: success vs experience at formation (all replications pooled)")
    save(fig, args, "learning_curves.png")


if __name__ == "__main__":  # worker processes re-import this file
    main()
