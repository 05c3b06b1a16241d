"""AllianceModel(mesa.Model): wiring and step order only.

Each tick (a quarter by default) runs the five alliance steps in order, then
the firms' own R&D, then records:

1. partner selection      (:mod:`sim.steps.selection`)
2. deal negotiation       (:mod:`sim.steps.negotiation`)
3. execution              (:mod:`sim.steps.execution`)
4. exit                   (:mod:`sim.steps.exit`)
5. portfolio management   (:mod:`sim.steps.portfolio`)
   internal R&D           (:mod:`sim.steps.innovation`)
   entry and exit         (:mod:`sim.steps.demography`)
   recording              (:mod:`sim.recording`: model series, firm panel)

The tables' columns are declared in :mod:`sim.alliances`,
:mod:`sim.steps.innovation` and :mod:`sim.recording`.  The model pickles
(checkpoint it, or return it from a worker) and carries on identically.

The first ``run.burn_in`` ticks are simulated when the model is built and
left out of every output: they are numbered ``1 - burn_in .. 0``, outputs
start at tick 1, and alliances and projects begun during the burn-in are not
in the tables (their history still counts in the firms' experience).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa import DataCollector

from .alliances import GOAL, AllianceLog
from .config import Config, flatten, load_config
from .firm import Firm
from .kernels import exit as kexit
from .recording import Recorder
from .state import PairMemory
from .steps import demography, execution, innovation, negotiation, portfolio, selection
from .steps.demography import init_firms
from .steps.exit import execute_and_close

__all__ = ["AllianceModel", "TABLES", "as_config"]

TABLES = ("alliances", "firms", "model", "projects")  # the output tables, in the order frames() returns them


def as_config(config: Config | dict | str | Path | None, overrides: dict[str, Any]) -> Config:
    """A Config from a Config, nested dict, path or ``None`` (baseline), with dotted (or ``__``) overrides."""
    dotted = {k.replace("__", "."): v for k, v in overrides.items()}
    if isinstance(config, Config):
        return load_config(overrides={**config.flat(), **dotted}) if dotted else config
    if isinstance(config, dict):
        return load_config(overrides={**flatten(config), **dotted})
    return load_config(config, overrides=dotted)


PRESIZED_TICKS = 1_000  # a log is sized for at most this many ticks ahead (a dashboard may never run them)


def rows_ahead(rows: int, ticks: int, ahead: int) -> int:
    """Room for a log's rows over the next ``ahead`` ticks (at most :data:`PRESIZED_TICKS`), at the pace of ``rows``
    rows in ``ticks`` ticks, with a tenth to spare: a run's logs then rarely grow mid-run (growing copies every
    column and holds both copies meanwhile); 0 without a pace."""
    return int(1.1 * rows * min(ahead, PRESIZED_TICKS) / ticks) if ticks > 0 else 0


class AllianceModel(mesa.Model):
    """Firms that form, negotiate, execute and exit alliances, and learn from them.

    ``AllianceModel(config=None, rng=None, **overrides)``: ``config`` is a
    :class:`~sim.config.Config` (or a path, or ``None`` for the baseline);
    ``rng`` seeds every random draw (defaults to ``run.seed``); keyword
    overrides use dotted keys, ``AllianceModel(**{"firms.n": 500})``, or double
    underscores, ``AllianceModel(firms__n=500)``, which is how
    ``mesa.batch_run`` passes parameters.  ``panel=False`` skips the firm
    panel's snapshots, for a run that never builds the ``firms`` table (the
    other tables and every result are the same).
    """

    def __init__(self, config: Config | dict | str | Path | None = None, rng: Any = None, panel: bool = True,
                 **overrides: Any):
        cfg = as_config(config, overrides)
        if rng is None:
            rng = cfg.run.seed
        super().__init__(rng=rng)
        self.config = cfg
        self.seed = rng if isinstance(rng, (int, np.integer)) else None
        burn_in = cfg.run.burn_in
        self.state = init_firms(cfg, self.rng, tick=1 - burn_in)
        self._firms = list(Firm.create_agents(self, cfg.firms.n, index=list(range(cfg.firms.n))))
        self._new_faces = np.zeros(cfg.firms.n, dtype=bool)  # slots a new firm took since their agent was made
        self._faces_due = False
        self.log = AllianceLog()
        self.projects = innovation.ProjectLog()
        self.pairs = PairMemory(cfg.learning.forgetting_rate)
        self.stats: dict[str, float] = {}  # this tick's model series (the dashboard reads them)
        self.recorder = Recorder(self, panel=panel)
        self.running = True
        half = {}  # the logs' rows half-way through the burn-in: their pace over its second half sizes the outputs
        for t in range(1 - burn_in, 1):  # burn-in: simulated, never recorded
            if t == 1 - burn_in // 2:
                half = {log: log.n for log in (self.log, self.projects)}
            self._advance(t)
        for log in (self.log, self.projects):  # the burn-in's ended rows are dropped: never output
            log.start_output(room=rows_ahead(log.n - half.get(log, log.n), burn_in // 2, cfg.run.ticks))
        self.recorder.start()

    # ----------------------------------------------------------------- step
    @property
    def tick(self) -> int:
        """Ticks completed (Mesa's ``steps``)."""
        return self.steps

    def step(self) -> None:
        if self.log.closed:
            raise RuntimeError("the run is over and frames() handed its logs over to its tables: build a new model to run on")
        tick = self.steps
        formed, ended, new_products, gone, acquired, born = self._advance(tick)
        ended = ended[ended >= self.log.first]  # the series count the alliances the table holds
        self.recorder.record(tick, formed, ended, new_products, gone, acquired, born)
        if tick >= self.config.run.ticks:
            self.running = False

    def _advance(self, tick: int) -> tuple[int, np.ndarray, int, np.ndarray, int, np.ndarray]:
        """Simulate one tick; returns what the records need (formations, ended ids, new products, exits, how many
        of them were acquisitions, entries)."""
        cfg, s, rng = self.config, self.state, self.rng
        matches = selection.select_partners(s, self.pairs, None, cfg.selection, rng)  # allied pairs: self.pairs knows
        formed = 0
        if len(matches):  # negotiated and launched in the alliance log's next rows
            rows = negotiation.negotiate(s, self.pairs, matches, tick, cfg.negotiation, cfg.learning, rng, log=self.log)
            execution.launch(s, rows, cfg.execution, rng)
            self.log.commit(rows)
            self.pairs.record_many(rows["firm_a"], rows["firm_b"], tick, top_id=len(s.slot_of_id) - 1)
            formed = len(matches)
        ended = execute_and_close(s, self.log, tick, cfg, rng)  # execution.execute, then exit.close, in one pass
        portfolio.manage(s, cfg, rng)
        approved = innovation.innovate(s, self.projects, tick, cfg.innovation, cfg.learning, rng)
        new_products = approved + 2 * kexit.count_code(ended, self.log.exit_code, GOAL)
        gone, dissolved, acquired = demography.exits(s, self.log, self.projects, tick, cfg, rng)
        if len(dissolved):
            ended = np.concatenate([ended, dissolved])
        self.pairs.end_rows(ended, self.log.firm_a, self.log.firm_b)
        born = demography.entries(s, tick, cfg, rng)
        if len(born):  # each entrant gets its agent when the agents are next asked for (_make_faces)
            self._new_faces[born] = True
            self._faces_due = True
            self.recorder.replace(born)
        return formed, ended, new_products, gone, acquired, born

    # --------------------------------------------------------------- agents
    @property
    def firms(self) -> list[Firm]:
        """The firms' agents by slot (``firms[slot]`` reads row ``slot`` of the state)."""
        self._make_faces()
        return self._firms

    @property
    def agents(self) -> Any:
        """Mesa's set of every agent (:attr:`mesa.Model.agents`), each entrant's agent made."""
        self._make_faces()
        return super().agents

    @property
    def agents_by_type(self) -> Any:
        """Mesa's agent sets by type (:attr:`mesa.Model.agents_by_type`), each entrant's agent made."""
        self._make_faces()
        return super().agents_by_type

    def _make_faces(self) -> None:
        """A new agent for each slot a new firm took since the agents were last asked for, the old one removed.

        A Firm is a view of its slot's row, so nothing in a step reads it: making entrants' agents when someone
        looks (the dashboard, a notebook, ``mesa.batch_run``'s collector, the end of a run) rather than at every
        entry spares Mesa's registration of the ventures that come and go unseen (the burn-in's, most of all).
        """
        if not self._faces_due:
            return
        for slot in np.flatnonzero(self._new_faces).tolist():
            self._firms[slot].remove()
            self._firms[slot] = Firm(self, slot)
        self._new_faces[:] = False
        self._faces_due = False

    def run(self, ticks: int | None = None, progress: bool = False) -> "AllianceModel":
        """Advance ``ticks`` ticks (default: up to ``run.ticks``); returns self."""
        if ticks is None:
            ticks = max(self.config.run.ticks - self.steps, 0)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=ticks, unit="tick", desc="simulating", leave=False)
        for _ in range(ticks):
            self.step()
            if bar is not None:
                bar.update()
        if bar is not None:
            bar.close()
        return self

    @property
    def datacollector(self) -> DataCollector:
        """Mesa's collector of the model series (what ``mesa.batch_run`` reads)."""
        return self.recorder.collector

    # --------------------------------------------------------------- tables
    def alliances_frame(self) -> pd.DataFrame:
        """One row per alliance (ongoing ones have empty end fields)."""
        return self.log.frame()

    def projects_frame(self) -> pd.DataFrame:
        """One row per internal R&D project."""
        return self.projects.frame()

    def firms_frame(self) -> pd.DataFrame:
        """Firm x tick panel, every ``output.firm_interval`` ticks."""
        return self.recorder.firms_frame()

    def model_frame(self) -> pd.DataFrame:
        """One row per tick of model-level series."""
        return self.recorder.model_frame()

    def frames(self, names: tuple[str, ...] = TABLES) -> dict[str, pd.DataFrame]:
        """The output tables ``names`` (default: all four) by name.

        Once the run is over (``running`` is False), this is its last word: the alliance and project logs hand
        their storage over to their tables as they are built (so a large run's tables never sit beside its logs)
        and keep the tables, which every later call returns; the model cannot step on after that.  Before the
        end, the tables are copies and the run carries on unchanged.
        """
        release = not self.running
        builders = {
            "firms": self.firms_frame,  # first: the panel's snapshots are let go as it is built
            "alliances": lambda: self.log.frame(release),
            "projects": lambda: self.projects.frame(release),
            "model": self.model_frame,
        }
        built = {name: build() for name, build in builders.items() if name in names}
        return {name: built[name] for name in TABLES if name in names}
