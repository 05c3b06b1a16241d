"""Invariants of any run, as hypothesis properties over seeds and parameters."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings

from sim import AllianceModel, load_config
from tests.strategies import model_overrides, seeds

class CheckedModel(AllianceModel):
    """Checks the per-tick invariants after every step."""

    def step(self):
        s = self.state
        cap_before, running_before = s.max_alliances.copy(), s.active_total.copy()
        super().step()
        s = self.state
        if self.config.portfolio.overconfidence_persistence == 1.0:
            assert np.all(s.active_total <= s.max_alliances), "concurrent alliances above capacity"
        else:
            # a drifting overconfidence can lower a cap below the alliances running: the firm keeps them and takes
            # on no more (entrants' slots are judged by their own new cap)
            room = np.maximum(np.maximum(cap_before, s.max_alliances), running_before)
            assert np.all(s.active_total <= room), "alliances taken on above the cap"
        assert np.all(s.active >= 0)
        for arr in (s.experience, s.knowhow, s.internal_experience, s.internal_knowhow):
            assert np.all(arr >= 0), "experience went negative"
        # the active counts the firms carry match the log
        log = self.log
        ids = log.active_ids()
        per_firm = np.bincount(np.concatenate([log["slot_a"][ids], log["slot_b"][ids]]), minlength=s.n)
        assert np.array_equal(per_firm, s.active_total)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_overrides, seeds)
def test_run_invariants(overrides, seed):
    cfg = load_config(overrides={**overrides, "run.ticks": 24})
    model = CheckedModel(config=cfg, rng=seed).run()
    a = model.alliances_frame()
    if a.empty:
        return
    assert (a["firm_a"] != a["firm_b"]).all(), "an alliance needs two distinct firms"
    assert a["alliance_id"].is_unique
    ended = a[a["end_tick"].notna()]
    # ends at most once, never before it starts; ongoing ones have no outcome yet
    assert (ended["end_tick"] >= ended["start_tick"]).all()
    ongoing = a[a["end_tick"].isna()]
    assert ongoing["success"].isna().all() and ongoing["exit_reason"].isna().all()
    # value captured by the partners sums to value created
    np.testing.assert_allclose(ended["value_captured_a"] + ended["value_captured_b"], ended["value_created"], rtol=1e-9, atol=1e-9)
    assert ((a["share_a"] >= 0) & (a["share_a"] <= 1)).all()
    # the larger partner is firm a
    assert not ((a["size_a"] == "small") & (a["size_b"] == "large")).any()
    assert (a[["general_experience_a", "general_experience_b", "partner_specific_experience"]] >= 0).all().all()
    # a pair is never in two alliances at once
    for (x, y), g in a.groupby(["firm_a", "firm_b"]):
        g = g.sort_values("start_tick")
        ends = g["end_tick"].fillna(np.iinfo(np.int64).max).to_numpy()
        assert np.all(g["start_tick"].to_numpy()[1:] >= ends[:-1])
    # counts at formation are consistent with the pair's history
    pairs = a.assign(lo=a[["firm_a", "firm_b"]].min(axis=1), hi=a[["firm_a", "firm_b"]].max(axis=1)).sort_values("alliance_id")
    # (alliances of the burn-in are not in the table, but they count in the pair's history)
    seen = pairs.groupby(["lo", "hi"]).cumcount()
    if cfg.run.burn_in == 0:
        assert (seen == pairs["partner_specific_experience"]).all()
    else:
        assert (seen <= pairs["partner_specific_experience"]).all()


def test_success_is_boolean_and_end_tick_empty_while_ongoing():
    a = AllianceModel(config=load_config(overrides={"firms.n": 60, "run.ticks": 15}), rng=2).run().alliances_frame()
    assert a["success"].dtype == pd.BooleanDtype()
    assert a["end_tick"].isna().any() and a["end_tick"].notna().any()
