"""Running sweeps: the runs table, executor independence, resume after SIGKILL, failures, refusals."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.sweep import load_runs, load_sweep_spec, run_sweep
from sim.sweep.executors import ProcessExecutor
from sim.sweep.store import open_store
from tests.sweep.helpers import comparable, fail_some_runs, kill_sweep_after, same_rows_on_pool_and_dask, write_sweep

KEYS = ["learning.partner_specific_effect", "selection.search_breadth"]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: the tiny 2x2x2 sweep run in process."""
    folder = tmp_path_factory.mktemp("serial")
    cfg = write_sweep(folder)
    assert main(["sweep", str(cfg), "--out", str(folder / "out"), "--workers", "1", "--quiet"]) == 0
    return cfg, folder / "out"


def test_runs_table_has_the_contract_columns(serial):
    cfg, out = serial
    runs = pd.read_parquet(out / "runs")
    assert len(runs) == 8
    for column in ["point", "replication", "seed", "status", *KEYS, "success_rate", "alliances", "products_per_firm_year"]:
        assert column in runs.columns
    assert (runs["status"] == "ok").all()
    assert runs.groupby("point").size().tolist() == [2, 2, 2, 2]
    assert runs["seed"].nunique() == 8
    assert set(runs["learning.partner_specific_effect"]) == {-0.8, 0.8}
    manifest = __import__("json").loads((out / "sweep.json").read_text())
    assert manifest["root_seed"] == 11 and manifest["runs"] == 8 and "commit" in manifest["git"] and "mesa" in manifest["versions"]


@pytest.mark.slow
def test_same_results_with_1_worker_2_workers_and_dask(serial, tmp_path):
    cfg, out = serial
    same_rows_on_pool_and_dask(cfg, out, tmp_path)


def test_rerun_skips_done_runs_and_other_config_is_refused(serial, capsys):
    cfg, out = serial
    before = sorted(p.name for p in (out / "runs").iterdir())
    assert main(["sweep", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "8 already done, 0 run now" in capsys.readouterr().out
    assert sorted(p.name for p in (out / "runs").iterdir()) == before
    assert main(["sweep", str(cfg), "--out", str(out), "--set", "firms.n=30", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "different sweep" in err and "firms" in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in (out / "runs").iterdir()) == before


@pytest.mark.slow
def test_sigkill_mid_sweep_then_resume_gives_exactly_the_uninterrupted_rows(tmp_path):
    # bigger runs than the other tests so the kill lands mid-sweep; one part per run
    cfg = write_sweep(tmp_path, name="killme", replications=3, fixed={"firms.n": 200, "run.ticks": 48})
    spec = load_sweep_spec(cfg)
    kill_sweep_after(cfg, tmp_path / "killed", parts=3)
    partial = load_runs(tmp_path / "killed")
    assert 3 <= len(partial) < 12
    report = run_sweep(spec, tmp_path / "killed", workers=2, progress=False)
    assert report.skipped == len(partial) and report.ran == 12 - len(partial)
    run_sweep(spec, tmp_path / "clean", workers=1, progress=False)
    resumed = comparable(pd.read_parquet(tmp_path / "killed" / "runs"))
    assert not resumed.duplicated(["point", "replication"]).any()
    pd.testing.assert_frame_equal(resumed, comparable(pd.read_parquet(tmp_path / "clean" / "runs")))


def test_leftovers_of_a_killed_writer_are_cleaned(tmp_path):
    cfg = write_sweep(tmp_path, outputs={"alliances": True})
    spec = load_sweep_spec(cfg)
    out = tmp_path / "out"
    run_sweep(spec, out, workers=1, progress=False, flush_rows=4)
    alliances = pd.read_parquet(out / "alliances")
    assert {"point", "replication", "alliance_id", "success"} <= set(alliances.columns)
    assert alliances.groupby(["point", "replication"]).ngroups == 8
    # what a kill between the two renames / during a write leaves behind:
    (out / "runs" / ".part-x.parquet.tmp").write_bytes(b"half")
    alliances.head(3).to_parquet(out / "alliances" / "part-orphan.parquet")
    from sim.sweep.design import design_points

    open_store(out, spec, design_points(spec), []).close()
    assert not (out / "alliances" / "part-orphan.parquet").exists()
    assert not (out / "runs" / ".part-x.parquet.tmp").exists()
    pd.testing.assert_frame_equal(pd.read_parquet(out / "alliances"), alliances)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys):
    fail_some_runs(monkeypatch)
    cfg = write_sweep(tmp_path)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 1
    assert "2 run(s) FAILED" in capsys.readouterr().out
    runs = load_runs(tmp_path / "out")
    failed = runs[runs["status"] == "failed"]
    assert len(runs) == 8 and len(failed) == 2
    assert failed["error"].str.contains("RuntimeError: boom in a test").all()
    assert failed["success_rate"].isna().all() and runs.loc[runs["status"] == "ok", "success_rate"].notna().all()


def test_process_pool_pulls_tasks_lazily():
    pulled = []

    def tasks():
        for i in range(10_000):
            pulled.append(i)
            yield i

    with ProcessExecutor(2) as ex:
        results = ex.map_unordered(abs, tasks())
        next(results)
        assert len(pulled) <= 2 * 2 + 1  # bounded in flight: no task list or result list builds up
        results.close()
