"""The unit of work a sweep ships to a worker: one (point, replication) run.

A task is a plain dict (picklable for processes and Dask); the worker builds the
config itself with ``load_config(base overrides + point values)`` and runs
``sim.runner.simulate(cfg, seed)``.  A findings sweep's tasks (they carry
``findings``) go to :func:`sim.sweep.findings.run_findings_task` instead
(:mod:`.run` picks the function; findings builds on this module, not the reverse).
Any exception becomes a ``failed`` row carrying the error, so one bad run
never stops a sweep.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

import pandas as pd

from ..config import load_config
from ..runner import simulate

__all__ = ["run_task", "describe_failure"]


def run_task(task: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """Run one task -> (summary row, alliance table or None)."""
    start = time.perf_counter()
    row: dict[str, Any] = {"point": task["point"], "replication": task["replication"], "seed": task["seed"], **task["values"]}
    alliances = None
    try:
        cfg = load_config(overrides={**task["base"], **task["values"]})
        result = simulate(cfg, task["seed"], tables=("alliances", "model"))
        row.update(result.metrics)
        row.update(status="ok", error=None)
        if task.get("alliances"):
            alliances = result.frames["alliances"]
            alliances.insert(0, "replication", task["replication"])
            alliances.insert(0, "point", task["point"])
    except Exception as err:  # noqa: BLE001 - a failed run is data, not a crash
        row.update(status="failed", error=describe_failure(err))
    row["wall_time"] = time.perf_counter() - start
    return row, alliances


def describe_failure(err: BaseException) -> str:
    """The ``error`` of a failed run: the exception and where it was raised."""
    last = traceback.extract_tb(err.__traceback__)[-1] if err.__traceback__ else None
    where = f" ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})" if last else ""
    return f"{type(err).__name__}: {err}{where}"
