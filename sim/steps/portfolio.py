"""Step 5, portfolio management: capacity, redundancy, balance, reputation, the alliance function.

Capacity grows with general know-how (experienced firms run more alliances
at once) and never shrinks; firms take on more than it, by their own ``overconfidence``
(spread across firms), because coordination costs are underestimated.  Redundant partners (alike the
ones the firm already has) fit the portfolio badly; searchers lean towards the
alliance type their portfolio lacks.  Reputation drifts back to neutral, and
knowledge fades (organisational forgetting); when one of the few key people
who hold a firm's alliance know-how leaves, their share of it goes too.

A dedicated alliance function is a choice: now and then a firm reviews
whether one pays, comparing what it expects the function to add (a value per
active alliance, estimated with noise) with its running cost.  It sets one up
when the portfolio makes it pay (the function works after a setup time, and
costs from the decision on) and drops it when the estimate falls below half
the cost.
"""

from __future__ import annotations

import functools

import numpy as np

from ..config import Config, Learning
from ..kernels import params
from ..kernels import portfolio as kp
from ..kernels import selection as ks
from ..kernels.generator import handle
from ..learning import forget
from ..state import FirmState, type_mean

__all__ = ["redundancy", "exploration_pull", "manage", "review_functions", "SPENDING_MEMORY"]

SPENDING_MEMORY = 0.1  # weight of this tick's spending in the firm's moving average


def redundancy(state: FirmState, who: np.ndarray, whom: np.ndarray, whom_capability: np.ndarray | None = None) -> np.ndarray:
    """How alike ``whom`` is to the partners ``who`` already has (0 = nothing alike, 1 = identical).

    ``whom_capability`` is ``state.capability[whom]`` when the caller has it.
    """
    count = state.active_total[who]
    mean_profile = state.partner_profile[who] / np.maximum(count, 1)[..., None]
    if whom_capability is None:
        whom_capability = state.capability[whom]
    distance = type_mean(np.abs(whom_capability - mean_profile))
    return np.where(count > 0, 1.0 - distance, 0.0) * np.minimum(count, 3) / 3.0


def exploration_pull(state: FirmState, who: np.ndarray, target: float | np.ndarray) -> np.ndarray:
    """Probability that ``who`` looks for an exploration alliance next, given its target share of exploration
    (:func:`sim.kernels.selection.exploration_pull`)."""
    who, target = np.broadcast_arrays(np.asarray(who, dtype=np.int64), np.asarray(target, dtype=float))
    out = np.empty(who.shape)
    ks.exploration_pulls(who.ravel(), state.active, np.ascontiguousarray(target).ravel(), out.reshape(-1))
    return out


def review_functions(state: FirmState, config: Config, rng: np.random.Generator) -> None:
    """Set up, finish setting up, pay for and drop dedicated alliance functions (:func:`manage` does it in its pass
    over the firms; :func:`sim.kernels.portfolio.review_functions`)."""
    review_draw, noise = _review_draws(state, config, rng)
    _manage(state, config, False, 1.0, 1.0, _NO_DRAWS, review_draw, noise)


def _review_draws(state: FirmState, config: Config, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Who reviews its alliance function (a uniform per firm), and the noise of each reviewer's estimate."""
    review_draw = rng.random(state.n)
    reviewers = kp.count_reviewers(state.alive, review_draw, config.portfolio.function_review_probability)
    return review_draw, rng.lognormal(0.0, config.portfolio.function_value_sd, size=reviewers)


def manage(state: FirmState, config: Config, rng: np.random.Generator) -> None:
    """End-of-tick portfolio review for all firms, in place (:func:`sim.kernels.portfolio.manage`): forgetting and
    key people leaving, capacity grown with know-how and the believed alliance cap, reputation drifting back,
    income, the alliance-function reviews (:func:`review_functions`), the spending average."""
    learning: Learning = config.learning
    if config.portfolio.overconfidence_persistence < 1.0:
        drift_overconfidence(state, config, rng)
    kp.manage_drawing(handle(rng), learning.key_person_hazard > 0, _kept(learning.forgetting_rate),
                      _kept(learning.internal_forgetting_rate), *_review_arrays(state, config))


def drift_overconfidence(s: FirmState, config: Config, rng: np.random.Generator) -> None:
    """One tick of every firm's overconfidence drifting around its size class's mean
    (``portfolio.overconfidence_persistence`` below 1): its log deviation ``z`` (in units of the class's spread,
    ``firms.<class>.overconfidence_sd``) becomes ``rho x z + sqrt(1 - rho^2) x e``, ``e`` standard normal (one draw
    per slot), so the spread across firms stays the one entrants are drawn with.  The alliance cap follows in the
    same tick's review (:func:`manage`)."""
    rho, mean = config.portfolio.overconfidence_persistence, config.portfolio.overconfidence
    s.overconfidence = _overconfidence(s)  # a state built by hand may hold one number for all
    spread = np.where(s.large, config.firms.large.overconfidence_sd, config.firms.small.overconfidence_sd)
    shock = rng.standard_normal(s.n)
    drifting = s.alive & (spread > 0)
    log_dev = np.log(s.overconfidence[drifting] / mean)
    s.overconfidence[drifting] = mean * np.exp(rho * log_dev + np.sqrt(1.0 - rho * rho) * spread[drifting]
                                               * shock[drifting])


def _manage(state: FirmState, config: Config, full: bool, keep: float, internal_keep: float, key_draw: np.ndarray,
            review_draw: np.ndarray, noise: np.ndarray) -> None:
    kp.manage(full, float(keep), float(internal_keep), key_draw, review_draw, noise, *_review_arrays(state, config))


def _review_arrays(s: FirmState, config: Config) -> tuple:
    """What :func:`sim.kernels.portfolio.manage` reads and writes after its draws, in its order: the spending
    average's weight, the firms' fields, the portfolio and learning sections' records."""
    return (SPENDING_MEMORY, s.alive, s.knowhow, s.technical, s.internal_knowhow, s.key_people, s.base_capacity,
            s.capacity, s.max_alliances, _overconfidence(s), s.reputation, s.resources, s.income, s.function_setup,
            s.alliance_function, s.capture_rate, s.base_capture, s.units, s.active, s.spent, s.spending,
            params(config.portfolio), params(config.learning))


def _overconfidence(s: FirmState) -> np.ndarray:
    """Every slot's overconfidence (a state built by hand may hold one number for all)."""
    overconfidence = s.overconfidence
    if not isinstance(overconfidence, np.ndarray) or overconfidence.shape != (s.n,):
        overconfidence = np.full(s.n, overconfidence, dtype=float)
    return overconfidence


_NO_DRAWS = np.zeros(0)


@functools.lru_cache(maxsize=64)
def _kept(rate: float) -> float:
    """Share of know-how a tick keeps, ``forget(1, rate)``: know-how forgets as ``k x forget(1, rate)`` (the same
    floats as ``forget(k, rate)``)."""
    return float(forget(1.0, rate))
