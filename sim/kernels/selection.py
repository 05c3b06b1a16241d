"""Partner selection's bookkeeping (:mod:`sim.steps.selection`): scoring, best candidate, acceptance.

The score is :func:`sim.steps.selection.evaluate`'s, term by term in its order
(``tests/steps/test_selection.py`` checks the two agree bit for bit); the
one transcendental term, ``log1p`` of general experience, comes in computed by
numpy.
"""

from __future__ import annotations

import numpy as np

from . import kernel
from .generator import as_generator
from .pairs import EMPTY, pair_code, probe

EXPLORE_PREF, REPEAT_PREF, LARGE_PREF = 0, 1, 2  # columns of FirmState.preference


@kernel
def complementarity(c0, c1, own0, own1):
    """How different two firms' capability profiles are (0..1): each brings what the other lacks (symmetric;
    :func:`sim.steps.selection.complementarity`)."""
    return (abs(c0 - own0) + abs(c1 - own1)) / 2.0


@kernel(inline=True)
def score(c0, c1, own0, own1, profile0, profile1, count, log_experience, reputation, large_preference, large,
          familiar, noise, w_experience, w_complementarity, w_reputation, w_fit, repeat_bonus, w_size):
    """``evaluate``'s score of a partner with capabilities ``c0, c1`` (and ``log_experience``, ``reputation``,
    ``large``) in the eyes of a firm with capabilities ``own0, own1``, ``count`` active alliances whose partners'
    capabilities sum to ``profile0, profile1``, and the given preference for large partners.  Scalars only: a
    helper passed arrays pays their reference counts on every call."""
    if count > 0:
        scale = float(max(count, 1))
        distance = (abs(c0 - profile0 / scale) + abs(c1 - profile1 / scale)) / 2.0
        redundancy = (1.0 - distance) * float(min(count, 3)) / 3.0
    else:
        redundancy = 0.0 * float(min(count, 3)) / 3.0
    side = 1.0 if large else -1.0
    return (w_experience * log_experience
            + w_complementarity * complementarity(c0, c1, own0, own1)
            + w_reputation * (reputation - 0.5)
            - w_fit * redundancy
            + repeat_bonus * familiar
            + w_size * (2.0 * large_preference - 1.0) * side
            + noise)


@kernel
def best_candidates(seekers, cand, noise, spare, ids, keys, vals, capability, log_experience, reputation, active,
                    partner_profile, preference, large, weights, best, best_score, familiar):
    """Each seeker's best candidate (column of ``cand``) among those with room, its score (-inf: none has room) and
    whether it is a past partner.  A full candidate scores -inf; ties go to the first (``argmax``).

    Whether a candidate is a past partner (a probe of the pair memory's hash, a cache miss in a large market) is
    looked up only when it could matter: a candidate that scores no higher than the best so far, past partner or
    not, cannot become the best, whatever the answer."""
    w = weights[0]  # the selection section's record
    w_experience, w_complementarity, w_reputation = w.weight_experience, w.weight_complementarity, w.weight_reputation
    w_fit, repeat_bonus, w_size = w.weight_fit, w.repeat_partner_bonus, w.weight_partner_size
    for i in range(cand.shape[0]):
        who = seekers[i]
        top, top_score, top_known = 0, np.nan, 0.0
        for j in range(cand.shape[1]):
            if j > 0 and np.isnan(top_score):  # argmax: the first NaN wins, nothing replaces it
                continue
            whom = cand[i, j]
            if spare[whom] <= 0:
                s, known = -np.inf, 0.0
            else:
                count = active[who, 0] + active[who, 1]
                if j > 0:  # either answer's score: if neither beats the best so far, the answer does not matter
                    s0 = score(capability[whom, 0], capability[whom, 1], capability[who, 0], capability[who, 1],
                               partner_profile[who, 0], partner_profile[who, 1], count, log_experience[whom],
                               reputation[whom], preference[who, LARGE_PREF], large[whom], 0.0, noise[i, j],
                               w_experience, w_complementarity, w_reputation, w_fit, repeat_bonus, w_size)
                    s1 = score(capability[whom, 0], capability[whom, 1], capability[who, 0], capability[who, 1],
                               partner_profile[who, 0], partner_profile[who, 1], count, log_experience[whom],
                               reputation[whom], preference[who, LARGE_PREF], large[whom], 1.0, noise[i, j],
                               w_experience, w_complementarity, w_reputation, w_fit, repeat_bonus, w_size)
                    if not (s0 > top_score or s1 > top_score or np.isnan(s0) or np.isnan(s1)):
                        continue
                known = 0.0 if keys[probe(keys, pair_code(ids[who], ids[whom]))] == EMPTY else 1.0
                s = score(capability[whom, 0], capability[whom, 1], capability[who, 0], capability[who, 1],
                          partner_profile[who, 0], partner_profile[who, 1], count, log_experience[whom],
                          reputation[whom], preference[who, LARGE_PREF], large[whom], known, noise[i, j],
                          w_experience, w_complementarity, w_reputation, w_fit, repeat_bonus, w_size)
            if j == 0 or (not np.isnan(top_score) and (s > top_score or np.isnan(s))):
                top, top_score, top_known = j, s, known
        best[i], best_score[i], familiar[i] = top, top_score, top_known


