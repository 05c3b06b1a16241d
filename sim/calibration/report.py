"""A calibration folder's results: posterior tables, calibrated.yaml, plots, report.md, manifest.json.

Everything here reads pyabc's history database (``DIR/history.db``); the only
simulations are the posterior predictive check's (fresh seeds from the
calibration range, at parameter values resampled from the posterior).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from .. import metrics
from ..config import Config
from .run import ParticleModel, history_url, model_for
from .spec import CalibrationSpec

__all__ = ["Posterior", "read_posterior", "predictive_check", "calibrated_yaml", "nested_yaml", "write_plots", "report_markdown",
           "held_out", "held_out_figure", "NOT_A_TEST", "PREDICTIVE_DRAWS", "INTERVAL"]

PREDICTIVE_DRAWS = 40  # posterior draws simulated (one run each) for the predictive check
INTERVAL = (0.05, 0.95)  # the posterior interval reported (90%)


def _wquantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    from pyabc.weighted_statistics import weighted_quantile

    return float(weighted_quantile(np.asarray(values, float), np.asarray(weights, float), alpha=q))


@dataclass
class Posterior:
    """The last population of a calibration and its history."""

    particles: pd.DataFrame  # a column per calibrated key, plus ``weight``
    populations: pd.DataFrame  # population, epsilon, particles, acceptance_rate, simulations, wall_time

    def summary(self, spec: CalibrationSpec) -> pd.DataFrame:
        w = self.particles["weight"].to_numpy()
        default = Config().flat()
        rows = []
        for key, p in spec.parameters.items():
            v = self.particles[key].to_numpy()
            rows.append({"parameter": key, "prior": f"{'log-' if p.scale == 'log' else ''}uniform [{p.low:g}, {p.high:g}]",
                         "default": default[key], "base": spec.base.flat()[key], "median": _wquantile(v, w, 0.5),
                         "low": _wquantile(v, w, INTERVAL[0]), "high": _wquantile(v, w, INTERVAL[1])})
        return pd.DataFrame(rows)

    def median(self, spec: CalibrationSpec) -> dict[str, Any]:
        """Calibrated values: the weighted median of each parameter (integers rounded, 4 significant digits)."""
        out = {}
        w = self.particles["weight"].to_numpy()
        for key, p in spec.parameters.items():
            m = _wquantile(self.particles[key].to_numpy(), w, 0.5)
            out[key] = int(round(m)) if p.integer else float(f"{m:.4g}")
        return out


def read_posterior(spec: CalibrationSpec, out: Path) -> Posterior:
    import pyabc

    history = pyabc.History(history_url(out), _id=1)
    df, w = history.get_distribution(m=0)
    particles = df.reset_index(drop=True)[spec.keys].assign(weight=np.asarray(w, float))
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    populations = pd.DataFrame({
        "population": pops["t"].astype(int),
        "epsilon": pops["epsilon"].astype(float),
        "particles": pops["particles"].astype(int),
        "acceptance_rate": pops["particles"] / pops["samples"],
        "simulations": pops["samples"].astype(int) * spec.replications,
        "wall_time": pops["wall_time"].astype(float),
    })
    return Posterior(particles, populations)


def _predictive_task(task: dict[str, Any]) -> dict[str, Any]:
    model: ParticleModel = task["model"]
    try:
        result = model.simulate(model.config(task["particle"]), task["seed"])
    except Exception as err:  # reported as a missing draw, never a crash
        result = {name: float("nan") for name in metrics.NAMES} | {"error": f"{type(err).__name__}: {err}"}
    return {"draw": task["point"], **task["particle"], "seed": task["seed"], **result}


def predictive_check(spec: CalibrationSpec, posterior: Posterior, workers: int | None = None, scheduler: Any = None,
                     draws: int = PREDICTIVE_DRAWS) -> pd.DataFrame:
    """Run metrics at ``draws`` parameter values resampled from the posterior, one fresh calibration seed each.

    The resampling and the seeds come from ``(seed, "predictive")``; seeds are
    drawn from the calibration range, so evaluation seeds stay unused.
    """
    from ..sweep.executors import make_executor

    rng = np.random.default_rng([spec.seed, int.from_bytes(b"predictive", "little") % 2**32])
    w = posterior.particles["weight"].to_numpy()
    picks = rng.choice(len(w), size=draws, replace=True, p=w / w.sum())
    start, stop = spec.calibration_seeds
    seeds = start + rng.choice(stop - start, size=draws, replace=draws > stop - start)
    model = model_for(spec)
    tasks = [{"point": i, "replication": 0, "model": model, "seed": int(s),
              "particle": {k: float(posterior.particles[k].iloc[j]) for k in spec.keys}}
             for i, (j, s) in enumerate(zip(picks, seeds))]
    with make_executor(workers, scheduler) as ex:
        rows = list(ex.map_unordered(_predictive_task, tasks))
    return pd.DataFrame(rows).sort_values("draw").reset_index(drop=True)


def calibrated_yaml(spec: CalibrationSpec, posterior: Posterior, source: str) -> str:
    """A model config: the base config's overrides plus the calibrated values (posterior weighted medians)."""
    calibrated = posterior.median(spec)
    fixed = spec.base_overrides()
    summary = posterior.summary(spec).set_index("parameter")
    lines = [
        f"# Calibrated by `alliancesim calibrate {source}` ({spec.name}, fingerprint {spec.fingerprint()}):",
        f"# posterior weighted medians of {len(posterior.particles)} particles in population "
        f"{int(posterior.populations['population'].iloc[-1])} (epsilon {posterior.populations['epsilon'].iloc[-1]:.4g}).",
    ]
    for key in spec.keys:
        s = summary.loc[key]
        lines.append(f"#   {key}: {calibrated[key]!r}  (90% interval [{s['low']:.4g}, {s['high']:.4g}], prior {s['prior']})")
    if fixed:
        lines.append("# Fixed by the calibration config (the posterior holds for these): " + ", ".join(sorted(fixed)))
    lines.append("# Use as a base config (alliancesim run calibrated.yaml), or the calibrated values alone:")
    lines.append("#   --set " + " --set ".join(f"{k}={v!r}" for k, v in calibrated.items()))
    return "\n".join(lines) + "\n" + nested_yaml({**fixed, **calibrated})


