"""Headline sweep 4: the learning-capture rate.

Sweeps firms.small.capture_rate x learning.function_capture_bonus and plots
mean know-how, alliance success and output against the capture rate, one line
(with its 95% CI band) per alliance-function bonus: experience only pays when
it is captured.

    python experiments/capture_rate.py [--reps 3] [--workers 2]
"""

from _common import band, main_effects, plt, run_experiment, save

KEY, BONUS = "firms.small.capture_rate", "learning.function_capture_bonus"


def main() -> None:
    args, out, runs = run_experiment("capture_rate", __doc__.splitlines()[0])

    metrics = ["mean_knowhow", "success_rate", "products_per_firm_year"]
    fig, axes = plt.subplots(1, len(metrics), figsize=(13, 3.8))
    for ax, metric in zip(axes, metrics):
        for bonus, group in runs.groupby(BONUS):
            band(ax, main_effects(group, KEY, metric), f"function bonus {bonus:g}")
        ax.set_xlabel("small firms' capture rate")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Learning capture: mean over replications, 95% CI")
    save(fig, args, "capture_rate.png")


if __name__ == "__main__":  # worker processes re-import this file
    main()
