"""Lego case: a licensing-heavy alliance portfolio versus a selective, project-bound one.

Two worlds (configs/cases/lego_licensing.yaml, lego_selective.yaml) whose
firms run their alliance portfolios the two ways Lego did; we read the large
incumbents, Lego's role.  The plot compares success and exits, the value
created and captured per alliance, the products the large firms get and where
from (including exploration alliances with research-strong small partners:
the Media Lab / MindStorms route), and then asks *which* difference matters:
starting from the licensing world, each group of mechanism parameters is
switched, alone, to its selective value.

    python experiments/case_lego.py                 # 10 seeds each, results/case_lego-<time>/
    python experiments/case_lego.py --seeds 3 --out /tmp/lego

What to look for: configs/cases/lego.md.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

from _case_runs import CASES, out_dir, run_seeds, timer, write_case

from sim import AllianceModel, load_config
from sim.config import Config

# Which knobs make up each ingredient of the turnaround.  Keys that differ
# between the two configs but are not listed here are switched together as "other".
INGREDIENTS = {
    "no more alliances than capacity": ["portfolio.overconfidence"],
    "negotiated, not rushed, terms": ["negotiation.rushed_deal_probability", "negotiation.rushed_concession"],
    "exit agreed up front": ["negotiation.exit_trigger_probability", "negotiation.exit_trigger_function_bonus"],
    "an alliance function": ["firms.large.alliance_function_prob"],
    "selective partner search": ["selection.search_probability", "selection.reservation_score"],
    "exploratory research partners": ["selection.exploration_target", "firms.small.explore_capability", "firms.small.exploit_capability"],
}
WORLDS = {"licensing-heavy": "lego_licensing.yaml", "selective, project-bound": "lego_selective.yaml"}


def worlds() -> dict[str, Config]:
    return {label: load_config(CASES / name) for label, name in WORLDS.items()}


def one_at_a_time(licensing: Config, selective: Config) -> dict[str, Config]:
    """The licensing world with one ingredient switched to its selective value."""
    a, b = licensing.flat(), selective.flat()
    differ = {k for k in a if a[k] != b[k]}
    listed = {k for keys in INGREDIENTS.values() for k in keys}
    groups = {name: [k for k in keys if k in differ] for name, keys in INGREDIENTS.items()}
    if differ - listed:
        groups["other differences"] = sorted(differ - listed)
    return {name: load_config(overrides={**a, **{k: b[k] for k in keys}}) for name, keys in groups.items() if keys}


def collect(model: AllianceModel, seed: int) -> dict[str, pd.DataFrame]:
    """One row per run: what the large incumbents got from their portfolios."""
    cfg = model.config
    a = model.alliances_frame()
    ended = a[a["end_tick"].notna()]
    large_side = ended["size_a"] == "large"  # firm a is the larger partner
    big = ended[large_side]
    n_large = int(model.state.large.sum())
    years = cfg.run.ticks / cfg.run.ticks_per_year
    success = big["success"].astype(bool)
    # products of the large firms: one per successful alliance each large partner is in, the rest internal R&D
    large_count = (big["size_a"] == "large").astype(int) + (big["size_b"] == "large").astype(int)
    research = (big["type"] == "exploration") & (big["size_b"] == "small")
    products_alliance = {
        "exploitation alliances": float((large_count * success)[big["type"] == "exploitation"].sum()),
        "exploration with research partners": float((large_count * success)[research].sum()),
        "other exploration alliances": float((large_count * success)[(big["type"] == "exploration") & ~research].sum()),
    }
    total_products = float(model.state.products[model.state.large].sum())
    f = model.firms_frame()
    last = f[(f["tick"] == f["tick"].max()) & (f["size"] == "large") & (f["ended_alliances"] > 0)]
    row = {
        "seed": seed,
        "alliances_per_large_firm_year": float(((a["size_a"] == "large").astype(int) + (a["size_b"] == "large").astype(int)).sum() / n_large / years),
        "mean_active_alliances": float(f.loc[f["size"] == "large", "active_alliances"].mean()),
        "success_rate": float(success.mean()),
        "unplanned_exit_share": float((~big["planned_exit"].astype(bool)).mean()),
        "value_created_per_alliance": float(big["value_created"].mean()),
        "value_captured_per_alliance": float(big["value_captured_a"].mean()),
        "value_captured_per_firm_year": float(big["value_captured_a"].sum() / n_large / years),
        "underperforming_share": float(last["underperforming"].mean()),
        "products_per_firm_year": total_products / n_large / years,
        **{f"products_{k}": v / n_large / years for k, v in products_alliance.items()},
        "research_alliance_success": float(success[research].mean()) if research.any() else float("nan"),
    }
    row["products_internal R&D"] = row["products_per_firm_year"] - sum(v / n_large / years for v in products_alliance.values())
    return {"runs": pd.DataFrame([row])}


def plot(main: dict[str, pd.DataFrame], decomposition: dict[str, pd.DataFrame]):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(15, 9), layout="constrained")
    (ax_ok, ax_value), (ax_products, ax_what) = fig.subplots(2, 2)
    labels = list(main)
    colours = {"licensing-heavy": "#d62728", "selective, project-bound": "#2ca02c"}
    x = np.arange(2)
    width = 0.38

    def bars(ax, metrics: dict[str, str]) -> None:
        for i, label in enumerate(labels):
            runs = main[label]
            means = [runs[m].mean() for m in metrics]
            errs = [runs[m].std(ddof=1) if len(runs) > 1 else 0.0 for m in metrics]
            ax.bar(np.arange(len(metrics)) + (i - 0.5) * width, means, width, yerr=errs, color=colours[label], label=label, capsize=3)
        ax.set_xticks(np.arange(len(metrics)), list(metrics.values()))
        ax.axhline(0, color="0.5", lw=0.8)

    bars(ax_ok, {"success_rate": "alliances reaching\ntheir goal", "unplanned_exit_share": "unplanned exits", "underperforming_share": "portfolios below\nexpectation"})
    ax_ok.set_ylim(0, 1)
    ax_ok.set_ylabel("share (large firms' alliances)")
    ax_ok.set_title("Does it work?")
    ax_ok.legend(frameon=False)

    bars(ax_value, {"value_created_per_alliance": "value created\nper alliance", "value_captured_per_alliance": "value the large firm\ncaptured per alliance", "value_captured_per_firm_year": "value captured per\nlarge firm-year"})
    ax_value.set_ylabel("value units (mean over runs, +- sd)")
    ax_value.set_title("Volume is not value")

    sources = ["exploitation alliances", "exploration with research partners", "other exploration alliances", "internal R&D"]
    source_colours = ["#9467bd", "#ff7f0e", "#ffbb78", "#7f7f7f"]
    bottom = np.zeros(len(labels))
    for src, colour in zip(sources, source_colours):
        vals = np.array([main[label][f"products_{src}"].mean() for label in labels])
        ax_products.bar(x, vals, 0.55, bottom=bottom, color=colour, label=src)
        bottom += vals
    ax_products.set_xticks(x, labels)
    ax_products.set_ylabel("new products per large firm-year")
    ax_products.set_title("Where the products come from")
    ax_products.set_ylim(0, 1.35 * bottom.max())
    ax_products.legend(frameon=False, fontsize=8, loc="upper center", ncols=2)

    base = main["licensing-heavy"]["success_rate"].mean()
    target = main["selective, project-bound"]["success_rate"].mean()
    names = list(decomposition)
    vals = [decomposition[n]["success_rate"].mean() for n in names]
    y = np.arange(len(names))
    ax_what.barh(y, np.array(vals) - base, left=base, color="#1f77b4")
    ax_what.axvline(base, color=colours["licensing-heavy"], lw=2, label="licensing-heavy world")
    ax_what.axvline(target, color=colours["selective, project-bound"], lw=2, label="selective world (all switched)")
    ax_what.set_yticks(y, names)
    ax_what.invert_yaxis()
    ax_what.set_xlabel("success rate of large firms' alliances")
    ax_what.set_title("Licensing world with ONE ingredient switched to selective")
    ax_what.legend(frameon=False, fontsize=8, loc="lower right")
    fig.suptitle("Lego: a licensing-heavy portfolio vs a selective, project-bound one with a research partner")
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="runs per scenario (default 10)")
    parser.add_argument("--out", default=None, help="output folder (default: results/case_lego-<time>)")
    args = parser.parse_args(argv)
    out = out_dir(args.out, "case_lego")
    elapsed = timer()
    seeds = list(range(args.seeds))
    configs = worlds()
    variants = one_at_a_time(*configs.values())
    main_runs = {label: run_seeds(cfg, seeds, collect, desc=label)["runs"] for label, cfg in configs.items()}
    decomposition = {label: run_seeds(cfg, seeds, collect, desc=label[:30])["runs"] for label, cfg in variants.items()}

    runs = pd.concat(
        [r.assign(scenario=k, kind="world") for k, r in main_runs.items()]
        + [r.assign(scenario=k, kind="licensing + one ingredient") for k, r in decomposition.items()],
        ignore_index=True,
    )
    summary = runs.drop(columns=["seed", "kind"]).groupby("scenario").mean().to_dict(orient="index")
    write_case(out, plot(main_runs, decomposition), {"runs": runs}, summary, {**configs, **variants}, seeds, elapsed())
    for label in (*main_runs, *decomposition):
        s = summary[label]
        print(f"{label:34s} success {s['success_rate']:.2f}  unplanned exits {s['unplanned_exit_share']:.2f}  "
              f"value captured/firm-year {s['value_captured_per_firm_year']:6.1f}  products/firm-year {s['products_per_firm_year']:.2f}")
    print(f"wrote {out / 'contrast.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
