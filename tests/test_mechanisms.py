"""The mechanisms of issue 15: each switched off changes what it should and nothing it should not.

Seeds 2001-2003 are neither the default (42), the seeds the defaults were
once hand-tuned on (42-121, 7, 8, which evaluations skip) nor in the
calibration seed range (100000-999999).
"""

import numpy as np
import pandas as pd
import pytest

from sim import simulate
from sim.config import load_config
from sim.model import AllianceModel
from sim.state import EXPLOITATION, EXPLORATION, structural_capture
from sim.steps.demography import init_firms
from sim.steps import portfolio, selection
from sim.steps.execution import absorbable
from sim.steps.innovation import approval_logit
from sim.sweep.analyze import mean_ci

SEEDS = (2001, 2002, 2003)
SMALL = {"firms.n": 120, "run.ticks": 40, "run.burn_in": 40}


def _model(seed=2001, **overrides):
    return AllianceModel(config=load_config(overrides={**SMALL, **overrides}), rng=seed).run()


def _ended(overrides=None, seeds=SEEDS):
    """Ended alliances of the default market (300 firms, 20 years after burn-in), pooled over ``seeds``."""
    rows = []
    for seed in seeds:
        a = simulate(seed=seed, overrides=overrides or {}, tables=("alliances",)).frames["alliances"]
        rows.append(a[a["end_tick"].notna()].assign(seed=seed))
    return pd.concat(rows, ignore_index=True)


# ------------------------------------------------------- partner-specific experience
def test_relational_routines_off_leaves_redundancy_alone():
    on, off = _model(), _model(**{"learning.relational_routines": 0.0})
    for model in (on, off):
        log, repeat = model.log, model.log["partner_specific_experience"] > 0
        assert repeat.any()
        assert (log["novelty"][repeat] < 1).all() and (log["novelty"][~repeat] == 1).all()  # redundancy still acts
        assert (log["relief"][~repeat] == 0).all()
    assert (on.log["relief"][on.log["partner_specific_experience"] > 0] > 0).all()
    assert (off.log["relief"] == 0).all()  # no cheaper coordination, no sooner conflict resolution


def test_knowledge_redundancy_off_leaves_routines_alone():
    off = _model(**{"learning.knowledge_redundancy": 0.0})
    repeat = off.log["partner_specific_experience"] > 0
    assert (off.log["novelty"] == 1).all()
    assert (off.log["relief"][repeat] > 0).all()


def test_redundancy_hurts_exploration_more():
    log = _model().log
    once = log["partner_specific_experience"] == 1
    explore, exploit = once & (log["type"] == EXPLORATION), once & (log["type"] == EXPLOITATION)
    assert log["novelty"][explore].max() < log["novelty"][exploit].min()


# --------------------------------------------------------------------- population
def _success_slopes(overrides: dict, seeds) -> np.ndarray:
    """Per seed, the slope of success on start year (per decade) over the 20 observed years, each alliance
    followed to its end: the run goes on for the longest an alliance can last after year 20, so no start year is
    censored (late starters that ended early would be the quick failures)."""
    cfg = load_config(overrides=overrides)
    observed = cfg.run.ticks
    slopes = []
    for seed in seeds:
        ended = _ended({**overrides, "run.ticks": observed + cfg.exit.max_duration}, seeds=(seed,))
        ended = ended[ended["start_tick"] <= observed]
        decade = (ended["start_tick"].to_numpy(float) - 1) / (10 * cfg.run.ticks_per_year)
        slopes.append(np.polyfit(decade, ended["success"].to_numpy(float), 1)[0])
    return np.asarray(slopes)


STATIONARITY_SEEDS = range(2101, 2113)


@pytest.mark.slow
def test_success_rate_by_start_year_is_flat_after_burn_in():
    """The studies' pattern (failure rates have not changed much over time), shown as an equivalence: the 95%
    interval of the slope over twelve seeds lies within +-0.03 a decade (a rise of 0.06 over the 20 years would be
    visible in a table by start year)."""
    *_, low, high = mean_ci(pd.Series(_success_slopes({}, STATIONARITY_SEEDS)))
    assert -0.03 < low and high < 0.03


