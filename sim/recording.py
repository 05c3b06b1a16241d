"""What a run records, declared once: the model series and the firm panel.

:data:`MODEL_SERIES` is one :class:`Reporter` per column of the ``model``
table (one row per tick); :data:`FIRM_PANEL` is one per column of the
``firms`` panel (every firm, every ``output.firm_interval`` ticks).  Each
reporter has a name, a one-line description (the column reference in
docs/columns.md is generated from it) and a function of the :class:`Recorder`
at the current tick.  The series go through Mesa's ``DataCollector`` (so
``mesa.batch_run`` sees them); the panel is kept column-wise by
:class:`~sim.panel.FirmPanel` (a ``DataCollector`` agent reporter would build
a Python row per firm and tick).

Adding a series or a panel column is one ``Reporter(...)`` line here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd
from mesa import DataCollector

from .alliances import EXIT_REASONS, GOAL
from .metrics import year_of
from .panel import FirmPanel

if TYPE_CHECKING:
    from .model import AllianceModel

__all__ = ["Reporter", "MODEL_SERIES", "FIRM_PANEL", "Recorder"]


@dataclass(frozen=True)
class Reporter:
    """One recorded column: ``name``, a one-line ``doc`` and ``func(recorder) -> value``."""

    name: str
    doc: str
    func: Callable[["Recorder"], Any]


def _share(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


def _mean_where(values: np.ndarray, mask: np.ndarray) -> float:
    """Mean of ``values[mask]``, NaN for an empty mask: the sum over the count, as ``ndarray.mean`` computes it
    (the same float), without its Python-level overhead."""
    count = np.count_nonzero(mask)
    return float(values[mask].sum() / count) if count else float("nan")


# The firms' search preferences, by column of ``state.preference``: series and panel name, meaning.
_PREFERENCES = (
    ("exploration", "target share of exploration alliances"),
    ("repeat", "probability of seeking a repeat partner"),
    ("large", "preference for large partners"),
)

MODEL_SERIES: tuple[Reporter, ...] = (
    Reporter("tick", "Tick (ticks start at 1).", lambda r: r.tick),
    Reporter("year", "Year of the tick (ticks 1..ticks_per_year are year 1).", lambda r: r.year),
    Reporter("active_alliances", "Alliances running at the end of the tick.", lambda r: int(r.s.active.sum() // 2)),
    Reporter("active_exploration", "Exploration alliances running.", lambda r: int(r.s.active[:, 0].sum() // 2)),
    Reporter("active_exploitation", "Exploitation alliances running.", lambda r: int(r.s.active[:, 1].sum() // 2)),
    Reporter("formations", "Alliances formed this tick.", lambda r: r.formed),
    Reporter("exits", "Alliances ended this tick.", lambda r: len(r.ended)),
    *(Reporter(f"exits_{reason}", f"Alliances ended this tick by {reason.replace('_', ' ')}.",
               lambda r, code=code: int(r.exit_counts[code]))
      for code, reason in enumerate(EXIT_REASONS) if reason),
    Reporter("ended_alliances", "Alliances of the table (formed after the burn-in) ended so far.",
             lambda r: r.ended_total),
    Reporter("success_rate", "Share of the table's alliances ended so far that reached their goal (NaN before any "
             "ended).", lambda r: _share(r.success_total, r.ended_total)),
    Reporter("underperforming_share", "Share of firms in the market with ended alliances whose captured value is "
             "below what they expected (NaN before any ended).",
             lambda r: _mean_where(r.s.underperforming, r.has_ended)),
    Reporter("mean_general_experience", "Mean alliances formed per firm in the market (both types).",
             lambda r: _mean_where(r.s.general_experience, r.s.alive)),
    Reporter("mean_knowhow", "Mean retained alliance know-how per firm in the market.",
             lambda r: _mean_where(r.s.general_knowhow, r.s.alive)),
    Reporter("new_products", "New products this tick (internal R&D and successful alliances).", lambda r: r.new_products),
    Reporter("rnd_projects_active", "Internal R&D projects running.", lambda r: int(r.s.projects.sum())),
    Reporter("firm_entries", "New ventures that entered the market this tick.", lambda r: len(r.born)),
    Reporter("firm_exits", "Firms that exited this tick (resources ran out).", lambda r: len(r.gone)),
    Reporter("firms", "Firms in the market at the end of the tick.", lambda r: int(r.s.alive.sum())),
    Reporter("function_share", "Share of firms in the market with a dedicated alliance function.",
             lambda r: _mean_where(r.s.alliance_function, r.s.alive)),
    *(Reporter(f"preference_{name}", f"Mean search preference of firms in the market: {doc}.",
               lambda r, k=k: _mean_where(r.s.preference[:, k], r.s.alive))
      for k, (name, doc) in enumerate(_PREFERENCES)),
)

FIRM_PANEL: tuple[Reporter, ...] = (
    Reporter("firm_id", "Firm id (never reused: an entrant gets a new one).", lambda r: r.s.firm_id),
    Reporter("tick", "Tick of the snapshot.", lambda r: r.tick),
    Reporter("year", "Year of the snapshot.", lambda r: r.year),
    Reporter("size", "large incumbent or small venture.", lambda r: np.where(r.s.large, "large", "small")),
    Reporter("alliance_function", "Has a dedicated alliance function.", lambda r: r.s.alliance_function),
    Reporter("exploration_capability", "Internal exploration capability, in [0, 1].", lambda r: r.s.capability[:, 0]),
    Reporter("exploitation_capability", "Internal exploitation capability, in [0, 1].", lambda r: r.s.capability[:, 1]),
    Reporter("capture_rate", "Share of an alliance's lesson the firm keeps as know-how.", lambda r: r.s.capture_rate),
    Reporter("capacity", "Alliance-management capacity (attention units).", lambda r: r.s.capacity),
    Reporter("max_alliances", "Concurrent alliances the firm believes it can run.", lambda r: r.s.max_alliances),
    Reporter("active_alliances", "Alliances running now.", lambda r: r.s.active_total),
    Reporter("active_exploration", "Exploration alliances running now.", lambda r: r.s.active[:, 0]),
    Reporter("active_exploitation", "Exploitation alliances running now.", lambda r: r.s.active[:, 1]),
    Reporter("mean_active_alliances", "Mean alliances running per tick since the previous snapshot.",
             lambda r: r.active_sum / r.interval),
    Reporter("general_experience", "Alliances formed so far (both types).", lambda r: r.s.general_experience),
    Reporter("exploration_experience", "Exploration alliances formed so far.", lambda r: r.s.experience[:, 0]),
    Reporter("exploitation_experience", "Exploitation alliances formed so far.", lambda r: r.s.experience[:, 1]),
    Reporter("knowhow", "Retained alliance know-how (captured lessons net of forgetting).", lambda r: r.s.general_knowhow),
    Reporter("internal_exploration_experience", "Internal exploration projects finished.",
             lambda r: r.s.internal_experience[:, 0]),
    Reporter("internal_exploitation_experience", "Internal exploitation projects finished.",
             lambda r: r.s.internal_experience[:, 1]),
    Reporter("reputation", "Reputation as a partner, in [0, 1].", lambda r: r.s.reputation),
    Reporter("resources", "Resources (bargaining power; captured value accumulates here).", lambda r: r.s.resources),
    Reporter("new_products", "New products since the previous snapshot.", lambda r: r.s.products - r.products_mark),
    Reporter("products", "New products so far.", lambda r: r.s.products),
    Reporter("ended_alliances", "Alliances ended so far.", lambda r: r.s.ended_alliances),
    Reporter("successful_alliances", "Ended alliances that reached their goal.", lambda r: r.s.successes),
    Reporter("expected_value", "Value the firm expected to capture from its ended alliances.", lambda r: r.s.expected_value),
    Reporter("captured_value", "Value the firm captured from its ended alliances.", lambda r: r.s.captured_value),
    Reporter("underperforming", "Captured less than expected from its ended alliances.", lambda r: r.s.underperforming),
    Reporter("entry_tick", "Tick the firm entered the market (<= 0: before the outputs start).", lambda r: r.s.born),
    *(Reporter(f"preference_{name}", f"Search preference: {doc}.", lambda r, k=k: r.s.preference[:, k])
      for k, (name, doc) in enumerate(_PREFERENCES)),
)


def _series(model: "AllianceModel", name: str) -> Any:
    """DataCollector reporter: this tick's value of one series (a partial of it pickles, a lambda would not)."""
    return model.stats[name]


