"""The process pool's two ways of starting warm give the rows of a serial run."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import design_points, run_seeds, spec_from_dict
from sim.sweep.executors import ProcessExecutor, SerialExecutor
from sim.sweep.run import _tasks
from sim.sweep.worker import run_task


def rows(executor) -> pd.DataFrame:
    spec = spec_from_dict({"set": {"firms.n": 24, "run.ticks": 12}, "design": {"method": "grid", "parameters": {
        "learning.partner_specific_effect": [-0.8, 0.8]}}, "replications": 3, "seed": 3})
    points = design_points(spec)
    with executor:
        out = [row for row, _ in executor.map_unordered(run_task, _tasks(spec, points, run_seeds(spec.seed, len(points), 3), set()))]
    return pd.DataFrame(out).drop(columns="wall_time").sort_values(["point", "replication"], ignore_index=True)


@pytest.fixture(scope="module")
def serial():
    return rows(SerialExecutor())


_CHILD = """
import sys
sys.path.insert(0, sys.argv[2])
from tests.sweep.test_executors import rows
from sim.sweep.executors import ProcessExecutor
executor = ProcessExecutor(2)
rows(executor).to_parquet(sys.argv[1])
print(executor._warm)
"""


def test_single_threaded_process_forks_warm_workers(serial, tmp_path):
    # a fresh interpreter: earlier tests may leave threads (progress bars, Dask) in this one
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(tmp_path / "rows.parquet"), str(Path(__file__).resolve().parents[2])],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split()[-1] == "True"  # forked on entry
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "rows.parquet"), serial)


@pytest.mark.slow
def test_with_other_threads_workers_come_from_the_forkserver(serial):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        executor = ProcessExecutor(2)
        pd.testing.assert_frame_equal(rows(executor), serial)
        assert not executor._warm
    finally:
        stop.set()
        other.join()
