"""Step 2, deal negotiation: value at stake, the split, governance, exit triggers, hand-off.

Bargaining power comes from resources, reputation and outside options (spare
capacity); the split follows power, and a rushed weaker side concedes more.
Lopsided terms are recorded so execution can make the weaker side defensive.
Unfamiliar partners and high stakes push towards protective governance;
alliance functions make agreed exit triggers likelier and shrink the knowledge
lost when negotiators hand over to the execution team.

Partner-specific experience works here through two opposing mechanisms, set
at formation from the pair's history (:mod:`sim.learning`): relational
routines (the depreciating joint history) lower the attention the alliance
needs and its conflict hazard, by up to ``learning.relational_routines``;
knowledge redundancy (the partners' knowledge overlap, which every joint
alliance raises) takes away up to ``learning.knowledge_redundancy`` of the
novelty the pair can create (value at stake, milestone progress) and of what
the alliance teaches, less so in exploitation.  Their net effect on success is
not a parameter.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import numpy as np

from ..alliances import TABLE, AllianceLog
from ..columns import Batch, storage
from ..config import Learning, Negotiation
from ..kernels import negotiation as kn
from ..kernels import params
from ..kernels.generator import handle
from ..state import FirmState, PairMemory
from .selection import Matches

__all__ = ["bargaining_power", "split_value", "negotiate"]

_DTYPES = storage(TABLE)
_COLUMNS = itemgetter(*kn.COLUMNS)  # the columns negotiate writes, in the kernel's order


def bargaining_power(state: FirmState, who: np.ndarray, cfg: Negotiation) -> np.ndarray:
    """Power of each firm at the table: resources, reputation and outside options
    (:func:`sim.kernels.negotiation.bargaining_power`)."""
    who = np.ascontiguousarray(who, dtype=np.int64)
    out = np.empty(len(who))
    kn.bargaining_powers(who, state.resources, state.reputation, state.max_alliances, state.active, params(cfg), out)
    return out


def split_value(power_a: np.ndarray, power_b: np.ndarray, rushed: np.ndarray, concession: float) -> np.ndarray:
    """Share of firm ``a``: proportional to power; a rushed weaker side gives ``concession`` away
    (:func:`sim.kernels.negotiation.split_value`)."""
    power_a, power_b, rushed = np.broadcast_arrays(np.asarray(power_a, dtype=float), np.asarray(power_b, dtype=float),
                                                   np.asarray(rushed, dtype=bool))
    out = np.empty(power_a.shape)
    kn.split_values(power_a.ravel(), power_b.ravel(), rushed.ravel(), float(concession), out.reshape(-1))
    return out


def negotiate(
    state: FirmState,
    pairs: PairMemory,
    matches: Matches,
    tick: int,
    cfg: Negotiation,
    learning: Learning,
    rng: np.random.Generator,
    log: AllianceLog | None = None,
) -> Any:
    """Turn matched pairs into alliance records (columns of the alliance log; :func:`sim.kernels.negotiation.negotiate`).

    Firm ``a`` is the larger partner where sizes differ (the table's convention).
    Returns the records as a dict of columns, or, given the ``log``, writes them
    to rows it reserves there and returns those rows (a :class:`~sim.columns.Batch`
    for :func:`~sim.steps.execution.launch`, then :meth:`~sim.columns.ColumnLog.commit`).
    """
    m = len(matches)
    if log is None:
        rows = Batch({name: np.empty(m, dtype=_DTYPES[name]) for name in kn.COLUMNS}, 0, m)
    else:
        rows = log.reserve(m)
    keys, vals, count, stock, since, decay = pairs.lookup(tick)
    kn.negotiate_drawing(handle(rng), float(cfg.value_sd), rows.start, tick, *_match_arrays(matches), state.large,
                 state.capability, state.resources, state.reputation, state.max_alliances, state.active,
                 state.alliance_function, state.realised_return, state.ended_alliances, state.experience,
                 state.firm_id, keys, vals, count, stock, since, decay, *_COLUMNS(rows.cols),
                 params(cfg), params(learning))
    return rows if log is not None else rows.cols


def _as(x, dtype) -> np.ndarray:
    if type(x) is np.ndarray and x.dtype == dtype and x.flags.c_contiguous:
        return x  # as selection returns them
    return np.ascontiguousarray(x, dtype=dtype)


def _match_arrays(matches: Matches) -> tuple:
    as_int = lambda x: _as(x, np.int64)  # noqa: E731
    as_float = lambda x: _as(x, np.float64)  # noqa: E731
    return (as_int(matches.a), as_int(matches.b), as_int(matches.type), as_float(matches.noise_a),
            as_float(matches.noise_b))
