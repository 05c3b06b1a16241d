"""The diagnostics behind docs/replication.md's measured reasons: each a study design's own data and fit on dev seeds.

    python experiments/diagnose.py competing-risks [name:key=value,... ...]   # R7-R10 estimates and rules per variant
    python experiments/diagnose.py r5-products [key=value ...]                # new products by experience half and alliances
    python experiments/diagnose.py r5-lag [key=value ...]                     # R4-R6 and their placebos: the design, last year's alliances, the year's mean
    python experiments/diagnose.py r1-within [key=value ...]                  # R1's small-partner slope pooled and within ventures
    python experiments/diagnose.py r2-placebo                                 # large partners' experience count vs know-how
    python experiments/diagnose.py r10-absorption [key=value ...]             # where R7-R10's firms stand on the absorption curves
    python experiments/diagnose.py r6-residue                                 # R6 under its placebo, other type differences removed
    python experiments/diagnose.py r16-ranges                                 # each size class's alliance experience
    python experiments/diagnose.py r16-slopes [name:key=value,... ...]        # each size class's learning slope per variant
    python experiments/diagnose.py r15-designs                                # R15 as designed and with firm fixed effects

Dev seeds (5001 on) are neither calibration seeds (100000-999999) nor
evaluation seeds (spawned from a replication's root), so nothing here
chooses a default or judges one.  ``--seeds N`` sets how many.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import sim.replication.firm_panel as firm_panel
from sim.config import parse_override
from sim.metrics import year_of
from sim.learning import saturating
from sim.model import AllianceModel
from sim.replication.offsets import load_offsets
from sim.replication.projects import small_partner_slope
from sim.replication.registry import DESIGN_BY_ID, FINDING_BY_ID, population_config, population_configs
from sim.replication.runs import placebo_arms
from sim.replication.shares import learning_data
from sim.runner import simulate
from sim.state import EXPLORATION
from sim.steps.execution import absorbable

DEV_SEED = 5001


def _seeds(n: int) -> range:
    return range(DEV_SEED, DEV_SEED + n)


def _fits(design_id: str, overrides: dict, seeds, data=None) -> list[dict]:
    design = DESIGN_BY_ID[design_id]
    cfg = population_config(design.population, overrides)
    out = []
    for seed in seeds:
        frames = simulate(cfg, seed, tables=design.tables).frames
        out.append(design.fit((data or design.data)(frames, cfg)))
    return out


def placebo(population: str, name: str | None = None) -> dict:
    """The replication's placebo arms of ``population`` with their recorded offsets (arm name -> overrides; the
    baseline's included), or the one arm ``name``."""
    arms = placebo_arms(population_configs(), load_offsets())[population]
    return arms if name is None else arms[name]


def _summary(findings: dict[str, str], ests: list[dict]) -> str:
    parts = []
    for finding, key in findings.items():
        v = np.array([e.get(key, np.nan) for e in ests], dtype=float)
        holds = sum(bool(FINDING_BY_ID[finding].rule.holds(e)) for e in ests)
        sd = np.nanstd(v, ddof=1) if len(v) > 1 else np.nan
        parts.append(f"{finding} {np.nanmean(v):+.3f} (sd {sd:.3f}) holds {holds}/{len(ests)}")
    return " | ".join(parts)


def _variants(args: list[str]) -> dict[str, dict]:
    """Variants ``name:key=value,key=value`` as overrides by name, the defaults (no override) first."""
    todo = {"defaults": {}}
    for arg in args:
        name, _, rest = arg.partition(":")
        todo[name] = dict(parse_override(kv) for kv in rest.split(",") if kv)
    return todo


def competing_risks(variants: list[str], seeds) -> None:
    """R7-R10 per variant ``name:key=value,key=value`` (the defaults always first)."""
    todo = _variants(variants)
    findings = {"R7": "external_exploitation", "R8": "external_exploration_sd",
                "R9": "internal_exploration_x_external_exploitation", "R10": "internal_exploitation_x_external_exploration"}
    for name, overrides in todo.items():
        print(f"{name:>14}  {_summary(findings, _fits('competing_risks', overrides, seeds))}", flush=True)


