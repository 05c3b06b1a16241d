"""benchmarks/agreement.py inside the suite: the model's key run metrics over seeds agree with the distributions
recorded at the config and commit benchmarks/agreement.json names."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

AGREEMENT_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "agreement.py"
_spec = importlib.util.spec_from_file_location("agreement", AGREEMENT_PY)
agreement = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(agreement)


def test_the_comparison_flags_a_shifted_metric_and_passes_an_identical_one():
    rng = np.random.default_rng(0)
    ref = {"m": list(rng.normal(1.0, 0.1, 8))}
    assert agreement.compare(ref, ref)["m"]["z"] == 0.0
    assert abs(agreement.compare(ref, {"m": [v + 0.5 for v in ref["m"]]})["m"]["z"]) > agreement.Z_LIMIT


def test_the_reference_names_every_key_of_the_schema():
    """A key added after the reference was recorded would take its current default there, which may not be the
    model the reference ran: it must be written into the record with the value that reproduces that model."""
    from sim.config import Config

    assert set(json.loads(agreement.REFERENCE.read_text())["config"]) == set(Config().flat())


@pytest.mark.slow
def test_key_run_metrics_agree_with_the_recorded_distributions():
    reference = json.loads(agreement.REFERENCE.read_text())
    assert reference["seeds"] == agreement.SEEDS and reference["config"] == agreement.reference_config()
    result = agreement.compare(reference["metrics"], agreement.collect(agreement.SEEDS))
    disagree = {name: r for name, r in result.items() if not abs(r["z"]) <= agreement.Z_LIMIT}
    assert not disagree, disagree
