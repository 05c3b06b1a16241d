"""Step 3, execution: each test fails if its mechanism is removed."""

import numpy as np

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