def r5_products(overrides: list[str], seeds) -> None:
    """New products per firm-year by experience half and the alliances it ran that year (the design's count), with the part
    that came from alliances reaching their goal."""
    cfg = population_config("firm_panel", dict(parse_override(kv) for kv in overrides))
    design, tpy = DESIGN_BY_ID["firm_panel"], cfg.run.ticks_per_year
    rows = []
    for seed in seeds:
        frames = simulate(cfg, seed, tables=design.tables).frames
        d = firm_panel.experience_halves(design.data(frames, cfg))
        goal = frames["alliances"][frames["alliances"]["exit_reason"] == "goal_reached"]
        year = year_of(goal["end_tick"].to_numpy().astype(np.int64), tpy)
        goals = (pd.concat([pd.DataFrame({"firm_id": goal[side].to_numpy(), "year": year}) for side in ("firm_a", "firm_b")])
                 .value_counts().rename("goals").reset_index())
        rows.append(d.merge(goals, on=["firm_id", "year"], how="left").fillna({"goals": 0}))
    d = pd.concat(rows)
    d["internal"] = d["new_products"] - d["goals"]
    d["alliances_bin"] = pd.cut(d["alliances"], [-0.01, 0.5, 1.5, 2.5, 3.5, np.inf], labels=["0", "1", "2", "3", "4+"])
    table = d.groupby(["experienced_level", "alliances_bin"], observed=True)
    print(table[["new_products", "goals", "internal"]].mean().round(3).join(table.size().rename("firm_years")))


PANEL_MEASURES = {"same year": {}, "year before": {"lagged": True}, "year's mean": {"count": "mean"}}
"""How the firm panel sets a year's alliances (:func:`sim.replication.firm_panel.dataset`'s keywords): the design's
alliances running in the year, each counted whole; last year's (firm-years of firms not in the market a year
before left out); and the mean of simultaneous alliances over the year's ticks."""

FIRM_PANEL_FINDINGS = {"R4": "alliances_sq", "R5": "turning_point_gain_experience", "R6": "turning_point_gain_exploitation"}


def lag_fits(overrides: dict, seeds, only: tuple[str, ...] | None = None) -> dict[str, dict[str, list[dict]]]:
    """R4-R6's fits per arm (the baseline, then each placebo of the firm-panel design with its recorded offset, all
    with ``overrides``; ``only`` these arms if given) and per measure of the alliances (:data:`PANEL_MEASURES`)."""
    design = DESIGN_BY_ID["firm_panel"]
    arms = {name: arm for name, arm in placebo("firm_panel").items() if only is None or name in only}
    out = {}
    for arm, arm_overrides in arms.items():
        cfg = population_config(design.population, {**arm_overrides, **overrides})
        fits = out[arm] = {measure: [] for measure in PANEL_MEASURES}
        for seed in seeds:
            frames = simulate(cfg, seed, tables=design.tables).frames
            for measure, how in PANEL_MEASURES.items():
                fits[measure].append(design.fit(firm_panel.dataset(frames, cfg.run.ticks, cfg.run.ticks_per_year,
                                                                   **how)))
    return out


def r5_lag(overrides: list[str], seeds) -> None:
    """R4-R6 with each year's products against the year before's alliances and against the year's mean of
    simultaneous alliances, beside the design as it is, in the baseline and under each of the design's placebos."""
    fits = lag_fits(dict(parse_override(kv) for kv in overrides), seeds)
    for arm, measures in fits.items():
        for measure, ests in measures.items():
            print(f"{arm:>22} {measure:>12}  {_summary(FIRM_PANEL_FINDINGS, ests)}", flush=True)


def absorption_positions(overrides: dict, seed: int) -> dict[str, dict[str, np.ndarray]]:
    """Where the firms of R7-R10's study population stand on the absorption curves at the run's end, per size class:
    percentiles (:data:`PERCENTILES`) of each technical stock (absorbed from exploration and from exploitation
    partners) and of the two positions, ``1 - exp(-internal know-how / learning.absorptive_saturation)``, of internal
    exploration know-how (how much of the absorptive-capacity gain a firm has) and of internal exploitation know-how
    (how much of the rigidity), with the usable share of an exploration partner's knowledge that follows."""
    cfg = population_config("competing_risks", overrides)
    model = AllianceModel(config=cfg, rng=seed, panel=False)
    model.run()
    s, lp = model.state, cfg.learning
    out = {}
    for name, mask in (("large", s.alive & s.large), ("small", s.alive & ~s.large)):
        internal = s.internal_knowhow[mask]
        rigidity = saturating(internal[:, 1], lp.absorptive_saturation)
        stats = {"technical_exploration": s.technical[mask, 0], "technical_exploitation": s.technical[mask, 1],
                 "capacity_gain_position": saturating(internal[:, 0], lp.absorptive_saturation),
                 "rigidity_position": rigidity,
                 "exploration_usable_share": absorbable(s, np.flatnonzero(mask), EXPLORATION, lp)}
        out[name] = {k: np.percentile(v, PERCENTILES) for k, v in stats.items()}
    return out


def r10_absorption(overrides: list[str], seeds) -> None:
    for seed in seeds:
        for size, stats in absorption_positions(dict(parse_override(kv) for kv in overrides), seed).items():
            for k, v in stats.items():
                print(f"seed {seed} {size:>5} {k:>26}  " + "  ".join(f"p{q} {x:.3f}" for q, x in zip(PERCENTILES, v)),
                      flush=True)