@kernel
def target_scores(targets, seekers, familiar, noise, capability, log_experience, reputation, active,
                  partner_profile, preference, large, weights, out):
    """The targets' scores of their proposers."""
    w = weights[0]  # the selection section's record
    w_experience, w_complementarity, w_reputation = w.weight_experience, w.weight_complementarity, w.weight_reputation
    w_fit, repeat_bonus, w_size = w.weight_fit, w.repeat_partner_bonus, w.weight_partner_size
    for i in range(len(targets)):
        who, whom = targets[i], seekers[i]
        out[i] = score(capability[whom, 0], capability[whom, 1], capability[who, 0], capability[who, 1],
                       partner_profile[who, 0], partner_profile[who, 1], active[who, 0] + active[who, 1],
                       log_experience[whom], reputation[whom], preference[who, LARGE_PREF], large[whom], familiar[i],
                       noise[i],
                       w_experience, w_complementarity, w_reputation, w_fit, repeat_bonus, w_size)


@kernel
def accept(proposers, targets, spare, ids, allied, keys, vals, running):
    """Positions of the proposals (slots ``proposers[i]`` to ``targets[i]``) accepted when taken in order while
    both sides have room, each pair once, and never a pair allied now: one in ``allied`` (sorted codes of firm
    ids), or one the pair memory's table (``keys``, ``vals``) finds with an alliance ``running``.

    The sequential rule itself: ``for s, t in proposals: if room[s] > 0 and
    room[t] > 0 and the pair is not taken: accept, room[s] -= 1, room[t] -= 1``.
    """
    m = len(proposers)
    size = 16
    while size < 2 * m:
        size *= 2
    taken = np.full(size, EMPTY, dtype=np.int64)  # an open-addressing set of the pairs accepted
    room = spare.copy()
    out = np.empty(m, dtype=np.int64)
    k = 0
    for i in range(m):
        s, t = proposers[i], targets[i]
        if room[s] <= 0 or room[t] <= 0:
            continue
        code = pair_code(ids[s], ids[t])
        if len(allied):
            at = np.searchsorted(allied, code)
            if at < len(allied) and allied[at] == code:
                continue
        if len(running):
            at = probe(keys, code)
            if keys[at] != EMPTY and running[vals[at]] > 0:
                continue
        p = probe(taken, pair_code(s, t))
        if taken[p] != EMPTY:
            continue
        taken[p] = pair_code(s, t)
        room[s] -= 1
        room[t] -= 1
        out[k] = i
        k += 1
    return out[:k]


# ------------------------------------------------------------ the tick's passes
@kernel
def exploration_pull(exploration_active, active_total, target):
    """Probability that a firm looks for an exploration alliance next (:func:`sim.steps.portfolio.exploration_pull`):
    its target share of exploration, pushed by as much again as its portfolio's share falls short of it."""
    share = exploration_active / max(active_total, 1) if active_total > 0 else target
    return np.minimum(np.maximum(target + (target - share), 0.0), 1.0)


@kernel
def exploration_pulls(who, active, targets, out):
    """:func:`exploration_pull` of firms ``who`` with their ``targets``."""
    for i in range(len(who)):
        f = who[i]
        out[i] = exploration_pull(active[f, 0], active[f, 0] + active[f, 1], targets[i])


