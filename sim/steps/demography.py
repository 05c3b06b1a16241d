"""A living population: firms whose resources run out exit, new ventures enter.

Resources bind: alliances (running costs), alliance functions and internal
R&D cost money every tick; the core business, captured alliance value and new
products bring it in.  A firm whose resources fall below
``firms.exit_threshold`` exits, and a venture leaves with
``firms.acquisition_hazard`` a tick whatever its resources (acquired, merged or
closed by its investors): its alliances are dissolved (an unplanned
``partner_exit`` for its partners) and its projects stopped.  New ventures
enter at ``firms.entry_rate`` x ``firms.n`` a tick on average (Poisson).

Slots are recycled: the state arrays keep ``firms.n`` rows, an exited firm's
slot is empty until an entrant takes it, and every entrant gets a new firm id
(ids are never reused, so the alliance table, the pair memory and the firm
panel never confuse two firms).  The population therefore never exceeds
``firms.n``; at the steady state entries balance exits.
"""

from __future__ import annotations

import numpy as np

from ..alliances import PARTNER_EXIT, AllianceLog
from ..config import Config
from ..kernels import demography as kd
from ..state import FirmState, draw_firms
from .exit import settle
from .innovation import ProjectLog, stop_projects

__all__ = ["exits", "entries"]

_NO_DRAWS = np.zeros(0)


def exits(state: FirmState, log: AllianceLog, projects: ProjectLog, tick: int, config: Config,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Remove the firms whose resources ran out and the ventures acquired this tick (``firms.acquisition_hazard``:
    one uniform per slot, drawn only when the hazard is on); returns their slots, the ids of the alliances that
    ended with them and how many of them left with resources to spare (acquired)."""
    hazard = config.firms.acquisition_hazard
    draw = rng.random(state.n) if hazard > 0 else _NO_DRAWS
    gone = kd.leaving(state.alive, state.resources, config.firms.exit_threshold, state.large, draw, float(hazard))
    if len(gone) == 0:
        return gone, gone, 0
    acquired = int((state.resources[gone] >= config.firms.exit_threshold).sum())
    active = log.active_ids()
    leaving = state.mask(gone)
    hit = active[leaving[log.slot_a[active]] | leaving[log.slot_b[active]]]
    if len(hit):
        settle(state, log, hit, np.full(len(hit), PARTNER_EXIT, dtype=np.int8), np.zeros(len(hit), dtype=bool), tick, config)
    stop_projects(state, projects, gone, tick)
    state.alive[gone] = False
    state.max_alliances[gone] = 0
    state.income[gone] = 0.0
    state.alliance_function[gone] = False
    state.function_setup[gone] = 0
    state.slot_of_id[state.firm_id[gone]] = -1
    return gone, hit, acquired


def entries(state: FirmState, tick: int, config: Config, rng: np.random.Generator) -> np.ndarray:
    """New ventures take empty slots; returns their slots."""
    free = (~state.alive).nonzero()[0]
    k = min(int(rng.poisson(config.firms.entry_rate * config.firms.n)), len(free))
    if k == 0:
        return free[:0]
    slots = free[:k]
    first_id = len(state.slot_of_id)
    state.fill(slots, draw_firms(config, rng, np.zeros(k, dtype=bool), tick, first_id))
    state.slot_of_id = np.concatenate([state.slot_of_id, slots])
    return slots
