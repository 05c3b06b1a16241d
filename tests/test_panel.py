"""The firm panel's storage (sim/panel.py): snapshots share a column only where nothing changed."""

from __future__ import annotations

import numpy as np

from sim.panel import FirmPanel


def test_a_column_is_shared_only_between_snapshots_of_the_same_firms_and_the_table_is_the_same():
    panel = FirmPanel()
    state = {"firm_id": np.array([1, 2, 3]), "size": np.array([0, 0, 1]), "value": np.array([0.5, 0.1, 0.2])}
    panel.add({**state, "tick": 1})
    state["value"][0] = 0.7  # the model writes its arrays in place: the panel kept its own copy
    panel.add({**state, "tick": 2})
    first, second = panel._pending
    assert second["size"] is first["size"] and second["value"] is not first["value"]
    panel.add({"firm_id": np.array([1, 2, 4]), "size": np.array([0, 0, 1]), "value": np.array([0.7, 0.1, 0.9]),
               "tick": 3})
    assert panel._pending[2]["size"] is not second["size"]  # other firms: not compared, not shared
    table = panel.frame()
    assert table["value"].tolist() == [0.5, 0.1, 0.2, 0.7, 0.1, 0.2, 0.7, 0.1, 0.9]
    assert table["tick"].tolist() == [1] * 3 + [2] * 3 + [3] * 3 and table["size"].tolist() == [0, 0, 1] * 3


def test_owned_arrays_are_kept_without_a_copy():
    panel = FirmPanel()
    values = np.array([1.0, 2.0])
    panel.add({"firm_id": np.array([5, 6]), "value": values}, owned=True)
    assert panel._pending[0]["value"] is values
    panel.add({"firm_id": np.array([5, 6]), "value": values})
    assert panel._pending[1]["value"] is values  # the same bits as the snapshot before: shared
