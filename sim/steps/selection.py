"""Step 1, partner selection: bounded search in a crowded market with noisy information.

Each tick some firms with spare capacity search.  A searcher screens
``search_breadth`` candidates (sometimes including a past partner), scores each
on observed experience, complementarity, reputation, portfolio fit and
familiarity and its own preference for large or small partners, all seen
through noise, and proposes to the best.  How often it looks at a past partner,
which type it seeks and whether it prefers large partners are the firm's own
preferences, which it adapts from its realised returns (:func:`adapt`).  Targets score
proposers the same way and accept the best proposals up to their own spare
capacity.  Search is bounded: cost is O(firms x breadth), never all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Selection
from ..kernels import params
from ..kernels.generator import handle
from ..kernels import selection as ks
from ..state import FirmState, PairMemory, type_mean
from . import portfolio

__all__ = ["Matches", "complementarity", "evaluate", "choose_types", "select_partners", "adapt"]

EXPLORE_PREF, REPEAT_PREF, LARGE_PREF = 0, 1, 2  # columns of FirmState.preference
_NONE = np.zeros(0, dtype=np.int64)
PREFERENCE_BOUNDS = (0.05, 0.95)


@dataclass
class Matches:
    """Pairs that agreed to negotiate this tick (``a`` proposed to ``b``)."""

    a: np.ndarray
    b: np.ndarray
    type: np.ndarray
    noise_a: np.ndarray  # evaluation noise of each side: optimism behind its expectations
    noise_b: np.ndarray

    def __len__(self) -> int:
        return len(self.a)

    @classmethod
    def empty(cls) -> "Matches":
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z, z, np.zeros(0), np.zeros(0))


def complementarity(state: FirmState, who: np.ndarray, whom: np.ndarray, whom_capability: np.ndarray | None = None) -> np.ndarray:
    """How different two firms' capability profiles are (0..1): each brings what the other lacks.

    Symmetric, so both sides of a deal see the same complementarity.
    ``whom_capability`` is ``state.capability[whom]`` when the caller has it.
    """
    if whom_capability is None:
        whom_capability = state.capability[whom]
    return type_mean(np.abs(whom_capability - state.capability[who]))


def evaluate(
    state: FirmState,
    who: np.ndarray,
    whom: np.ndarray,
    familiar: np.ndarray,
    cfg: Selection,
    noise: np.ndarray,
) -> np.ndarray:
    """Score of partner ``whom`` in the eyes of ``who`` (any broadcastable shapes)."""
    capability = state.capability[whom]
    experience = np.log1p(state.general_experience[whom])
    redundancy = portfolio.redundancy(state, who, whom, capability)
    return (
        cfg.weight_experience * experience
        + cfg.weight_complementarity * complementarity(state, who, whom, capability)
        + cfg.weight_reputation * (state.reputation[whom] - 0.5)
        - cfg.weight_fit * redundancy
        + cfg.repeat_partner_bonus * familiar
        + cfg.weight_partner_size * (2.0 * state.preference[who, LARGE_PREF] - 1.0) * np.where(state.large[whom], 1.0, -1.0)
        + noise
    )


def choose_types(state: FirmState, seekers: np.ndarray, cfg: Selection, rng: np.random.Generator) -> np.ndarray:
    """Alliance type each searcher looks for: leans towards its portfolio's missing side."""
    p_explore = portfolio.exploration_pull(state, seekers, state.preference[seekers, EXPLORE_PREF])
    return (rng.random(len(seekers)) >= p_explore).astype(np.int64)


def select_partners(
    state: FirmState,
    pairs: PairMemory,
    active_codes: np.ndarray,
    cfg: Selection,
    rng: np.random.Generator,
) -> Matches:
    """Search, propose, accept: the pairs that go on to negotiate this tick.

    Firms with spare room search with ``search_probability``; each looks for
    the type its portfolio lacks (:func:`choose_types`), screens
    ``search_breadth`` random other slots (sometimes, by its repeat preference,
    a past partner first) and proposes to the best with room (:func:`evaluate`,
    seen through noise); targets score their proposers in turn and take the
    best above ``reservation_score`` while both sides have room.

    ``active_codes`` are the :meth:`PairMemory.codes` of pairs allied right now
    (they cannot ally twice at once); ``None``: the pair memory knows them
    (:meth:`PairMemory.end_many` told it of every alliance that ended).  It
    all runs in one compiled pass (:func:`sim.kernels.selection.select`), which
    draws from ``rng`` what numpy would, in this order: search, type,
    candidates, repeat search, the past partner, the searchers' noise, the
    targets' noise; its scores have the same values as :func:`evaluate`.
    """
    n = state.n
    if active_codes is None:  # the pair memory's running counts say which pairs are allied now
        allied, running = _NONE, pairs.running
    else:
        allied = np.sort(active_codes if isinstance(active_codes, np.ndarray) else np.fromiter(active_codes, np.int64))
        running = _NONE
    a, b, kind, noise_a, noise_b = ks.select(handle(rng), n, cfg.search_breadth, cfg.search_probability, cfg.observation_noise,
                                             cfg.reservation_score, state.max_alliances, np.empty(n, dtype=np.int64),
                                             state.firm_id, state.slot_of_id, *pairs.partner_lists, *pairs.table,
                                             allied, running, *_scoring(state, cfg))
    if len(a) == 0:
        return Matches.empty()
    return Matches(a, b, kind, noise_a, noise_b)


def _scoring(state: FirmState, cfg: Selection) -> tuple:
    """The firm arrays and the weights (the section's record) the scoring kernels read (``log1p`` of experience by
    numpy)."""
    return (state.capability, np.log1p(state.general_experience), state.reputation, state.active,
            state.partner_profile, state.preference, state.large, params(cfg))


def _greedy_accept(proposers: np.ndarray, targets: np.ndarray, spare: np.ndarray) -> np.ndarray:
    """Positions of the proposals accepted when taken in order while both sides have room, each pair once
    (:func:`sim.kernels.selection.accept` with no pair allied yet)."""
    proposers, targets = np.asarray(proposers, dtype=np.int64), np.asarray(targets, dtype=np.int64)
    spare = np.asarray(spare, dtype=np.int64)
    return ks.accept(proposers, targets, spare, np.arange(len(spare), dtype=np.int64), _NONE, _NONE, _NONE, _NONE)


def adapt(state: FirmState, slots: np.ndarray, returns: np.ndarray, choices: np.ndarray, cfg: Selection) -> None:
    """Reinforce partner-search preferences from realised returns (Bush-Mosteller rule; :func:`sim.kernels.selection.adapt`,
    which settlement runs on every ended alliance's partners).

    ``slots[i]`` ended an alliance with realised return ``returns[i]`` (value
    captured per unit of its own stake); ``choices[i]`` says what that alliance
    was on each preference (exploration type, a repeat partner, a large
    partner; 0/1).  A return above the firm's aspiration moves each preference
    towards the choice made, a return below it away from it, by
    ``adaptation_rate * |tanh(return - aspiration)|``; the aspiration then
    follows the return.
    """
    ks.adapt(np.ascontiguousarray(slots, dtype=np.int64), np.ascontiguousarray(returns, dtype=float),
             np.ascontiguousarray(choices, dtype=float), state.aspiration, state.preference, *PREFERENCE_BOUNDS,
             params(cfg))
