"""The config schema: defaults mirrored by baseline.yaml, overrides, and bad input."""

from pathlib import Path

import pytest
import yaml

from sim import ConfigError, load_config
from sim.config import Config, flatten, parse_override, to_yaml

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "configs" / "baseline.yaml"


def test_baseline_file_equals_schema_defaults():
    from_file = load_config(BASELINE)
    assert from_file == Config()
    # and the file states every key explicitly, so readers see every value
    assert set(flatten(yaml.safe_load(BASELINE.read_text()))) == set(Config().flat())


def test_baseline_file_is_what_to_yaml_writes():
    assert BASELINE.read_text() == to_yaml(Config()), "regenerate: python -m sim config > configs/baseline.yaml"


def test_overrides_reach_nested_keys():
    cfg = load_config(overrides={"firms.n": 1000, "firms.small.capture_rate": 0.9, "learning.partner_specific_effect": 0.5})
    assert cfg.firms.n == 1000
    assert cfg.firms.small.capture_rate == 0.9
    assert cfg.learning.partner_specific_effect == 0.5


def test_double_underscore_keys_work_like_dots():
    assert load_config(overrides={"firms__n": 77}).firms.n == 77


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        ({"firms.bogus": 1}, ["firms.bogus", "1"]),
        ({"nosuchsection.x": 1}, ["nosuchsection.x"]),
        ({"selection.search_probability": 1.5}, ["selection.search_probability", "1.5"]),
        ({"firms.n": -3}, ["firms.n", "-3"]),
        ({"run.ticks": -1}, ["run.ticks", "-1"]),
        ({"firms.n": "many"}, ["firms.n", "many"]),
        ({"firms": 3}, ["firms"]),
    ],
)
def test_bad_values_name_key_and_value_in_one_line(overrides, fragments):
    with pytest.raises(ConfigError) as err:
        load_config(overrides=overrides)
    message = str(err.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_unknown_key_in_file_is_an_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("firms:\n  n: 10\n  colour: blue\n")
    with pytest.raises(ConfigError, match=r"firms\.colour.*blue"):
        load_config(path)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_invalid_yaml_is_an_error(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("firms: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_partial_file_keeps_other_defaults(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("firms:\n  n: 42\nrun:\n  ticks: 8\n")
    cfg = load_config(path)
    assert (cfg.firms.n, cfg.run.ticks) == (42, 8)
    assert cfg.learning == Config().learning


def test_parse_override_reads_yaml_values():
    assert parse_override("firms.n=500") == ("firms.n", 500)
    assert parse_override("learning.partner_specific_effect=-0.5") == ("learning.partner_specific_effect", -0.5)
    assert parse_override("output.csv=true") == ("output.csv", True)
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_override("firms.n")


def test_flat_round_trips_through_overrides():
    cfg = load_config(overrides={"firms.n": 99, "exit.max_duration": 12})
    assert load_config(overrides=cfg.flat()) == cfg
