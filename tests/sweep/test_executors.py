"""The process pool's two ways of starting warm give the rows of a serial run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep import design_points, run_seeds, spec_from_dict
from sim.sweep.executors import ProcessExecutor, SerialExecutor
from sim.sweep.run import _tasks
from sim.sweep.worker import run_task

ROOT = Path(__file__).resolve().parents[2]


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


def test_single_threaded_process_forks_warm_workers():
    """In a process with no other thread (a fresh interpreter: the test runner's own may have some), workers fork warm."""
    script = textwrap.dedent("""
        import threading
        import pandas as pd
        from sim.sweep.executors import ProcessExecutor, SerialExecutor
        from tests.sweep.test_executors import rows
        serial = rows(SerialExecutor())
        assert threading.active_count() == 1, threading.enumerate()
        executor = ProcessExecutor(2)
        pd.testing.assert_frame_equal(rows(executor), serial)
        print("warm" if executor._warm else "cold")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == "warm"


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
