"""Shared by the sweep tests: small sweep configs (few firms, few ticks, <= 12 runs), killing a sweep, comparing rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

TINY = {"firms.n": 24, "run.ticks": 16}


def write_sweep(folder: Path, name: str = "tiny", design: dict | None = None, replications: int = 2,
                seed: int = 11, fixed: dict | None = None, **extra) -> Path:
    """Write a sweep config YAML and return its path."""
    data = {
        "name": name,
        "set": {**TINY, **(fixed or {})},
        "design": design or {"method": "grid", "parameters": {
            "learning.partner_specific_effect": [-0.8, 0.8],
            "selection.search_breadth": [3, 8],
        }},
        "replications": replications,
        "seed": seed,
        **extra,
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-run results without the timing column, in design order."""
    return frame.drop(columns=["wall_time"]).sort_values(["point", "replication"], ignore_index=True)


def fail_some_runs(monkeypatch) -> None:
    """Make in-process sweep runs with search_breadth 3 and a positive partner-specific effect raise."""
    import sim.sweep.worker as worker

    real = worker.simulate

    def flaky(cfg, seed, **kw):
        if cfg.selection.search_breadth == 3 and cfg.learning.partner_specific_effect > 0:
            raise RuntimeError("boom in a test")
        return real(cfg, seed, **kw)

    monkeypatch.setattr(worker, "simulate", flaky)


def kill_sweep_after(cfg: Path, out: Path, parts: int) -> None:
    """Run the sweep ``cfg`` into ``out`` in a subprocess (2 workers, a part per run); SIGKILL it and its workers
    once ``parts`` parts are on disk, and check it was killed, not finished."""
    script = (f"from sim.sweep import load_sweep_spec, run_sweep\n"
              f"run_sweep(load_sweep_spec({str(cfg)!r}), {str(out)!r}, workers=2, progress=False, flush_rows=1)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, start_new_session=True, cwd=ROOT)
    runs_dir = out / "runs"
    deadline = time.monotonic() + 600  # a hang guard: under load startup alone can take a minute
    while proc.poll() is None and not (runs_dir.is_dir() and len(list(runs_dir.glob("part-*.parquet"))) >= parts):
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"the sweep wrote no {parts} parts within 600 s")
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, no cleanup
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"


def same_rows_on_pool_and_dask(cfg: Path, reference: Path, tmp_path: Path) -> None:
    """The sweep ``cfg`` on 2 worker processes and on a 2-worker Dask LocalCluster gives the rows of ``reference``."""
    from sim.cli import main
    from sim.sweep import read_runs

    expected = comparable(read_runs(reference))
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "pool"), "--workers", "2", "--quiet"]) == 0
    pd.testing.assert_frame_equal(comparable(read_runs(tmp_path / "pool")), expected)
    pytest.importorskip("distributed")
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "dask"), "--scheduler", "local", "--workers", "2", "--quiet"]) == 0
    pd.testing.assert_frame_equal(comparable(read_runs(tmp_path / "dask")), expected)
