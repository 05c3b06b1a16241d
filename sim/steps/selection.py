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
from ..learning import clip
from ..state import FirmState, PairMemory, type_mean
from . import portfolio

__all__ = ["Matches", "complementarity", "evaluate", "choose_types", "select_partners", "adapt"]

EXPLORE_PREF, REPEAT_PREF, LARGE_PREF = 0, 1, 2  # columns of FirmState.preference
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


def _candidates(state: FirmState, seekers: np.ndarray, breadth: int, pairs: PairMemory, rng) -> np.ndarray:
    """``breadth`` random other slots per seeker; sometimes (the firm's repeat preference) the first is a past partner instead.

    An empty slot or a past partner that has exited is a candidate nobody can ally with (no spare capacity).
    """
    n = state.n
    k = min(breadth, n - 1)
    cand = rng.integers(0, n - 1, size=(len(seekers), k))
    cand += cand >= seekers[:, None]  # never oneself
    repeat = (rng.random(len(seekers)) < state.preference[seekers, REPEAT_PREF]).nonzero()[0]
    partner = pairs.random_partners(state.firm_id[seekers[repeat]], rng.random(len(repeat)))
    has = partner >= 0  # a past partner, drawn uniformly, replaces the first candidate
    slot = state.slot_of_id[partner[has]]
    there = slot >= 0
    cand[repeat[has][there], 0] = slot[there]
    return cand


