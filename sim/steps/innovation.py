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

from ..alliances import SIZE_NAMES
from ..columns import Batch, Column, ColumnLog
from ..config import Innovation, Learning
from ..kernels import innovation as ki
from ..kernels import params
from ..kernels.generator import handle
from ..state import TYPE_NAMES, FirmState

__all__ = ["ProjectLog", "approval_logit", "innovate"]

APPROVED, TERMINATED = 1, 2
OUTCOMES = np.array(["", "approved", "terminated"], dtype=object)


class ProjectLog(ColumnLog):
    """Every internal R&D project, one row each; experience is counted at start."""

    table = (
        Column("project_id", None, "Row number of the project, in order of start.",
               convert=lambda v, r: np.arange(r.first, r.first + r.n, dtype=np.int64)),
        Column("firm_id", np.int64, "Firm running the project."),
        Column("large", bool, "Size class of the firm.", export="size",
               convert=lambda v, r: r.labels(SIZE_NAMES, v)),
        Column("type", np.int8, "Project type: exploration (research) or exploitation (development).",
               convert=lambda v, r: r.labels(TYPE_NAMES, v)),
        Column("start_tick", np.int32, "Tick the project started.", output=np.int64),
        Column("end_tick", np.int32, "Tick it ended (missing while it runs).", missing=-1,
               convert=lambda v, r: r.masked_int(v), output=np.int64),
        Column("outcome", np.int8, "approved (a new product) or terminated (missing while it runs).",
               convert=lambda v, r: r.masked_labels(OUTCOMES, v)),
        Column("internal_exploration_experience", np.float32, "The firm's internal exploration projects finished before this one.", output=float),
        Column("internal_exploitation_experience", np.float32, "The firm's internal exploitation projects finished before this one.", output=float),
        Column("alliance_exploration_experience", np.float32, "The firm's exploration alliances formed before this one.", output=float),
        Column("alliance_exploitation_experience", np.float32, "The firm's exploitation alliances formed before this one.", output=float),
        Column("capability", float, "The firm's internal capability in the project's type."),
        Column("alliance_function", bool, "The firm has a dedicated alliance function."),
        Column("active_alliances", np.int32, "The firm's active alliances when the project started.", output=np.int64),
        Column("duration", None, "Ticks from start to end (missing while it runs).",
               convert=lambda v, r: r.masked_int(r["end_tick"]) - r["start_tick"]),
        Column("active", bool, "Still running.", export=None),
        Column("firm", np.int32, "Slot of the firm in the state arrays (firm_id is its id).", export=None, output=np.int64),
    )


def approval_logit(state: FirmState, firms: np.ndarray, types: np.ndarray, capability: np.ndarray, cfg: Innovation, learning: Learning) -> np.ndarray:
    """Per-tick approval logit of internal projects of ``types`` run by ``firms`` (:func:`sim.kernels.innovation.approval_logit`)."""
    firms, types, capability = np.broadcast_arrays(np.asarray(firms, dtype=np.int64), np.asarray(types, dtype=np.int64),
                                                   np.asarray(capability, dtype=float))
    out = np.empty(firms.shape)
    ki.approval_logits(firms.ravel(), types.ravel(), capability.ravel(), state.internal_knowhow, state.technical,
                       state.attention, state.capacity, params(cfg), params(learning), out.reshape(-1))
    return out


def innovate(state: FirmState, log: ProjectLog, tick: int, cfg: Innovation, learning: Learning, rng: np.random.Generator) -> int:
    """One tick of internal R&D for all firms; returns the number of new products (:func:`sim.kernels.innovation.tick`:
    :func:`~sim.kernels.innovation.decide`, then :func:`~sim.kernels.innovation.finish`, drawing from ``rng``)."""
    c = log
    rows = log.reserve(state.n)  # room for every slot to start a project; the starters' rows are committed
    done, approved, remaining, started = ki.tick(
        handle(rng), log.active_ids(), rows.start, tick, state.n, learning.internal_capture_noise, c.firm, c.type,
        c.capability, c.start_tick, c.active, c.end_tick, c.outcome, state.projects, state.internal_experience,
        state.products, state.resources, state.internal_knowhow, state.technical, state.attention, state.capacity,
        state.spent, state.firm_id, state.large, state.capability, state.experience, state.alliance_function,
        state.active, state.alive, c.firm_id, c.large, c.internal_exploration_experience,
        c.internal_exploitation_experience, c.alliance_exploration_experience, c.alliance_exploitation_experience,
        c.alliance_function, c.active_alliances, params(cfg), params(learning))
    if len(done):
        log.deactivated(remaining)
    if started:
        log.commit(Batch(rows.cols, rows.start, started))
    return approved
