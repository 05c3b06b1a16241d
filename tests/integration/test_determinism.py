"""Same config + seed = identical tables: in one process, across processes, run in pieces.

The hot paths are vectorised with caches (pair indexes, the firm panel), so
these checks guard that the speed-ups left results a pure function of
(config, seed) and that reading the tables never disturbs the run.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import AllianceModel, load_config

ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = {"firms.n": 80, "run.ticks": 24, "run.burn_in": 20, "selection.repeat_partner_probability": 0.8}


def table_hash(df: pd.DataFrame) -> str:
    """Bit-exact hash of a table's values, column names, dtypes and index."""
    h = hashlib.sha256(repr(list(df.columns)).encode() + repr([str(t) for t in df.dtypes]).encode())
    h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())
    return h.hexdigest()


def run_hashes(seed: int, pieces: tuple[int, ...] = (24,), peek: bool = False) -> dict[str, str]:
    model = AllianceModel(config=load_config(overrides=OVERRIDES), rng=seed)
    for ticks in pieces:
        model.run(ticks)
        if peek:
            model.frames()  # reading the tables mid-run must not change anything
    return {name: table_hash(df) for name, df in model.frames().items()}


def test_same_seed_same_tables_and_other_seed_differs():
    first = run_hashes(5)
    assert run_hashes(5) == first
    other = run_hashes(6)
    assert other["alliances"] != first["alliances"]
    assert other["firms"] != first["firms"]


def test_running_in_pieces_and_reading_tables_midway_changes_nothing():
    assert run_hashes(5, pieces=(7, 1, 16), peek=True) == run_hashes(5)


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_identical_across_processes(hash_seed):
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); "
        "from tests.integration.test_determinism import run_hashes; print(json.dumps(run_hashes(5)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == run_hashes(5)


def test_edited_table_copy_does_not_leak_into_the_model():
    model = AllianceModel(config=load_config(overrides=OVERRIDES), rng=2).run(8)
    firms = model.firms_frame()
    before = table_hash(firms)
    firms.loc[:, "resources"] = -1.0
    del firms["size"]
    assert table_hash(model.firms_frame()) == before


def test_tables_of_a_finished_run_take_its_logs_over():
    """At the end of the run frames() hands the logs' storage over to the tables: the same tables as the copies built
    while the logs kept everything, the same again on every later call (a returned table's edits kept out), and no
    stepping on."""
    model = AllianceModel(config=load_config(overrides=OVERRIDES), rng=3).run()
    copies = {"alliances": model.alliances_frame(), "projects": model.projects_frame()}
    assert not model.log.closed and not model.projects.closed  # one table at a time: copies, the run could go on
    tables = model.frames()
    assert model.log.closed and model.projects.closed and not model.log.cols and not model.projects.cols
    assert {name: table_hash(tables[name]) for name in copies} == {name: table_hash(df) for name, df in copies.items()}
    before = {name: table_hash(df) for name, df in tables.items()}
    tables["alliances"].loc[:, "costs"] = -1.0
    tables["projects"].loc[:, "capability"] = -1.0
    assert {name: table_hash(df) for name, df in model.frames().items()} == before
    assert table_hash(model.alliances_frame()) == before["alliances"]
    with pytest.raises(RuntimeError, match="frames"):
        model.step()
