"""sim.metrics: one declaration of the headline metrics, its docs, and its definitions."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import load_config, metrics, simulate

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def test_reference_in_docs_is_generated_from_the_declaration():
    assert metrics.reference() in DOC.read_text()


def test_simulate_reports_every_metric_in_declared_order():
    result = simulate(load_config(overrides={"firms.n": 30, "run.ticks": 12}), seed=3)
    assert list(result.metrics) == list(metrics.NAMES)
    assert result.metrics["alliances"] == len(result.frames["alliances"])


def test_year_of_puts_ticks_one_to_tpy_in_year_one():
    ticks = np.arange(1, 13)
    assert list(metrics.year_of(ticks, 4)) == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]


def _alliances(rows):
    cols = ["start_tick", "end_tick", "success", "planned_exit"]
    df = pd.DataFrame(rows, columns=cols)
    df["end_tick"] = df["end_tick"].astype("Int64")
    df["success"] = df["success"].astype("boolean")
    df["planned_exit"] = df["planned_exit"].astype("boolean")
    return df


def test_breakups_count_early_unplanned_failures_among_fully_observed_alliances():
    cfg = load_config(overrides={"run.ticks": 60, "run.ticks_per_year": 4})  # window 40 ticks: starts <= 20 observed
    a = _alliances([
        (1, 10, False, False),    # broke up
        (2, 12, False, True),     # planned exit: not a break-up
        (3, 20, True, False),     # goal reached
        (4, None, None, None),    # still running: observed, did not break up
        (5, 50, False, False),    # failed after the 10-year window
        (30, 35, False, False),   # started too late to be observed for 10 years
    ])
    b = metrics.breakups(a, cfg)
    assert list(b.index) == [0, 1, 2, 3, 4]
    assert b.tolist() == [True, False, False, False, False]


def test_metrics_are_nan_when_their_denominator_is_empty():
    cfg = load_config(overrides={"firms.n": 4, "run.ticks": 1})
    result = simulate(cfg, seed=0)
    m = result.metrics
    if m["ended"] == 0:
        assert np.isnan(m["success_rate"]) and np.isnan(m["failure_share"])
    assert np.isnan(m["breakup_within_10y"])  # one tick cannot observe a 10-year window


@pytest.mark.parametrize("name", metrics.NAMES)
def test_every_metric_has_a_one_line_definition(name):
    (metric,) = [m for m in metrics.METRICS if m.name == name]
    assert metric.definition and "\n" not in metric.definition
