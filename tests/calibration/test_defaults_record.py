"""The defaults are the recorded calibration's choice (docs/figures/calibration-patterns/calibrated.yaml), and
scripts/apply_defaults.py writes a calibration's values into the schema."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from sim.config import CONFIGS_DIR, DEFAULTS_CALIBRATION, Config, flatten

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "docs" / "figures" / "calibration-patterns" / "calibrated.yaml"
_spec = importlib.util.spec_from_file_location("apply_defaults", ROOT / "scripts" / "apply_defaults.py")
apply_defaults = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(apply_defaults)


def test_every_calibrated_default_is_the_recorded_choice_to_four_significant_digits():
    chosen = flatten(yaml.safe_load(RECORD.read_text()))
    calibration = yaml.safe_load((CONFIGS_DIR / DEFAULTS_CALIBRATION).read_text())
    assert set(chosen) == set(calibration["design"]["parameters"])
    defaults = Config().flat()
    for key, value in chosen.items():
        assert defaults[key] == pytest.approx(float(f"{value:.4g}"), rel=1e-12), key


def test_applying_values_rewrites_exactly_their_defaults(tmp_path):
    source = (ROOT / "sim" / "config.py").read_text()
    values = {"learning.general_returns": 1.234567, "firms.large.capture_rate": 0.0123456, "portfolio.overconfidence": 2.5}
    out = apply_defaults.apply(values, source)
    changed = [(a, b) for a, b in zip(source.splitlines(), out.splitlines()) if a != b]
    assert len(changed) == 3 and len(out.splitlines()) == len(source.splitlines())
    assert any("Field(1.235," in b for _, b in changed) and any("capture_rate=0.01235," in b for _, b in changed)
    assert any("Field(2.5," in b for _, b in changed)
    with pytest.raises(KeyError, match="learning.no_such_key"):
        apply_defaults.apply({"learning.no_such_key": 1.0}, source)
