"""The process pool's two ways of starting warm give the rows of a serial run."""

from __future__ import annotations

import threading

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


def test_single_threaded_process_forks_warm_workers(serial):
    assert threading.active_count() == 1
    executor = ProcessExecutor(2)
    pd.testing.assert_frame_equal(rows(executor), serial)
    assert executor._warm


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
