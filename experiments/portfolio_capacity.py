"""Headline sweep 3: portfolio size vs alliance-management capacity.

Sweeps portfolio.overconfidence (how far beyond capacity firms take on
alliances) x portfolio.capacity_learning (capacity that experience adds) and
plots new products per firm-year against the mean number of simultaneous
alliances, one line per capacity setting, with 95% CIs over replications.

    python experiments/portfolio_capacity.py [--reps 3] [--workers 2]
"""

from _common import plt, run_experiment, save


def main() -> None:
    args, out, runs = run_experiment("portfolio_capacity", __doc__.splitlines()[0])
    X, Y = "mean_active_alliances", "products_per_firm_year"
    points = runs[runs["status"] == "ok"].groupby(["portfolio.capacity_learning", "portfolio.overconfidence"])[[X, Y]].agg(["mean", "sem"])

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for capacity, group in points.groupby(level=0):
        ax.errorbar(group[(X, "mean")], group[(Y, "mean")], xerr=1.96 * group[(X, "sem")], yerr=1.96 * group[(Y, "sem")],
                    marker="o", capsize=2, label=f"capacity per know-how {capacity:g}")
        for (_, over), row in group.iterrows():
            ax.annotate(f"{over:g}", (row[(X, "mean")], row[(Y, "mean")]), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("mean simultaneous alliances per firm")
    ax.set_ylabel("new products per firm-year")
    ax.set_title("Portfolio size vs output (labels: overconfidence; bars: 95% CI)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save(fig, args, "portfolio_size_vs_products.png")


if __name__ == "__main__":  # worker processes re-import this file
    main()