@kernel
def seek(max_alliances, active, draw, search_probability, spare):
    """Every slot's spare room (believed cap less active alliances, into ``spare``); returns the slots that search
    this tick: those with room whose ``draw`` falls below ``search_probability``."""
    out = np.empty(len(draw), dtype=np.int64)
    k = 0
    for f in range(len(draw)):
        spare[f] = max_alliances[f] - (active[f, 0] + active[f, 1])
        if spare[f] > 0 and draw[f] < search_probability:
            out[k] = f
            k += 1
    return out[:k]


@kernel
def prepare(seekers, type_draw, cand, repeat_draw, active, preference, types):
    """Each searcher's alliance type (exploration when ``type_draw`` falls below its :func:`exploration_pull`, into
    ``types``); its candidates (``cand``: draws over the other slots) shifted past itself; returns the searchers
    (positions) that look at a past partner too (``repeat_draw`` below their repeat preference)."""
    repeat = np.empty(len(seekers), dtype=np.int64)
    k = 0
    for i in range(len(seekers)):
        f = seekers[i]
        pull = exploration_pull(active[f, 0], active[f, 0] + active[f, 1], preference[f, EXPLORE_PREF])
        types[i] = 0 if type_draw[i] < pull else 1
        for j in range(cand.shape[1]):
            if cand[i, j] >= f:
                cand[i, j] += 1
        if repeat_draw[i] < preference[f, REPEAT_PREF]:
            repeat[k] = i
            k += 1
    return repeat[:k]


@kernel
def propose(seekers, types, cand, repeat, partner_draw, noise, spare, ids, slot_of_id, start, partners, pool, keys,
            vals, capability, log_experience, reputation, active, partner_profile, preference, large, weights):
    """A past partner (the ``floor(partner_draw * count)``-th, if it is still in the market) replaces the first
    candidate of each searcher in ``repeat``; each searcher proposes to its best candidate with room
    (:func:`best_candidates`).  Returns, for the searchers that propose: their slots, alliance types, targets,
    whether the target is a past partner, and the noise of the searcher's view of it."""
    for i in range(len(repeat)):
        r = repeat[i]
        f = ids[seekers[r]]
        count = partners[f] if f < len(partners) else 0
        if count > 0:
            slot = slot_of_id[pool[start[f] + np.int64(partner_draw[i] * count)]]
            if slot >= 0:
                cand[r, 0] = slot
    m = len(seekers)
    best, best_score, familiar = np.empty(m, dtype=np.int64), np.empty(m), np.empty(m)
    best_candidates(seekers, cand, noise, spare, ids, keys, vals, capability, log_experience, reputation, active,
                    partner_profile, preference, large, weights, best, best_score, familiar)
    k = 0
    for i in range(m):
        if np.isfinite(best_score[i]):
            k += 1
    proposer, kind, target = np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64), np.empty(k, dtype=np.int64)
    known, view = np.empty(k), np.empty(k)
    k = 0
    for i in range(m):
        if np.isfinite(best_score[i]):
            proposer[k], kind[k], target[k] = seekers[i], types[i], cand[i, best[i]]
            known[k], view[k] = familiar[i], noise[i, best[i]]
            k += 1
    return proposer, kind, target, known, view


@kernel
def respond(proposer, kind, target, known, view, noise_target, reservation_score, spare, ids, allied, keys, vals,
            running, capability, log_experience, reputation, active, partner_profile, preference, large, weights):
    """Targets score their proposers through their own noise (``noise_target``) and keep those above
    ``reservation_score``; taken best first (a stable sort), proposals are accepted while both sides have room
    (:func:`accept`).  Returns the matches: proposer, target, type and each side's noise."""
    m = len(proposer)
    score_ = np.empty(m)
    target_scores(target, proposer, known, noise_target, capability, log_experience, reputation, active,
                  partner_profile, preference, large, weights, score_)
    kept = 0
    for i in range(m):
        if score_[i] > reservation_score:
            kept += 1
    keep, neg = np.empty(kept, dtype=np.int64), np.empty(kept)
    kept = 0
    for i in range(m):
        if score_[i] > reservation_score:
            keep[kept], neg[kept] = i, -score_[i]
            kept += 1
    order = keep[np.argsort(neg, kind="mergesort")]
    idx = order[accept(proposer[order], target[order], spare, ids, allied, keys, vals, running)]
    return proposer[idx], target[idx], kind[idx], view[idx], noise_target[idx]


