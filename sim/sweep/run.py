"""Run a sweep: plan the runs, skip those already on disk, stream the rest to parts.

Memory stays flat: tasks are generated lazily, the executor keeps a bounded
number in flight, and finished rows are flushed to a Parquet part every
``flush_rows`` rows or ``flush_seconds`` seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from .. import metrics
from .design import _plain, check_points, design_points, sweep_seeds
from .executors import make_executor
from .spec import SweepSpec
from .store import check_sweep_out, open_store
from .worker import run_task

__all__ = ["run_sweep", "SweepReport"]


@dataclass
class SweepReport:
    out: Path
    runs: int          # runs in the design (points x replications)
    skipped: int       # already on disk when this call started
    ran: int           # run by this call
    failed: int        # failed runs on disk after this call (all calls)
    seconds: float
    executor: str

    @property
    def ok(self) -> bool:
        return self.failed == 0


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
    flush_rows: int = 64,
    flush_seconds: float = 5.0,
    processes: bool = True,
    command: str | None = None,
) -> SweepReport:
    """Run (or resume) ``spec`` into ``out``; see :mod:`sim.sweep.store` for the layout.

    Everything that can be wrong with the input (design, values, folder,
    scheduler) raises ``ConfigError`` before the folder is created or touched.
    """
    start = time.perf_counter()
    check_sweep_out(Path(out))  # before the design, the executor and the first run
    points = design_points(spec)
    check_points(spec, points)
    seeds = sweep_seeds(spec, len(points))
    executor = make_executor(workers, scheduler, processes=processes)
    command = command if command is not None else " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    run = run_task
    if spec.evaluate == "findings":
        from .findings import estimate_columns, run_findings_task

        outcomes = estimate_columns(spec.findings)
        run = run_findings_task
    else:
        outcomes = list(metrics.NAMES)
    with executor:  # connect first: a bad scheduler address fails before the folder is touched
        store = open_store(Path(out), spec, points, outcomes, command=command)
        try:
            recorded = store.done()
            done = set(zip(recorded["point"].tolist(), recorded["replication"].tolist()))
            failed = int((recorded["status"] != "ok").sum())
            total = len(points) * spec.replications
            ran = 0
            bar = tqdm(total=total, initial=len(done), unit="run", desc=f"sweep {spec.name} [{executor.description}]",
                       disable=not progress or len(done) == total, dynamic_ncols=True)
            bar.set_postfix(failed=failed)
            for row, alliances in executor.map_unordered(run, _tasks(spec, points, seeds, done)):
                store.add(row, alliances)
                ran += 1
                if row["status"] != "ok":
                    failed += 1
                    bar.set_postfix(failed=failed)
                bar.update()
                if store.due(flush_rows, flush_seconds):
                    store.flush()
            bar.close()
        finally:
            store.close()
    return SweepReport(Path(out), total, len(done), ran, failed, time.perf_counter() - start, getattr(executor, "description", ""))


def _tasks(spec: SweepSpec, points, seeds, done: set[tuple[int, int]]) -> Iterator[dict[str, Any]]:
    """Plain-dict tasks for the runs not yet on disk, generated lazily."""
    base = spec.base_overrides()
    columns = list(points.columns)
    extra = {}
    if spec.evaluate == "findings":
        from .findings import task_fields

        extra = task_fields(spec)
    for point, row in enumerate(points.itertuples(index=False)):
        values = _plain(dict(zip(columns, row)))
        for rep in range(spec.replications):
            if (point, rep) in done:
                continue
            yield {"point": point, "replication": rep, "seed": int(seeds[point, rep]), "base": base, "values": values,
                   "alliances": spec.alliances, **extra}
