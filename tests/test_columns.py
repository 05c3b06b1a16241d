"""ColumnLog: appended rows, and the active ids it keeps between changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.columns import Column, ColumnLog
from tests.strategies import log_changes


class _Log(ColumnLog):
    table = (Column("value", float, "a value"), Column("active", bool, "still running", export=None))


@settings(max_examples=60)
@given(log_changes)
def test_active_ids_follow_appends_and_deactivations(steps):
    """After any sequence of appends, ends and repeated questions, active_ids is the plain scan of ``active``."""
    log = _Log(capacity=4)
    for size, picks in steps:
        ids = log.append({"value": np.arange(size, dtype=float)})
        assert ids.tolist() == list(range(log.n - size, log.n))
        first = log.active_ids()
        assert log.active_ids() is first  # asked again with nothing changed: the same ids
        if len(first):
            log.deactivate(np.unique(first[np.array(picks, dtype=np.int64) % len(first)]) if picks else first[:0])
        assert log.active_ids().tolist() == np.flatnonzero(log["active"]).tolist()


def test_active_ids_are_read_only():
    log = _Log()
    log.append({"value": np.ones(3)})
    with pytest.raises(ValueError):
        log.active_ids()[0] = 2


def test_dropping_the_burn_ins_ended_rows_changes_no_table(monkeypatch):
    """start_output drops the burn-in's ended rows (never output) and keeps the running ones: the same tables, ids
    included, as a log that kept every row."""
    from sim import AllianceModel, load_config
    from sim.columns import ColumnLog

    cfg = load_config(overrides={"firms.n": 120, "run.ticks": 15, "run.burn_in": 25, "firms.exit_threshold": 5.0})
    dropped = AllianceModel(config=cfg, rng=4)
    assert dropped.log.first < dropped.log.first_id  # rows were dropped
    dropped.run()
    log = dropped.log
    assert dropped.alliances_frame()["alliance_id"].tolist() == log.ids(np.arange(log.first, log.n)).tolist()

    def keep_all(self, room=0):
        self.first = self.n

    monkeypatch.setattr(ColumnLog, "start_output", keep_all)
    kept = AllianceModel(config=cfg, rng=4).run()
    for name, table in kept.frames().items():
        pd.testing.assert_frame_equal(table, dropped.frames()[name], check_exact=True)


def test_start_output_makes_the_room_asked_for_after_the_running_rows():
    from sim.alliances import AllianceLog

    log = AllianceLog(capacity=8)
    ids = log.append({"slot_a": np.arange(6), "slot_b": np.arange(6) + 10})
    log.deactivate(ids[[0, 2, 3]])
    log.start_output(room=50)
    assert log.n == 3 and len(log.cols["slot_a"]) >= 3 + 50
    assert log.slot_b[:3].tolist() == [11, 14, 15] and log.first_id == 6  # the next row keeps its id
    log.start_output()  # no room asked for: the capacity it has
    assert len(log.cols["slot_a"]) >= 53


def test_every_stored_column_is_a_named_attribute_over_the_same_storage():
    from sim.alliances import AllianceLog

    log = AllianceLog(capacity=4)
    ids = log.append({"slot_a": np.array([3, 5]), "slot_b": np.array([7, 9])})
    stored = [c for c in AllianceLog.table if c.dtype is not None]
    assert stored and all(getattr(log, c.name) is log.cols[c.name] for c in stored)
    assert type(log).slot_a.__doc__ == next(c.doc for c in stored if c.name == "slot_a")
    log.slot_b[ids[1]] = 11  # writes go to the log
    np.testing.assert_array_equal(log["slot_b"], [7, 11])
    log.append({"slot_a": np.arange(8)})  # growing replaces the storage: the name follows it
    assert log.slot_a is log.cols["slot_a"] and len(log["slot_a"]) == 10


def test_a_column_that_would_hide_a_log_attribute_is_refused():
    with pytest.raises(TypeError, match="active_ids"):
        class Clash(ColumnLog):
            table = (Column("active_ids", float, "clashes with the method"),)

    class Wider(_Log):  # a subclass may declare its parent's columns again and add its own
        table = (*_Log.table, Column("extra", float, "one more"))

    log = Wider()
    log.append({"value": np.ones(2), "extra": np.full(2, 3.0)})
    assert log.value is log.cols["value"] and log.extra[:2].tolist() == [3.0, 3.0]


@settings(max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 2), st.booleans()), max_size=30), st.booleans(), st.booleans())
def test_text_is_the_column_pandas_makes_of_the_names(rows, masked, as_bool):
    """text() builds directly what pandas makes of the object array of names (values, missing ones, dtype), whether
    some, none or all rows are valid, codes integers or booleans, the column empty or not."""
    from sim.columns import labels, text

    names = np.array(["", "approved", "terminated"], dtype=object)
    codes = np.array([c % 2 if as_bool else c for c, _ in rows], dtype=bool if as_bool else np.int8)
    valid = np.array([v for _, v in rows], dtype=bool) if masked else None
    objects = labels(names, codes) if valid is None else np.where(valid, labels(names, codes), None)
    expected = pd.DataFrame({"x": objects}, copy=False)["x"]
    got = pd.DataFrame({"x": text(names, codes, valid)}, copy=False)["x"]
    pd.testing.assert_series_equal(got, expected, check_exact=True)
    assert str(got.dtype) == str(expected.dtype)


def test_a_models_logs_start_their_output_with_room_for_the_run_at_the_burn_ins_pace():
    from sim import AllianceModel, load_config
    from sim.model import PRESIZED_TICKS, rows_ahead

    assert rows_ahead(50, 10, 20) == 110 and rows_ahead(50, 0, 20) == 0
    assert rows_ahead(50, 10, 10 * PRESIZED_TICKS) == rows_ahead(50, 10, PRESIZED_TICKS)

    def capacities(ticks):
        cfg = load_config(overrides={"firms.n": 80, "run.ticks": ticks, "run.burn_in": 40})
        model = AllianceModel(config=cfg, rng=3)
        return model, [len(log.cols["active"]) for log in (model.log, model.projects)]

    long, room = capacities(3000)
    short = capacities(10)[1]
    assert all(a > 2 * b for a, b in zip(room, short))  # sized for the run, whatever the burn-in left
    long.run(300)
    assert [len(log.cols["active"]) for log in (long.log, long.projects)] == room  # and it did not grow