def r1_arms(overrides: dict | None = None) -> dict[str, dict]:
    """The model and R1's placebo (no general learning, with its recorded offset) on the projects population, both
    with ``overrides``."""
    overrides = overrides or {}
    return {"model": dict(overrides), "placebo": {**placebo("projects", "no_general_learning"), **overrides}}


def r1_within(overrides: list[str], seeds) -> None:
    """R1's small-partner slope pooled and within ventures, in the model and under R1's placebo."""
    design = DESIGN_BY_ID["projects"]
    for name, overrides in r1_arms(dict(parse_override(kv) for kv in overrides)).items():
        cfg = population_config(design.population, overrides)
        for seed in seeds:
            d = design.data(simulate(cfg, seed, tables=design.tables).frames, cfg)
            for within in (False, True):
                e = small_partner_slope(d, within)
                print(f"{name:>8} seed {seed} {'within ventures' if within else 'pooled':>15}  linear {e['linear']:+.3f} "
                      f"(p {e['linear_p']:.3f})  squared {e['squared']:+.4f} (p {e['squared_p']:.3f})  "
                      f"slope at the mean {e['slope']:+.3f}", flush=True)


def r2_arms() -> dict[str, dict]:
    """The model and R2's placebo (large firms capture and learn as small ones do) on the projects population."""
    return {"model": {}, "placebo": placebo("projects", "large_firms_learn")}


def standing_by_size(overrides: dict, seed: int) -> dict[str, dict[str, float]]:
    """Per size class, at the projects population's last panel snapshot: the alliances made so far (R2's regressor),
    the know-how the model's learning runs on, where it puts the firm on the general curve (standing) and how
    closely the count follows the standing."""
    cfg = population_config("projects", overrides)
    firms = simulate(cfg, seed, tables=("firms",)).frames["firms"]
    last = firms[firms["tick"] == firms["tick"].max()]
    out = {}
    for size, g in last.groupby("size", observed=True):
        count, knowhow = g["general_experience"].to_numpy(), g["knowhow"].to_numpy()
        standing = -np.expm1(-knowhow / cfg.learning.general_saturation)
        out[str(size)] = {"alliances": count.mean(), "alliances_sd": count.std(), "knowhow": knowhow.mean(),
                          "knowhow_sd": knowhow.std(), "standing": standing.mean(), "standing_sd": standing.std(),
                          "corr": np.corrcoef(count, standing)[0, 1]}
    return out


def r2_placebo(seeds) -> None:
    """:func:`standing_by_size` under the model and under R2's placebo."""
    for name, overrides in r2_arms().items():
        for seed in seeds:
            for size, v in standing_by_size(overrides, seed).items():
                print(f"{name:>8} seed {seed} {size:>5}: alliances {v['alliances']:6.1f} (sd {v['alliances_sd']:5.1f})  "
                      f"know-how {v['knowhow']:5.2f} (sd {v['knowhow_sd']:4.2f})  standing {v['standing']:.3f} "
                      f"(sd {v['standing_sd']:.3f})  corr(alliances, standing) {v['corr']:+.2f}", flush=True)


def r6_variants() -> dict[str, dict]:
    """R6's placebo (equal attention, with its recorded offset), then with the other differences between the two
    alliance types removed as well: their base milestone logits set to the placebo's mean, redundancy weighing on
    exploitation as on exploration, both of these; and one at a time, exploration alliances' milestones set to
    exploitation's, the two types' values at stake set to their mean, and no governance fit; all of these together;
    and, beside the placebo and the defaults, no use of absorbed technical knowledge in internal R&D."""
    arm = placebo("firm_panel", "equal_attention")
    mean = round((arm["execution.base_logit_exploration"] + arm["execution.base_logit_exploitation"]) / 2, 6)
    equal_base = {"execution.base_logit_exploration": mean, "execution.base_logit_exploitation": mean}
    equal_redundancy = {"learning.redundancy_exploitation_weight": 1.0}
    cfg = population_config("firm_panel")
    value = (cfg.negotiation.value_exploration + cfg.negotiation.value_exploitation) / 2
    equal_milestones = {"execution.milestones_exploration": cfg.execution.milestones_exploitation}
    equal_value = {"negotiation.value_exploration": value, "negotiation.value_exploitation": value}
    no_fit = {"execution.governance_fit": 0.0}
    return {"defaults": {}, "placebo": arm, "+ equal base logits": {**arm, **equal_base},
            "+ equal redundancy": {**arm, **equal_redundancy},
            "+ both": {**arm, **equal_base, **equal_redundancy},
            "+ equal milestones": {**arm, **equal_milestones},
            "+ equal value": {**arm, **equal_value},
            "+ no governance fit": {**arm, **no_fit},
            "+ all of these": {**arm, **equal_base, **equal_redundancy, **equal_milestones, **equal_value, **no_fit},
            "+ no technical returns": {**arm, "learning.technical_returns": 0.0},
            "defaults, no technical returns": {"learning.technical_returns": 0.0}}


