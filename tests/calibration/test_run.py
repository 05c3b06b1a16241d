"""ABC-SMC (sim.calibration.run): the particle model and distance (fast), and runs: recovery of a known value,
kill and resume, the command on local processes and on Dask (slow, need pyabc)."""

from __future__ import annotations

import importlib.util
import json
import math
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import metrics, simulate
from sim.calibration import spec_from_dict
from sim.calibration.report import INTERVAL, read_posterior
from sim.calibration.run import (HISTORY, ParticleModel, TargetDistance, calibrate, completed_populations, model_for,
                                 stored_populations)
from sim.cli import main
from sim.config import ConfigError, load_config
from tests.calibration.helpers import GOOD, with_

needs_pyabc = pytest.mark.skipif(importlib.util.find_spec("pyabc") is None, reason="pyabc (the calibrate extra) is not installed")

ROOT = Path(__file__).resolve().parents[2]
KEY = "execution.base_logit_exploration"
TINY = {"firms.n": 30, "run.ticks": 20, "run.burn_in": 20}


def one_parameter_spec(observed: float, **changes):
    data = {
        "name": "recovery",
        "set": TINY,
        "parameters": {KEY: {"low": -2.0, "high": 3.0}},
        "targets": {"failure_share": {"value": observed, "scale": 0.1}},
        "populations": 3,
        "particles": 20,
        "replications": 2,
        "seed": 17,
        "calibration_seeds": [1000, 100000],
        **changes,
    }
    return spec_from_dict(data)


# every alliance an exploration alliance, no conflict (neither the hazard nor its lopsided part), no coordination cost
# and no logit gain from general know-how, so the calibrated base logit drives the failure share (with them, conflict
# and overload decide most failures and the base logit is barely identified); 80 ticks, so that alliances can reach
# their goal within the run.  The failure share falls from 0.72 at logit -2 to 0.60 at 1, 0.46 at 2, 0.39 at 2.5 and
# 0.33 at 3 (seeds 1-4), hence the truth.
RECOVERY = {"firms.n": 40, "run.ticks": 80, "run.burn_in": 20, "selection.exploration_target": 1.0, "exit.conflict_hazard": 0.0,
            "exit.lopsided_conflict": 0.0, "execution.coordination_penalty": 0.0, "learning.general_returns": 0.0}


@pytest.mark.slow
@needs_pyabc
def test_recovers_a_known_parameter_value(tmp_path):
    truth = 2.5
    cfg = load_config(overrides={**RECOVERY, KEY: truth})
    observed = float(np.mean([simulate(cfg, seed).metrics["failure_share"] for seed in range(1, 5)]))  # not calibration seeds
    spec = one_parameter_spec(observed, set=RECOVERY, particles=15, replications=1,
                              targets={"failure_share": {"value": observed, "scale": 0.05}})
    cal = calibrate(spec, tmp_path / "out", workers=2, progress=False)
    assert cal.populations == 3
    posterior = read_posterior(spec, tmp_path / "out")
    row = posterior.summary(spec).iloc[0]
    assert row["low"] <= truth <= row["high"], row.to_dict()
    prior_width = spec.parameters[KEY].high - spec.parameters[KEY].low
    assert row["high"] - row["low"] < 0.5 * prior_width, row.to_dict()  # the data moved the prior, not just kept it
    assert posterior.particles["weight"].sum() == pytest.approx(1.0)
    assert (posterior.populations["epsilon"].diff().dropna() < 0).all()


# --------------------------------------------------------- kill and resume
def toy_simulate(config, seed):
    """A cheap stochastic stand-in for the model: the failure share falls with the milestone logit."""
    rng = np.random.default_rng(seed)
    x = config.execution.base_logit_exploration
    out = {name: float("nan") for name in metrics.NAMES}
    out["failure_share"] = 1.0 / (1.0 + math.exp(x)) + rng.normal(0.0, 0.03)
    return out


def toy_spec():
    return one_parameter_spec(0.4, populations=4, particles=15, replications=1, seed=3)


def _die_after(out: str, calls: int) -> None:
    """Run the toy calibration in one process and kill it (os._exit) at the given simulation call."""
    count = {"n": 0}

    def simulate_then_die(config, seed):
        count["n"] += 1
        if count["n"] == calls:
            os._exit(9)
        return toy_simulate(config, seed)

    calibrate(toy_spec(), Path(out), workers=1, progress=False, simulate=simulate_then_die)


def _simulations_until(out: Path, population: int) -> int:
    """Model calls up to and including ``population`` (pyabc's prior sample for the first epsilon included)."""
    import pyabc

    pops = pyabc.History("sqlite:///" + str(out / HISTORY), _id=1).get_all_populations()
    return int(pops.loc[pops["t"] <= population, "samples"].sum())


