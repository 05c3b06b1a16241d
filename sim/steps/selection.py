"""Step 1, partner selection: bounded search in a crowded market with noisy information.

Each tick some firms with spare capacity search.  A searcher screens
``search_breadth`` candidates (sometimes including a past partner), scores each
on observed experience, complementarity, reputation, portfolio fit and
familiarity, all seen through noise, and proposes to the best.  Targets score
proposers the same way and accept the best proposals up to their own spare
capacity.  Search is bounded: cost is O(firms x breadth), never all pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..config import Selection
from ..state import FirmState, PairMemory
from . import portfolio

__all__ = ["Matches", "complementarity", "evaluate", "choose_types", "select_partners"]


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


def complementarity(state: FirmState, who: np.ndarray, whom: np.ndarray) -> np.ndarray:
    """How different two firms' capability profiles are (0..1): each brings what the other lacks.

    Symmetric, so both sides of a deal see the same complementarity.
    """
    return np.abs(state.capability[whom] - state.capability[who]).mean(axis=-1)


def evaluate(
    state: FirmState,
    who: np.ndarray,
    whom: np.ndarray,
    familiar: np.ndarray,
    cfg: Selection,
    noise: np.ndarray,
) -> np.ndarray:
    """Score of partner ``whom`` in the eyes of ``who`` (any broadcastable shapes)."""
    experience = np.log1p(state.general_experience[whom])
    redundancy = portfolio.redundancy(state, who, whom)
    return (
        cfg.weight_experience * experience
        + cfg.weight_complementarity * complementarity(state, who, whom)
        + cfg.weight_reputation * (state.reputation[whom] - 0.5)
        - cfg.weight_fit * redundancy
        + cfg.repeat_partner_bonus * familiar
        + noise
    )


def choose_types(state: FirmState, seekers: np.ndarray, cfg: Selection, rng: np.random.Generator) -> np.ndarray:
    """Alliance type each searcher looks for: leans towards its portfolio's missing side."""
    p_explore = portfolio.exploration_pull(state, seekers, cfg.exploration_target)
    return (rng.random(len(seekers)) >= p_explore).astype(np.int64)


def _candidates(n: int, seekers: np.ndarray, breadth: int, pairs: PairMemory, cfg: Selection, rng) -> np.ndarray:
    k = min(breadth, n - 1)
    cand = rng.integers(0, n - 1, size=(len(seekers), k))
    cand += cand >= seekers[:, None]  # never oneself
    repeat = np.flatnonzero(rng.random(len(seekers)) < cfg.repeat_partner_probability)
    draws = rng.random(len(repeat))
    for row, u in zip(repeat, draws):
        past = pairs.past_partners(int(seekers[row]))
        if past:
            cand[row, 0] = past[int(u * len(past))]
    return cand


def select_partners(
    state: FirmState,
    pairs: PairMemory,
    active_pairs: set[tuple[int, int]],
    cfg: Selection,
    rng: np.random.Generator,
) -> Matches:
    """Search, propose, accept: the pairs that go on to negotiate this tick."""
    n = state.n
    spare = state.max_alliances - state.active_total
    seekers = np.flatnonzero((spare > 0) & (rng.random(n) < cfg.search_probability))
    if len(seekers) == 0 or n < 2:
        return Matches.empty()

    types = choose_types(state, seekers, cfg, rng)
    cand = _candidates(n, seekers, cfg.search_breadth, pairs, cfg, rng)
    familiar = np.array(
        [[pairs.count(int(s), int(c)) > 0 for c in row] for s, row in zip(seekers, cand)], dtype=float
    ).reshape(cand.shape)
    noise = rng.normal(0.0, cfg.observation_noise, size=cand.shape)
    score = evaluate(state, seekers[:, None], cand, familiar, cfg, noise)
    score[spare[cand] <= 0] = -np.inf  # a full partner is visibly unavailable
    best = np.argmax(score, axis=1)
    rows = np.arange(len(seekers))
    ok = np.isfinite(score[rows, best])
    seekers, types, rows, best = seekers[ok], types[ok], rows[ok], best[ok]
    targets = cand[rows, best]
    noise_seeker = noise[rows, best]
    fam = familiar[rows, best]

    # The target screens the proposer in turn, through its own noise.
    noise_target = rng.normal(0.0, cfg.observation_noise, size=len(targets))
    target_score = evaluate(state, targets, seekers, fam, cfg, noise_target)
    keep = target_score > cfg.reservation_score

    # Competitive market: targets take their best proposals while both sides have room.
    order = np.flatnonzero(keep)[np.argsort(-target_score[keep], kind="stable")]
    room = spare.copy()
    taken: set[tuple[int, int]] = set()
    accepted = []
    for i in order:
        s, t = int(seekers[i]), int(targets[i])
        key = PairMemory.key(s, t)
        if room[s] > 0 and room[t] > 0 and key not in active_pairs and key not in taken:
            room[s] -= 1
            room[t] -= 1
            taken.add(key)
            accepted.append(i)
    if not accepted:
        return Matches.empty()
    idx = np.asarray(accepted, dtype=np.int64)
    return Matches(seekers[idx], targets[idx], types[idx], noise_seeker[idx], noise_target[idx])
