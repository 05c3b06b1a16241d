"""Step 4, exit: each test fails if its mechanism is removed."""

import numpy as np

from sim.alliances import GOAL, MISSED
from sim.steps.exit import exit_reasons
from tests.steps.helpers import small_model


def test_exit_reasons_and_planned_exits():
    model = small_model(ticks=6)
    log = model.log
    ids = log.active_ids()[:4]
    c = log.cols
    c["met"][ids[0]] = c["milestones"][ids[0]]  # goal reached
    c["missed"][ids[1]] = 5
    c["exit_triggers"][ids[1]] = True  # planned exit on a trigger
    c["missed"][ids[2]] = 5
    c["exit_triggers"][ids[2]] = False  # unplanned dissolution
    code, planned = exit_reasons(model.state, log, ids[:3], model.tick, model.config.exit.model_copy(update={"conflict_hazard": 0.0, "lopsided_conflict": 0.0}), model.config.learning, np.random.default_rng(0))
    assert list(code) == [GOAL, MISSED, MISSED]
    assert list(planned) == [True, True, False]


def test_unplanned_exits_cost_more_than_planned():
    def value_lost(triggers):
        a = small_model(ticks=40, **{"negotiation.exit_trigger_probability": triggers, "negotiation.exit_trigger_function_bonus": 0.0}).alliances_frame()
        failed = a[(a["success"] == False) & a["end_tick"].notna()]  # noqa: E712
        return (failed["value_created"] / failed["value_at_stake"]).mean()

    assert value_lost(1.0) > value_lost(0.0)


def test_know_how_and_an_alliance_function_damp_conflict():
    from sim.steps.exit import conflict_hazard

    model = small_model(ticks=12)
    log, state, cfg, learning = model.log, model.state, model.config.exit, model.config.learning
    ids = log.active_ids()
    c = log.cols
    c["function_a"][ids], c["function_b"][ids] = False, False
    state.knowhow[:] = 0.0
    raw = conflict_hazard(state, log, ids, cfg, learning)
    state.knowhow[:] = 1e6
    skilled = conflict_hazard(state, log, ids, cfg, learning)
    expected = raw * (1.0 - cfg.knowhow_conflict_reduction * (1.0 - c["handoff_loss"][ids]))
    np.testing.assert_allclose(skilled, expected)
    c["function_a"][ids] = True
    np.testing.assert_allclose(conflict_hazard(state, log, ids, cfg, learning), expected * (1 - cfg.function_conflict_reduction))
    off = cfg.model_copy(update={"knowhow_conflict_reduction": 0.0, "function_conflict_reduction": 0.0})
    np.testing.assert_allclose(conflict_hazard(state, log, ids, off, learning), raw)