@pytest.mark.slow
@needs_pyabc
def test_one_process_calibration_killed_mid_population_resumes_to_the_identical_posterior(tmp_path):
    spec = toy_spec()
    calibrate(spec, tmp_path / "whole", workers=1, progress=False, simulate=toy_simulate)
    whole = read_posterior(spec, tmp_path / "whole")
    pop1 = _simulations_until(tmp_path / "whole", 1)
    kill_at = (_simulations_until(tmp_path / "whole", 0) + pop1) // 2 + 1  # in the middle of population 1
    child = multiprocessing.get_context("fork").Process(target=_die_after, args=(str(tmp_path / "killed"), kill_at))
    child.start()
    child.join()
    assert child.exitcode == 9
    assert len(completed_populations(tmp_path / "killed")) == 1  # died inside population 1: only population 0 is stored
    resumed = calibrate(spec, tmp_path / "killed", workers=1, progress=False, simulate=toy_simulate)
    assert resumed.ran == 3 and resumed.populations == 4
    again = read_posterior(spec, tmp_path / "killed")
    pd.testing.assert_frame_equal(again.particles, whole.particles)
    pd.testing.assert_frame_equal(again.populations.drop(columns="wall_time"), whole.populations.drop(columns="wall_time"))


@pytest.mark.slow
@needs_pyabc
def test_stops_when_epsilon_is_reached_or_acceptance_falls_and_continues_for_more_populations(tmp_path):
    eps = one_parameter_spec(0.4, populations=None, epsilon=0.5, particles=10, replications=1, seed=4)
    done = calibrate(eps, tmp_path / "eps", workers=1, progress=False, simulate=toy_simulate)
    epsilons = completed_populations(tmp_path / "eps")["epsilon"]
    assert epsilons.iloc[-1] <= 0.5 < epsilons.iloc[:-1].min() and done.stopped.startswith("epsilon")
    strict = one_parameter_spec(0.4, populations=8, particles=10, replications=1, seed=4, min_acceptance_rate=0.45)
    stopped = calibrate(strict, tmp_path / "rate", workers=1, progress=False, simulate=toy_simulate)
    assert stopped.populations < 8 and "acceptance" in stopped.stopped, stopped
    more = one_parameter_spec(0.4, populations=done.populations + 1, particles=10, replications=1, seed=4)
    assert more.fingerprint() == eps.fingerprint()  # same calibration, longer: it continues in the same folder
    extended = calibrate(more, tmp_path / "eps", workers=1, progress=False, simulate=toy_simulate)
    assert extended.ran == 1 and extended.populations == done.populations + 1


def write_calibration(folder: Path, data: dict) -> Path:
    path = folder / "calib.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
