"""Shared plumbing of the headline-sweep scripts: options, run, analyse, figure helpers.

Each script names one sweep config in ``configs/sweeps/`` and adds its own
figure; everything else (resume, progress, CIs, standard plots) is the sweep
machinery's.  Re-running a script resumes its sweep folder.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from sim.config import parse_override  # noqa: E402
from sim.sweep import load_sweep_spec, run_sweep  # noqa: E402
from sim.sweep.analyze import load_runs, main_effects  # noqa: E402
from sim.sweep.report import analyze_sweep  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["run_experiment", "plt", "pd", "main_effects", "save", "band", "effect_panels"]


def run_experiment(name: str, doc: str, metrics: list[str] | None = None):
    """Parse options, run (or resume) ``configs/sweeps/<name>.yaml``, analyse it; returns (args, out, runs)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--reps", "--runs", dest="reps", type=int, default=None, help="replications per point (default: the config's)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", default=None, help="Dask scheduler address or 'local'")
    parser.add_argument("--out", default=None, help="sweep folder (default: results/experiments/<name>-r<reps>)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a base config key")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    spec = load_sweep_spec(ROOT / "configs" / "sweeps" / f"{name}.yaml", overrides=dict(parse_override(s) for s in args.overrides))
    if args.reps is not None:
        spec = dataclasses.replace(spec, replications=args.reps)
    out = Path(args.out) if args.out else ROOT / "results" / "experiments" / f"{name}-r{spec.replications}"
    report = run_sweep(spec, out, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet)
    analysis = analyze_sweep(out, metrics=metrics)
    print(f"{name}: {report.runs} runs ({report.ran} run now, {report.failed} failed) in {report.seconds:.1f} s -> {out}")
    args.figures = analysis.folder / "plots"
    return args, out, load_runs(out)


def save(fig, args, filename: str) -> Path:
    path = args.figures / filename
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"  figure {path}")
    return path


def band(ax, effect: pd.DataFrame, label: str, color: str | None = None) -> None:
    """Mean line with its 95% CI band."""
    line, = ax.plot(effect["x"], effect["mean"], marker="o", label=label, color=color)
    ax.fill_between(effect["x"], effect["ci_low"], effect["ci_high"], alpha=0.2, color=line.get_color())


def effect_panels(runs: pd.DataFrame, x: str, by: str, metrics: dict[str, str], xlabel: str, by_label: str, title: str):
    """One panel per metric (``{column: axis label}``): mean over replications vs ``x``
    with its 95% CI band, one line per value of ``by``."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.4 * len(metrics), 3.8), squeeze=False)
    for ax, (metric, ylabel) in zip(axes[0], metrics.items()):
        for value, group in runs.groupby(by):
            band(ax, main_effects(group, x, metric), f"{by_label} {value:g}")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title)
    return fig
