"""Explicit-point designs: a table of points (file or inline rows) runs like any design."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from sim import ConfigError
from sim.cli import main
from sim.sweep import design_points, load_sweep_spec, read_runs, run_sweep
from tests.sweep.helpers import write_sweep

GRID = {"learning.partner_specific_effect": [-0.8, 0.8], "selection.search_breadth": [3, 8]}


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["wall_time"])


def grid_table(tmp_path) -> pd.DataFrame:
    return design_points(load_sweep_spec(write_sweep(tmp_path, "grid", {"method": "grid", "parameters": GRID})))


def test_points_design_equals_the_grid_it_lists(tmp_path):
    grid_cfg = write_sweep(tmp_path, "grid", {"method": "grid", "parameters": GRID})
    table = grid_table(tmp_path)
    table.to_csv(tmp_path / "points.csv", index=False)
    points_cfg = write_sweep(tmp_path, "points", {"method": "points", "file": "points.csv"})  # relative to the sweep file
    pd.testing.assert_frame_equal(design_points(load_sweep_spec(points_cfg)), table)
    assert main(["sweep", str(grid_cfg), "--out", str(tmp_path / "g"), "--workers", "1", "--quiet"]) == 0
    assert main(["sweep", str(points_cfg), "--out", str(tmp_path / "p"), "--workers", "1", "--quiet"]) == 0
    pd.testing.assert_frame_equal(comparable(read_runs(tmp_path / "p")), comparable(read_runs(tmp_path / "g")))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "p" / "design.parquet"), pd.read_parquet(tmp_path / "g" / "design.parquet"))
    assert json.loads((tmp_path / "p" / "sweep.json").read_text())["method"] == "points"


def test_inline_rows_file_rows_and_parquet_give_one_design(tmp_path):
    table = grid_table(tmp_path)
    table.to_parquet(tmp_path / "points.parquet", index=False)
    rows = [dict(zip(table.columns, r)) for r in table.astype(object).itertuples(index=False)]
    inline = load_sweep_spec(write_sweep(tmp_path, "inline", {"method": "points", "rows": rows}))
    from_parquet = load_sweep_spec(write_sweep(tmp_path, "pq", {"method": "points", "file": "points.parquet"}))
    pd.testing.assert_frame_equal(design_points(inline), table)
    assert inline.fingerprint() == from_parquet.fingerprint()  # the points, not the file, make the sweep


def test_points_design_resumes_and_refuses_changed_points(tmp_path, capsys):
    table = pd.DataFrame({"learning.forgetting_rate": [0.0, 0.05, 0.1]})
    table.to_csv(tmp_path / "points.csv", index=False)
    cfg = write_sweep(tmp_path, "pts", {"method": "points", "file": "points.csv"}, replications=1)
    spec = load_sweep_spec(cfg)
    first = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    again = run_sweep(spec, tmp_path / "out", workers=1, progress=False)
    assert (first.ran, again.skipped, again.ran) == (3, 3, 0)
    table.assign(**{"learning.forgetting_rate": [0.0, 0.05, 0.2]}).to_csv(tmp_path / "points.csv", index=False)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 2
    assert "holds a different sweep" in capsys.readouterr().err


@pytest.mark.slow
def test_points_design_on_dask_matches_in_process(tmp_path):
    pytest.importorskip("distributed")
    grid_table(tmp_path).to_csv(tmp_path / "points.csv", index=False)
    cfg = write_sweep(tmp_path, "pts", {"method": "points", "file": "points.csv"}, replications=1)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "serial"), "--workers", "1", "--quiet"]) == 0
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "dask"), "--scheduler", "local", "--workers", "2", "--quiet"]) == 0
    pd.testing.assert_frame_equal(comparable(read_runs(tmp_path / "dask")), comparable(read_runs(tmp_path / "serial")))


@pytest.mark.parametrize("design,fragments", [
    ({"method": "points", "rows": [{"firms.nope": 3}]}, ["firms.nope", "3"]),
    ({"method": "points", "rows": [{"selection.search_breadth": 3.5}]}, ["selection.search_breadth", "3.5"]),
    ({"method": "points", "rows": [{"firms.n": 30}, {"learning.forgetting_rate": 0.1}]}, ["row 1", "firms.n"]),
    ({"method": "points", "rows": []}, ["design.rows", "[]"]),
    ({"method": "points", "file": "absent.csv"}, ["absent.csv", "not found"]),
    ({"method": "points", "file": "x.csv", "rows": [{"firms.n": 30}]}, ["'file' or 'rows'"]),
    ({"method": "points", "rows": [{"learning.forgetting_rate": 1.5}]}, ["learning.forgetting_rate", "1.5"]),
])
def test_bad_points_exit_2_naming_key_and_value(tmp_path, capsys, design, fragments):
    cfg = write_sweep(tmp_path, "bad", design)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "never"), "--workers", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    for fragment in fragments:
        assert fragment in err[0]
    assert not (tmp_path / "never").exists()


def test_missing_value_in_a_points_file_is_refused(tmp_path):
    (tmp_path / "points.csv").write_text("learning.forgetting_rate,selection.search_breadth\n0.1,3\n0.2,\n")
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"design": {"method": "points", "file": "points.csv"}}))
    with pytest.raises(ConfigError, match=r"design point 1 selection.search_breadth: must be int, got nan"):
        load_sweep_spec(path)
