"""ColumnLog: appended rows, and the active ids it keeps between changes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.columns import Column, ColumnLog


class _Log(ColumnLog):
    table = (Column("value", float, "a value"), Column("active", bool, "still running", export=None))


@settings(max_examples=60)
@given(st.lists(st.tuples(st.integers(0, 40), st.lists(st.integers(0, 10_000), max_size=20)), max_size=30))
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
