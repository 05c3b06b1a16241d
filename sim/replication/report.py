"""What a replication folder shows: findings.csv, per-run tables, report.md and its plots.

Everything here reads the stored estimates through :mod:`.summary`; nothing
is refitted.  Figures use matplotlib's object API (no global state).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import DEFAULTS_CALIBRATION
from .placebos import PLACEBOS
from .registry import DESIGN_OF, DESIGNS, FINDING_BY_ID, FINDINGS
from .store import write_text_atomic

__all__ = ["write_outputs", "format_table", "forest_plot", "forest_figure", "ASSUMPTIONS", "CSV_COLUMNS"]

CSV_COLUMNS = ["finding", "variable", "published", "estimate", "std_error", "p_value", "matches"]

ASSUMPTIONS = (
    "What the model assumes. A finding marked `assumed` is written into the model, so reproducing it shows only that "
    "the estimation recovers a coded term: R3 reads `assumed` while `learning.partner_specific_effect` (a direct term "
    "of the milestone logit) is non-zero. At the default 0 no finding is coded: R3's sign comes from relational "
    "routines against knowledge redundancy, and R7-R10 from the technical knowledge met milestones deliver and the "
    "share of it a firm can absorb, not from terms of the R&D approval logit. R12-R14 are levels the defaults were "
    "calibrated to (`calibration`), so matching them is not evidence of any mechanism; their placebo (every alliance "
    "mechanism off, success rate held) shows as much. Only `emergent` rows can read `reproduced`, and only when the "
    "rule holds in at least 90% of runs, the placebo's in at most 20%, on seeds never used to calibrate. A `fitted` "
    "row that reads `reproduced` was chosen to hold on calibration seeds and is confirmed, not predicted; only "
    "`held_out` rows test what the calibration did not see. `power_published_n` is the share of samples of the "
    "published size in which the same rule holds: the published studies found their effects at that size, so a "
    "share far below 0.5 means the simulated effect is weaker than the real one (for a null row it means "
    "equivalence needs more data than the study had)."
)


def _fmt(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    return f"{x:.{digits}g}" if isinstance(x, (float, np.floating)) else str(x)


def _markdown(df: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(_fmt(v).replace("|", "/") for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join(lines)


TABLE_COLUMNS = ["finding", "kind", "status", "role", "runs", "reproduced_share", "placebo_share", "power_published_n",
                 "estimate_mean", "estimate_sd"]


def format_table(findings: pd.DataFrame) -> str:
    """The findings table for the terminal."""
    t = findings[TABLE_COLUMNS].copy()
    for col in TABLE_COLUMNS[5:]:
        t[col] = t[col].map(lambda x: _fmt(x, 2) if col.endswith(("share", "_n")) else _fmt(x))
    return t.to_string(index=False)


def forest_plot(v: pd.DataFrame, findings: pd.DataFrame, path: Path) -> None:
    forest_figure(v, findings).savefig(path, dpi=110)


def forest_figure(v: pd.DataFrame, findings: pd.DataFrame):
    """Per finding: each run's estimate, the mean and 95% interval over runs; its placebo beside it."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.5, 1.0 * len(FINDINGS) + 0.6))
    axes = fig.subplots(len(FINDINGS), 1)
    study = v[v["sample"] == "study"]
    for ax, f in zip(axes, FINDINGS):
        row = findings.set_index("finding").loc[f.id]
        for y, arm, color in ((1, "baseline", "C0"), (0, "placebo", "C3")):
            x = study[(study["finding"] == f.id) & (study["arm"] == arm)]["estimate"].dropna().to_numpy()
            if len(x):
                ax.scatter(x, np.full(len(x), y) + np.linspace(-0.12, 0.12, len(x)), s=8, color=color, alpha=0.5)
                lo, hi = np.quantile(x, [0.025, 0.975])
                ax.plot([lo, hi], [y, y], color=color, lw=2)
                ax.plot([x.mean()], [y], "D", color=color, ms=6)
        lo_hi = _rule_part(f, "Between")
        if lo_hi:
            ax.axvspan(lo_hi.low, lo_hi.high, color="0.85", zorder=0)
        else:
            ax.axvline(0, color="k", lw=0.8)
        margin = _rule_part(f, "Equivalent")
        if margin:
            for x in (margin.delta,) if margin.upper_only else (-margin.delta, margin.delta):
                ax.axvline(x, color="0.4", lw=0.8, ls="--")
        ax.set_yticks([0, 1], ["placebo", "baseline"], fontsize=7)
        ax.set_ylim(-0.6, 1.6)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_title(f"{f.id} ({row['status']}): {f.estimate}", fontsize=8, loc="left", pad=2)
    fig.suptitle("Headline estimate over runs (dots), mean (diamond) and 95% interval; placebo in red;\n"
                 "grey: published range (levels); line: zero; dashed: equivalence margin (nulls)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def _rule_part(f, kind: str):
    """The part of ``f``'s rule of class ``kind`` that tests its headline estimate, if any."""
    from .rules import All

    parts = f.rule.parts if isinstance(f.rule, All) else (f.rule,)
    found = [p for p in parts if type(p).__name__ == kind and p.term == f.estimate]
    return found[0] if found else None


def shares_plot(findings: pd.DataFrame, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.4))
    ax = fig.subplots()
    x = np.arange(len(findings))
    for i, (col, label, color) in enumerate((("reproduced_share", "reproduced", "C0"), ("placebo_share", "placebo", "C3"),
                                             ("power_published_n", "at the published n", "C2"))):
        ax.bar(x + (i - 1) * 0.27, findings[col].fillna(0), width=0.27, label=label, color=color)
    ax.axhline(0.9, color="C0", ls="--", lw=0.8)
    ax.axhline(0.2, color="C3", ls="--", lw=0.8)
    ax.set_xticks(x, [f"{r.finding}\n{r.kind[:5]}" for r in findings.itertuples()], fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(f"share of {int(findings['runs'].max())} runs")
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def first_run_table(v: pd.DataFrame) -> pd.DataFrame:
    """replication.csv: the first run's baseline headline estimates (the one-run view of earlier versions)."""
    first = v[(v["arm"] == "baseline") & (v["sample"] == "study") & (v["run"] == v["run"].min())]
    return pd.DataFrame({
        "finding": first["finding"], "variable": first["finding"].map(lambda f: FINDING_BY_ID[f].estimate),
        "published": first["finding"].map(lambda f: FINDING_BY_ID[f].published),
        "estimate": first["estimate"], "std_error": first["std_error"], "p_value": first["p_value"], "matches": first["holds"],
    })


def _csv(df: pd.DataFrame, path: Path) -> None:
    write_text_atomic(path, df.to_csv(index=False))


def write_outputs(folder: Path, v: pd.DataFrame, findings: pd.DataFrame, manifest: dict, seconds: float | None = None) -> None:
    """findings.csv, replication.csv, replication_runs.csv, report.md and plots/ (each file atomically)."""
    folder = Path(folder)
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    _csv(findings, folder / "findings.csv")
    _csv(first_run_table(v), folder / "replication.csv")
    _csv(v, folder / "replication_runs.csv")
    for name, draw in (("forest.png", lambda p: forest_plot(v, findings, p)), ("shares.png", lambda p: shares_plot(findings, p))):
        tmp = plots / f".{name}.tmp.png"
        draw(tmp)
        tmp.replace(plots / name)
    runs = int(findings["runs"].max())
    counts = findings["status"].value_counts()
    table = findings[["finding", "kind", "status", "role", "runs", "reproduced_share", "placebo_share", "power_published_n",
                      "estimate", "estimate_mean", "estimate_sd", "estimate_low", "estimate_high", "within_se_mean",
                      "placebo_mean", "placebo_rate_gap", "note"]]
    seeds = manifest.get("seeds", [])
    lines = [
        "# Replication of the published alliance-learning findings", "",
        f"{runs} independent runs (seeds spawned from root {manifest.get('root_seed')}, disjoint from the "
        f"{len(manifest.get('calibration_seeds', []))} calibration seeds); each run simulates every study population, "
        "fits each study's model to the whole population and to a sample of the published size, and repeats the run "
        "with each finding's mechanism switched off (placebo).",
        "", "Status: " + ", ".join(f"{n} {s}" for s, n in counts.items()) + ".",
        "" if not manifest.get("command") else f"\nCommand: `{manifest['command']}`", "",
        "## Findings", "", _markdown(table), "",
        "`estimate_low`/`estimate_high`: 2.5-97.5% of the runs' estimates; `within_se_mean`: the mean standard error "
        "a single run's fit reports (when the spread over runs is much larger, a run's own SE understates the "
        "uncertainty: every firm of a run shares one partner market). `placebo_rate_gap`: placebo minus baseline "
        "rate held by the placebo's offset. `role`: the finding's role in the calibration behind the defaults "
        f"(`configs/{DEFAULTS_CALIBRATION}`): `fitted` or `base_rate` (a level it fitted) were used to choose the "
        "defaults, `held_out` were not, so only those are tests of the defaults.", "",
        "## What the model assumes", "", ASSUMPTIONS, "",
        "## Forest plot", "", "![forest](plots/forest.png)", "", "![shares](plots/shares.png)", "",
        "## Rules and placebos", "",
    ]
    for f in FINDINGS:
        d = DESIGN_OF[f.id]
        lines.append(f"- **{f.id}** {f.claim} ({f.source}; design `{d.id}`, published n: "
                     f"{d.published.describe() if d.published else 'none given'}). Rule: {f.rule.describe()}"
                     + (f"; the 95% interval over runs of `{f.across_runs}` above 0" if f.across_runs else "")
                     + f". Placebo `{f.placebo}`: {PLACEBOS[f.placebo].describe()}.")
    lines += ["", "## Designs", ""] + [f"- `{d.id}`: {d.model}. Population: {d.population_reason}." for d in DESIGNS]
    if seeds:
        lines += ["", f"Seeds: {', '.join(str(s) for s in seeds[:10])}{' ...' if len(seeds) > 10 else ''}"]
    if seconds is not None:
        lines += ["", f"Computed in {seconds:.0f} s this session ({manifest.get('executor', '')})."]
    write_text_atomic(folder / "report.md", "\n".join(lines) + "\n")
