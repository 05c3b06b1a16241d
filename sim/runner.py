"""Run one simulation and summarise it: the unit of work of runs and sweeps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import metrics
from .config import Config
from .model import TABLES, AllianceModel, as_config

__all__ = ["RunResult", "TABLES", "simulate", "success_by"]


@dataclass
class RunResult:
    """Tables of one run plus its seed and wall time."""

    config: Config
    seed: int
    frames: dict[str, pd.DataFrame]
    wall_time: float
    metrics: dict[str, float] = field(default_factory=dict)


def simulate(
    config: Config | dict | str | Path | None = None,
    seed: int | None = None,
    progress: bool = False,
    tables: tuple[str, ...] = TABLES,
    overrides: dict[str, Any] | None = None,
    with_metrics: bool = True,
) -> RunResult:
    """Run ``config`` for ``run.ticks`` ticks from ``seed``; deterministic in (config, seed).

    ``config`` is a :class:`Config`, a path, a nested dict or ``None`` (the
    baseline); ``overrides`` maps dotted keys to values; ``seed`` defaults to
    ``run.seed``.  The result holds the tables and :func:`sim.metrics.compute`
    of them.  ``tables`` names the frames to build; the ones the metrics need
    are always built (sweeps that keep only metrics skip the firm panel and
    projects).  ``with_metrics=False`` builds only ``tables`` and leaves the
    metrics empty (the replication fits its own estimates).
    """
    start = time.perf_counter()
    config = as_config(config, overrides or {})
    seed = config.run.seed if seed is None else seed
    needed = set(tables) | (set(metrics.TABLES) if with_metrics else set())
    model = AllianceModel(config=config, rng=int(seed), panel="firms" in needed)
    model.run(progress=progress)
    frames = model.frames(tuple(needed))
    wall = time.perf_counter() - start
    return RunResult(config, int(seed), frames, wall, metrics.compute(frames, config) if with_metrics else {})


def success_by(frame: pd.DataFrame, column: str, bins: np.ndarray | int = 8) -> pd.DataFrame:
    """Success rate of ended alliances by bins of ``column`` (for learning-curve plots)."""
    ended = frame[frame["end_tick"].notna()].copy()
    if ended.empty:
        return pd.DataFrame(columns=[column, "success_rate", "n"])
    ended["_bin"] = pd.cut(ended[column], bins=bins, include_lowest=True, duplicates="drop")
    g = ended.groupby("_bin", observed=True)
    out = pd.DataFrame({
        column: g[column].mean(),
        "success_rate": g["success"].apply(lambda s: s.astype(float).mean()),
        "n": g.size(),
    }).reset_index(drop=True)
    return out