@pytest.mark.slow
def test_without_acquisitions_success_rises_with_start_year():
    """Without the ventures' acquisitions the survivors of the first years never leave, the population keeps ageing
    and success keeps rising: the slope's 95% interval over the same twelve seeds lies above zero."""
    *_, low, _ = mean_ci(pd.Series(_success_slopes({"firms.acquisition_hazard": 0.0}, STATIONARITY_SEEDS)))
    assert low > 0
def test_burn_in_is_simulated_and_left_out():
    model = _model()
    a, m = model.alliances_frame(), model.model_frame()
    assert list(m["tick"]) == list(range(1, SMALL["run.ticks"] + 1))
    assert (a["start_tick"] >= 1).all() and a["alliance_id"].min() == model.log.first_id > 0
    assert (model.projects_frame()["start_tick"] >= 1).all()
    # burn-in history counts in the experience the first recorded year's alliances carry: more than without a
    # burn-in (where it is only the alliances drawn before the start)
    cold = AllianceModel(config=load_config(overrides={**SMALL, "run.burn_in": 0}), rng=model.seed).run()
    first_year = f"start_tick <= {model.config.run.ticks_per_year}"
    first, first_cold = a.query(first_year), cold.alliances_frame().query(first_year)
    assert first["general_experience_a"].mean() > first_cold["general_experience_a"].mean() + 5


# ------------------------------------------------------------------ alliance life
@pytest.mark.slow
def test_overrun_and_triggers_each_end_at_least_one_percent():
    ended = _ended()
    share = ended["exit_reason"].value_counts(normalize=True)
    triggered = ended["planned_exit"].astype(bool) & ended["exit_reason"].isin(["missed_milestones", "cost_overrun"])
    assert share["cost_overrun"] >= 0.01 and triggered.mean() >= 0.01
    assert ((ended["end_tick"] - ended["start_tick"]) > 40).any()  # some outlive ten years


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="at the defaults (point 42 of the calibration under the whole-year count) "
                                       "0.96% of this test's ended alliances expire, under its 1% line (0.80% at "
                                       "point 198, 0.76% at point 160); the line stays (docs/model.md)")
def test_max_duration_ends_at_least_one_percent():
    ended = _ended()
    assert ended["exit_reason"].value_counts(normalize=True)["expired"] >= 0.01


def test_stale_alliances_drag():
    model = _model()
    live = model.log.active_ids()
    assert len(live)
    cfg = model.config
    from sim.steps.execution import milestone_logit

    now = milestone_logit(model.state, model.log, live, cfg.execution, cfg.learning, model.tick)
    overdue = model.tick + int(model.log.cols["plan_ticks"][live].max()) + 40  # every live plan overrun (some run 70 years)
    later = milestone_logit(model.state, model.log, live, cfg.execution, cfg.learning, overdue)
    assert (later < now).all()
    flat = cfg.execution.model_copy(update={"stale_penalty": 0.0})
    assert np.allclose(milestone_logit(model.state, model.log, live, flat, cfg.learning, overdue),
                       milestone_logit(model.state, model.log, live, flat, cfg.learning, model.tick))


# --------------------------------------------------------------- small-firm learning
def test_internal_complexity_dilutes_a_large_firms_capture_beyond_its_base_rate():
    """The base capture rates are calibrated (R2 is fitted through the large firms' one); on top of them a large firm's
    units dilute what it keeps, so at one base rate the large firm still captures less."""
    cfg = load_config()
    base, units = np.array([0.5, 0.5]), np.array([cfg.firms.small.units, cfg.firms.large.units], dtype=float)
    knobs = cfg.learning.function_capture_bonus, cfg.learning.complexity_dilution
    small, large = structural_capture(base, np.array([False, False]), units, *knobs)
    assert large < small / 2
    assert structural_capture(base[:1], np.array([True]), units[1:], *knobs)[0] > large  # a function spreads lessons


