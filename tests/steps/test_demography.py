"""Entry and exit (sim.steps.demography): firms whose resources run out leave, new ventures enter with new ids."""

from sim.config import load_config
from sim.model import AllianceModel

SMALL = {"firms.n": 120, "run.ticks": 40, "run.burn_in": 40}


def _model(seed=2001, **overrides):
    return AllianceModel(config=load_config(overrides={**SMALL, **overrides}), rng=seed).run()


def test_firms_exit_and_new_ventures_enter_with_new_ids():
    model = _model()
    m, panel = model.model_frame(), model.firms_frame()
    assert m["firm_exits"].sum() > 0 and m["firm_entries"].sum() > 0
    assert (m["firms"] <= SMALL["firms.n"]).all()
    assert panel["firm_id"].max() >= SMALL["firms.n"]  # entrants have ids no founder had
    assert not panel.duplicated(["firm_id", "tick"]).any()
    entrants = panel[panel["entry_tick"] > 0]
    assert (entrants["size"] == "small").all()
    a = model.alliances_frame()
    assert (a.loc[a["exit_reason"] == "partner_exit", "planned_exit"] == False).all()  # noqa: E712


def test_without_exits_the_population_stays_whole():
    model = _model(**{"firms.exit_threshold": -1e6, "firms.acquisition_hazard": 0.0})
    m = model.model_frame()
    assert m["firm_exits"].sum() == 0 and m["firm_entries"].sum() == 0 and (m["firms"] == SMALL["firms.n"]).all()
    assert "partner_exit" not in set(model.alliances_frame()["exit_reason"].dropna())


def test_ventures_are_acquired_whatever_their_resources():
    """With resources that never run out, ventures still leave at the acquisition hazard; incumbents never do."""
    model = _model(**{"firms.exit_threshold": -1e6, "firms.acquisition_hazard": 0.05})
    m, panel = model.model_frame(), model.firms_frame()
    founders = panel[panel["firm_id"].isin(panel.loc[panel["tick"] == panel["tick"].min(), "firm_id"])]
    last_seen = founders.groupby("firm_id")["tick"].max()
    size = founders.groupby("firm_id")["size"].first()
    left = last_seen < panel["tick"].max()
    assert left.any() and (size[left] == "small").all()
    assert (size == "large").any() and not left[size == "large"].any()
    # 36 ticks between the first and the last snapshot at 0.05: about 84% of those ventures are gone
    assert 0.7 < left[size == "small"].mean() < 0.97
    assert m["firm_entries"].sum() > 0
    assert "partner_exit" in set(model.alliances_frame()["exit_reason"].dropna())


def test_resources_bind():
    """Costs come out of resources: with no income and no revenue every venture runs out."""
    model = _model(**{"firms.small.income": 0.0, "innovation.product_value": 0.0, "negotiation.value_exploration": 0.0,
                      "negotiation.value_exploitation": 0.0, "firms.entry_rate": 0.0})
    assert model.state.alive[~model.state.large].sum() < 0.5 * (~model.state.large).sum()