@needs_pyabc
def test_command_killed_mid_population_keeps_completed_populations_and_continues(tmp_path):
    """Parallel samplers draw from OS-seeded workers: what pyabc promises is the stored populations and a continued run."""
    cfg = write_calibration(tmp_path, {
        # a longer burn-in than TINY's keeps each simulation long enough for the kill to land inside population 1
        "name": "kill", "set": {**TINY, "run.burn_in": 60}, "parameters": {KEY: {"low": -2.0, "high": 3.0}},
        "targets": {"failure_share": {"value": 0.45, "scale": 0.1}}, "populations": 3, "particles": 12,
        "replications": 1, "seed": 8, "calibration_seeds": [1000, 100000],
    })
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "sim", "calibrate", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]
    proc = subprocess.Popen(argv, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def first_population_stored() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"calibration ended before it was killed: {proc.stderr.read().decode()}")
            return stored_populations(out) >= 1
        wait_for(first_population_stored, 600, "population 0 in the history database")
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its sampler processes (its own session)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    before = completed_populations(out)
    assert len(before) == 1, before
    stored = read_posterior_at(out, 0)
    assert main(["calibrate", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    after = completed_populations(out)
    assert len(after) == 3
    pd.testing.assert_frame_equal(after.iloc[:1][["t", "samples", "epsilon", "particles"]], before[["t", "samples", "epsilon", "particles"]])
    pd.testing.assert_frame_equal(read_posterior_at(out, 0), stored)  # population 0 untouched by the resumed run
    assert set(pd.read_parquet(out / "posterior.parquet").columns) == {KEY, "weight"}


def read_posterior_at(out: Path, t: int) -> pd.DataFrame:
    import pyabc

    df, w = pyabc.History("sqlite:///" + str(out / HISTORY), _id=1).get_distribution(m=0, t=t)
    return df.reset_index(drop=True).assign(weight=w)


# ------------------------------------------------------------ Dask smoke
@pytest.mark.slow
@needs_pyabc
def test_smoke_calibration_on_a_dask_local_cluster(tmp_path):
    pytest.importorskip("distributed")
    data = yaml.safe_load((ROOT / "configs" / "calibration" / "smoke.yaml").read_text())
    data.update(populations=2, particles=10)  # the smoke calibration, shortened for the test suite
    data["set"] = {**data["set"], "firms.n": 40}
    cfg = write_calibration(tmp_path, data)
    out = tmp_path / "out"
    assert main(["calibrate", str(cfg), "--out", str(out), "--scheduler", "local", "--workers", "2", "--quiet"]) == 0
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert list(posterior.columns) == [*data["parameters"], "weight"] and len(posterior) == 10
    populations = pd.read_parquet(out / "populations.parquet")
    assert list(populations.columns[:5]) == ["population", "epsilon", "particles", "acceptance_rate", "simulations"]
    assert populations["population"].tolist() == [0, 1] and (populations["acceptance_rate"] <= 1).all()
    calibrated = load_config(out / "calibrated.yaml")
    for key, prior in data["parameters"].items():
        section, name = key.split(".")
        assert prior["low"] <= getattr(getattr(calibrated, section), name) <= prior["high"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert "Dask" in manifest["executor"] and manifest["calibration_seeds"] == data["calibration_seeds"]
    assert manifest["git"]["commit"] and manifest["pyabc"]
    for plot in ("marginals", "pairs", "predictive", "populations"):
        assert (out / "plots" / f"{plot}.png").stat().st_size > 0
    report = (out / "report.md").read_text()
    assert "Posterior" in report and "predictive" in report
    assert INTERVAL == (0.05, 0.95)


def test_particle_seeds_are_deterministic_distinct_and_inside_the_range():
    model = model_for(spec_from_dict(with_(replications=3)))
    particle = {"execution.base_logit_exploration": 0.3, "exit.conflict_hazard": 0.01}
    seeds = model.seeds(particle)
    assert seeds == model.seeds(dict(particle)) and len(set(seeds)) == 3
    assert all(1000 <= s < 2000 for s in seeds)
    assert model.seeds({**particle, "exit.conflict_hazard": 0.0100001}) != seeds
    other_root = model_for(spec_from_dict(with_(replications=3, seed=6)))
    assert other_root.seeds(particle) != seeds


def fake_metrics(value: float) -> dict[str, float]:
    return {name: value for name in metrics.NAMES}


def test_particle_model_averages_replications_and_applies_overrides():
    seen = []

    def simulate(config, seed):
        seen.append((config.execution.base_logit_exploration, config.exit.conflict_hazard, config.firms.n, seed))
        return fake_metrics(float(seed))

    model = model_for(spec_from_dict(GOOD), simulate=simulate)
    particle = {"execution.base_logit_exploration": 0.3, "exit.conflict_hazard": 0.01}
    out = model(particle)
    seeds = model.seeds(particle)
    assert [s[3] for s in seen] == seeds
    assert {s[:3] for s in seen} == {(0.3, 0.01, 30)}
    assert out["failure_share"] == pytest.approx(np.mean(seeds)) and out["failed_runs"] == 0


def test_failed_or_undefined_runs_reject_the_particle_instead_of_raising():
    def boom(config, seed):
        raise RuntimeError("model failure")

    particle = {"execution.base_logit_exploration": 0.3, "exit.conflict_hazard": 0.01}
    spec = spec_from_dict(GOOD)
    distance = TargetDistance({k: t.scale for k, t in spec.targets.items()})
    observed = {k: t.value for k, t in spec.targets.items()}
    failed = model_for(spec, simulate=boom)(particle)
    assert failed["failed_runs"] == 2 and distance(failed, observed) == math.inf
    undefined = model_for(spec, simulate=lambda c, s: {**fake_metrics(0.5), "underperforming_share": float("nan")})(particle)
    assert distance(undefined, observed) == math.inf
    exact = model_for(spec, simulate=lambda c, s: fake_metrics(0.5))(particle)
    assert distance(exact, observed) == 0.0
    off = {**exact, "failure_share": 0.6, "underperforming_share": 0.35}  # (0.1/0.5, -0.15/0.15) -> rms of (0.2, 1)
    assert distance(off, observed) == pytest.approx(math.sqrt((0.2**2 + 1.0) / 2))


def test_model_config_errors_are_config_errors():
    model = ParticleModel({}, dict(spec_from_dict(GOOD).parameters), 1, (0, 10), 1)
    with pytest.raises(ConfigError):
        model.config({"execution.base_logit_exploration": 0.1, "exit.conflict_hazard": 2.0})
