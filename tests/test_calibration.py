"""Calibration configs, the particle model and distance, calibrated.yaml: fast checks, no ABC run."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sim import metrics
from sim.calibration import load_calibration_spec, spec_from_dict
from sim.calibration.run import ParticleModel, TargetDistance, model_for
from sim.cli import main
from sim.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "name": "tiny",
    "set": {"firms.n": 30, "run.ticks": 20},
    "parameters": {"execution.base_logit_exploration": {"low": -1.0, "high": 1.5},
                   "exit.conflict_hazard": {"low": 0.002, "high": 0.05, "scale": "log"}},
    "targets": {"failure_share": 0.5, "underperforming_share": {"value": 0.5, "scale": 0.15}},
    "populations": 2,
    "particles": 10,
    "replications": 2,
    "seed": 5,
    "calibration_seeds": [1000, 2000],
    "evaluation_seeds": [42, 44],
}


def write(folder: Path, data: dict, name: str = "calib") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def with_(**changes) -> dict:
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_installed_configs_are_valid_and_keep_seeds_apart():
    for path in sorted((ROOT / "configs" / "calibration").glob("*.yaml")):
        spec = load_calibration_spec(path)
        assert spec.evaluation_seeds is not None, path
        (c0, c1), (e0, e1) = spec.calibration_seeds, spec.evaluation_seeds
        assert c1 <= e0 or e1 <= c0, path
    smoke = load_calibration_spec(ROOT / "configs" / "calibration" / "smoke.yaml")
    assert len(smoke.parameters) == 2


def test_spec_reads_priors_targets_and_default_scales():
    spec = spec_from_dict(GOOD)
    assert spec.parameters["exit.conflict_hazard"].scale == "log"
    assert spec.targets["failure_share"].scale == 0.5  # default: relative to the observed value
    assert spec.targets["underperforming_share"].scale == 0.15
    assert spec.base.firms.n == 30 and spec.base_overrides() == {"firms.n": 30, "run.ticks": 20}
    # the stopping rules are not part of the identity: a calibration can be continued for more populations
    assert spec_from_dict(with_(populations=5)).fingerprint() == spec.fingerprint()
    assert spec_from_dict(with_(seed=6)).fingerprint() != spec.fingerprint()


BAD = [
    (with_(parameters={"execution.no_such_key": {"low": 0, "high": 1}}), "execution.no_such_key"),
    (with_(parameters={"exit.conflict_hazard": {"low": 0.001, "high": 1.5}}), "1.5"),
    (with_(parameters={"firms.share_large": {"low": -0.2, "high": 0.5}}), "-0.2"),
    (with_(parameters={"execution.base_logit_exploration": {"low": 1.0, "high": 1.0}}), "low=1.0"),
    (with_(parameters={"execution.base_logit_exploration": {"low": 2.0, "high": -1.0}}), "low=2.0"),
    (with_(parameters={"exit.conflict_hazard": {"low": 0.0, "high": 0.1, "scale": "log"}}), "low=0.0"),
    (with_(parameters={"exit.conflict_hazard": {"low": 0.01, "high": 0.1, "scale": "cubic"}}), "cubic"),
    (with_(parameters={"selection.search_breadth": {"low": 2.5, "high": 8}}), "2.5"),
    (with_(parameters={"output.format": {"low": 0, "high": 1}}), "output.format"),
    (with_(targets={"no_such_metric": 0.5}), "no_such_metric"),
    (with_(targets={"failure_share": "half"}), "half"),
    (with_(targets={"repeat_share": 0.0}), "repeat_share"),
    (with_(targets={"failure_share": {"value": 0.5, "scale": -1}}), "-1"),
    (with_(populations=None), "populations"),
    (with_(populations=0), "populations"),
    (with_(epsilon=-0.1), "epsilon"),
    (with_(particles=None), "particles"),
    (with_(calibration_seeds=[5, 5]), "calibration_seeds"),
    (with_(calibration_seeds=[0, 1]), "calibration_seeds"),  # fewer seeds than replications
    (with_(evaluation_seeds=[1500, 1600]), "evaluation_seeds"),  # overlaps the calibration seeds
    (with_(tolerance=0.1), "tolerance"),
    (with_(set={"firms.nn": 3}), "firms.nn"),
]


@pytest.mark.parametrize("data,needle", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_config_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, data, needle):
    out = tmp_path / "out"
    assert main(["calibrate", str(write(tmp_path, data)), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and err.startswith("alliancesim: error:")
    assert not out.exists()


def test_bad_command_line_exits_2_before_any_run(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    out = tmp_path / "out"
    for argv, needle in [
        (["--set", "run.ticks=-3"], "run.ticks"),
        (["--set", "execution.base_logit_exploration=0.3"], "calibrated"),
        (["--workers", "0"], "--workers"),
    ]:
        assert main(["calibrate", str(cfg), "--out", str(out), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err
        assert not out.exists()
    no_eval = write(tmp_path, with_(evaluation_seeds=None), "noeval")
    assert main(["calibrate", str(no_eval), "--out", str(out), "--validate"]) == 2
    assert "evaluation_seeds" in capsys.readouterr().err and not out.exists()


def test_refuses_a_folder_that_holds_something_else(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "file.txt").write_text("x")
    assert main(["calibrate", str(cfg), "--out", str(busy)]) == 2
    assert "not empty" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    spec = spec_from_dict(with_(seed=99))
    (other / "calibration.json").write_text(f'{{"name": "x", "fingerprint": "{spec.fingerprint()}"}}')
    assert main(["calibrate", str(cfg), "--out", str(other)]) == 2
    assert "different calibration" in capsys.readouterr().err


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


def test_calibrated_yaml_is_a_loadable_config_at_the_weighted_median(tmp_path):
    from sim.calibration.report import Posterior, calibrated_yaml

    spec = spec_from_dict(with_(parameters={**GOOD["parameters"], "selection.search_breadth": {"low": 2, "high": 12}}))
    particles = pd.DataFrame({
        "execution.base_logit_exploration": [0.1, 0.2, 0.9],
        "exit.conflict_hazard": [0.004, 0.02, 0.03],
        "selection.search_breadth": [3.4, 6.6, 9.0],
        "weight": [0.25, 0.5, 0.25],  # pyabc interpolates the weighted median; here it lands on 0.2
    })
    pops = pd.DataFrame({"population": [0], "epsilon": [0.2], "particles": [3], "acceptance_rate": [0.5],
                         "simulations": [6], "wall_time": [1.0]})
    text = calibrated_yaml(spec, Posterior(particles, pops), "calib.yaml")
    path = tmp_path / "calibrated.yaml"
    path.write_text(text)
    cfg = load_config(path)
    assert cfg.execution.base_logit_exploration == 0.2 and cfg.exit.conflict_hazard == 0.02
    assert cfg.selection.search_breadth == 7  # an integer key: the median 6.6, rounded
    assert cfg.firms.n == 30 and cfg.run.ticks == 20  # the calibration's fixed overrides come along
    set_line = next(line for line in text.splitlines() if "--set" in line)
    assert "--set execution.base_logit_exploration=0.2" in set_line


def test_subcommand_is_registered(capsys):
    assert main(["calibrate", "--help"]) == 0  # main returns argparse's exit status
    assert "--scheduler" in capsys.readouterr().out


def test_model_config_errors_are_config_errors():
    model = ParticleModel({}, dict(spec_from_dict(GOOD).parameters), 1, (0, 10), 1)
    with pytest.raises(ConfigError):
        model.config({"execution.base_logit_exploration": 0.1, "exit.conflict_hazard": 2.0})


def test_held_out_check_lists_calibration_targets_and_never_counts_them(monkeypatch):
    import types

    import sim.replication
    from sim.calibration.report import held_out

    calls = {}

    def fake_replicate(overrides, seed, runs, progress=False):
        calls.update(overrides=overrides, seed=seed, runs=runs)
        rows = pd.DataFrame({"finding": ["R1", "R1", "R12", "R14"], "variable": ["x", "x^2", "failure_share", "underperforming_share"],
                             "matches": [True, True, True, False], "seed": [42, 42, 42, 42]})
        robust = pd.DataFrame({"finding": ["R1", "R12", "R14"], "share_reproduced": [1.0, 1.0, 0.0],
                               "required": [0.9, 0.9, 0.9], "meets_requirement": [True, True, False]})
        return types.SimpleNamespace(runs=rows, robustness=robust)

    monkeypatch.setattr(sim.replication, "replicate", fake_replicate)
    spec = spec_from_dict(GOOD)
    table = held_out(spec, {"execution.base_logit_exploration": 0.3}).set_index("finding")
    assert calls == {"overrides": {"execution.base_logit_exploration": 0.3}, "seed": 42, "runs": 2}
    assert table.loc["R1", "status"] == "holds" and not table.loc["R1", "calibrated_target"]
    assert table.loc["R12", "status"] == "calibration target (not a test)" and table.loc["R12", "calibration_target"] == "failure_share"
    assert table.loc["R14", "calibrated_target"] and table.loc["R14", "status"] != "does not hold"