class Recorder:
    """Records one model: the series every tick, the panel every ``output.firm_interval`` ticks.

    Reporters read the tick's context from here: ``s`` (the firms' state),
    ``tick``, ``year``, ``formed``, ``ended`` (ids of the table's alliances
    that ended this tick), ``exit_codes``, ``new_products``, ``gone`` and
    ``born`` (slots of the firms that exited and entered), the running totals
    ``ended_total`` and ``success_total``, and, for the panel, ``interval``,
    ``active_sum`` and ``products_mark``.  The panel holds the firms in the
    market at each snapshot.
    """

    def __init__(self, model: "AllianceModel"):
        self.model = model
        self.interval = model.config.output.firm_interval
        self.collector = DataCollector(model_reporters={r.name: partial(_series, name=r.name) for r in MODEL_SERIES})
        self.panel = FirmPanel()
        self.active_sum = np.zeros(model.state.n)
        self.products_mark = model.state.products.copy()
        self.ended_total = self.success_total = 0
        self.tick = model.steps
        self.formed, self.ended, self.new_products = 0, np.zeros(0, dtype=np.int64), 0
        self.gone = self.born = np.zeros(0, dtype=np.int64)
        self._exit_counts: np.ndarray | None = None

    def start(self) -> None:
        """Start recording from the model's state now (after the burn-in)."""
        self.products_mark = self.s.products.copy()

    def replace(self, slots: np.ndarray) -> None:
        """New firms took these slots: their panel marks start from zero."""
        self.products_mark[slots] = 0
        self.active_sum[slots] = 0

    @property
    def s(self):
        return self.model.state

    @property
    def year(self) -> int:
        return year_of(self.tick, self.model.config.run.ticks_per_year)

    @property
    def exit_codes(self) -> np.ndarray:
        return self.model.log["exit_code"][self.ended]

    @property
    def exit_counts(self) -> np.ndarray:
        """Alliances ended this tick, by exit code (counted once a tick)."""
        if self._exit_counts is None:
            self._exit_counts = np.bincount(self.exit_codes, minlength=len(EXIT_REASONS))
        return self._exit_counts

    @property
    def has_ended(self) -> np.ndarray:
        """Firms in the market with ended alliances."""
        return self.s.alive & (self.s.ended_alliances > 0)

    def record(self, tick: int, formed: int, ended: np.ndarray, new_products: int,
               gone: np.ndarray, born: np.ndarray) -> dict[str, Any]:
        """Record tick ``tick``; returns the tick's series values."""
        self.tick, self.formed, self.ended, self.new_products = tick, formed, ended, new_products
        self.gone, self.born = gone, born
        self.ended_total += len(ended)
        self._exit_counts = None
        self.success_total += int(self.exit_counts[GOAL])
        stats = {r.name: r.func(self) for r in MODEL_SERIES}
        self.model.stats = stats
        self.collector.collect(self.model)
        self.active_sum += self.s.active_total
        if tick % self.interval == 0:
            self.panel.add(self.snapshot())
            self.active_sum[:] = 0
            self.products_mark = self.s.products.copy()
        return stats

    def snapshot(self) -> dict[str, Any]:
        """The firm panel's columns now, for the firms in the market (scalars are the same for every firm)."""
        alive = self.s.alive
        columns = {r.name: r.func(self) for r in FIRM_PANEL}
        return {k: (v[alive] if isinstance(v, np.ndarray) else v) for k, v in columns.items()}

    def model_frame(self) -> pd.DataFrame:
        """One row per tick of model series."""
        df = self.collector.get_model_vars_dataframe().reset_index(drop=True)
        return df.astype({"tick": "int64", "year": "int64"}) if len(df) else df

    def firms_frame(self) -> pd.DataFrame:
        """The firm panel (an empty table with the panel's columns before the first snapshot)."""
        table = self.panel.frame()
        if table is None:
            self.tick = self.model.steps
            return pd.DataFrame(self.snapshot()).iloc[0:0]
        return table