def test_key_people_leaving_take_their_share_of_know_how():
    cfg = load_config(overrides={"learning.key_person_hazard": 1.0, "learning.forgetting_rate": 0.0, "portfolio.function_review_probability": 0.0})
    state = init_firms(cfg, np.random.default_rng(4))
    state.knowhow[:] = 1.0
    portfolio.manage(state, cfg, np.random.default_rng(5))
    np.testing.assert_allclose(state.knowhow[:, 0], 1.0 - 1.0 / state.key_people)
    cfg_off = load_config(overrides={"learning.key_person_hazard": 0.0, "learning.forgetting_rate": 0.0})
    state = init_firms(cfg_off, np.random.default_rng(4))
    state.knowhow[:] = 1.0
    portfolio.manage(state, cfg_off, np.random.default_rng(5))
    assert (state.knowhow == 1.0).all()


# ------------------------------------------------------------------ absorptive capacity
def test_absorption_happens_when_knowledge_comes_home_not_in_the_approval_equation():
    cfg = load_config()
    state = init_firms(cfg, np.random.default_rng(7))
    firms = np.arange(4)
    exploit, explore = np.full(4, EXPLOITATION), np.full(4, EXPLORATION)
    before = (absorbable(state, firms, exploit, cfg.learning), absorbable(state, firms, explore, cfg.learning))
    state.internal_knowhow[firms] = 5.0
    after = (absorbable(state, firms, exploit, cfg.learning), absorbable(state, firms, explore, cfg.learning))
    assert (after[0] > before[0]).all()  # research knowledge overlaps with what exploitation partners bring
    assert (after[1] < before[1]).all()  # exploitation routines crowd out distant exploration knowledge
    # the approval of an exploitation project does not depend on internal exploration know-how
    logit = approval_logit(state, firms, exploit, np.full(4, 0.5), cfg.innovation, cfg.learning)
    state.internal_knowhow[firms, EXPLORATION] = 0.0
    assert np.array_equal(logit, approval_logit(state, firms, exploit, np.full(4, 0.5), cfg.innovation, cfg.learning))


def test_internal_know_how_is_not_a_multiple_of_the_project_count():
    noisy = _model()
    exact = _model(**{"learning.internal_capture_noise": 0.0, "learning.internal_forgetting_rate": 0.0})
    for model, varies in ((noisy, True), (exact, False)):
        s = model.state
        done = s.internal_experience[:, EXPLORATION] > 0
        ratio = s.internal_knowhow[done, EXPLORATION] / s.internal_experience[done, EXPLORATION]
        assert (np.ptp(ratio) > 0.01) == varies


# ----------------------------------------------------------------- alliance function
def test_alliance_function_is_chosen_and_can_change():
    chosen = _model().firms_frame()
    fixed = _model(**{"portfolio.function_review_probability": 0.0}).firms_frame()
    assert (chosen.groupby("firm_id")["alliance_function"].nunique() > 1).any()
    assert (fixed.groupby("firm_id")["alliance_function"].nunique() == 1).all()


# ----------------------------------------------------------------- adaptive search
def test_preferences_follow_realised_returns():
    cfg = load_config()
    state = init_firms(cfg, np.random.default_rng(8))
    start = state.preference[:2].copy()
    choice = np.array([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    returns = state.aspiration[:2] + np.array([1.0, -1.0])  # firm 0 did better than it hoped, firm 1 worse
    selection.adapt(state, np.arange(2), returns, choice, cfg.selection)
    assert (state.preference[0] > start[0]).all() and (state.preference[1] < start[1]).all()


def test_without_adaptation_preferences_stay_put():
    m_fixed = _model(**{"selection.adaptation_rate": 0.0}).model_frame()
    m_adapt = _model().model_frame()
    cfg = load_config()
    assert np.allclose(m_fixed["preference_exploration"], cfg.selection.exploration_target)
    assert np.allclose(m_fixed["preference_repeat"], cfg.selection.repeat_partner_probability)
    assert m_adapt["preference_repeat"].std() > 0
