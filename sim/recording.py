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
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

import numpy as np
import pandas as pd
from mesa import DataCollector

from .alliances import EXIT_REASONS, GOAL, SIZE_NAMES
from .columns import labels
from .kernels import recording as kr
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


# The firms' search preferences, by column of ``state.preference``: series and panel name, meaning.
_PREFERENCES = (
    ("exploration", "target share of exploration alliances"),
    ("repeat", "probability of seeking a repeat partner"),
    ("large", "preference for large partners"),
)

class Totals(NamedTuple):
    """Totals over the firms the model series read, counted in one pass each tick (:func:`sim.kernels.recording.firm_totals`):
    active alliance ends by type (each alliance counts with both partners), then over the firms in the market:
    how many there are, how many have ended alliances and how many of those are underperforming, how many have an
    alliance function, the sums of general experience, know-how and each search preference; and the internal R&D
    projects of every slot."""

    exploration: int
    exploitation: int
    firms: int
    has_ended: int
    underperforming: int
    functions: int
    projects: int
    general_experience: float
    knowhow: float
    preference: tuple[float, float, float]

    @classmethod
    def of(cls, state, active_sum: np.ndarray) -> "Totals":
        t = kr.firm_totals(state.alive, state.active, state.ended_alliances, state.captured_value, state.expected_value,
                           state.experience, state.knowhow, state.projects, state.alliance_function, state.preference,
                           active_sum)
        return cls(*t[:9], t[9:])


def _mean_of(total: float, count: int) -> float:
    """A mean from a total and a count, NaN when the count is 0."""
    return total / count if count else float("nan")


