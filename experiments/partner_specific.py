"""Headline sweep 2: where the net partner-specific effect changes sign.

Raises ``learning.knowledge_redundancy`` from 0 (off) to 1 (full; its default is in configs/baseline.yaml) on
R3's study population and shows, per point over replications (mean, 95% CI):
the coefficient of prior joint alliances in the study's own logit (the one
that judges R3, ``sim.replication.projects``) and the raw success rates of
repeat and first-time pairs by alliance type.  Relational routines stay at
their default, so the sign is the net of the two mechanisms.

    python experiments/partner_specific.py [--reps 4] [--workers 2]
"""

from _common import band, main_effects, pd, plt, run_experiment, save

from sim.replication import projects
from sim.replication.fitting import FitError

KEY = "learning.knowledge_redundancy"


def alliance_tables(out, runs: pd.DataFrame) -> pd.DataFrame:
    """Every run's alliance table, with its point's redundancy."""
    alliances = pd.concat(pd.read_parquet(p) for p in sorted((out / "alliances").glob("part-*.parquet")))
    return alliances.merge(runs[["point", KEY]].drop_duplicates(), on="point")


def coefficients(alliances: pd.DataFrame) -> pd.DataFrame:
    """R3's coefficient of every run."""
    rows = []
    for (value, rep), runs in alliances.groupby([KEY, "replication"]):
        try:
            fit = projects.fit_model(projects.dataset(runs))
        except FitError as err:  # a small test market: too few projects for the study's logit
            print(f"  {KEY}={value}, replication {rep}: no estimate ({err})")
            continue
        rows.append({KEY: value, "replication": rep, "partner_specific": fit.params["partner_specific"],
                     "p": fit.pvalues["partner_specific"]})
    return pd.DataFrame(rows, columns=[KEY, "replication", "partner_specific", "p"]).assign(status="ok")


def gaps(alliances: pd.DataFrame) -> pd.DataFrame:
    """Success rate of repeat minus first-time pairs, by type, per run (ended incumbent-venture alliances)."""
    ended = alliances[alliances["end_tick"].notna() & (alliances["size_a"] == "large") & (alliances["size_b"] == "small")]
    repeat = ended["partner_specific_experience"] > 0
    rate = ended["success"].astype(float).groupby([ended[KEY], ended["replication"], ended["type"], repeat]).mean()
    gap = rate.xs(True, level=3) - rate.xs(False, level=3)
    return gap.unstack("type").reset_index().assign(status="ok")


def main() -> None:
    args, out, runs = run_experiment("partner_specific", __doc__.splitlines()[0])
    alliances = alliance_tables(out, runs)
    coef, gap = coefficients(alliances), gaps(alliances)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    band(left, main_effects(coef, KEY, "partner_specific"), "R3 coefficient (prior joint alliances)", color="C3")
    left.axhline(0, color="k", lw=0.8)
    left.set_ylabel("logit coefficient")
    for kind in ("exploration", "exploitation"):
        band(right, main_effects(gap, KEY, kind), kind)
    right.axhline(0, color="k", lw=0.8)
    right.set_ylabel("success rate, repeat - first-time pair")
    right.legend()
    for ax in (left, right):
        ax.set_xlabel(KEY)
        ax.grid(alpha=0.3)
    fig.suptitle("Net partner-specific effect: routines (+) against redundancy (-); mean over replications, 95% CI")
    save(fig, args, "partner_specific_sign.png")
    table = pd.concat([
        coef.groupby(KEY).agg(coefficient=("partner_specific", "mean"), negative=("partner_specific", lambda c: (c < 0).mean()),
                              estimates=("partner_specific", "size")),
        gap.groupby(KEY)[["exploration", "exploitation"]].mean().add_prefix("gap_"),
    ], axis=1)
    table.round(3).to_csv(args.figures.parent / "partner_specific_sign.csv")
    print(table.round(3).to_string())


if __name__ == "__main__":  # worker processes re-import this file
    main()
