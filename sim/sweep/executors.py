"""Where runs execute: in this process, a local process pool, or Dask.

Every executor has the same shape: a context manager whose
``map_unordered(fn, tasks)`` yields results as they complete while keeping
only a bounded number of tasks in flight, so neither the task list nor the
results pile up in memory however long the sweep.  Results are identical
across executors because each task carries its own seed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from ..config import ConfigError

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor", "default_workers"]


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Runs tasks one by one in this process (``--workers 1``; easiest to debug)."""

    description = "1 worker (in process)"

    def __enter__(self) -> "SerialExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def map_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        for task in tasks:
            yield fn(task)


class ProcessExecutor:
    """A pool of worker processes on this machine (the default, on all cores).

    Start-up is what a short study pays for most, so workers start warm:

    * On Linux, when this process runs no other Python thread, every worker is
      forked from it at once, on entering: they inherit the imported model and
      start in milliseconds.  That is before the sweep starts any thread of its
      own (progress bar, Parquet writer), so no lock can be held mid-fork; the
      workers reset the signal handlers they inherit.
    * Otherwise (other threads, e.g. in a notebook kernel, or not Linux) workers
      fork from a forkserver that first imports the model: seconds on a cold
      start, during which submitting blocks.  The first submissions then happen
      in a helper thread while this (already warm) process runs tasks itself;
      once the workers are up it only hands out tasks and collects results.

    Each task carries its own seed, so who runs it never changes its result.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self.description = f"{workers} worker processes"
        self._pool: ProcessPoolExecutor | None = None
        self._warm = False

    def __enter__(self) -> "ProcessExecutor":
        if sys.platform.startswith("linux") and threading.active_count() == 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_default_signals)
            with warnings.catch_warnings():
                # Python warns on any fork of a process with native threads (numpy's BLAS pool, which
                # re-arms itself in the child); there are no Python threads, checked above.
                warnings.filterwarnings("ignore", message=".*multi-threaded, use of fork", category=DeprecationWarning)
                self._pool.submit(int).result()  # forks all workers now, before the sweep starts threads
            self._warm = True
            return self
        # forkserver: workers fork from a clean server with the model preloaded, safe with threads
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.sweep.worker"])
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if self._pool is None:
            return
        if exc_type is not None:
            # interrupted (Ctrl-C, SIGTERM) or failed: stop the runs in flight
            # now rather than let every worker finish its run first
            stop = getattr(self._pool, "terminate_workers", None)  # Python >= 3.14
            if stop is not None:
                stop()
            else:
                for process in list((self._pool._processes or {}).values()):
                    with contextlib.suppress(OSError, ValueError):
                        process.terminate()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def map_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        assert self._pool is not None, "use inside `with`"
        pool, limit = self._pool, 2 * self.workers
        lock = threading.Lock()
        source = iter(tasks)
        exhausted = False
        pending: set = set()
        failure: list[BaseException] = []

        def take() -> Any:
            nonlocal exhausted
            with lock:
                task = None if exhausted else next(source, None)
                exhausted = task is None
                return task

        def start_workers() -> None:  # blocks while the forkserver starts
            try:
                while len(pending) < limit and (task := take()) is not None:
                    pending.add(pool.submit(fn, task))
            except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(err)

        if not self._warm:
            starter = threading.Thread(target=start_workers, name="alliancesim-start-workers", daemon=True)
            starter.start()
            try:
                while starter.is_alive() and (task := take()) is not None:
                    yield fn(task)  # the workers are still starting: run tasks here meanwhile
            finally:
                starter.join()
            if failure:
                raise failure[0]
        while True:
            while len(pending) < limit and (task := take()) is not None:
                pending.add(pool.submit(fn, task))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()


class DaskExecutor:
    """A Dask distributed cluster: an existing scheduler address, or a LocalCluster."""

    def __init__(self, scheduler: Any, workers: int | None = None, processes: bool = True):
        try:
            import distributed
        except ImportError:
            raise ConfigError("--scheduler needs Dask: pip install 'alliancesim[dask]'") from None
        self._distributed = distributed
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self._cluster = None
        self._client = None
        self._own_client = True

    def __enter__(self) -> "DaskExecutor":
        d = self._distributed
        if isinstance(self.scheduler, d.Client):
            self._client, self._own_client = self.scheduler, False
        elif self.scheduler == "local":
            self._cluster = d.LocalCluster(
                n_workers=self.workers or default_workers(), threads_per_worker=1,
                processes=self.processes, dashboard_address=None,
            )
            self._client = d.Client(self._cluster)
        else:
            try:
                self._client = d.Client(self.scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as err:
                raise ConfigError(f"--scheduler {self.scheduler!r}: cannot connect ({err})") from None
        threads = sum(self._client.nthreads().values()) or 1
        self.description = f"Dask at {self._client.scheduler.address} ({threads} threads)"
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._client is not None and self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def map_unordered(self, fn: Callable, tasks: Iterable) -> Iterator:
        client = self._client
        assert client is not None, "use inside `with`"
        limit = max(2, 2 * sum(client.nthreads().values()))
        source = iter(tasks)

        def submit(task: dict) -> Any:
            return client.submit(fn, task, pure=False, key=f"alliancesim-run-{task['point']}-{task['replication']}-{os.urandom(4).hex()}")

        first = [submit(t) for t in _take(source, limit)]
        if not first:
            return
        queue = self._distributed.as_completed(first)
        for future in queue:
            result = future.result()
            future.release()
            for task in _take(source, 1):
                queue.add(submit(task))
            yield result


def _default_signals() -> None:
    """In a forked worker: the default SIGINT/SIGTERM handling, not the handlers of the sweep's process."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _take(source: Iterator, n: int) -> list:
    out = []
    for _ in range(n):
        item = next(source, None)
        if item is None:
            break
        out.append(item)
    return out


def make_executor(workers: int | None = None, scheduler: Any = None, processes: bool = True):
    """Pick the executor for ``--workers`` / ``--scheduler``."""
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers!r}")
    if scheduler is not None:
        return DaskExecutor(scheduler, workers, processes=processes)
    workers = workers or default_workers()
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
