"""``alliancesim replicate`` end to end: files, manifest, exit codes, no partial output."""

import json

import pandas as pd

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
