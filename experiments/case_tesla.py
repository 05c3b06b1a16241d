"""Tesla case: does the venture's learning capture carry it through repeated alliances?

One venture and three large partners (configs/cases/tesla.yaml).  Two
scenarios differ in one mechanism only, the share of each alliance's lessons
the venture keeps: as configured (a small firm that learns fast) and with the
large partners' capture rate (a venture that learns like an incumbent).  Each
is run over many seeds; the plot follows the venture: success of its 1st,
2nd, ... alliance, its retained alliance know-how, and the value it captured.

    python experiments/case_tesla.py                # 120 seeds each, results/case_tesla-<time>/
    python experiments/case_tesla.py --seeds 30 --out /tmp/tesla

What to look for: configs/cases/tesla.md.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from _case_runs import CASES, out_dir, rate_with_ci, run_seeds, timer, write_case

from sim import AllianceModel, load_config

MAX_ORDER = 10  # alliances of the venture shown one by one; later ones pooled


def scenarios() -> dict:
    cfg = load_config(CASES / "tesla.yaml")
    slow = load_config(CASES / "tesla.yaml", overrides={"firms.small.capture_rate": cfg.firms.large.capture_rate})
    return {
        f"venture keeps {cfg.firms.small.capture_rate:.0%} of each lesson (as configured)": cfg,
        f"venture keeps {slow.firms.small.capture_rate:.0%} (learns like its large partners)": slow,
    }


def collect(model: AllianceModel, seed: int) -> dict[str, pd.DataFrame]:
    """The venture's alliances in order, and its know-how tick by tick."""
    venture = int(np.flatnonzero(~model.state.large)[0])
    a = model.alliances_frame()
    mine = a[(a["firm_a"] == venture) | (a["firm_b"] == venture)].sort_values(["start_tick", "alliance_id"])
    side_b = mine["firm_b"] == venture
    alliances = pd.DataFrame({
        "seed": seed,
        "order": np.arange(1, len(mine) + 1),
        "start_tick": mine["start_tick"].to_numpy(),
        "end_tick": mine["end_tick"].to_numpy(),
        "type": mine["type"].to_numpy(),
        "success": mine["success"].to_numpy(),
        "repeat_partner": (mine["partner_specific_experience"] > 0).to_numpy(),
        "captured": np.where(side_b, mine["value_captured_b"], mine["value_captured_a"]),
    })
    f = model.firms_frame()
    knowhow = f.loc[f["firm_id"] == venture, ["tick", "knowhow", "general_experience"]].assign(seed=seed)
    return {"alliances": alliances, "knowhow": knowhow}


def plot(results: dict[str, dict[str, pd.DataFrame]], ticks_per_year: int):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 4.6), layout="constrained")
    ax_order, ax_know, ax_value = fig.subplots(1, 3)
    colours = ["#2ca02c", "#7f7f7f"]
    for (label, tables), colour in zip(results.items(), colours):
        a = tables["alliances"]
        ended = a[a["end_tick"].notna()]
        order = ended["order"].clip(upper=MAX_ORDER)
        stats = [rate_with_ci(ended.loc[order == k, "success"]) for k in range(1, MAX_ORDER + 1)]
        p, half, _ = map(np.array, zip(*stats))
        ks = np.arange(1, MAX_ORDER + 1)
        ax_order.plot(ks, p, "o-", color=colour, label=label)
        ax_order.fill_between(ks, p - half, p + half, color=colour, alpha=0.15)

        k = tables["knowhow"].groupby("tick")["knowhow"]
        years = k.mean().index / ticks_per_year
        ax_know.plot(years, k.mean(), color=colour)
        ax_know.fill_between(years, k.quantile(0.25), k.quantile(0.75), color=colour, alpha=0.15)

        seeds = a["seed"].nunique()
        captured = ended.groupby("end_tick")["captured"].sum().sort_index().cumsum() / seeds
        ax_value.step(captured.index.astype(int) / ticks_per_year, captured.to_numpy(), where="post", color=colour)

    ax_order.set_xticks(range(1, MAX_ORDER + 1), [str(k) for k in range(1, MAX_ORDER)] + [f"{MAX_ORDER}+"])
    ax_order.set_ylim(0, 1)
    ax_order.set_xlabel("the venture's n-th alliance (the 4th and later: with a partner it had before)")
    ax_order.set_ylabel("share reaching its goal (95% band)")
    ax_order.set_title("Success alliance by alliance")
    ax_order.legend(frameon=False, fontsize=8, loc="lower left")
    ax_know.set_xlabel("year")
    ax_know.set_ylabel("retained alliance know-how (interquartile band)")
    ax_know.set_title("What the venture has learned")
    ax_value.axhline(0, color="0.6", lw=0.8)
    ax_value.set_xlabel("year")
    ax_value.set_ylabel("value captured, cumulative (mean over runs)")
    ax_value.set_title("What the venture got out of its alliances")
    fig.suptitle("Tesla: one venture, three large partners (Daimler, Toyota, Panasonic) - learning capture on vs off")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=120, help="runs per scenario (default 120)")
    parser.add_argument("--out", default=None, help="output folder (default: results/case_tesla-<time>)")
    args = parser.parse_args(argv)
    out = out_dir(args.out, "case_tesla")
    elapsed = timer()
    configs = scenarios()
    seeds = list(range(args.seeds))
    results = {label: run_seeds(cfg, seeds, collect, desc=label[:30]) for label, cfg in configs.items()}

    summary = {}
    for label, tables in results.items():
        a = tables["alliances"]
        ended = a[a["end_tick"].notna()]
        repeat = ended[ended["repeat_partner"]]
        summary[label] = {
            "alliances_per_run": len(a) / len(seeds),
            "success_rate": rate_with_ci(ended["success"])[0],
            "success_rate_first_three": rate_with_ci(ended.loc[ended["order"] <= 3, "success"])[0],
            "success_rate_repeat_partner": rate_with_ci(repeat["success"])[0],
            "final_knowhow_mean": float(tables["knowhow"].groupby("seed")["knowhow"].last().mean()),
            "value_captured_per_run": float(ended["captured"].sum() / len(seeds)),
        }
    fig = plot(results, next(iter(configs.values())).run.ticks_per_year)
    frames = {
        "alliances": pd.concat([t["alliances"].assign(scenario=k) for k, t in results.items()], ignore_index=True),
        "knowhow": pd.concat([t["knowhow"].assign(scenario=k) for k, t in results.items()], ignore_index=True),
    }
    write_case(out, fig, frames, summary, configs, seeds, elapsed())
    for label, s in summary.items():
        print(f"{label}: success {s['success_rate']:.2f} (first three {s['success_rate_first_three']:.2f}, "
              f"with a repeat partner {s['success_rate_repeat_partner']:.2f}); know-how at the end {s['final_knowhow_mean']:.2f}; "
              f"value captured per run {s['value_captured_per_run']:.1f}")
    print(f"wrote {out / 'contrast.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
