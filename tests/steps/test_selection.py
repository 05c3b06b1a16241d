"""Step 1, partner selection: each test fails if its mechanism is removed; the batch acceptance against its sequential rule."""

import numpy as np
from hypothesis import given, settings

from sim.state import EXPLORATION, PairMemory
from sim.steps import selection
from sim.steps.selection import _greedy_accept
from tests.steps.helpers import fresh_state, small_model
from tests.strategies import proposals


def test_selection_prefers_complementary_partners():
    """Searchers pick partners that bring what they lack; without the weight, they don't."""

    def mean_complementarity(weight):
        cfg, state = fresh_state(400, 1)
        sel = cfg.selection.model_copy(update={"weight_complementarity": weight, "search_probability": 1.0, "observation_noise": 0.1})
        m = selection.select_partners(state, PairMemory(0.0), set(), sel, np.random.default_rng(2))
        return float(np.mean(selection.complementarity(state, m.a, m.b)))

    assert mean_complementarity(3.0) > mean_complementarity(0.0) + 0.05


def test_selection_respects_spare_capacity_and_bounded_search():
    cfg, state = fresh_state(300, 3)
    state.max_alliances[:] = 1
    state.active[:150, EXPLORATION] = 1  # half the firms are full
    sel = cfg.selection.model_copy(update={"search_probability": 1.0})
    m = selection.select_partners(state, PairMemory(0.0), set(), sel, np.random.default_rng(4))
    assert len(m) > 0
    assert np.all(m.a >= 150) and np.all(m.b >= 150)
    everyone = np.concatenate([m.a, m.b])
    assert len(np.unique(everyone)) == len(everyone)  # one slot each: nobody matched twice
    assert np.all(m.a != m.b)


def test_no_search_no_alliances():
    model = small_model(ticks=10, **{"selection.search_probability": 0.0})
    assert len(model.alliances_frame()) == 0


def test_repeat_partner_preference_produces_repeats():
    def repeat_share(prob, bonus):
        a = small_model(ticks=40, **{"selection.repeat_partner_probability": prob, "selection.repeat_partner_bonus": bonus}).alliances_frame()
        return (a["partner_specific_experience"] > 0).mean()

    assert repeat_share(0.9, 2.0) > repeat_share(0.0, 0.0) + 0.1


def greedy_reference(proposers, targets, spare):
    room = list(spare)
    taken, accepted = set(), []
    for i, (s, t) in enumerate(zip(proposers, targets)):
        key = (min(s, t), max(s, t))
        if room[s] > 0 and room[t] > 0 and key not in taken:
            room[s] -= 1
            room[t] -= 1
            taken.add(key)
            accepted.append(i)
    return accepted


@settings(max_examples=300, deadline=None)
@given(proposals())
def test_greedy_accept_matches_the_sequential_rule(case):
    proposers, targets, spare = case
    got = _greedy_accept(np.array(proposers, dtype=np.int64), np.array(targets, dtype=np.int64), np.array(spare))
    assert got.tolist() == greedy_reference(proposers, targets, spare)