def r6_residue(seeds) -> None:
    for name, overrides in r6_variants().items():
        print(f"{name:>20}  {_summary({'R6': 'turning_point_gain_exploitation'}, _fits('firm_panel', overrides, seeds))}",
              flush=True)


PERCENTILES = (5, 25, 50, 75, 95)


def experience_ranges(seed: int) -> dict[str, np.ndarray]:
    """Percentiles (:data:`PERCENTILES`) of the alliances done by the firm-years with ended alliances in R16's
    design, per size class."""
    cfg = population_config("shares")
    d = learning_data(simulate(cfg, seed, tables=("firms",)).frames, cfg)
    return {name: np.percentile(np.expm1(d.loc[d["small"] == small, "experience"]), PERCENTILES)
            for small, name in ((0, "large"), (1, "small"))}


def r16_ranges(seeds) -> None:
    for seed in seeds:
        for name, values in experience_ranges(seed).items():
            print(f"seed {seed} {name}: percentiles {'/'.join(map(str, PERCENTILES))} of alliances done", values.round(0))


def r16_slopes(variants: list[str], seeds) -> None:
    """R16's slopes (small and large firms', and their contrast) per variant ``name:key=value,...`` (the defaults
    always first)."""
    for name, overrides in _variants(variants).items():
        ests = _fits("learning_speed", overrides, seeds)
        slopes = " | ".join(f"{key} {np.mean([e[key] for e in ests]):+.3f} (sd {np.std([e[key] for e in ests], ddof=1):.3f})"
                            for key in ("small_slope", "large_slope"))
        print(f"{name:>14}  {slopes} | {_summary({'R16': 'experience_x_small'}, ests)}", flush=True)


def r15_designs(seeds) -> None:
    """R15's design (no firm fixed effects: the firm's pre-alliance products stand in for them) and the same with firm
    fixed effects, under the model and its placebo."""
    from sim.replication import depreciation as dp

    arms = {"model": {}, "placebo": placebo("shares", "no_forgetting")}
    for name, overrides in arms.items():
        cfg = population_config("shares", overrides)
        for seed in seeds:
            data = dp.data(simulate(cfg, seed, tables=("alliances", "firms")).frames, cfg)
            parts = []
            for fixed_effects in (False, True):
                e = dp.fit(data, fixed_effects=fixed_effects)
                parts.append(f"{'firm fixed effects' if fixed_effects else 'the design'}: depreciation "
                             f"{e['annual_depreciation']:.2f} (p {e['annual_depreciation.p']:.3f}), slope "
                             f"{e['experience_slope']:+.3f} (p {e['experience_slope.p']:.3f})")
            print(f"{name:>8} seed {seed}  " + "  |  ".join(parts), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["competing-risks", "r5-products", "r5-lag", "r2-placebo", "r6-residue", "r16-ranges",
                                             "r16-slopes", "r15-designs", "r10-absorption", "r1-within"])
    parser.add_argument("args", nargs="*", help="variants (competing-risks, r16-slopes) or key=value overrides (r5-products, r5-lag, r10-absorption, r1-within)")
    parser.add_argument("--seeds", type=int, default=None, help="dev seeds (default: 6; 3 for r5-products, 2 for r2-placebo, 12 for r6-residue, 1 for r16-ranges and r10-absorption)")
    a = parser.parse_intermixed_args()
    default = {"competing-risks": 6, "r5-products": 3, "r5-lag": 6, "r2-placebo": 2, "r6-residue": 12, "r16-ranges": 1,
               "r16-slopes": 6, "r15-designs": 6, "r10-absorption": 1,
               "r1-within": 6}[a.what]
    seeds = _seeds(a.seeds or default)
    if a.what == "competing-risks":
        competing_risks(a.args, seeds)
    elif a.what == "r5-products":
        r5_products(a.args, seeds)
    elif a.what == "r5-lag":
        r5_lag(a.args, seeds)
    elif a.what == "r2-placebo":
        r2_placebo(seeds)
    elif a.what == "r6-residue":
        r6_residue(seeds)
    elif a.what == "r1-within":
        r1_within(a.args, seeds)
    elif a.what == "r10-absorption":
        r10_absorption(a.args, seeds)
    elif a.what == "r15-designs":
        r15_designs(seeds)
    elif a.what == "r16-slopes":
        r16_slopes(a.args, seeds)
    else:
        r16_ranges(seeds)


if __name__ == "__main__":
    main()
