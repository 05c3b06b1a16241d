"""The replication suite: every finding appears, rows carry their targets, inputs are checked.

Fast checks on a small population; the calibrated findings themselves are
tested in test_replication_findings.py.
"""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config import ConfigError
from sim.replication import TARGETS, replicate
from sim.replication.report import CSV_COLUMNS
from sim.replication.study import order_rows, study_configs
from sim.replication.targets import row, unavailable
from tests.strategies import alliance_spans

SMALL = {"firms.n": 80, "run.ticks": 48}


def test_targets_cover_r1_to_r16_once():
    assert [t.id for t in TARGETS] == [f"R{i}" for i in range(1, 17)]
    assert {t.confidence for t in TARGETS} <= {"high", "medium", "low"}


def test_missing_findings_get_an_explicit_row():
    table = order_rows([row("R3", "partner_specific", -0.2, 0.1, 0.05, True)])
    assert list(table["finding"].unique()) == [t.id for t in TARGETS]
    r1 = table[table["finding"] == "R1"].iloc[0]
    assert not r1["matches"] and r1["note"].startswith("not produced") and math.isnan(r1["estimate"])


def test_unavailable_row_says_why():
    r = unavailable("R4", "alliances", "only 3 observations")
    assert r.note == "not produced: only 3 observations" and r.matches is False


def test_small_run_has_every_finding_and_the_csv_columns():
    rep = replicate(SMALL, seed=5)
    assert list(rep.table["finding"].unique()) == [t.id for t in TARGETS]
    assert set(CSV_COLUMNS) <= set(rep.table.columns)
    assert rep.table["published"].notna().all()
    assert rep.table["matches"].isin([True, False]).all()


def test_study_configs_apply_overrides_on_top_of_each_study():
    cfgs = study_configs({"learning.partner_specific_effect": 0.5})
    assert {c.learning.partner_specific_effect for c in cfgs.values()} == {0.5}
    assert cfgs["firm_panel"].run.ticks == 100  # Rothaermel & Deeds: 25 years
    assert cfgs["projects"].run.ticks == 80  # Hoang & Rothaermel: 20 years


def test_runs_report_share_of_seeds():
    rep = replicate(SMALL, seed=11, runs=2)
    assert rep.seeds == [11, 12]
    assert sorted(rep.runs["seed"].unique()) == [11, 12]
    r = rep.robustness
    assert list(r["finding"]) == [t.id for t in TARGETS]
    assert r["share_reproduced"].between(0, 1).all()
    assert set(r["required"]) <= {0.9, 0.7}


def test_same_seed_same_table():
    a = replicate(SMALL, seed=8).table
    b = replicate(SMALL, seed=8).table
    pd.testing.assert_frame_equal(a, b)


def test_bad_runs_and_bad_key_are_config_errors():
    with pytest.raises(ConfigError):
        replicate(SMALL, runs=0)
    with pytest.raises(ConfigError, match="learning.no_such_key"):
        replicate({"learning.no_such_key": 1})


@settings(max_examples=60, deadline=None)
@given(alliance_spans, st.integers(1, 12))
def test_completed_experience_counts_ends_before_the_start(rows, window):
    """R15's regressors, against a brute-force count: completions strictly before the start, split at start - window."""
    from sim.replication.depreciation import completed_experience

    a = pd.DataFrame([{"firm_a": fa, "firm_b": fb, "start_tick": s, "end_tick": None if d is None else s + d}
                      for fa, fb, s, d in rows])
    a["end_tick"] = a["end_tick"].astype(float)
    recent, older = completed_experience(a, "firm_b", window)
    for i, (firm, start) in enumerate(zip(a["firm_b"], a["start_tick"])):
        ends = pd.concat([a.loc[a["firm_a"] == firm, "end_tick"], a.loc[a["firm_b"] == firm, "end_tick"]]).dropna()
        assert recent[i] == ((ends < start) & (ends >= start - window)).sum()
        assert older[i] == (ends < start - window).sum()
