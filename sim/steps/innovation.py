"""Internal R&D: firms innovate on their own, and alliance know-how spills into it.

Firms start exploration (research) and exploitation (development and
commercialisation) projects; each costs ``project_cost`` per tick and a new
product earns ``product_value``.  Each tick an active project is approved (a
new product), terminated, or carries on: competing risks.  The approval chance
rises with the relevant capability, the firm's internal know-how of the
project's kind and the technical knowledge it has absorbed from alliances, and
falls with the attention alliances take (coordination load).  There is no
product of internal and external experience in this equation: how much of a
partner's knowledge a firm absorbed was decided when it came home, by the
firm's internal knowledge then (:func:`sim.steps.exit.absorbable`).  Every
ended project teaches an uneven lesson (log-normal around
``learning.internal_capture_rate``), and internal know-how is forgotten.
"""

from __future__ import annotations

import numpy as np

from ..columns import Column, ColumnLog
from ..config import Innovation, Learning
from ..learning import capture, general_benefit, sigmoid
from ..state import EXPLOITATION, EXPLORATION, TYPE_NAMES, FirmState

__all__ = ["ProjectLog", "approval_logit", "innovate", "stop_projects"]

APPROVED, TERMINATED = 1, 2
OUTCOMES = np.array(["", "approved", "terminated"], dtype=object)


class ProjectLog(ColumnLog):
    """Every internal R&D project, one row each; experience is counted at start."""

    table = (
        Column("project_id", None, "Row number of the project, in order of start.",
               convert=lambda v, r: np.arange(r.first, r.first + r.n, dtype=np.int64)),
        Column("firm_id", np.int64, "Firm running the project."),
        Column("large", bool, "Size class of the firm.", export="size",
               convert=lambda v, r: np.where(v, "large", "small")),
        Column("type", np.int8, "Project type: exploration (research) or exploitation (development).",
               convert=lambda v, r: r.labels(TYPE_NAMES, v)),
        Column("start_tick", np.int64, "Tick the project started."),
        Column("end_tick", np.int64, "Tick it ended (missing while it runs).", missing=-1,
               convert=lambda v, r: r.masked_int(v)),
        Column("outcome", np.int8, "approved (a new product) or terminated (missing while it runs).",
               convert=lambda v, r: np.where(r.ended, OUTCOMES[v.astype(int)], None)),
        Column("internal_exploration_experience", float, "The firm's internal exploration projects finished before this one."),
        Column("internal_exploitation_experience", float, "The firm's internal exploitation projects finished before this one."),
        Column("alliance_exploration_experience", float, "The firm's exploration alliances formed before this one."),
        Column("alliance_exploitation_experience", float, "The firm's exploitation alliances formed before this one."),
        Column("capability", float, "The firm's internal capability in the project's type."),
        Column("alliance_function", bool, "The firm has a dedicated alliance function."),
        Column("active_alliances", np.int64, "The firm's active alliances when the project started."),
        Column("duration", None, "Ticks from start to end (missing while it runs).",
               convert=lambda v, r: r.masked_int(r["end_tick"]) - r["start_tick"]),
        Column("active", bool, "Still running.", export=None),
        Column("firm", np.int64, "Slot of the firm in the state arrays (firm_id is its id).", export=None),
    )


def approval_logit(state: FirmState, firms: np.ndarray, types: np.ndarray, capability: np.ndarray, cfg: Innovation, learning: Learning) -> np.ndarray:
    """Per-tick approval logit of internal projects of ``types`` run by ``firms``."""
    internal = general_benefit(state.internal_knowhow[firms, types], cfg.experience_returns, 1.0)
    absorbed = state.technical[firms, EXPLORATION] + state.technical[firms, EXPLOITATION]
    external = general_benefit(absorbed, learning.technical_returns, learning.technical_saturation)
    return cfg.base_logit + cfg.capability_weight * (capability - 0.5) + internal + external - cfg.load_penalty * state.load()[firms]


def _start(state: FirmState, log: ProjectLog, tick: int, cfg: Innovation, rng: np.random.Generator) -> None:
    room = state.alive & (state.projects < cfg.max_projects)
    starters = (room & (rng.random(state.n) < cfg.project_probability)).nonzero()[0]
    if len(starters) == 0:
        return
    cap = state.capability[starters]
    types = (rng.random(len(starters)) >= cap[:, 0] / np.maximum(cap[:, 0] + cap[:, 1], 1e-9)).astype(np.int64)
    log.append({
        "firm": starters, "firm_id": state.firm_id[starters], "large": state.large[starters], "type": types.astype(np.int8),
        "start_tick": np.full(len(starters), tick),
        "internal_exploration_experience": state.internal_experience[starters, EXPLORATION],
        "internal_exploitation_experience": state.internal_experience[starters, EXPLOITATION],
        "alliance_exploration_experience": state.experience[starters, EXPLORATION],
        "alliance_exploitation_experience": state.experience[starters, EXPLOITATION],
        "capability": cap[np.arange(len(starters)), types],
        "alliance_function": state.alliance_function[starters],
        "active_alliances": state.active_total[starters],
    })
    state.projects[starters] += 1


def innovate(state: FirmState, log: ProjectLog, tick: int, cfg: Innovation, learning: Learning, rng: np.random.Generator) -> int:
    """One tick of internal R&D for all firms; returns the number of new products."""
    active = log.active_ids()
    approved_count = 0
    if len(active):
        c = log.cols
        firms = c["firm"][active]
        types = c["type"][active].astype(np.int64)
        p_approve = sigmoid(approval_logit(state, firms, types, c["capability"][active], cfg, learning))
        u = rng.random(len(active))
        approved = u < p_approve
        terminated = ~approved & ((u < p_approve + cfg.termination_hazard) | (tick - c["start_tick"][active] >= cfg.max_duration))
        done = approved | terminated
        ids = active[done]
        log.deactivate(ids)
        c["end_tick"][ids] = tick
        c["outcome"][ids] = np.where(approved[done], APPROVED, TERMINATED)
        f, t = firms[done], types[done]
        np.add.at(state.projects, f, -1)
        np.add.at(state.internal_experience, (f, t), 1.0)
        sd = learning.internal_capture_noise
        lesson = capture(rng.lognormal(-0.5 * sd * sd, sd, size=len(f)), learning.internal_capture_rate)
        np.add.at(state.internal_knowhow, (f, t), lesson)
        np.add.at(state.products, firms[approved], 1)
        np.add.at(state.resources, firms[approved], cfg.product_value)
        approved_count = int(approved.sum())
    cost = cfg.project_cost * state.projects
    state.resources -= cost
    state.spent += cost
    _start(state, log, tick, cfg, rng)
    return approved_count


def stop_projects(state: FirmState, log: ProjectLog, slots: np.ndarray, tick: int) -> None:
    """Terminate every active project of the firms in ``slots`` (they exit)."""
    active = log.active_ids()
    c = log.cols
    gone = active[state.mask(slots)[c["firm"][active]]]
    log.deactivate(gone)
    c["end_tick"][gone] = tick
    c["outcome"][gone] = TERMINATED
    state.projects[slots] = 0
