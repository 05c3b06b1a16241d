"""One test (at least) per alliance step: each fails if the step's mechanism is removed."""

import numpy as np
import pytest

from sim import AllianceModel, load_config
from sim.alliances import GOAL, MISSED
from sim.state import EXPLOITATION, EXPLORATION, PairMemory, init_firms
from sim.steps import execution, innovation, negotiation, portfolio, selection
from sim.steps.exit import exit_reasons


def small_model(ticks=0, seed=1, **overrides):
    cfg = load_config(overrides={"firms.n": 80, "run.ticks": max(ticks, 1), **overrides})
    return AllianceModel(config=cfg, rng=seed).run(ticks)


def fresh_state(n=200, seed=0, **overrides):
    cfg = load_config(overrides={"firms.n": n, **overrides})
    return cfg, init_firms(cfg, np.random.default_rng(seed))


# ------------------------------------------------------------- 1. selection
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


# ----------------------------------------------------------- 2. negotiation
def test_split_follows_bargaining_power():
    power_a, power_b = np.array([4.0, 1.0, 1.0]), np.array([1.0, 4.0, 1.0])
    share = negotiation.split_value(power_a, power_b, np.zeros(3, bool), 0.1)
    assert share[0] > 0.5 > share[1] and share[2] == pytest.approx(0.5)
    rushed = negotiation.split_value(power_a, power_b, np.ones(3, bool), 0.1)
    assert rushed[0] > share[0] and rushed[1] < share[1]  # the weaker side concedes


def test_richer_partner_has_more_power():
    cfg, state = fresh_state(10, 0)
    state.resources[:] = 10.0
    state.resources[0] = 1000.0
    p = negotiation.bargaining_power(state, np.arange(10), cfg.negotiation)
    assert p[0] == p.max() and p[0] > p[1]
    flat = negotiation.bargaining_power(state, np.arange(10), cfg.negotiation.model_copy(update={"resource_power": 0.0}))
    assert flat[0] == pytest.approx(flat[1])


def test_governance_and_triggers_respond_to_their_parameters():
    def frac(**o):
        a = small_model(ticks=20, **o).alliances_frame()
        return (a["governance"] == "protective").mean(), a["exit_triggers"].mean()

    lo = frac(**{"negotiation.protective_base": 0.0, "negotiation.protective_new_partner": 0.0, "negotiation.exit_trigger_probability": 0.0, "negotiation.exit_trigger_function_bonus": 0.0})
    hi = frac(**{"negotiation.protective_base": 1.0, "negotiation.exit_trigger_probability": 1.0})
    assert lo == (0.0, 0.0) and hi == (1.0, 1.0)


def test_larger_partner_is_firm_a():
    a = small_model(ticks=20).alliances_frame()
    assert not ((a["size_a"] == "small") & (a["size_b"] == "large")).any()


# ------------------------------------------------------------- 3. execution
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


# ------------------------------------------------------------------ 4. exit
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


# ------------------------------------------------------------- 5. portfolio
def test_capacity_grows_with_knowhow_and_never_shrinks():
    cfg, state = fresh_state(50, 0)
    before = state.capacity.copy()
    state.knowhow[:, 0] += 4.0
    portfolio.manage(state, cfg, np.random.default_rng(0))
    grown = state.capacity.copy()
    assert np.all(grown > before)
    state.knowhow[:] = 0.0
    portfolio.manage(state, cfg, np.random.default_rng(0))
    assert np.all(state.capacity == grown)
    assert np.all(state.max_alliances >= np.floor(state.capacity))


def test_forgetting_erodes_knowhow_and_reputation_reverts():
    cfg, state = fresh_state(50, 0)
    state.knowhow[:] = 2.0
    state.reputation[:] = 1.0
    portfolio.manage(state, cfg, np.random.default_rng(0))
    assert np.all(state.knowhow < 2.0) and np.all(state.reputation < 1.0)
    cfg2 = cfg.model_copy(update={"learning": cfg.learning.model_copy(update={"forgetting_rate": 0.0, "key_person_hazard": 0.0})})
    state.knowhow[:] = 2.0
    portfolio.manage(state, cfg2, np.random.default_rng(0))
    assert np.all(state.knowhow == 2.0)


def test_redundant_partners_fit_worse():
    cfg, state = fresh_state(3, 0)
    state.capability[:] = [[0.5, 0.5], [0.5, 0.5], [0.0, 1.0]]
    state.active[0, EXPLOITATION] = 3
    state.partner_profile[0] = 3 * state.capability[1]
    r = portfolio.redundancy(state, np.array([0, 0]), np.array([1, 2]))
    assert r[0] > r[1]


def test_balance_pulls_towards_the_missing_type():
    cfg, state = fresh_state(2, 0)
    state.active[0] = [3, 0]
    state.active[1] = [0, 3]
    pull = portfolio.exploration_pull(state, np.array([0, 1]), 0.5)
    assert pull[0] < 0.5 < pull[1]


# ------------------------------------------------------------ internal R&D
def test_internal_rnd_uses_know_how_and_absorbed_knowledge():
    cfg, state = fresh_state(4, 0)
    firms, types = np.array([0, 1, 2, 3]), np.array([EXPLORATION] * 4)
    cap = np.full(4, 0.5)
    state.technical[:] = 0.0
    state.internal_knowhow[1, EXPLORATION] = 3.0
    state.technical[2, EXPLOITATION] = 3.0
    logit = innovation.approval_logit(state, firms, types, cap, cfg.innovation, cfg.learning)
    assert logit[1] > logit[0]  # internal know-how helps
    assert logit[2] > logit[0]  # technical knowledge absorbed from alliances helps
    unused = cfg.learning.model_copy(update={"technical_returns": 0.0})
    assert innovation.approval_logit(state, firms, types, cap, cfg.innovation, unused)[2] == pytest.approx(logit[0])
