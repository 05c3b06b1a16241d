"""The EMA Workbench adapter (sim.ema): model -> EMA, sweep folder -> EMA results."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("ema_workbench")

from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, load_results, perform_experiments, save_results  # noqa: E402
from ema_workbench.analysis import feature_scoring, prim  # noqa: E402

from sim import ConfigError, ema  # noqa: E402
from sim.sweep import design_points, load_sweep_spec, read_runs, run_sweep  # noqa: E402
from tests.sweep.helpers import fail_some_runs, write_sweep  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"firms": {"n": 30}, "run": {"ticks": 12}}
UNCERTAINTIES = {"learning.forgetting_rate": (0.0, 0.1), "selection.search_breadth": (2, 12), "negotiation.exit_trigger_probability": [0.1, 0.5]}


def small_model(**kw):
    return ema.model(UNCERTAINTIES, ["success_rate", "alliances", "model.active_alliances"], base=SMALL, **kw)


def uncertainty_columns(experiments: pd.DataFrame) -> pd.DataFrame:
    return experiments.drop(columns=["scenario", "policy", "model"]).astype({"negotiation__exit_trigger_probability": float})


@pytest.mark.slow
def test_results_are_identical_under_sequential_and_multiprocessing_evaluators():
    m = small_model()
    sampling = {"uncertainty_sampling_kwargs": {"rng": 5}}
    seq_x, seq_y = perform_experiments(m, scenarios=6, evaluator=SequentialEvaluator(m), **sampling)
    with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
        mp_x, mp_y = evaluator.perform_experiments(scenarios=6, **sampling)
    pd.testing.assert_frame_equal(uncertainty_columns(mp_x), uncertainty_columns(seq_x))
    assert set(seq_y) == {"success_rate", "alliances", "model__active_alliances", "failed"}
    for name in seq_y:
        np.testing.assert_array_equal(mp_y[name], seq_y[name])
    assert seq_y["model__active_alliances"].shape == (6, 12)
    assert not seq_y["failed"].any()
    assert len(np.unique(seq_y["alliances"])) > 1  # experiments differ (values and seeds)


def test_outcomes_depend_only_on_the_experiment_values_and_replication():
    plan = small_model().function.args[0]
    values = {"learning__forgetting_rate": 0.05, "selection__search_breadth": 4, "negotiation__exit_trigger_probability": 0.5}
    first = ema.run_experiment(plan, **values)
    again = ema.run_experiment(plan, **dict(reversed(list(values.items()))))  # key order is irrelevant
    assert again.keys() == first.keys() and all(np.array_equal(again[k], first[k]) for k in first)
    assert ema.run_experiment(plan, replication=1, **values)["alliances"] != first["alliances"]
    seed = ema.experiment_seed(0, values)
    assert seed == ema.experiment_seed(0, {ema.config_key(k): v for k, v in values.items()})  # dotted or EMA names
    assert seed != ema.experiment_seed(0, {**values, "learning__forgetting_rate": 0.051})
    assert seed != ema.experiment_seed(1, values)
    crn = [ema.experiment_seed(0, v, common_random_numbers=True) for v in (values, {**values, "selection__search_breadth": 9})]
    assert crn[0] == crn[1] != seed


def test_replicator_model_returns_replications_as_the_second_dimension():
    m = small_model(replications=3)
    x, y = perform_experiments(m, scenarios=2, uncertainty_sampling_kwargs={"rng": 1})
    assert y["success_rate"].shape == (2, 3) and y["model__active_alliances"].shape == (2, 3, 12)
    # each replication its own stream: the series (not a small count, which can tie) differ
    assert all(len({tuple(series) for series in point}) == 3 for point in y["model__active_alliances"])


@pytest.mark.parametrize("uncertainties,fragments", [
    ({"firms.n": (1, 50)}, ["firms.n", "1"]),
    ({"learning.forgetting_rate": (0.0, 1.5)}, ["learning.forgetting_rate", "1.5"]),
    ({"execution.milestones_exploration": [2, 0]}, ["execution.milestones_exploration", "0"]),
    ({"firms.nope": (0, 1)}, ["firms.nope"]),
    ({"selection.search_breadth": (2.5, 8)}, ["selection.search_breadth", "2.5"]),
    ({"learning.forgetting_rate": (0.1, 0.0)}, ["learning.forgetting_rate", "0.1"]),
    ({"firms.n": [30]}, ["firms.n", "[30]"]),
])
def test_a_range_outside_the_schema_fails_when_the_model_is_built(uncertainties, fragments):
    with pytest.raises(ValueError) as info:
        ema.model(uncertainties, ["success_rate"])
    assert isinstance(info.value, ConfigError)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize("outcomes", [["no_such_metric"], ["model.no_such_column"], {"not an identifier": "success_rate"}, ["failed"]])
def test_unknown_outcomes_fail_when_the_model_is_built(outcomes):
    with pytest.raises(ValueError):
        ema.model({"learning.forgetting_rate": (0.0, 0.1)}, outcomes, base=SMALL)


_FAILING_STUDY = """
import numpy as np
from ema_workbench import MultiprocessingEvaluator
from sim import ema
from failing_outcome import fragile

