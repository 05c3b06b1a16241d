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

from .alliances import EXIT_REASONS
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


# Both partners count every ended alliance, so the firms' tallies are twice the log's.
MODEL_SERIES: tuple[Reporter, ...] = (
    Reporter("tick", "Tick (ticks start at 1).", lambda r: r.tick),
    Reporter("year", "Year of the tick (ticks 1..ticks_per_year are year 1).", lambda r: r.year),
    Reporter("active_alliances", "Alliances running at the end of the tick.", lambda r: int(r.s.active.sum() // 2)),
    Reporter("active_exploration", "Exploration alliances running.", lambda r: int(r.s.active[:, 0].sum() // 2)),
    Reporter("active_exploitation", "Exploitation alliances running.", lambda r: int(r.s.active[:, 1].sum() // 2)),
    Reporter("formations", "Alliances formed this tick.", lambda r: r.formed),
    Reporter("exits", "Alliances ended this tick.", lambda r: len(r.ended)),
    *(Reporter(f"exits_{reason}", f"Alliances ended this tick by {reason.replace('_', ' ')}.",
               lambda r, code=code: int((r.exit_codes == code).sum()))
      for code, reason in enumerate(EXIT_REASONS) if reason),
    Reporter("ended_alliances", "Alliances ended so far.", lambda r: int(r.s.ended_alliances.sum()) // 2),
    Reporter("success_rate", "Share of the alliances ended so far that reached their goal (NaN before any ended).",
             lambda r: _share(int(r.s.successes.sum()) // 2, int(r.s.ended_alliances.sum()) // 2)),
    Reporter("underperforming_share", "Share of firms with ended alliances whose captured value is below what they "
             "expected (NaN before any ended).",
             lambda r: float(r.s.underperforming[r.s.ended_alliances > 0].mean()) if (r.s.ended_alliances > 0).any()
             else float("nan")),
    Reporter("mean_general_experience", "Mean alliances formed per firm (both types).",
             lambda r: float(r.s.general_experience.mean())),
    Reporter("mean_knowhow", "Mean retained alliance know-how per firm.", lambda r: float(r.s.general_knowhow.mean())),
    Reporter("new_products", "New products this tick (internal R&D and successful alliances).", lambda r: r.new_products),
    Reporter("rnd_projects_active", "Internal R&D projects running.", lambda r: int(r.s.projects.sum())),
)

FIRM_PANEL: tuple[Reporter, ...] = (
    Reporter("firm_id", "Firm id.", lambda r: np.arange(r.s.n, dtype=np.int64)),
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
)


def _series(model: "AllianceModel", name: str) -> Any:
    """DataCollector reporter: this tick's value of one series (a partial of it pickles, a lambda would not)."""
    return model.stats[name]


class Recorder:
    """Records one model: the series every tick, the panel every ``output.firm_interval`` ticks.

    Reporters read the tick's context from here: ``s`` (the firms' state),
    ``tick``, ``year``, ``formed``, ``ended`` (ids), ``exit_codes``,
    ``new_products``, and, for the panel, ``interval``, ``active_sum`` and
    ``products_mark``.
    """

    def __init__(self, model: "AllianceModel"):
        self.model = model
        self.interval = model.config.output.firm_interval
        self.collector = DataCollector(model_reporters={r.name: partial(_series, name=r.name) for r in MODEL_SERIES})
        self.panel = FirmPanel()
        self.active_sum = np.zeros(model.state.n)
        self.products_mark = model.state.products.copy()
        self.products_total = 0
        self.tick = model.steps
        self.formed, self.ended, self.new_products = 0, np.zeros(0, dtype=np.int64), 0

    @property
    def s(self):
        return self.model.state

    @property
    def year(self) -> int:
        return year_of(self.tick, self.model.config.run.ticks_per_year)

    @property
    def exit_codes(self) -> np.ndarray:
        return self.model.log["exit_code"][self.ended]

    def record(self, tick: int, formed: int, ended: np.ndarray) -> dict[str, Any]:
        """Record tick ``tick``; returns the tick's series values."""
        self.tick, self.formed, self.ended = tick, formed, ended
        products_total = int(self.s.products.sum())
        self.new_products, self.products_total = products_total - self.products_total, products_total
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
        """The firm panel's columns now (scalars are the same for every firm)."""
        return {r.name: r.func(self) for r in FIRM_PANEL}

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