MODEL_SERIES: tuple[Reporter, ...] = (
    Reporter("tick", "Tick (ticks start at 1).", lambda r: r.tick),
    Reporter("year", "Year of the tick (ticks 1..ticks_per_year are year 1).", lambda r: r.year),
    Reporter("active_alliances", "Alliances running at the end of the tick.",
             lambda r: (r.totals.exploration + r.totals.exploitation) // 2),
    Reporter("active_exploration", "Exploration alliances running.", lambda r: r.totals.exploration // 2),
    Reporter("active_exploitation", "Exploitation alliances running.", lambda r: r.totals.exploitation // 2),
    Reporter("formations", "Alliances formed this tick.", lambda r: r.formed),
    Reporter("exits", "Alliances ended this tick.", lambda r: len(r.ended)),
    *(Reporter(f"exits_{reason}", f"Alliances ended this tick by {reason.replace('_', ' ')}.",
               lambda r, code=code: r.exit_tally[code])
      for code, reason in enumerate(EXIT_REASONS) if reason),
    Reporter("ended_alliances", "Alliances of the table (formed after the burn-in) ended so far.",
             lambda r: r.ended_total),
    Reporter("success_rate", "Share of the table's alliances ended so far that reached their goal (NaN before any "
             "ended).", lambda r: _share(r.success_total, r.ended_total)),
    Reporter("underperforming_share", "Share of firms in the market with ended alliances whose captured value is "
             "below what they expected (NaN before any ended).",
             lambda r: _mean_of(r.totals.underperforming, r.totals.has_ended)),
    Reporter("mean_general_experience", "Mean alliances formed per firm in the market (both types).",
             lambda r: _mean_of(r.totals.general_experience, r.totals.firms)),
    Reporter("mean_knowhow", "Mean retained alliance know-how per firm in the market.",
             lambda r: _mean_of(r.totals.knowhow, r.totals.firms)),
    Reporter("new_products", "New products this tick (internal R&D and successful alliances).", lambda r: r.new_products),
    Reporter("rnd_projects_active", "Internal R&D projects running.", lambda r: r.totals.projects),
    Reporter("firm_entries", "New ventures that entered the market this tick.", lambda r: len(r.born)),
    Reporter("firm_exits", "Firms that exited this tick (resources ran out, or a venture acquired).", lambda r: len(r.gone)),
    Reporter("firm_acquisitions", "Of firm_exits, the ventures acquired with resources to spare (the rest ran out).",
             lambda r: r.acquired),
    Reporter("firms", "Firms in the market at the end of the tick.", lambda r: r.totals.firms),
    Reporter("function_share", "Share of firms in the market with a dedicated alliance function.",
             lambda r: _mean_of(r.totals.functions, r.totals.firms)),
    *(Reporter(f"preference_{name}", f"Mean search preference of firms in the market: {doc}.",
               lambda r, k=k: _mean_of(r.totals.preference[k], r.totals.firms))
      for k, (name, doc) in enumerate(_PREFERENCES)),
)

FIRM_PANEL: tuple[Reporter, ...] = (
    Reporter("firm_id", "Firm id (never reused: an entrant gets a new one).", lambda r: r.s.firm_id),
    Reporter("tick", "Tick of the snapshot.", lambda r: r.tick),
    Reporter("year", "Year of the snapshot.", lambda r: r.year),
    Reporter("size", "large incumbent or small venture.", lambda r: labels(SIZE_NAMES, r.s.large)),
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


class _Rows:
    """An object's arrays at some rows, each taken (a fresh copy) the first time it is read; a property of the
    object's class is computed from the taken arrays (the same values as taking the property's rows)."""

    def __init__(self, of: Any, rows: np.ndarray):
        self._of, self._rows = of, rows

    def __getattr__(self, name: str) -> Any:
        derived = getattr(type(self._of), name, None)
        if isinstance(derived, property):
            return derived.fget(self)
        value = getattr(self._of, name)
        if isinstance(value, np.ndarray) and value.ndim:
            value = value.take(self._rows, axis=0)
        setattr(self, name, value)
        return value


class _InMarket(_Rows):
    """The recorder as the panel's reporters see it when some slots are empty: the state and the panel's running
    marks at the firms in the market only, so each array is taken once, not once per column."""

    def __init__(self, recorder: "Recorder", rows: np.ndarray):
        super().__init__(recorder, rows)
        self.s = _Rows(recorder.s, rows)


def _series(model: "AllianceModel", name: str) -> Any:
    """DataCollector reporter: this tick's value of one series (a partial of it pickles, a lambda would not)."""
    return model.stats[name]


class Recorder:
    """Records one model: the series every tick, the panel every ``output.firm_interval`` ticks.

    Reporters read the tick's context from here: ``s`` (the firms' state),
    ``totals`` (:class:`Totals`), ``tick``, ``year``, ``formed``, ``ended`` (ids of the table's alliances
    that ended this tick), ``exit_tally`` (their count by code), ``new_products``, ``gone`` and
    ``born`` (slots of the firms that exited and entered), ``acquired`` (how many of those exits were
    acquisitions), the running totals
    ``ended_total`` and ``success_total``, and, for the panel, ``interval``,
    ``active_sum`` and ``products_mark``.  The panel holds the firms in the
    market at each snapshot.
    """

    def __init__(self, model: "AllianceModel", panel: bool = True):
        self.model = model
        self.keep_panel = panel  # False: no snapshots (a run that never builds the firms table)
        self.interval = model.config.output.firm_interval
        self._collector = DataCollector(model_reporters={r.name: partial(_series, name=r.name) for r in MODEL_SERIES})
        self._uncollected: list[tuple[float, dict[str, Any]]] = []  # ticks recorded, not yet in the collector
        self.panel = FirmPanel()
        self.active_sum = np.zeros(model.state.n)
        self.products_mark = model.state.products.copy()
        self.ended_total = self.success_total = 0
        self.tick = model.steps
        self.formed, self.ended, self.new_products = 0, np.zeros(0, dtype=np.int64), 0
        self.gone = self.born = np.zeros(0, dtype=np.int64)
        self.acquired = 0
        self._exit_counts: np.ndarray | None = None
        self.totals: Totals | None = None
        self.exit_tally = [0] * len(EXIT_REASONS)

    def start(self) -> None:
        """Start recording from the model's state now (after the burn-in).

        ``model.stats`` gets the series of this state (tick 0: nothing formed,
        ended or entered yet; not a row of the tables), so what a dashboard shows
        before the first step counts what its network draws.
        """
        self.products_mark = self.s.products.copy()
        self.totals = Totals.of(self.s, np.zeros_like(self.active_sum))  # tick 0's; the panel's running sum starts at tick 1
        self.model.stats = self.series()

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
    def exit_counts(self) -> np.ndarray:
        """Alliances ended this tick, by exit code (counted once a tick)."""
        if self._exit_counts is None:
            self._exit_counts = kr.code_counts(self.ended, self.model.log.exit_code, len(EXIT_REASONS))
        return self._exit_counts

    def record(self, tick: int, formed: int, ended: np.ndarray, new_products: int,
               gone: np.ndarray, acquired: int, born: np.ndarray) -> dict[str, Any]:
        """Record tick ``tick``; returns the tick's series values."""
        self.tick, self.formed, self.ended, self.new_products = tick, formed, ended, new_products
        self.gone, self.acquired, self.born = gone, acquired, born
        self.ended_total += len(ended)
        self._exit_counts = None
        self.exit_tally = self.exit_counts.tolist()
        self.success_total += self.exit_tally[GOAL]
        self.totals = Totals.of(self.s, self.active_sum)  # adds this tick's active alliances to active_sum
        stats = self.model.stats = self.series()
        self._collect(stats)
        if tick % self.interval == 0:
            if self.keep_panel:
                self.panel.add(*self._snapshot())
            self.active_sum[:] = 0
            self.products_mark = self.s.products.copy()
        return stats

    def series(self) -> dict[str, Any]:
        """The model series' values now."""
        return {r.name: r.func(self) for r in MODEL_SERIES}

    @property
    def collector(self) -> DataCollector:
        """Mesa's ``DataCollector`` with every recorded tick's series in it."""
        if self._uncollected:
            self._flush()
        return self._collector

    def _collect(self, stats: dict[str, Any]) -> None:
        """Keep this tick's series for the collector; they go in when it is asked for (:attr:`collector`)."""
        self._uncollected.append((self.model.time, stats))

    def _flush(self) -> None:
        """What ``DataCollector.collect`` does with these reporters for each tick kept (each appends that tick's value
        of its series; Python scalars, so its deep copy is the value itself), without its per-reporter dispatch and
        copying."""
        collector = self._collector
        steps = getattr(collector, "_collection_steps", None)
        model_vars = collector.model_vars
        for time, stats in self._uncollected:
            if steps is not None:
                steps.append(time)
            for name, value in stats.items():
                model_vars[name].append(value)
        self._uncollected = []

    def snapshot(self) -> dict[str, Any]:
        """The firm panel's columns now, for the firms in the market (scalars are the same for every firm)."""
        return self._snapshot()[0]

    def _snapshot(self) -> tuple[dict[str, Any], bool]:
        """:meth:`snapshot`, and whether its arrays are its own (picked out of the state's, not the state's arrays
        themselves, which a panel must copy)."""
        alive = self.s.alive
        if self.totals is not None and self.totals.firms == len(alive):  # every slot is in the market: the columns as they are
            return {r.name: r.func(self) for r in FIRM_PANEL}, False
        market = _InMarket(self, alive.nonzero()[0])
        return {r.name: r.func(market) for r in FIRM_PANEL}, True

    def model_frame(self) -> pd.DataFrame:
        """One row per tick of model series."""
        df = self.collector.get_model_vars_dataframe().reset_index(drop=True)
        return df.astype({"tick": "int64", "year": "int64"}) if len(df) else df

    def firms_frame(self) -> pd.DataFrame:
        """The firm panel (an empty table with the panel's columns before the first snapshot)."""
        if not self.keep_panel:
            raise RuntimeError("this model was built with panel=False: its firm panel was not recorded")
        table = self.panel.frame()
        if table is None:
            self.tick = self.model.steps
            return pd.DataFrame(self.snapshot()).iloc[0:0]
        return table
