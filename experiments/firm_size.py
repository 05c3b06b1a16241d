"""Headline sweep 5: firm-size asymmetry.

Sweeps firms.share_large x negotiation.resource_power and, from the alliance
tables, plots for large-small alliances the small partner's share of the value
and the success rate against resource power, one line per share of large firms
(95% CIs over replications): lopsided terms from size-driven bargaining power
make the weaker side defensive and alliances fail more.

    python experiments/firm_size.py [--reps 3] [--workers 2]
"""

import pandas as pd
from _common import effect_panels, run_experiment, save

KEY, SHARE = "negotiation.resource_power", "firms.share_large"


def main() -> None:
    args, out, runs = run_experiment("firm_size", __doc__.splitlines()[0])
    alliances = pd.read_parquet(out / "alliances", columns=["point", "replication", "size_a", "size_b", "share_b", "end_tick", "success"])
    mixed = alliances[(alliances["size_a"] != alliances["size_b"])]
    per_run = mixed.groupby(["point", "replication"]).agg(
        small_share=("share_b", "mean"),
        mixed_success=("success", lambda s: s.dropna().astype(float).mean()),
    ).reset_index()
    design = pd.read_parquet(out / "design.parquet").set_index("point")
    per_run = per_run.join(design, on="point").assign(status="ok")

    metrics = {"small_share": "small partner's share of the value", "mixed_success": "success rate, large-small alliances"}
    fig = effect_panels(per_run, KEY, SHARE, metrics, KEY, "share large",
                        "Firm-size asymmetry in large-small alliances: mean over replications, 95% CI")
    save(fig, args, "firm_size_asymmetry.png")


if __name__ == "__main__":  # worker processes re-import this file
    main()
