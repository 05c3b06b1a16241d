"""Run one simulation and summarise it: the unit of work of runs and sweeps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .config import Config
from .model import AllianceModel

__all__ = ["RunResult", "TABLES", "simulate", "summary_metrics", "success_by"]


@dataclass
class RunResult:
    """Tables of one run plus its seed and wall time."""

    config: Config
    seed: int
    frames: dict[str, pd.DataFrame]
    wall_time: float
    metrics: dict[str, float] = field(default_factory=dict)


TABLES = ("alliances", "firms", "model", "projects")
SUMMARY_TABLES = ("alliances", "model")  # what summary_metrics reads


def simulate(config: Config, seed: int, progress: bool = False, tables: tuple[str, ...] = TABLES) -> RunResult:
    """Run ``config`` for ``run.ticks`` ticks from ``seed``; deterministic in (config, seed).

    ``tables`` names the frames to build; the ones the metrics need are always
    built (sweeps that keep only metrics skip the firm panel and projects).
    """
    start = time.perf_counter()
    model = AllianceModel(config=config, rng=int(seed))
    model.run(progress=progress)
    builders = {"alliances": model.alliances_frame, "firms": model.firms_frame, "model": model.model_frame, "projects": model.projects_frame}
    frames = {name: builders[name]() for name in TABLES if name in tables or name in SUMMARY_TABLES}
    wall = time.perf_counter() - start
    return RunResult(config, int(seed), frames, wall, summary_metrics(frames, config))


def summary_metrics(frames: dict[str, pd.DataFrame], config: Config) -> dict[str, float]:
    """Headline outcomes of one run, one number each (what sweeps record per run)."""
    a, m = frames["alliances"], frames["model"]
    ended = a[a["end_tick"].notna()]
    tpy = config.run.ticks_per_year
    window = 10 * tpy
    early = ended[ended["start_tick"] <= config.run.ticks - window] if config.run.ticks > window else ended.iloc[0:0]
    broke_up = (~early["success"].astype(bool)) & ((early["end_tick"] - early["start_tick"]) <= window)
    repeat = ended["partner_specific_experience"] > 0

    def rate(frame: pd.DataFrame) -> float:
        return float(frame["success"].astype(float).mean()) if len(frame) else float("nan")

    return {
        "alliances": float(len(a)),
        "ended": float(len(ended)),
        "success_rate": rate(ended),
        "failure_share": 1.0 - rate(ended) if len(ended) else float("nan"),
        "breakup_within_10y": float(broke_up.mean()) if len(early) else float("nan"),
        "success_rate_repeat": rate(ended[repeat]),
        "success_rate_new_partner": rate(ended[~repeat]),
        "repeat_share": float(repeat.mean()) if len(ended) else float("nan"),
        "mean_outcome": float(ended["outcome"].mean()) if len(ended) else float("nan"),
        "value_created": float(ended["value_created"].sum()),
        "value_per_alliance": float(ended["value_created"].mean()) if len(ended) else float("nan"),
        "underperforming_share": float(m["underperforming_share"].iloc[-1]) if len(m) else float("nan"),
        "products_per_firm_year": float(m["new_products"].sum() / (config.firms.n * max(len(m), 1) / tpy)) if len(m) else float("nan"),
        "mean_active_alliances": float(m["active_alliances"].mean() * 2 / config.firms.n) if len(m) else float("nan"),
        "mean_general_experience": float(m["mean_general_experience"].iloc[-1]) if len(m) else float("nan"),
        "mean_knowhow": float(m["mean_knowhow"].iloc[-1]) if len(m) else float("nan"),
        "unplanned_exit_share": float((~ended["planned_exit"].astype(bool)).mean()) if len(ended) else float("nan"),
    }


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
