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
    code, planned = exit_reasons(log, ids[:3], model.tick, model.config.exit.model_copy(update={"conflict_hazard": 0.0, "lopsided_conflict": 0.0}), np.random.default_rng(0))
    assert list(code) == [GOAL, MISSED, MISSED]
    assert list(planned) == [True, True, False]


def test_unplanned_exits_cost_more_than_planned():
    def value_lost(triggers):
        a = small_model(ticks=40, **{"negotiation.exit_trigger_probability": triggers, "negotiation.exit_trigger_function_bonus": 0.0}).alliances_frame()
        failed = a[(a["success"] == False) & a["end_tick"].notna()]  # noqa: E712
        return (failed["value_created"] / failed["value_at_stake"]).mean()

    assert value_lost(1.0) > value_lost(0.0)
