"""``alliancesim replicate`` end to end: files, manifest, exit codes, no partial output."""

import json

import pandas as pd
import pytest

from sim.cli import main
from sim.replication.report import CSV_COLUMNS
from sim.replication.targets import TARGETS

SMALL = ["--set", "firms.n=80", "--set", "run.ticks=48"]


def test_replicate_writes_csv_report_plots_and_manifest(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["replicate", "--seed", "4", "--runs", "2", "--quiet", "--out", str(out), *SMALL]) == 0
    table = pd.read_csv(out / "replication.csv")
    assert list(table.columns) == CSV_COLUMNS
    assert list(table["finding"].unique()) == [t.id for t in TARGETS]
    assert (out / "report.md").read_text().count("| R") >= 16
    assert (out / "robustness.csv").exists() and (out / "replication_runs.csv").exists()
    assert {p.name for p in (out / "plots").iterdir()} >= {"r1_r2_experience_curves.png", "robustness.png"}
    m = json.loads((out / "manifest.json").read_text())
    assert m["seed"] == 4 and m["seeds"] == [4, 5] and m["overrides"]["firms.n"] == 80
    assert "share of 2 seeds" in capsys.readouterr().out


def test_bad_override_exits_2_without_output(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["replicate", "--out", str(out), "--set", "firms.n=-3"]) == 2
    err = capsys.readouterr().err
    assert "firms.n" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_bad_runs_exits_2(tmp_path, capsys):
    assert main(["replicate", "--runs", "0", "--out", str(tmp_path / "x")]) == 2
    assert "--runs" in capsys.readouterr().err


def test_non_empty_out_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    assert main(["replicate", "--out", str(tmp_path), *SMALL]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


@pytest.mark.slow
def test_mechanism_switch_experiment_tabulates_each_switch(monkeypatch, tmp_path):
    """experiments/replication_switches.py: one row per switch, one column per finding, shares in [0, 1]."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "experiments" / "replication_switches.py"
    spec = importlib.util.spec_from_file_location("replication_switches", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "SWITCHES", {"baseline": {}, "no forgetting": {"learning.forgetting_rate": 0.0}})
    table = mod.shares(seed=7, runs=1)
    assert list(table.index) == ["baseline", "no forgetting"]
    assert list(table.columns) == [f"R{i}" for i in range(1, 17)]
    assert table.to_numpy().min() >= 0 and table.to_numpy().max() <= 1
    assert table.loc["baseline"].sum() > table.loc["no forgetting"].sum()  # without forgetting R14 (a level) is lost
    assert mod.markdown(table).count("\n") == 3
