"""A living population: the founders, firms whose resources run out exit, new ventures enter.

The founders (:func:`init_firms`) and every entrant are drawn by one compiled
pass (:func:`draw_into`), from their size class's values.

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

from ..alliances import AllianceLog
from ..config import Config
from ..kernels import demography as kd
from ..kernels import params
from ..kernels.generator import handle
from ..state import DRAWN_FIELDS, ZERO_FIELDS, FirmState, class_values
from .exit import settle_arguments
from .innovation import ProjectLog

__all__ = ["init_firms", "draw_firms", "draw_into", "exits", "entries"]


def init_firms(cfg: Config, rng: np.random.Generator, tick: int = 0) -> FirmState:
    """Draw a heterogeneous population: large incumbents and small ventures."""
    n = cfg.firms.n
    n_large = int(round(cfg.firms.share_large * n))
    large = np.zeros(n, dtype=bool)
    large[rng.permutation(n)[:n_large]] = True
    zeros = {name: np.zeros((n, width) if width else n, dtype=dtype) for name, (width, dtype) in ZERO_FIELDS.items()}
    state = FirmState(**draw_firms(cfg, rng, large, tick, first_id=0), **zeros)
    state.slot_of_id = np.arange(n, dtype=np.int64)
    return state



def draw_firms(cfg: Config, rng: np.random.Generator, large: np.ndarray, tick: int, first_id: int) -> dict[str, np.ndarray]:
    """Every field of ``len(large)`` new firms of the given size classes but the :data:`ZERO_FIELDS`
    (:func:`draw_into` on fresh arrays)."""
    n = len(large)
    out = {name: np.empty((n, width) if width else n, dtype=dtype) for name, (width, dtype) in DRAWN_FIELDS.items()}
    draw_into(out, np.arange(n, dtype=np.int64), large.astype(np.intp), cfg, rng, tick, first_id)
    return out


def draw_into(arrays: dict[str, np.ndarray], slots: np.ndarray, codes: np.ndarray, cfg: Config,
              rng: np.random.Generator, tick: int, first_id: int) -> None:
    """Draw new firms of the size classes ``codes`` (0 small, 1 large) into rows ``slots`` of ``arrays`` (the
    :data:`DRAWN_FIELDS` by name: a state's ``vars``, or fresh arrays), with firm ids from ``first_id`` on.

    One compiled pass (:func:`sim.kernels.demography.draw`: founders and entrants alike): capabilities around
    their class mean, an alliance function by the class's probability, the structural capture rate, prior
    alliances (Poisson around half the class's initial experience, per type) and the know-how left of them,
    overconfidence (log-normal around ``portfolio.overconfidence``), the capacity prior know-how built and the
    alliance cap the firm believes in, resources (log-normal around the class's), search preferences at their
    starting values.
    """
    table, mean_capability = class_values(cfg.firms)
    kd.draw(handle(rng), slots, codes, table, mean_capability, tick, first_id, *_sections(cfg),
            *(arrays[name] for name in DRAWN_FIELDS))


def _sections(cfg: Config) -> tuple[np.ndarray, ...]:
    """The records of the sections new firms are drawn from: firms, learning, portfolio, selection, negotiation."""
    return (params(cfg.firms), params(cfg.learning), params(cfg.portfolio), params(cfg.selection),
            params(cfg.negotiation))


def exits(state: FirmState, log: AllianceLog, projects: ProjectLog, tick: int, config: Config,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Remove the firms whose resources ran out and the ventures acquired this tick (``firms.acquisition_hazard``:
    one uniform per slot, drawn only when the hazard is on); returns their slots, the ids of the alliances that
    ended with them and how many of them left with resources to spare (acquired).  Their alliances end by
    partner exit (settled), their projects are terminated (:func:`sim.kernels.demography.exits_drawing`)."""
    s, p = state, projects
    gone, hit, acquired, alliances, running = kd.exits_drawing(
        handle(rng), config.firms.exit_threshold, float(config.firms.acquisition_hazard), log.active_ids(),
        p.active_ids(), tick, log.slot_a, log.slot_b, p.firm, p.active, p.end_tick, p.outcome, s.alive, s.resources,
        s.large, s.projects, s.max_alliances, s.income, s.alliance_function, s.function_setup, s.slot_of_id, s.firm_id,
        *settle_arguments(state, log, config))
    if len(hit):
        log.deactivated(alliances)
    if len(running) < len(p.active_ids()):
        p.deactivated(running)
    return gone, hit, int(acquired)


def entries(state: FirmState, tick: int, config: Config, rng: np.random.Generator) -> np.ndarray:
    """New ventures take empty slots (:func:`sim.kernels.demography.entries_drawing`); returns their slots."""
    table, mean_capability = class_values(config.firms)
    slots = kd.entries_drawing(handle(rng), float(config.firms.entry_rate * config.firms.n), state.alive,
                               tuple(getattr(state, name) for name in ZERO_FIELDS), table, mean_capability, tick,
                               len(state.slot_of_id), *_sections(config), *(getattr(state, name) for name in DRAWN_FIELDS))
    if len(slots):
        state.issue_ids(slots)
    return slots
