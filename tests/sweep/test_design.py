"""Sweep configs, designs and seeds: validation errors, SALib designs, seed independence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim import ConfigError
from sim.cli import main
from sim.sweep import design_points, load_sweep_spec, run_seeds, seed_for, spec_from_dict
from sim.sweep.design import check_points
from tests.sweep.helpers import write_sweep


def spec(design, **kw):
    return spec_from_dict({"set": {"firms.n": 24, "run.ticks": 16}, "design": design, "replications": 2, "seed": 5, **kw})


def test_smoke_config_meets_the_contract():
    s = load_sweep_spec(Path(__file__).resolve().parents[2] / "configs" / "sweeps" / "smoke.yaml")
    points = design_points(s)
    assert s.method == "grid" and len(s.keys) >= 2 and s.replications >= 2
    assert len(points) * s.replications <= 40
    assert list(points.columns) == s.keys


def test_grid_is_the_full_factorial_in_order():
    s = spec({"method": "grid", "parameters": {"learning.partner_specific_effect": [-1.0, 0.0, 1.0], "selection.search_breadth": [2, 6]}})
    pts = design_points(s)
    assert len(pts) == 6
    assert pts.iloc[1].tolist() == [-1.0, 6]
    assert set(map(tuple, pts.to_numpy().tolist())) == {(a, b) for a in (-1.0, 0.0, 1.0) for b in (2, 6)}


def test_ablate_is_the_base_then_each_key_at_each_value_alone():
    s = spec({"method": "ablate", "parameters": {"learning.general_returns": 0, "selection.search_breadth": [2, 12]},
              }, set={"firms.n": 24, "run.ticks": 16, "learning.general_returns": 3.0})
    pts = design_points(s)
    base = s.base.flat()
    assert s.parameters == {"learning.general_returns": (0.0,), "selection.search_breadth": (2, 12)}
    assert pts.iloc[0].to_dict() == {"learning.general_returns": 3.0, "selection.search_breadth": base["selection.search_breadth"]}
    assert pts["learning.general_returns"].tolist() == [3.0, 0.0, 3.0, 3.0]
    assert pts["selection.search_breadth"].tolist() == [base["selection.search_breadth"]] * 2 + [2, 12]
    changed = (pts != pts.iloc[0]).sum(axis=1).tolist()
    assert changed == [0, 1, 1, 1]  # every point after the base changes one key
    assert "samples" not in s.identity()["design"]


@pytest.mark.parametrize("method,samples,rows", [("lhs", 7, 7), ("sobol", 8, 8 * (2 + 2)), ("morris", 3, 3 * (2 + 1))])
def test_sampled_designs_come_from_salib_within_bounds_and_reproducible(method, samples, rows):
    design = {"method": method, "samples": samples, "parameters": {
        "learning.partner_specific_effect": {"low": -1.5, "high": 1.5},
        "selection.search_breadth": {"low": 2, "high": 12},
    }}
    pts = design_points(spec(design))
    assert len(pts) == rows
    assert pts["learning.partner_specific_effect"].between(-1.5, 1.5).all()
    assert pts["selection.search_breadth"].between(2, 12).all()
    assert pts["selection.search_breadth"].dtype == np.int64  # integer key rounded
    assert pts.equals(design_points(spec(design)))
    assert not pts.equals(design_points(spec_from_dict({"design": design, "seed": 99})))  # the root seed drives the sampler


def test_seed_depends_only_on_root_point_and_replication():
    seeds = run_seeds(7, 5, 3)
    assert len(np.unique(seeds)) == 15
    assert seeds[4, 2] == seed_for(7, 4, 2)
    # adding points or replications leaves existing runs' seeds alone
    assert np.array_equal(run_seeds(7, 9, 4)[:5, :3], seeds)
    assert not np.array_equal(run_seeds(8, 5, 3), seeds)


@pytest.mark.parametrize("design,needle", [
    ({"method": "grid", "parameters": {"learning.no_such_key": [1, 2]}}, "'learning.no_such_key'"),
    ({"method": "lhs", "samples": 4, "parameters": {"learning.forgetting_rate": {"low": 0.5, "high": 0.1}}}, "low=0.5, high=0.1"),
    ({"method": "lhs", "samples": 4, "parameters": {"learning.forgetting_rate": {"low": 0.0, "high": 1.5}}}, "learning.forgetting_rate"),
    ({"method": "grid", "parameters": {"firms.small.capture_rate": [0.2, 1.7]}}, "1.7"),
    ({"method": "sobol", "samples": 6, "parameters": {"learning.forgetting_rate": {"low": 0, "high": 1}, "firms.n": {"low": 10, "high": 20}}}, "power of 2, got 6"),
    ({"method": "wavelet", "parameters": {"firms.n": [10]}}, "'wavelet'"),
    ({"method": "ablate", "parameters": {"learning.no_such_key": 0}}, "'learning.no_such_key'"),
    ({"method": "ablate", "parameters": {"selection.search_breadth": 8}}, "base value 8"),
    ({"method": "ablate", "parameters": {"firms.small.capture_rate": [0.0, 1.7]}}, "1.7"),
    ({"method": "ablate", "samples": 4, "parameters": {"learning.forgetting_rate": 0}}, "design.samples"),
    ({"method": "ablate", "parameters": {"learning.forgetting_rate": {"low": 0, "high": 1}}}, "ablation values must be scalars"),
])
def test_bad_designs_are_config_errors_naming_key_and_value(design, needle):
    with pytest.raises(ConfigError) as err:
        s = spec(design)
        check_points(s, design_points(s))
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_sweep_config_exits_2_without_creating_the_folder(tmp_path, capsys):
    cfg = write_sweep(tmp_path, design={"method": "grid", "parameters": {"firms.n": [10, 20], "learning.bogus": [1]}})
    out = tmp_path / "out"
    assert main(["sweep", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "learning.bogus" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_set_overrides_the_base_but_not_a_swept_key(tmp_path):
    cfg = write_sweep(tmp_path)
    s = load_sweep_spec(cfg, overrides={"firms.n": 30})
    assert s.base.firms.n == 30
    assert s.fingerprint() != load_sweep_spec(cfg).fingerprint()
    with pytest.raises(ConfigError, match="selection.search_breadth"):
        load_sweep_spec(cfg, overrides={"selection.search_breadth": 4})