m = ema.model({"learning.forgetting_rate": (0.0, 0.1)}, ["alliances", ("fragile", fragile)],
              base={"firms": {"n": 20}, "run": {"ticks": 8}})
if __name__ == "__main__":
    with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
        x, y = evaluator.perform_experiments(scenarios=6, uncertainty_sampling_kwargs={"rng": 2})
    bad = x["learning__forgetting_rate"].to_numpy() > 0.05
    assert bad.any() and (~bad).any(), x
    assert (y["failed"] == bad).all(), (y["failed"], bad)
    assert np.isnan(y["fragile"][bad]).all() and np.isnan(y["alliances"][bad]).all()
    assert (y["fragile"][~bad] == 1.0).all()
    print("ok", int(bad.sum()))
"""


@pytest.mark.slow
def test_a_failed_run_yields_a_failed_outcome_not_a_hang(tmp_path):
    (tmp_path / "failing_outcome.py").write_text(textwrap.dedent("""
        def fragile(run):
            if run.config.learning.forgetting_rate > 0.05:
                raise RuntimeError("outcome function fails for this experiment")
            return 1.0
    """))
    (tmp_path / "study.py").write_text(_FAILING_STUDY)
    # a hang would block forever: the timeout turns it into a failure
    proc = subprocess.run([sys.executable, str(tmp_path / "study.py")], cwd=tmp_path, capture_output=True, text=True, timeout=240,
                          env={**__import__("os").environ, "PYTHONPATH": f"{tmp_path}:{ROOT}"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("ok ")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "out"
    spec = load_sweep_spec(ROOT / "configs" / "sweeps" / "smoke.yaml")
    run_sweep(spec, out, workers=2, progress=False)
    return spec, out


@pytest.mark.slow
def test_from_sweep_on_the_smoke_sweep_feeds_prim_and_feature_scoring_in_design_order(smoke, tmp_path):
    spec, out = smoke
    x, y = ema.from_sweep(out)
    points = design_points(spec)
    assert x["scenario"].tolist() == list(range(len(points)))
    np.testing.assert_array_equal(x[[ema.ema_name(k) for k in spec.keys]].to_numpy(), points.to_numpy())
    runs = read_runs(out)
    expected = runs.groupby("point")["success_rate"].mean().to_numpy()
    np.testing.assert_allclose(y["success_rate"], expected)
    scores = feature_scoring.get_feature_scores_all(x, y)
    assert set(scores.index) == {ema.ema_name(k) for k in spec.keys}
    low = y["success_rate"] < np.quantile(y["success_rate"], 0.25)
    box = prim.Prim(x, low).find_box()
    assert box.coverage > 0
    save_results((x, y), tmp_path / "means.tar.gz")
    np.testing.assert_allclose(load_results(tmp_path / "means.tar.gz")[1]["success_rate"], expected)
    kept_x, kept_y = ema.from_sweep(out, aggregate=None)
    assert kept_y["success_rate"].shape == (len(points), spec.replications)
    np.testing.assert_allclose(np.nanmean(kept_y["success_rate"], axis=1), expected)
    save_results((kept_x, kept_y), tmp_path / "kept.tar.gz")
    assert load_results(tmp_path / "kept.tar.gz")[1]["success_rate"].shape == (len(points), spec.replications)


def test_from_sweep_leaves_failed_runs_out_and_drops_all_missing_metrics(tmp_path, monkeypatch):
    fail_some_runs(monkeypatch)
    out = tmp_path / "out"
    run_sweep(load_sweep_spec(write_sweep(tmp_path)), out, workers=1, progress=False)  # 16 ticks: no 10-year window
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x, y = ema.from_sweep(out)
    notes = " ".join(str(w.message) for w in caught)
    assert "breakup_within_10y" in notes and "breakup_within_10y" not in y
    runs = read_runs(out)
    good = sorted(runs.loc[runs["status"] == "ok", "point"].unique())
    assert len(good) == 3 and x["scenario"].tolist() == good
    assert not any(np.isnan(v).all() for v in y.values())
