"""Sweep analysis: replication CIs, SALib indices for Sobol/Morris designs, plots, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import ConfigError
from sim.cli import main
from sim.sweep import load_sweep_spec, run_sweep
from sim.sweep.analyze import aggregate, main_effects
from tests.sweep.helpers import write_sweep


def test_aggregate_gives_t_intervals_over_replications():
    runs = pd.DataFrame({"point": [0, 0, 0, 1, 1, 1], "status": ["ok"] * 5 + ["failed"], "k": [1, 1, 1, 2, 2, 2],
                         "m": [1.0, 2.0, 3.0, 5.0, 7.0, np.nan]})
    agg = aggregate(runs, ["k"], ["m"]).set_index("point")
    assert agg.loc[0, "mean"] == 2.0 and agg.loc[0, "n"] == 3
    half = 4.302652729911275 * 1.0 / np.sqrt(3)  # t(0.975, 2) * sd / sqrt(n)
    assert agg.loc[0, "ci_low"] == pytest.approx(2.0 - half) and agg.loc[0, "ci_high"] == pytest.approx(2.0 + half)
    assert agg.loc[1, "n"] == 2 and agg.loc[1, "mean"] == 6.0  # the failed run is left out
    eff = main_effects(runs, "k", "m")
    assert eff["x"].tolist() == [1.0, 2.0] and eff["mean"].tolist() == [2.0, 6.0]


def test_grid_sweep_analysis_writes_tables_effect_plots_and_heatmap(tmp_path):
    cfg = write_sweep(tmp_path)
    out = tmp_path / "out"
    run_sweep(load_sweep_spec(cfg), out, workers=1, progress=False)
    assert main(["analyze", str(out), "--metrics", "success_rate", "alliances"]) == 0
    points = pd.read_csv(out / "analysis" / "points.csv")
    assert len(points) == 4 * 2 and set(points["metric"]) == {"success_rate", "alliances"}
    assert (points["ci_low"] <= points["mean"]).all() and (points["mean"] <= points["ci_high"]).all()
    plots = sorted(p.name for p in (out / "analysis" / "plots").iterdir())
    assert plots == ["effect_learning.partner_specific_effect.png", "effect_selection.search_breadth.png",
                     "heatmap_learning.partner_specific_effect__selection.search_breadth.png"]
    with pytest.raises(ConfigError, match="no_such_metric"):
        from sim.sweep.report import analyze_sweep

        analyze_sweep(out, metrics=["no_such_metric"])


@pytest.mark.parametrize("method,samples,columns", [("sobol", 8, {"S1", "S1_conf", "ST", "ST_conf"}), ("morris", 4, {"mu", "mu_star", "sigma", "mu_star_conf"})])
def test_sensitivity_designs_get_salib_indices_and_bars(tmp_path, method, samples, columns):
    design = {"method": method, "samples": samples, "parameters": {
        "selection.search_probability": {"low": 0.05, "high": 0.6},
        "run.ticks_per_year": {"low": 2, "high": 12},
    }}
    # every run has its own seed, so an inert parameter's index is seed noise: the market is large enough (100 firms,
    # 30 ticks) for the search probability's effect to stand well above it (it did at every sweep seed 11-20)
    cfg = write_sweep(tmp_path, design=design, replications=1, fixed={"firms.n": 100, "run.ticks": 30})
    out = tmp_path / "out"
    run_sweep(load_sweep_spec(cfg), out, workers=1, progress=False)
    assert main(["analyze", str(out), "--metrics", "alliances"]) == 0
    indices = pd.read_csv(out / "analysis" / f"{method}_indices.csv")
    assert columns <= set(indices.columns)
    assert indices["parameter"].tolist() == ["selection.search_probability", "run.ticks_per_year"]
    # the search probability drives how many alliances form; ticks per year only label the ticks (no effect)
    lead = "ST" if method == "sobol" else "mu_star"
    assert indices.loc[0, lead] > indices.loc[1, lead]
    assert (out / "analysis" / "plots" / f"sensitivity_{method}.png").is_file()


@pytest.mark.slow
def test_an_experiment_script_runs_its_sweep_and_writes_its_figure(tmp_path):
    """The experiments share one harness (experiments/_common.py); run the cheapest end to end."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "ps"
    cmd = [sys.executable, str(root / "experiments" / "partner_specific.py"), "--reps", "2", "--workers", "1", "--quiet",
           "--set", "firms.n=20", "--set", "run.ticks=12", "--out", str(out)]
    done = subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True, timeout=900)  # a hang guard, not a speed target
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(pd.read_parquet(out / "runs")) == 5 * 2
    assert (out / "analysis" / "plots" / "partner_specific_sign.png").stat().st_size > 10_000
    assert len(pd.read_csv(out / "analysis" / "partner_specific_sign.csv")) == 5
