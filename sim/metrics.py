"""A run's headline metrics, each declared once with its definition.

``compute(frames, config)`` turns the tables of one run into one number per
metric; ``run``'s ``summary.json``, sweeps, calibration targets, the
replication's base rates, the EMA adapter and the notebooks all read these
names.  :data:`METRICS` is the single declaration: name, one-line definition
(the docs' metric reference is generated from it) and the function.

Missing values: a metric whose denominator is empty (no ended alliances, a run
shorter than the 10-year window, ...) is ``NaN`` (``null`` in JSON).

Time: ticks are numbered from 1; :func:`year_of` maps a tick to its year
(ticks 1..``ticks_per_year`` are year 1) and :func:`window_ticks` converts a
span in years to ticks.  Every module that needs a year or the 10-year window
uses these two.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import numpy as np
import pandas as pd

from .config import Config

__all__ = ["Metric", "METRICS", "NAMES", "TABLES", "BREAKUP_WINDOW_YEARS", "compute", "year_of", "window_ticks",
           "breakups", "reference"]

BREAKUP_WINDOW_YEARS = 10
TABLES = ("alliances", "model")  # the frames the metrics read


def year_of(tick, ticks_per_year: int):
    """Year of a tick (ticks start at 1): ``(tick - 1) // ticks_per_year + 1``; works on scalars and arrays."""
    return (tick - 1) // ticks_per_year + 1


def window_ticks(config: Config, years: float = BREAKUP_WINDOW_YEARS) -> int:
    """A span of ``years`` in ticks."""
    return int(round(years * config.run.ticks_per_year))


def breakups(alliances: pd.DataFrame, config: Config, years: float = BREAKUP_WINDOW_YEARS) -> pd.Series:
    """Break-up indicator for every alliance observed for a full window (``years`` after its start).

    An alliance counts when it started at least ``years`` before the run's last
    tick (so its first ``years`` are all observed, whether or not it has ended);
    it broke up when it ended within those years neither by reaching its goal
    nor by an agreed (planned) exit.  Index: the alliances observed.
    """
    window = window_ticks(config, years)
    observed = alliances[alliances["start_tick"] <= config.run.ticks - window]
    ended = observed["end_tick"].notna().to_numpy()
    duration = (observed["end_tick"].fillna(0) - observed["start_tick"]).to_numpy()
    success = observed["success"].fillna(False).astype(bool).to_numpy()
    planned = observed["planned_exit"].fillna(False).astype(bool).to_numpy()
    return pd.Series(ended & (duration <= window) & ~success & ~planned, index=observed.index, name="broke_up")


class _Run:
    """Views of one run's frames shared by the metric functions (each computed once)."""

    def __init__(self, frames: dict[str, pd.DataFrame], config: Config):
        self.frames, self.config = frames, config

    @property
    def a(self) -> pd.DataFrame:
        return self.frames["alliances"]

    @property
    def m(self) -> pd.DataFrame:
        return self.frames["model"]

    @cached_property
    def ended(self) -> pd.DataFrame:
        return self.a[self.a["end_tick"].notna()]

    @cached_property
    def success(self) -> np.ndarray:
        return self.ended["success"].astype(float).to_numpy()

    @cached_property
    def repeat(self) -> np.ndarray:
        return (self.ended["partner_specific_experience"] > 0).to_numpy()

    @cached_property
    def firm_years(self) -> float:
        return self.config.firms.n * len(self.m) / self.config.run.ticks_per_year


def _mean(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if len(values) else float("nan")


def _last(r: _Run, column: str) -> float:
    return float(r.m[column].iloc[-1]) if len(r.m) else float("nan")


@dataclass(frozen=True)
class Metric:
    """One headline number of a run: ``name``, a one-line ``definition`` and how it is computed."""

    name: str
    definition: str
    func: Callable[[_Run], float]


METRICS: tuple[Metric, ...] = (
    Metric("alliances", "Alliances formed during the run.", lambda r: float(len(r.a))),
    Metric("ended", "Alliances that ended during the run.", lambda r: float(len(r.ended))),
    Metric("success_rate", "Share of ended alliances that reached their goal.", lambda r: _mean(r.success)),
    Metric("failure_share", "Share of ended alliances that did not reach their goal (1 - success_rate).",
           lambda r: 1.0 - _mean(r.success)),
    Metric("breakup_within_10y",
           "Share of alliances started at least 10 years before the run's end that ended within 10 years "
           "neither by reaching their goal nor by an agreed exit trigger.",
           lambda r: _mean(breakups(r.a, r.config))),
    Metric("success_rate_repeat", "Success rate of ended alliances between partners that had allied before.",
           lambda r: _mean(r.success[r.repeat])),
    Metric("success_rate_new_partner", "Success rate of ended alliances between first-time partners.",
           lambda r: _mean(r.success[~r.repeat])),
    Metric("repeat_share", "Share of ended alliances between partners that had allied before.", lambda r: _mean(r.repeat)),
    Metric("mean_outcome", "Mean outcome score of ended alliances.", lambda r: _mean(r.ended["outcome"])),
    Metric("value_created", "Total value created by ended alliances.", lambda r: float(r.ended["value_created"].sum())),
    Metric("value_per_alliance", "Mean value created per ended alliance.", lambda r: _mean(r.ended["value_created"])),
    Metric("underperforming_share",
           "At the last tick, share of firms with ended alliances whose captured value fell below their expectations.",
           lambda r: _last(r, "underperforming_share")),
    Metric("products_per_firm_year", "New products (internal and alliance) per firm and year.",
           lambda r: float(r.m["new_products"].sum() / r.firm_years) if len(r.m) else float("nan")),
    Metric("mean_active_alliances", "Mean number of alliances a firm runs at once, over all ticks.",
           lambda r: float(r.m["active_alliances"].mean() * 2 / r.config.firms.n) if len(r.m) else float("nan")),
    Metric("mean_general_experience", "Mean general alliance experience (count of alliances) per firm at the last tick.",
           lambda r: _last(r, "mean_general_experience")),
    Metric("mean_knowhow", "Mean retained general alliance know-how per firm at the last tick.",
           lambda r: _last(r, "mean_knowhow")),
    Metric("unplanned_exit_share", "Share of ended alliances that ended without an agreed exit (unplanned).",
           lambda r: 1.0 - _mean(r.ended["planned_exit"].astype(bool))),
)

NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)


def compute(frames: dict[str, pd.DataFrame], config: Config, names: tuple[str, ...] | None = None) -> dict[str, float]:
    """Every metric of one run (or those ``names``): ``{name: value}`` in :data:`METRICS` order (``NaN`` when
    undefined)."""
    run = _Run(frames, config)
    return {m.name: m.func(run) for m in METRICS if names is None or m.name in names}


def reference() -> str:
    """The metric reference as a Markdown table (what docs/metrics.md shows)."""
    rows = [f"| `{m.name}` | {m.definition} |" for m in METRICS]
    return "\n".join(["| metric | definition |", "| --- | --- |", *rows]) + "\n"
