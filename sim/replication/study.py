"""``replicate()``: plan, run (resumably, on any executor), judge and summarise a replication."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import Config
from .runs import execute, plan
from .summary import findings_table, verdicts

__all__ = ["Replication", "replicate"]


@dataclass
class Replication:
    """Everything one replication produced."""

    findings: pd.DataFrame  # one row per finding (findings.csv)
    verdicts: pd.DataFrame  # rule, estimate, SE per finding, run, arm and sample (replication_runs.csv)
    stored: pd.DataFrame  # every fit's estimates as stored (JSON per row)
    configs: dict[str, Config]  # baseline config of each study population
    seeds: list[int]
    manifest: dict[str, Any]
    seconds: float


def replicate(overrides: dict[str, Any] | None = None, seed: int = 42, runs: int = 1, base: str | Path | None = None,
              workers: int | None = 1, scheduler: Any = None, out: str | Path | None = None, progress: bool = False,
              command: str = "") -> Replication:
    """Run ``runs`` evaluation runs spawned from root ``seed``; with ``out`` the estimates stay there (resumable)."""
    p = plan(overrides, seed, runs, base)
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="alliancesim-replicate-"))
    try:
        stored, manifest, seconds = execute(p, folder, workers, scheduler, command, progress)
    finally:
        if out is None:
            shutil.rmtree(folder, ignore_errors=True)
    v = verdicts(stored)
    return Replication(findings_table(v, p.configs), v, stored, p.configs, p.seeds, manifest, seconds)
