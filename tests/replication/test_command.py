"""``alliancesim replicate`` end to end: findings.csv, manifest seeds, exit codes, no partial output, resume."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from sim.cli import main
from sim.replication.design import KINDS, STATUSES
from sim.replication.seeds import CALIBRATION_SEEDS

TINY = ["--set", "firms.n=60", "--set", "run.ticks=44", "--set", "run.burn_in=20"]
CONTRACT = ["finding", "kind", "status", "role", "mechanism", "runs", "reproduced_share", "placebo_share",
            "power_published_n", "estimate_mean", "estimate_sd"]


@pytest.mark.slow
def test_replicate_writes_findings_manifest_report_and_plots(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["replicate", "--seed", "4", "--runs", "1", "--workers", "1", "--quiet", "--out", str(out), *TINY]) == 0
    f = pd.read_csv(out / "findings.csv", keep_default_na=False)
    assert set(CONTRACT) <= set(f.columns)
    assert list(f["finding"]) == [f"R{i}" for i in range(1, 17)]
    assert set(f["kind"]) <= set(KINDS) and set(f["status"]) <= set(STATUSES)
    assert (f["runs"] == 1).all()
    m = json.loads((out / "manifest.json").read_text())
    assert len(m["seeds"]) == 1 and not set(m["seeds"]) & set(m["calibration_seeds"])
    assert set(m["calibration_seeds"]) == set(CALIBRATION_SEEDS)
    assert m["overrides"]["firms.n"] == 60
    report = (out / "report.md").read_text()
    assert "plots/forest.png" in report and "What the model assumes" in report
    assert {p.name for p in (out / "plots").iterdir()} == {"forest.png", "shares.png"}
    runs = pd.read_csv(out / "replication_runs.csv")
    assert set(runs["arm"]) == {"baseline", "placebo"} and set(runs["sample"]) == {"study", "published"}
    assert "R16" in capsys.readouterr().out


def test_bad_override_exits_2_without_output(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["replicate", "--out", str(out), "--set", "firms.n=-3"]) == 2
    err = capsys.readouterr().err
    assert "firms.n" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("flag, value", [("--runs", "0"), ("--workers", "0"), ("--seed", "-1")])
def test_bad_counts_exit_2_without_output(tmp_path, capsys, flag, value):
    out = tmp_path / "x"
    assert main(["replicate", flag, value, "--out", str(out)]) == 2
    assert flag in capsys.readouterr().err
    assert not out.exists()


def test_non_empty_out_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    assert main(["replicate", "--out", str(tmp_path), *TINY]) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def _replicate(out, *extra) -> list[str]:
    return [sys.executable, "-m", "sim", "replicate", "--seed", "9", "--runs", "3", "--workers", "1", "--quiet",
            "--out", str(out), *TINY, *extra]


@pytest.mark.slow
def test_resume_after_sigkill_ends_with_the_same_table(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert subprocess.run(_replicate(whole), capture_output=True).returncode == 0
    proc = subprocess.Popen(_replicate(killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    parts = killed / "parts"
    while time.monotonic() < deadline and proc.poll() is None:
        if parts.is_dir() and len(list(parts.glob("part-*.parquet"))) >= 5:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the replication finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "findings.csv").exists()
    done_before = len(list(parts.glob("part-*.parquet")))
    assert 5 <= done_before < len(list((whole / "parts").glob("part-*.parquet")))
    assert subprocess.run(_replicate(killed), capture_output=True).returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(whole / "findings.csv"), pd.read_csv(killed / "findings.csv"))
    pd.testing.assert_frame_equal(pd.read_csv(whole / "replication_runs.csv"), pd.read_csv(killed / "replication_runs.csv"))
    assert json.loads((killed / "manifest.json").read_text())["resumed"] == 1
    # the same folder with another replication is refused, and nothing in it changes
    before = (killed / "findings.csv").read_text()
    assert subprocess.run(_replicate(killed, "--set", "firms.share_large=0.3"), capture_output=True).returncode == 2
    assert (killed / "findings.csv").read_text() == before


@pytest.mark.slow
def test_workers_and_in_process_give_the_same_table(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["replicate", "--seed", "2", "--runs", "1", "--workers", "1", "--quiet", "--out", str(a), *TINY]) == 0
    assert main(["replicate", "--seed", "2", "--runs", "1", "--workers", "2", "--quiet", "--out", str(b), *TINY]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(a / "replication_runs.csv"), pd.read_csv(b / "replication_runs.csv"))
