"""What a run records (sim.recording): the model series every tick, the firm panel every firm_interval ticks."""

import numpy as np
import pandas as pd

from sim import AllianceModel, load_config
from sim.recording import FIRM_PANEL, MODEL_SERIES

SMALL = {"firms.n": 120, "run.ticks": 40}


def frames_of(seed, **overrides):
    cfg = load_config(overrides={**SMALL, **overrides})
    return AllianceModel(config=cfg, rng=seed).run().frames()


def test_firm_panel_interval_and_model_series():
    f = frames_of(3, **{"output.firm_interval": 8})
    assert sorted(f["firms"]["tick"].unique()) == [8, 16, 24, 32, 40]
    m = f["model"]
    # one row per firm alive at each snapshot
    assert f["firms"].groupby("tick").size().tolist() == m.set_index("tick").loc[[8, 16, 24, 32, 40], "firms"].tolist()
    assert list(m["tick"]) == list(range(1, 41))
    assert m["formations"].sum() == len(f["alliances"])
    ends = f["alliances"]["end_tick"].notna().sum()
    assert m["exits"].sum() == ends
    # products per tick add up to what the firm panel counts (when no firm leaves with its products)
    f = frames_of(3, **{"output.firm_interval": 8, "firms.exit_threshold": -1e6, "firms.acquisition_hazard": 0.0})
    assert f["firms"].groupby("tick").size().eq(SMALL["firms.n"]).all()
    assert f["model"]["new_products"].sum() == f["firms"].groupby("firm_id")["new_products"].sum().sum()


def test_series_hold_the_state_after_the_burn_in_before_the_first_step():
    """model.stats at tick 0 (what the dashboard shows before a step): stocks counted, flows zero, no table row."""
    model = AllianceModel(**{"firms.n": 60, "run.ticks": 3})
    s = model.stats
    assert list(s) == [r.name for r in MODEL_SERIES]
    assert s["tick"] == 0 and s["formations"] == 0 and s["ended_alliances"] == 0
    assert s["active_alliances"] == int(model.state.active.sum() // 2) == len(model.log.active_ids()) > 0
    assert len(model.model_frame()) == 0
    model.step()
    assert model.stats["tick"] == 1
    pd.testing.assert_series_equal(model.model_frame().iloc[-1], pd.Series(model.stats, dtype=float), check_names=False)


def test_a_snapshot_with_empty_slots_holds_every_columns_values_at_the_firms_in_the_market():
    model = AllianceModel(config=load_config(overrides={"firms.n": 60, "run.ticks": 8, "run.burn_in": 10}), rng=2).run(4)
    empty = np.array([3, 17, 40])
    model.state.alive[empty] = False
    model.recorder.totals = None  # not every slot in the market, whatever the totals said
    snapshot, owned = model.recorder._snapshot()
    assert owned
    market = model.state.alive
    for r in FIRM_PANEL:
        whole = r.func(model.recorder)
        want = whole[market] if isinstance(whole, np.ndarray) else whole
        assert np.array_equal(np.asarray(snapshot[r.name]), np.asarray(want)), r.name
