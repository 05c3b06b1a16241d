"""The command line: outputs, manifest, exit codes and bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--set", "firms.n=40", "--set", "run.ticks=12", "--set", "run.burn_in=8", "--quiet"]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd or ROOT)


@pytest.mark.slow
def test_run_writes_tables_manifest_and_plots(tmp_path):
    out = tmp_path / "run"
    proc = cli("run", str(ROOT / "configs" / "baseline.yaml"), "--seed", "9", "--out", str(out), "--csv", *FAST)
    assert proc.returncode == 0, proc.stderr
    for name in ("alliances", "firms", "model", "projects"):
        assert (out / f"{name}.parquet").is_file() and (out / f"{name}.csv").is_file()
    for plot in ("learning_curves", "alliances_over_time", "portfolio", "success_by_start_year"):
        assert (out / "plots" / f"{plot}.png").stat().st_size > 1000
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 9
    assert manifest["config"]["firms"]["n"] == 40
    assert {"python", "mesa", "numpy", "pandas"} <= set(manifest["versions"])
    assert "commit" in manifest["git"]
    alliances = pd.read_parquet(out / "alliances.parquet")
    contract = "alliance_id firm_a firm_b size_a size_b type start_tick end_tick general_experience_a general_experience_b partner_specific_experience outcome success exit_reason value_created".split()
    assert set(contract) <= set(alliances.columns)
    assert "alliances formed" in proc.stdout


@pytest.mark.slow
def test_run_is_reproducible_across_processes(tmp_path):
    for name in ("a", "b"):
        assert cli("run", "--seed", "4", "--out", str(tmp_path / name), *FAST).returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a" / "alliances.parquet"), pd.read_parquet(tmp_path / "b" / "alliances.parquet"))


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--set", "firms.bogus=1"], ["firms.bogus", "1"]),
        (["--set", "selection.search_probability=1.5"], ["selection.search_probability", "1.5"]),
        (["--set", "firms.n=-3"], ["firms.n", "-3"]),
        (["--set", "firms.n"], ["firms.n", "KEY=VALUE"]),
        (["missing.yaml"], ["missing.yaml", "not found"]),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_output(tmp_path, args, fragments):
    out = tmp_path / "never"
    proc = cli("run", *args, "--out", str(out))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # no half-written temp folder either


def test_bad_config_file_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("exit:\n  trigger_misses: 0\n")
    proc = cli("validate", str(bad))
    assert proc.returncode == 2 and "exit.trigger_misses" in proc.stderr and "0" in proc.stderr


def test_out_folder_that_is_not_empty_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["run", "--out", str(tmp_path), *FAST]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.slow
def test_validate_and_config_commands():
    proc = cli("validate", str(ROOT / "configs" / "baseline.yaml"))
    assert proc.returncode == 0 and "valid" in proc.stdout
    proc = cli("config", "--set", "firms.n=123")
    assert proc.returncode == 0 and "n: 123" in proc.stdout


def test_failure_mid_run_leaves_no_output(tmp_path, monkeypatch):
    import sim.runner

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("sim.figures.write_summary_plots", boom)
    out = tmp_path / "x"
    with pytest.raises(RuntimeError):
        main(["run", "--out", str(out), *FAST])
    assert not out.exists() and not list(tmp_path.iterdir())
    assert sim.runner.simulate  # the run itself was fine; only writing failed
