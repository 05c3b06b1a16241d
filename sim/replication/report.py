"""``replication.csv``, the Markdown report and its plots.

The CSV holds exactly the columns the issue names (one row per estimated
term of each finding, every finding R1-R16 present).  The report puts the
table next to the targets, the robustness over seeds when there are several,
and plots a student can read without the regression output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import firm_panel, projects
from .study import Replication
from .targets import TARGET_BY_ID, TARGETS

__all__ = ["CSV_COLUMNS", "write_report", "format_table", "plot_all"]

CSV_COLUMNS = ["finding", "variable", "published", "estimate", "std_error", "p_value", "matches"]


def _fmt(x: float, digits: int = 3) -> str:
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.{digits}g}"


def format_table(table: pd.DataFrame) -> str:
    """The rows as a fixed-width text table for the terminal."""
    t = table[CSV_COLUMNS].copy()
    t["matches"] = t["matches"].map({True: "yes", False: "NO"})
    for col in ("estimate", "std_error", "p_value"):
        t[col] = t[col].map(_fmt)
    return t.to_string(index=False)


def _markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in r) + " |")
    return "\n".join(lines)


def plot_all(rep: Replication, folder: Path) -> list[str]:
    """Write the report's figures into ``folder``; return their file names."""
    from .. import figures as plt  # subplots() and close() as pyplot's, without its global state

    folder.mkdir(parents=True, exist_ok=True)
    names = []

    def save(fig, name):
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        names.append(name)

    # 1. R1-R2: success against each partner's general experience (binned) with the fitted logit curve
    cfg = rep.configs["projects"]
    data = projects.dataset(rep.frames["projects"]["alliances"], cfg.run.ticks_per_year)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    try:
        res = projects.fit(data)
        for ax, who, label in ((axes[0], "small", "small partner (R1)"), (axes[1], "large", "large partner (R2)")):
            x = data[f"{who}_experience"]
            bins = pd.qcut(x, 8, duplicates="drop")
            g = data.groupby(bins, observed=True)
            ax.scatter(g[f"{who}_experience"].mean() * projects.SCALE, g["success"].mean(), color="k", s=18, label="observed (octiles)")
            grid = np.linspace(x.quantile(0.01), x.quantile(0.99), 60)
            at = data[[*projects.EXPERIENCE, *projects.controls(data)]].mean()
            X = pd.DataFrame([at] * len(grid))
            X[f"{who}_experience"], X[f"{who}_experience_sq"] = grid, grid**2
            import statsmodels.api as sm

            ax.plot(grid * projects.SCALE, res.predict(sm.add_constant(X[[*projects.EXPERIENCE, *projects.controls(data)]], has_constant="add")), color="C0",
                    label="logit fit, others at means")
            ax.set_xlabel(f"general alliance experience of the {label}")
            ax.grid(alpha=0.3)
        axes[0].set_ylabel("project success rate")
        axes[0].legend(fontsize=8)
    except Exception as err:  # noqa: BLE001 - a figure must not sink the report
        axes[0].text(0.1, 0.5, f"not estimable: {err}")
    save(fig, "r1_r2_experience_curves.png")

    # 2. R4-R6: new products against simultaneous alliances, by experience half and by type
    fcfg = rep.configs["firm_panel"]
    panel = firm_panel.dataset(rep.frames["firm_panel"], fcfg.run.ticks, fcfg.run.ticks_per_year)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    median = panel["experience"].median()
    for label, part, color in (("more experienced half", panel[panel["experience"] > median], "C1"),
                               ("less experienced half", panel[panel["experience"] <= median], "C0")):
        b = part.groupby(np.round(part["alliances"] * 2) / 2)["new_products"].agg(["mean", "size"])
        b = b[b["size"] >= 10]
        axes[0].plot(b.index, b["mean"], "o-", color=color, label=label, ms=4)
    axes[0].set_xlabel("mean simultaneous alliances in the year")
    axes[0].set_ylabel("new products per firm-year")
    axes[0].set_title("R4/R5: inverted U, by experience", fontsize=10)
    axes[0].legend(fontsize=8)
    for col, color in (("exploration", "C2"), ("exploitation", "C3")):
        b = panel.groupby(np.round(panel[col] * 2) / 2)["new_products"].agg(["mean", "size"])
        b = b[b["size"] >= 10]
        axes[1].plot(b.index, b["mean"], "o-", color=color, label=f"{col} alliances", ms=4)
    axes[1].set_xlabel("mean simultaneous alliances of the type")
    axes[1].set_title("R6: by alliance type", fontsize=10)
    axes[1].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.3)
    save(fig, "r4_r6_products_vs_alliances.png")

    # 3. Coefficients with 95% intervals, as z-scores against the published sign
    t = rep.table.dropna(subset=["estimate", "std_error"])
    t = t[t["std_error"] > 0]
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(t) + 1.2))
    z = t["estimate"] / t["std_error"]
    labels = t["finding"] + " " + t["variable"]
    colors = np.where(t["matches"], "C2", "C3")
    ax.barh(range(len(t)), z, color=colors)
    ax.axvline(1.96, ls=":", color="grey")
    ax.axvline(-1.96, ls=":", color="grey")
    ax.set_yticks(range(len(t)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("estimate / standard error (green: matches the published finding)")
    save(fig, "estimates_z.png")

    # 4. Robustness over seeds
    if rep.runs["seed"].nunique() > 1:
        r = rep.robustness
        fig, ax = plt.subplots(figsize=(8, 3.4))
        ax.bar(r["finding"], r["share_reproduced"], color=np.where(r["meets_requirement"], "C2", "C3"))
        ax.step(np.arange(len(r) + 1) - 0.5, np.r_[r["required"], r["required"].iloc[-1]], where="post", color="k", ls="--",
                label="required share")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel(f"share of {int(r['seeds'].iloc[0])} seeds reproducing")
        ax.legend(fontsize=8)
        save(fig, "robustness.png")
    return names


def write_report(rep: Replication, folder: Path, command: str = "") -> None:
    """``replication.csv`` (+ ``replication_runs.csv``, ``robustness.csv``), ``report.md`` and ``plots/``."""
    folder = Path(folder)
    rep.table[CSV_COLUMNS].to_csv(folder / "replication.csv", index=False)
    multi = rep.runs["seed"].nunique() > 1
    if multi:
        rep.runs[[*CSV_COLUMNS, "seed"]].to_csv(folder / "replication_runs.csv", index=False)
        rep.robustness.to_csv(folder / "robustness.csv", index=False)
    plots = plot_all(rep, folder / "plots")

    t = rep.table.copy()
    t["confidence"] = t["finding"].map(lambda f: TARGET_BY_ID[f].confidence)
    for col in ("estimate", "std_error", "p_value"):
        t[col] = t[col].map(_fmt)
    t["matches"] = t["matches"].map({True: "yes", False: "**no**"})
    reproduced = rep.table.groupby("finding", sort=False)["matches"].all()
    lines = [
        "# Replication of the published alliance-learning findings",
        "",
        f"Seed {rep.seeds[0]}" + (f" (robustness over seeds {rep.seeds[0]}-{rep.seeds[-1]})" if multi else "") + ".",
        f"Findings reproduced with this seed: {int(reproduced.sum())} of {len(reproduced)}.",
        "" if not command else f"Command: `{command}`",
        "",
        "Each study design has its own simulated data set and the study's kind of model "
        "(see docs/replication.md): R1-R3 project logit; R4-R6 firm-year Poisson panel; "
        "R7-R10 cause-specific Cox hazard of approval; R11-R14, R16 shares and contrasts; "
        "R15 within-firm model of recent vs older experience.",
        "",
        "## Results",
        "",
        _markdown(t[["finding", "variable", "published", "estimate", "std_error", "p_value", "matches", "confidence", "note"]]),
        "",
    ]
    if multi:
        r = rep.robustness.copy()
        r["share_reproduced"] = r["share_reproduced"].map(lambda x: f"{x:.2f}")
        r["meets_requirement"] = r["meets_requirement"].map({True: "yes", False: "**no**"})
        lines += ["## Robustness over seeds", "", _markdown(r[["finding", "confidence", "share_reproduced", "required", "meets_requirement"]]), ""]
    lines += ["## The findings", ""]
    lines += [f"- **{x.id}** ({x.confidence}): {x.finding}. Target: {x.published}. Source: {x.source}." for x in TARGETS]
    lines += ["", "## Plots", ""] + [f"![{p}](plots/{p})" for p in plots] + [""]
    (folder / "report.md").write_text("\n".join(lines))
