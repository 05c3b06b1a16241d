"""A fast end-to-end check that the model runs and writes its tables."""

from sim import AllianceModel, load_config


def test_small_run_produces_all_tables():
    model = AllianceModel(config=load_config(overrides={"firms.n": 60, "run.ticks": 20}), rng=3).run()
    frames = model.frames()
    assert set(frames) == {"alliances", "firms", "model", "projects"}
    assert len(frames["model"]) == 20
    assert len(frames["alliances"]) > 0
