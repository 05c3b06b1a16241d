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

from .alliances import EXIT_REASONS, AllianceLog
from .config import Config, flatten, load_config
from .firm import Firm
from .metrics import year_of
from .panel import FirmPanel
from .state import PairMemory, init_firms
from .steps import demography, execution, innovation, negotiation, portfolio, selection
from .steps.exit import close

__all__ = ["AllianceModel", "as_config"]

_EXITS = [r for r in EXIT_REASONS if r]


def as_config(config: Config | dict | str | Path | None, overrides: dict[str, Any]) -> Config:
    """A Config from a Config, nested dict, path or ``None`` (baseline), with dotted (or ``__``) overrides."""
    dotted = {k.replace("__", "."): v for k, v in overrides.items()}
    if isinstance(config, Config):
        return load_config(overrides={**config.flat(), **dotted}) if dotted else config
    if isinstance(config, dict):
        return load_config(overrides={**flatten(config), **dotted})
    return load_config(config, overrides=dotted)


class AllianceModel(mesa.Model):
    """Firms that form, negotiate, execute and exit alliances, and learn from them.

    ``AllianceModel(config=None, rng=None, **overrides)``: ``config`` is a
    :class:`~sim.config.Config` (or a path, or ``None`` for the baseline);
    ``rng`` seeds every random draw (defaults to ``run.seed``); keyword
    overrides use dotted keys, ``AllianceModel(**{"firms.n": 500})``, or double
    underscores, ``AllianceModel(firms__n=500)``, which is how
    ``mesa.batch_run`` passes parameters.
    """

    def __init__(self, config: Config | dict | str | Path | None = None, rng: Any = None, **overrides: Any):
        cfg = as_config(config, overrides)
        if rng is None:
            rng = cfg.run.seed
        super().__init__(rng=rng)
        self.config = cfg
        self.seed = rng if isinstance(rng, (int, np.integer)) else None
        burn_in = cfg.run.burn_in
        self.state = init_firms(cfg, self.rng, tick=1 - burn_in)
        self.firms = list(Firm.create_agents(self, cfg.firms.n, index=list(range(cfg.firms.n))))
        self.log = AllianceLog()
        self.projects = innovation.ProjectLog()
        self.pairs = PairMemory(cfg.learning.forgetting_rate)
        self._panel = FirmPanel()
        self._active_sum = np.zeros(cfg.firms.n)
        self._products_mark = self.state.products.copy()
        self._ended_total = 0
        self._success_total = 0
        self.stats: dict[str, float] = {}
        self.datacollector = DataCollector(
            model_reporters={key: (lambda m, key=key: m.stats[key]) for key in self._stat_names()}
        )
        self.running = True
        for t in range(1 - burn_in, 1):  # burn-in: simulated, never recorded
            self._advance(t)
        self.log.first = self.log.n
        self.projects.first = self.projects.n
        self._products_mark = self.state.products.copy()

    # ----------------------------------------------------------------- step
    @property
    def tick(self) -> int:
        """Ticks completed (Mesa's ``steps``)."""
        return self.steps

    def step(self) -> None:
        tick = self.steps
        formed, ended, new_products, gone, born = self._advance(tick)
        ended = ended[ended >= self.log.first]  # the series count the alliances the table holds
        self._record(tick, formed, ended, new_products, gone, born)
        if tick >= self.config.run.ticks:
            self.running = False

    def _advance(self, tick: int) -> tuple[int, np.ndarray, int, np.ndarray, np.ndarray]:
        """Simulate one tick; returns what the records need (formations, ended ids, new products, exits, entries)."""
        cfg, s, rng = self.config, self.state, self.rng
        matches = selection.select_partners(s, self.pairs, self.log.active_pair_codes(), cfg.selection, rng)
        formed = 0
        if len(matches):
            records = negotiation.negotiate(s, self.pairs, matches, tick, cfg.negotiation, cfg.learning, rng)
            records = execution.launch(s, records, cfg.execution, rng)
            self.log.append(records)
            self.pairs.record_many(records["firm_a"], records["firm_b"], tick)
            formed = len(matches)
        execution.execute(s, self.log, tick, cfg.execution, cfg.learning, rng)
        ended = close(s, self.log, tick, cfg, rng)
        portfolio.manage(s, cfg, rng)
        approved = innovation.innovate(s, self.projects, tick, cfg.innovation, cfg.learning, rng)
        new_products = approved + 2 * int((self.log["exit_code"][ended] == 1).sum())
        gone, dissolved = demography.exits(s, self.log, self.projects, tick, cfg)
        ended = np.concatenate([ended, dissolved])
        born = demography.entries(s, tick, cfg, rng)
        for slot in born.tolist():  # the agents: a new face for every entrant
            self.firms[slot].remove()
            self.firms[slot] = Firm(self, slot)
        self._products_mark[born] = 0
        self._active_sum[born] = 0
        return formed, ended, new_products, gone, born

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

    # ------------------------------------------------------------ recording
    @staticmethod
    def _stat_names() -> list[str]:
        return [
            "tick", "year", "active_alliances", "active_exploration", "active_exploitation", "formations", "exits",
            *[f"exits_{r}" for r in _EXITS],
            "ended_alliances", "success_rate", "underperforming_share",
            "mean_general_experience", "mean_knowhow", "new_products", "rnd_projects_active",
            "firm_entries", "firm_exits", "firms", "function_share",
            "preference_exploration", "preference_repeat", "preference_large",
        ]

    def _record(self, tick: int, formed: int, ended: np.ndarray, new_products: int, gone: np.ndarray, born: np.ndarray) -> None:
        s = self.state
        codes = self.log["exit_code"][ended]
        self._ended_total += len(ended)
        self._success_total += int((codes == 1).sum())
        n_ended, n_success = self._ended_total, self._success_total
        alive = s.alive
        has_ended = alive & (s.ended_alliances > 0)
        self.stats = {
            "tick": tick,
            "year": year_of(tick, self.config.run.ticks_per_year),
            "active_alliances": int(s.active.sum() // 2),
            "active_exploration": int(s.active[:, 0].sum() // 2),
            "active_exploitation": int(s.active[:, 1].sum() // 2),
            "formations": formed,
            "exits": len(ended),
            **{f"exits_{r}": int((codes == i).sum()) for i, r in enumerate(EXIT_REASONS) if r},
            "ended_alliances": n_ended,
            "success_rate": n_success / n_ended if n_ended else float("nan"),
            "underperforming_share": float(s.underperforming[has_ended].mean()) if has_ended.any() else float("nan"),
            "mean_general_experience": float(s.general_experience[alive].mean()),
            "mean_knowhow": float(s.general_knowhow[alive].mean()),
            "new_products": new_products,
            "rnd_projects_active": int(s.projects.sum()),
            "firm_entries": len(born),
            "firm_exits": len(gone),
            "firms": int(alive.sum()),
            "function_share": float(s.alliance_function[alive].mean()),
            "preference_exploration": float(s.preference[alive, 0].mean()),
            "preference_repeat": float(s.preference[alive, 1].mean()),
            "preference_large": float(s.preference[alive, 2].mean()),
        }
        self.datacollector.collect(self)
        self._active_sum += s.active_total
        interval = self.config.output.firm_interval
        if tick % interval == 0:
            self._panel.add(self._firm_snapshot(tick, interval))
            self._active_sum[:] = 0
            self._products_mark = s.products.copy()

    def _firm_snapshot(self, tick: int, interval: int) -> dict[str, object]:
        """Columns of the firm panel at ``tick`` for the firms alive then (scalars are the same for every firm)."""
        s = self.state
        columns = {
            "firm_id": s.firm_id,
            "tick": tick,
            "year": year_of(tick, self.config.run.ticks_per_year),
            "size": np.where(s.large, "large", "small"),
            "alliance_function": s.alliance_function,
            "exploration_capability": s.capability[:, 0],
            "exploitation_capability": s.capability[:, 1],
            "capture_rate": s.capture_rate,
            "capacity": s.capacity,
            "max_alliances": s.max_alliances,
            "active_alliances": s.active_total,
            "active_exploration": s.active[:, 0],
            "active_exploitation": s.active[:, 1],
            "mean_active_alliances": self._active_sum / interval,
            "general_experience": s.general_experience,
            "exploration_experience": s.experience[:, 0],
            "exploitation_experience": s.experience[:, 1],
            "knowhow": s.general_knowhow,
            "internal_exploration_experience": s.internal_experience[:, 0],
            "internal_exploitation_experience": s.internal_experience[:, 1],
            "reputation": s.reputation,
            "resources": s.resources,
            "new_products": s.products - self._products_mark,
            "products": s.products,
            "ended_alliances": s.ended_alliances,
            "successful_alliances": s.successes,
            "expected_value": s.expected_value,
            "captured_value": s.captured_value,
            "underperforming": s.underperforming,
            "entry_tick": s.born,
            "preference_exploration": s.preference[:, 0],
            "preference_repeat": s.preference[:, 1],
            "preference_large": s.preference[:, 2],
        }
        alive = s.alive
        return {k: (v[alive] if isinstance(v, np.ndarray) else v) for k, v in columns.items()}

    # --------------------------------------------------------------- tables
    def alliances_frame(self) -> pd.DataFrame:
        """One row per alliance (ongoing ones have empty end fields)."""
        return self.log.frame()

    def projects_frame(self) -> pd.DataFrame:
        """One row per internal R&D project."""
        return self.projects.frame()

    def firms_frame(self) -> pd.DataFrame:
        """Firm x tick panel, every ``output.firm_interval`` ticks."""
        table = self._panel.frame()
        if table is None:
            return pd.DataFrame(self._firm_snapshot(self.steps, self.config.output.firm_interval)).iloc[0:0]
        return table

    def model_frame(self) -> pd.DataFrame:
        """One row per tick of model-level series."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        return df.astype({"tick": "int64", "year": "int64"}) if len(df) else df

    def frames(self) -> dict[str, pd.DataFrame]:
        """All output tables by name."""
        return {
            "alliances": self.alliances_frame(),
            "firms": self.firms_frame(),
            "model": self.model_frame(),
            "projects": self.projects_frame(),
        }
