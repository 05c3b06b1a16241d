"""sim.specfile: one loader for sweep and calibration config files, the base config, errors that name the kind."""

from __future__ import annotations

import pytest
import yaml

from sim.calibration import load_calibration_spec
from sim.calibration import spec_from_dict as calibration_from_dict
from sim.config import ConfigError
from sim.specfile import non_negative_int, positive_int
from sim.sweep import load_sweep_spec
from sim.sweep import spec_from_dict as sweep_from_dict
from tests.calibration.helpers import GOOD

SWEEP = {"set": {"run.ticks": 4}, "design": {"method": "grid", "parameters": {"selection.search_breadth": [2, 3]}}}


@pytest.mark.parametrize("load, data", [(load_sweep_spec, SWEEP), (load_calibration_spec, {**GOOD, "set": {"run.ticks": 4}})])
def test_either_kind_reads_its_base_relative_to_its_file_and_is_named_after_it(tmp_path, load, data):
    folder = tmp_path / "specs"
    (folder / "models").mkdir(parents=True)
    (folder / "models" / "base.yaml").write_text("firms:\n  n: 33\n")
    data = {k: v for k, v in data.items() if k != "name"}
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump({**data, "base": "models/base.yaml"}))
    spec = load(path, overrides={"run.seed": 7})
    assert spec.base.firms.n == 33 and spec.base.run.ticks == 4 and spec.base.run.seed == 7
    assert spec.name == "study" and spec.source == str(path) and spec.description == ""
    assert spec.fingerprint() == load(path, overrides={"run.seed": 7}).fingerprint()


@pytest.mark.parametrize("kind, parse, data", [("sweep", sweep_from_dict, SWEEP), ("calibration", calibration_from_dict, GOOD)])
def test_errors_name_the_kind_of_config(kind, parse, data):
    with pytest.raises(ConfigError, match=f"{kind} config key 'set'"):
        parse({**data, "set": [1, 2]})
    with pytest.raises(ConfigError, match=f"unknown {kind} config key 'colour'"):
        parse({**data, "colour": "red"})
    assert parse(data).name == data.get("name", kind) and parse(data).source is None


def test_counts_are_integers_not_booleans():
    assert positive_int("sweep", "replications", 3) == 3 and non_negative_int("sweep", "seed", 0) == 0
    for bad in (0, -1, True, 2.0, "3"):
        with pytest.raises(ConfigError, match="positive integer"):
            positive_int("sweep", "replications", bad)
    for bad in (-1, False, 1.5):
        with pytest.raises(ConfigError, match="non-negative integer"):
            non_negative_int("calibration", "seed", bad)