def nested_yaml(values: dict[str, Any]) -> str:
    """Dotted config overrides as a nested YAML model config."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        node = nested
        *sections, last = key.split(".")
        for s in sections:
            node = node.setdefault(s, {})
        node[last] = value
    return yaml.safe_dump(nested, sort_keys=False)


# ------------------------------------------------------------------ plots
def _log_axis(axis, set_scale) -> None:
    """A log axis labelled at its decades only (minor labels overlap on short ranges)."""
    from matplotlib.ticker import NullFormatter

    set_scale("log")
    axis.set_minor_formatter(NullFormatter())


def _marginals(spec: CalibrationSpec, posterior: Posterior) -> Figure:
    keys = spec.keys
    fig = Figure(figsize=(4.2 * len(keys), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(keys)))
    summary = posterior.summary(spec).set_index("parameter")
    for ax, key in zip(axes, keys):
        p = spec.parameters[key]
        bins = np.geomspace(p.low, p.high, 25) if p.scale == "log" else np.linspace(p.low, p.high, 25)
        ax.hist(posterior.particles[key], bins=bins, weights=posterior.particles["weight"], density=True,
                color="C0", alpha=0.7, label="posterior")
        width = (math.log(p.high) - math.log(p.low)) if p.scale == "log" else (p.high - p.low)
        xs = np.geomspace(p.low, p.high, 100) if p.scale == "log" else np.linspace(p.low, p.high, 2)
        ax.plot(xs, 1 / (xs * width) if p.scale == "log" else np.full_like(xs, 1 / width), color="0.4", ls="--", label="prior")
        s = summary.loc[key]
        ax.axvline(s["median"], color="C3", label="median")
        ax.axvspan(s["low"], s["high"], color="C3", alpha=0.12, label="90% interval")
        ax.axvline(s["base"], color="k", ls=":", label="value before calibration")
        if p.scale == "log":
            _log_axis(ax.xaxis, ax.set_xscale)
        ax.set_xlim(p.low, p.high)
        ax.set_xlabel(key)
        ax.set_ylabel("density")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=5, frameon=False, fontsize="small")
    fig.suptitle(f"Marginal posteriors against the prior bounds ({spec.name})")
    return fig


def _pairs(spec: CalibrationSpec, posterior: Posterior) -> Figure:
    keys = spec.keys
    n = len(keys)
    fig = Figure(figsize=(2.8 * n + 1, 2.8 * n + 0.5), layout="constrained")
    axes = np.array(fig.subplots(n, n, squeeze=False))
    w = posterior.particles["weight"].to_numpy()

    def edges(key: str):
        p = spec.parameters[key]
        return np.geomspace(p.low, p.high, 21) if p.scale == "log" else np.linspace(p.low, p.high, 21)

    for i, ky in enumerate(keys):
        for j, kx in enumerate(keys):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if i == j:
                ax.hist(posterior.particles[kx], bins=edges(kx), weights=w, color="C0", alpha=0.7)
            else:
                ax.hist2d(posterior.particles[kx], posterior.particles[ky], bins=[edges(kx), edges(ky)], weights=w, cmap="Blues")
                if spec.parameters[ky].scale == "log":
                    _log_axis(ax.yaxis, ax.set_yscale)
            if spec.parameters[kx].scale == "log":
                _log_axis(ax.xaxis, ax.set_xscale)
            if i == n - 1:
                ax.set_xlabel(kx, fontsize="small")
            if j == 0 and i > 0:
                ax.set_ylabel(ky, fontsize="small")
    fig.suptitle(f"Pairwise posterior densities ({spec.name})")
    return fig


def _predictive(spec: CalibrationSpec, predictive: pd.DataFrame) -> Figure:
    names = list(spec.targets)
    fig = Figure(figsize=(4.0 * len(names), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(names)))
    for ax, name in zip(axes, names):
        t = spec.targets[name]
        values = predictive[name].dropna()
        ax.hist(values, bins=15, color="C0", alpha=0.7, label=f"simulated ({len(values)} posterior draws)")
        ax.axvline(t.value, color="C3", lw=2, label="target")
        ax.axvspan(t.value - t.scale, t.value + t.scale, color="C3", alpha=0.1, label="target +- scale")
        ax.set_xlabel(name)
        ax.set_ylabel("runs")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=5, frameon=False, fontsize="small")
    fig.suptitle("Posterior predictive check: targets against run metrics at posterior draws")
    return fig


def _progress(posterior: Posterior) -> Figure:
    fig = Figure(figsize=(9, 3.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    pops = posterior.populations
    left.plot(pops["population"], pops["epsilon"], marker="o")
    left.set_xlabel("population")
    left.set_ylabel("epsilon")
    left.set_yscale("log")
    right.plot(pops["population"], pops["acceptance_rate"], marker="o", color="C1")
    right.set_xlabel("population")
    right.set_ylabel("acceptance rate")
    fig.suptitle("ABC-SMC populations")
    return fig


def write_plots(folder: Path, spec: CalibrationSpec, posterior: Posterior, predictive: pd.DataFrame) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    figures = {"marginals": _marginals(spec, posterior), "pairs": _pairs(spec, posterior),
               "predictive": _predictive(spec, predictive), "populations": _progress(posterior)}
    paths = []
    for name, fig in figures.items():
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths


# ------------------------------------------------------- held-out check
NOT_A_TEST = "calibration target (not a test)"


def held_out(spec: CalibrationSpec, calibrated: dict[str, Any], workers: int | None = 1, scheduler: Any = None,
             progress: bool = False) -> pd.DataFrame:
    """Replicate the published findings at the calibrated values on evaluation seeds.

    Calls only the replication's entry point (``sim.replication.replicate``)
    with the config's ``evaluation`` root seed and runs (its seeds are spawned
    away from every calibration seed), on the calibration's executor.  One row per finding: kind, the
    replication's status and shares, and ``calibration_target``: the target
    metric the finding measures (the registry's ``Finding.metric``), if this
    calibration fitted it.  Those were fitted, not predicted: their status
    reads "calibration target (not a test)" and they are never counted.
    """
    from ..replication import replicate
    from ..replication.registry import FINDING_BY_ID

    assert spec.evaluation is not None
    rep = replicate(calibrated, seed=spec.evaluation.seed, runs=spec.evaluation.runs, workers=workers, scheduler=scheduler,
                    progress=progress)
    table = rep.findings[["finding", "kind", "status", "reproduced_share", "placebo_share"]].copy()
    metric = table["finding"].map(lambda f: FINDING_BY_ID[f].metric)
    table["calibration_target"] = metric.where(metric.isin(list(spec.targets)), "")
    table["status"] = table["status"].where(table["calibration_target"] == "", NOT_A_TEST)
    return table


def held_out_figure(table: pd.DataFrame) -> Figure:
    from ..replication.summary import PLACEBO_SHARE, REPRODUCED_SHARE

    fig = Figure(figsize=(10, 3.8), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(table))
    target = (table["calibration_target"] != "").to_numpy()
    ax.bar(x - 0.2, table["reproduced_share"], 0.4, color=np.where(target, "0.55", "C0"), label="reproduced share")
    ax.bar(x + 0.2, table["placebo_share"], 0.4, color=np.where(target, "0.8", "C1"), label="placebo share")
    ax.axhline(REPRODUCED_SHARE, color="C0", ls="--", lw=1, label=f"reproduced needs >= {REPRODUCED_SHARE}")
    ax.axhline(PLACEBO_SHARE, color="C1", ls=":", lw=1, label=f"and placebo <= {PLACEBO_SHARE}")
    ax.set_xticks(x, table["finding"])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of evaluation runs")
    ax.legend(frameon=False, fontsize="small", ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.set_title("Held-out check at the calibrated values (grey: calibration targets, not tests)")
    return fig


# -------------------------------------------------------------- report
def _md_table(df: pd.DataFrame) -> str:
    def fmt(v: Any) -> str:
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    head = "| " + " | ".join(df.columns) + " |\n| " + " | ".join("---" for _ in df.columns) + " |\n"
    return head + "".join("| " + " | ".join(fmt(v) for v in row) + " |\n" for row in df.itertuples(index=False))


def report_markdown(spec: CalibrationSpec, posterior: Posterior, predictive: pd.DataFrame, command: str,
                    seconds: float, stopped: str, executor: str, validation: pd.DataFrame | None) -> str:
    pops = posterior.populations
    targets = pd.DataFrame([
        {"metric": name, "target": t.value, "scale": t.scale, "predictive mean": predictive[name].mean(),
         "predictive 5%": predictive[name].quantile(0.05), "predictive 95%": predictive[name].quantile(0.95)}
        for name, t in spec.targets.items()])
    others = [m for m in metrics.NAMES if m not in spec.targets]
    untargeted = pd.DataFrame([{"metric": m, "predictive mean": predictive[m].mean(), "5%": predictive[m].quantile(0.05),
                                "95%": predictive[m].quantile(0.95)} for m in others])
    parts = [
        f"# Calibration `{spec.name}`\n",
        f"{spec.description.strip()}\n" if spec.description else "",
        f"Command: `{command}`\n\nABC-SMC (pyabc) with {spec.particles} particles per population, {spec.replications} "
        f"simulation(s) per particle (metrics averaged), simulation seeds from the calibration range "
        f"[{spec.calibration_seeds[0]}, {spec.calibration_seeds[1]}), root seed {spec.seed}; {len(pops)} populations, "
        f"{int(pops['simulations'].sum())} simulations; stopped: {stopped}; this call: {seconds:.0f} s on {executor}.\n",
        "## Posterior (last population)\n",
        "90% interval = weighted 5% and 95% quantiles; `base` = the value before calibration.\n",
        _md_table(posterior.summary(spec)),
        "\n`calibrated.yaml` sets the weighted medians. Plots: `plots/marginals.png`, `plots/pairs.png`, "
        "`plots/predictive.png`, `plots/populations.png`.\n",
        "## Targets and the posterior predictive check\n",
        f"{len(predictive)} posterior draws, one run each on fresh calibration seeds"
        f"{'; ' + str(int(predictive['error'].notna().sum())) + ' failed' if 'error' in predictive else ''}. "
        "Distance = root mean square of (simulated - target) / scale over the targets.\n",
        _md_table(targets),
        "\nMetrics that were not targets, at the same draws:\n",
        _md_table(untargeted),
        "## Populations\n",
        _md_table(pops),
    ]
    if validation is not None:
        from ..replication.seeds import skipped
        from ..replication.summary import PLACEBO_SHARE, REPRODUCED_SHARE

        counted = validation[validation["status"] != NOT_A_TEST]
        apart = ("none of them a calibration seed" if skipped(*spec.calibration_seeds) else
                 f"which skip the project's calibration seed ranges but not necessarily this calibration's "
                 f"[{spec.calibration_seeds[0]}, {spec.calibration_seeds[1]})")
        parts += [
            "## Held-out check\n",
            f"The replication (`alliancesim replicate`) at the calibrated values: {spec.evaluation.runs} run(s) on seeds "
            f"spawned from root seed {spec.evaluation.seed}, {apart}. Findings that measure a target of this "
            "calibration were fitted, not predicted: they are listed as such and not counted.\n",
            f"{int((counted['status'] == 'reproduced').sum())} of {len(counted)} other findings read `reproduced` "
            f"(the replication's status: kind emergent, reproduced share >= {REPRODUCED_SHARE}, placebo share <= "
            f"{PLACEBO_SHARE}); assumed and calibration-kind findings cannot. Plot: `validation/held_out.png`.\n",
            _md_table(validation),
        ]
    return "\n".join(p for p in parts if p)
