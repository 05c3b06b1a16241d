"""Calibration configs: the installed ones, priors, targets and default scales (bad ones: test_command.py)."""

from __future__ import annotations

from pathlib import Path

from sim.calibration import load_calibration_spec, spec_from_dict
from sim.calibration.spec import Evaluation
from sim.replication.seeds import CALIBRATION_SEED_RANGES, evaluation_seeds, in_ranges, skipped
from tests.calibration.helpers import GOOD, with_

ROOT = Path(__file__).resolve().parents[2]


def test_installed_configs_are_valid_and_calibrate_inside_the_ranges_evaluation_skips():
    for path in sorted((ROOT / "configs" / "calibration").glob("*.yaml")):
        spec = load_calibration_spec(path)
        assert spec.evaluation is not None, path
        start, stop = spec.calibration_seeds
        assert any(low <= start and stop <= high for low, high in CALIBRATION_SEED_RANGES) and skipped(start, stop), path
        assert not any(in_ranges(s) for s in evaluation_seeds(spec.evaluation.seed, spec.evaluation.runs)), path
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
    assert spec.evaluation == Evaluation(seed=42, runs=2)
    # the held-out check is not part of the calibration: changing it resumes the same history
    assert spec_from_dict(with_(evaluation={"seed": 7, "runs": 3})).fingerprint() == spec.fingerprint()
    assert spec_from_dict(with_(calibration_seeds=None)).calibration_seeds == CALIBRATION_SEED_RANGES[0]