@kernel
def select(gen, n, breadth, search_probability, observation_noise, reservation_score, max_alliances, spare, ids,
           slot_of_id, start, partners, pool, keys, vals, allied, running, capability, log_experience, reputation,
           active, partner_profile, preference, large, weights):
    """The whole of partner selection in one pass (:func:`sim.steps.selection.select_partners`): who searches
    (:func:`seek`), their types and candidates (:func:`prepare`), proposals (:func:`propose`) and the targets'
    answers (:func:`respond`).  Draws come from ``rng`` in numpy's order and shapes: a uniform per slot (search);
    when anyone searches, a uniform per searcher (type), ``breadth`` candidate slots per searcher, a uniform per
    searcher (repeat search), a uniform per repeat searcher (which past partner), a normal per candidate (the
    searchers' noise), a normal per proposal (the targets' noise).  Returns the matches as :func:`respond` does,
    and ``spare`` holds every slot's room before them.  ``gen``: the run's Generator (:func:`.generator.handle`)."""
    rng = as_generator(gen)
    seekers = seek(max_alliances, active, rng.random(n), search_probability, spare)
    m = len(seekers)
    if m == 0 or n < 2:
        z = np.empty(0, dtype=np.int64)
        return z, z, z, np.empty(0), np.empty(0)
    type_draw = rng.random(m)
    width = min(breadth, n - 1)
    cand = rng.integers(0, n - 1, size=(m, width))  # one call: numba's scalar integers() allocates for every draw
    repeat_draw = rng.random(m)
    types = np.empty(m, dtype=np.int64)
    repeat = prepare(seekers, type_draw, cand, repeat_draw, active, preference, types)
    partner_draw = rng.random(len(repeat))
    noise = rng.normal(0.0, observation_noise, (m, width))
    proposer, kind, target, known, view = propose(seekers, types, cand, repeat, partner_draw, noise, spare, ids,
                                                  slot_of_id, start, partners, pool, keys, vals, capability,
                                                  log_experience, reputation, active, partner_profile, preference,
                                                  large, weights)
    return respond(proposer, kind, target, known, view, rng.normal(0.0, observation_noise, len(proposer)), reservation_score, spare, ids, allied, keys,
                   vals, running, capability, log_experience, reputation, active, partner_profile, preference, large,
                   weights)


@kernel
def adapt(slots, returns, choices, aspiration, preference, low, high, spa):
    """Reinforce partner-search preferences from realised returns (Bush-Mosteller; :func:`sim.steps.selection.adapt`):
    ``slots[i]`` ended an alliance with return ``returns[i]``, which was ``choices[i]`` (0/1) on each preference; a
    return above the firm's aspiration moves each preference towards the choice made, one below it away from it, by
    ``adaptation_rate * |tanh(return - aspiration)|``; preferences stay within ``low``..``high`` (the whole array is
    clipped); the aspiration then follows the return at ``aspiration_rate``.  Every row reads the values from before
    any row changed them, and adds in row order (what ``np.add.at`` did)."""
    sp = spa[0]  # the sections' records
    k = len(slots)
    if sp.adaptation_rate == 0.0 or k == 0:
        return
    step = np.empty((k, 3))
    follow = np.empty(k)
    for i in range(k):
        f = slots[i]
        surprise = np.tanh(returns[i] - aspiration[f])
        rate = sp.adaptation_rate * np.abs(surprise)
        for c in range(3):
            toward = choices[i, c] if surprise >= 0 else 1.0 - choices[i, c]
            step[i, c] = rate * (toward - preference[f, c])
        follow[i] = sp.aspiration_rate * (returns[i] - aspiration[f])
    for i in range(k):
        for c in range(3):
            preference[slots[i], c] += step[i, c]
    for f in range(preference.shape[0]):
        for c in range(preference.shape[1]):
            preference[f, c] = np.minimum(np.maximum(preference[f, c], low), high)
    for i in range(k):
        aspiration[slots[i]] += follow[i]