def select_partners(
    state: FirmState,
    pairs: PairMemory,
    active_codes: np.ndarray,
    cfg: Selection,
    rng: np.random.Generator,
) -> Matches:
    """Search, propose, accept: the pairs that go on to negotiate this tick.

    ``active_codes`` are the :meth:`PairMemory.codes` of pairs allied right now
    (they cannot ally twice at once).
    """
    n = state.n
    spare = state.max_alliances - state.active_total
    seekers = ((spare > 0) & (rng.random(n) < cfg.search_probability)).nonzero()[0]
    if len(seekers) == 0 or n < 2:
        return Matches.empty()

    types = choose_types(state, seekers, cfg, rng)
    cand = _candidates(state, seekers, cfg.search_breadth, pairs, rng)
    ids = state.firm_id
    noise = rng.normal(0.0, cfg.observation_noise, size=cand.shape)
    # A full partner is visibly unavailable (score -inf); only the others are scored.
    open_ = (spare[cand] > 0).ravel().nonzero()[0]
    who, whom = seekers[open_ // cand.shape[1]], cand.ravel()[open_]
    familiar = np.zeros(cand.shape)
    familiar.flat[open_] = pairs.known(ids[who], ids[whom])
    score = np.full(cand.shape, -np.inf)
    score.flat[open_] = evaluate(state, who, whom, familiar.ravel()[open_], cfg, noise.ravel()[open_])
    best = score.argmax(axis=1)
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
    order = keep.nonzero()[0][(-target_score[keep]).argsort(kind="stable")]
    codes = PairMemory.codes(ids[seekers[order]], ids[targets[order]])
    order = order[~_member(codes, active_codes)]  # partners already allied now
    idx = _greedy_accept(seekers[order], targets[order], spare)
    if len(idx) == 0:
        return Matches.empty()
    idx = order[idx]
    return Matches(seekers[idx], targets[idx], types[idx], noise_seeker[idx], noise_target[idx])


def _member(values: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """``np.isin(values, pool)`` by sorting and binary search (isin hashes, and is slower here)."""
    if len(pool) == 0:
        return np.zeros(values.shape, dtype=bool)
    pool = np.sort(pool)
    at = np.minimum(pool.searchsorted(values), len(pool) - 1)
    return pool[at] == values


def _greedy_accept(proposers: np.ndarray, targets: np.ndarray, spare: np.ndarray) -> np.ndarray:
    """Positions of the proposals accepted when taken in order while both sides have room, each pair once.

    The rule is sequential: ``for s, t in proposals: if room[s] > 0 and
    room[t] > 0 and the pair is not yet taken: accept, room[s] -= 1,
    room[t] -= 1``.  It is computed in batch, with the same result:

    * a pair's later proposals never get through (if the first was accepted
      the pair is taken; if not, one side had no room, and room only falls);
    * a proposal is *sure* if each of its firms has more spare room than
      there are earlier proposals involving it: then it is accepted whatever
      happened before it.  Most proposals are sure;
    * the few others are settled in order by the loop, with each firm's room
      net of the sure acceptances before them.
    """
    codes = PairMemory.codes(proposers, targets)
    by_pair = codes.argsort(kind="stable")
    ordered = codes[by_pair]
    first = np.ones(len(codes), dtype=bool)
    first[by_pair[1:][ordered[1:] == ordered[:-1]]] = False  # a pair's later proposals
    cand = first.nonzero()[0]
    m = len(cand)
    if m == 0:
        return cand
    # Each proposal twice, once per side; sorted by firm, then by position.
    firm = np.concatenate([proposers[cand], targets[cand]])
    position = np.arange(m)
    order = (firm * m + np.concatenate([position, position])).argsort()  # by firm, then position (keys unique)
    sorted_firm = firm[order]
    starts = np.empty(2 * m, dtype=bool)
    starts[0] = True
    np.not_equal(sorted_firm[1:], sorted_firm[:-1], out=starts[1:])
    block = np.maximum.accumulate(np.where(starts, np.arange(2 * m), 0))  # first slot of each firm's block
    earlier = np.empty(2 * m, dtype=np.int64)
    earlier[order] = np.arange(2 * m) - block  # earlier proposals involving the same firm
    room = spare[firm]
    sure_side = earlier < room
    sure = sure_side[:m] & sure_side[m:]
    if sure.all():
        return cand
    # Room each side has at its proposal, net of the sure acceptances before it.
    sure_sorted = np.concatenate([sure, sure])[order].astype(np.int64)
    seen = sure_sorted.cumsum() - sure_sorted  # sure entries before, in sorted order ...
    room[order] -= seen - seen[block]  # ... counting only the same firm's
    accepted = sure.copy()
    used: dict[int, int] = {}  # acceptances among the unsure, by firm
    for j in (~sure).nonzero()[0].tolist():
        s, t = int(firm[j]), int(firm[m + j])
        if room[j] - used.get(s, 0) > 0 and room[m + j] - used.get(t, 0) > 0:
            accepted[j] = True
            used[s] = used.get(s, 0) + 1
            used[t] = used.get(t, 0) + 1
    return cand[accepted]


def adapt(state: FirmState, slots: np.ndarray, returns: np.ndarray, choices: np.ndarray, cfg: Selection) -> None:
    """Reinforce partner-search preferences from realised returns (Bush-Mosteller rule).

    ``slots[i]`` ended an alliance with realised return ``returns[i]`` (value
    captured per unit of its own stake); ``choices[i]`` says what that alliance
    was on each preference (exploration type, a repeat partner, a large
    partner; 0/1).  A return above the firm's aspiration moves each preference
    towards the choice made, a return below it away from it, by
    ``adaptation_rate * |tanh(return - aspiration)|``; the aspiration then
    follows the return.
    """
    if cfg.adaptation_rate == 0.0 or len(slots) == 0:
        return
    surprise = np.tanh(returns - state.aspiration[slots])
    toward = np.where(surprise[:, None] >= 0, choices, 1.0 - choices)
    step = cfg.adaptation_rate * np.abs(surprise)[:, None] * (toward - state.preference[slots])
    np.add.at(state.preference, slots, step)
    clip(state.preference, *PREFERENCE_BOUNDS, out=state.preference)
    np.add.at(state.aspiration, slots, cfg.aspiration_rate * (returns - state.aspiration[slots]))
