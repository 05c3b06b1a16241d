"""Step 3, execution: each test fails if its mechanism is removed."""

import numpy as np

from sim.state import EXPLOITATION, EXPLORATION
from sim.steps import execution
from tests.steps.helpers import small_model


def _logit_with(model, ids, **changes):
    state = model.state
    saved = {k: getattr(state, k).copy() for k in changes}
    for k, v in changes.items():
        getattr(state, k)[...] = v
    out = execution.milestone_logit(state, model.log, ids, model.config.execution, model.config.learning)
    for k, v in saved.items():
        getattr(state, k)[...] = v
    return out


def test_milestone_chance_rises_with_knowhow_and_falls_with_load():
    model = small_model(ticks=12)
    ids = model.log.active_ids()
    assert len(ids) > 0
    low_k = _logit_with(model, ids, knowhow=0.0)
    high_k = _logit_with(model, ids, knowhow=5.0)
    assert np.all(high_k > low_k)
    calm = _logit_with(model, ids, attention=0.0)
    busy = _logit_with(model, ids, attention=model.state.capacity * 2)
    assert np.all(busy < calm)


def test_partner_specific_logit_follows_the_parameter():
    for effect in (-1.0, 1.0):
        a = small_model(ticks=40, **{"learning.partner_specific_effect": effect, "selection.repeat_partner_probability": 0.9})
        log = a.log
        repeats = log["partner_specific_experience"] > 0
        assert repeats.any()
        assert np.all(np.sign(log["partner_specific_logit"][repeats]) == np.sign(effect))
        assert np.all(log["partner_specific_logit"][~repeats] == 0.0)


def test_health_checks_need_an_alliance_function():
    off = small_model(ticks=30, **{"firms.large.alliance_function_prob": 0.0, "firms.small.alliance_function_prob": 0.0,
                                   "portfolio.function_review_probability": 0.0}).alliances_frame()
    on = small_model(ticks=30, **{"firms.large.alliance_function_prob": 1.0, "firms.small.alliance_function_prob": 1.0}).alliances_frame()
    assert off["problems_caught"].sum() == 0
    assert on["problems_caught"].sum() > 0


def test_coordination_costs_start_beyond_capacity():
    """Within capacity a firm's alliances pay nothing for coordination; past it they pay the more, the further."""
    model = small_model(ticks=12)
    ids = model.log.active_ids()
    cap = model.state.capacity
    idle = _logit_with(model, ids, attention=0.0)
    at_capacity = _logit_with(model, ids, attention=cap)
    over = _logit_with(model, ids, attention=1.5 * cap)
    far_over = _logit_with(model, ids, attention=3.0 * cap)
    np.testing.assert_array_equal(at_capacity, idle)
    assert np.all(over < at_capacity) and np.all(far_over < over)


def test_technical_knowledge_comes_home_milestone_by_milestone():
    """Each met milestone delivers its share of the partner's knowledge (nothing when absorption is off)."""
    model = small_model(ticks=12)
    ids = model.log.active_ids()[:5]
    state, learning = model.state, model.config.learning
    before = state.technical.copy()
    execution.transfer(state, model.log, ids, learning)
    gained = (state.technical - before).sum()
    c = model.log.cols
    most = (learning.lesson_per_alliance * c["novelty"][ids] / c["milestones"][ids]).sum() * 2  # both sides, absorbed <= 1
    assert 0 < gained <= most + 1e-12
    off = learning.model_copy(update={"absorb_exploitation": 0.0, "absorb_exploration": 0.0, "absorptive_capacity_gain": 0.0})
    before = state.technical.copy()
    execution.transfer(state, model.log, ids, off)
    np.testing.assert_array_equal(state.technical, before)


def test_exploration_knowledge_absorbed_as_exploitation_knowledge_under_r8s_placebo():
    """``exploration_absorbed_as_exploitation`` gives an exploration partner's knowledge the usable share an
    exploitation partner's has at the same firm (raised by its research know-how, no rigidity); off, the firm's
    exploitation routines crowd it out."""
    model = small_model(ticks=12)
    state, learning = model.state, model.config.learning
    firms = np.arange(state.n)
    state.internal_knowhow[:, EXPLORATION] = np.linspace(0.0, 4.0, state.n)  # research know-how varies
    state.internal_knowhow[:, EXPLOITATION] = 3.0  # strong routines everywhere
    exploit = execution.absorbable(state, firms, EXPLOITATION, learning)
    own = execution.absorbable(state, firms, EXPLORATION, learning)
    placebo = learning.model_copy(update={"exploration_absorbed_as_exploitation": True})
    np.testing.assert_array_equal(execution.absorbable(state, firms, EXPLORATION, placebo), exploit)
    assert np.ptp(exploit) > 0 and np.ptp(own) == 0  # the rules read different know-how
    assert np.all(own < learning.absorb_exploration)  # rigidity crowds distant knowledge out


def test_team_skill_is_the_partners_know_how_on_its_curve_less_the_hand_off():
    model = small_model(ticks=12)
    ids = model.log.active_ids()
    state, learning = model.state, model.config.learning
    state.knowhow[:] = 0.0
    assert np.all(execution.team_skill(state, model.log, ids, learning) == 0.0)
    state.knowhow[:] = 1e6  # saturated
    skill = execution.team_skill(state, model.log, ids, learning)
    np.testing.assert_allclose(skill, 1.0 - model.log.cols["handoff_loss"][ids])
