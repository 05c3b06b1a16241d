"""Experience curves: pure, vectorised functions with no state.

The model separates what a researcher *observes* (counts of past alliances,
which the alliance table records) from what a firm *retains* (know-how: the
lessons it captured, minus what it forgot).  Performance depends on know-how;
the replication regressions see only counts.  So the studies' findings have to
come through these curves, not be pasted in.

* :func:`general_benefit` - diminishing marginal returns to general know-how:
  ``returns * (1 - exp(-k / saturation))``; monotone, concave, bounded by
  ``returns``.
* :func:`relational_routine` and :func:`knowledge_overlap` - the two
  opposing partner-specific mechanisms: routines grow with the pair's
  depreciating joint history (they fade), overlap with every joint alliance
  (partners' knowledge converges and stays converged).  What they act on is in
  the negotiation, execution and exit steps; their net effect is not a term.
* :func:`partner_specific_benefit` - an optional *direct* logit term of
  partner-specific experience (``learning.partner_specific_effect``, default 0).
* :func:`capture` - the share of a lesson a firm keeps (capture rate).
* :func:`forget` - organisational forgetting: geometric depreciation per tick.
* :func:`absorption` - how internal experience opens or closes a firm to
  external (alliance) know-how when it runs its own R&D.

The curves marked :func:`~sim.kernels.formula` are also what the compiled
kernels compute: numba compiles the same code for scalars, so each curve is
written once.  They take numpy arrays or scalars.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .kernels import formula

__all__ = [
    "saturating",
    "general_benefit",
    "partner_specific_benefit",
    "relational_routine",
    "knowledge_overlap",
    "capture",
    "forget",
    "absorption",
    "sigmoid",
    "clip",
]


def clip(x: ArrayLike, low: ArrayLike, high: ArrayLike, out: np.ndarray | None = None) -> NDArray:
    """``clip(x, low, high, out=out)`` without np.clip's Python-level dispatch, which costs more than the
    clipping itself on the arrays a tick handles (same values; NaN stays NaN)."""
    return np.minimum(np.maximum(x, low, out=out), high, out=out)


@formula
def saturating(x: ArrayLike, saturation: float) -> NDArray[np.float64]:
    """``1 - exp(-x / saturation)`` for x >= 0: 0 at 0, rises with falling slope, tends to 1."""
    return -np.expm1(-np.maximum(x, 0.0) / saturation)


@formula
def general_benefit(knowhow: ArrayLike, returns: float, saturation: float) -> NDArray[np.float64]:
    """Logit gain from general alliance know-how (diminishing returns, bounded by ``returns``)."""
    return returns * saturating(knowhow, saturation)


@formula
def partner_specific_benefit(prior_joint: ArrayLike, effect: float, saturation: float) -> NDArray[np.float64]:
    """Net logit effect of partner-specific experience; sign follows ``effect``, zero without repeats."""
    return effect * saturating(prior_joint, saturation)


@formula
def relational_routine(joint_history: ArrayLike, saturation: float) -> NDArray[np.float64]:
    """How established a pair's relational routines are (0..1): saturating in its depreciating joint history."""
    return saturating(joint_history, saturation)


@formula
def knowledge_overlap(prior_joint: ArrayLike, per_alliance: float) -> NDArray[np.float64]:
    """Overlap of two partners' knowledge (0..1): each joint alliance closes ``per_alliance`` of the remaining distance."""
    return -np.expm1(prior_joint * np.log1p(-min(per_alliance, 1.0 - 1e-12)))


@formula
def capture(lesson: ArrayLike, rate: ArrayLike) -> NDArray[np.float64]:
    """Know-how a firm keeps from a lesson, given its capture rate in [0, 1]."""
    return np.multiply(lesson, np.minimum(np.maximum(rate, 0.0), 1.0))


def forget(knowhow: ArrayLike, rate: float, ticks: ArrayLike = 1) -> NDArray[np.float64]:
    """Know-how left after ``ticks`` of forgetting at ``rate`` per tick."""
    return np.asarray(knowhow, dtype=float) * (1.0 - rate) ** np.asarray(ticks, dtype=float)


@formula
def absorption(base: ArrayLike, slope: ArrayLike, internal: ArrayLike, saturation: float = 1.0) -> NDArray[np.float64]:
    """Usable share of a partner's technical knowledge when it comes home: ``base + slope * saturating(internal)``, in [0, 1].

    Used when knowledge is taken home, not in any outcome equation: a positive
    slope is absorptive capacity (internal research knowledge overlaps with
    what exploitation partners bring), a negative one is rigidity (internal
    exploitation routines crowd out distant exploration knowledge).
    """
    return np.minimum(np.maximum(base + slope * saturating(internal, saturation), 0.0), 1.0)


@formula
def sigmoid(x: ArrayLike) -> NDArray[np.float64]:
    """Logistic function, numerically safe."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))
