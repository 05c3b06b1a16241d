"""benchmarks/golden.py inside the suite: every case's four tables are bit-identical to benchmarks/golden.json."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

GOLDEN_PY = Path(__file__).resolve().parents[1] / "benchmarks" / "golden.py"
_spec = importlib.util.spec_from_file_location("golden", GOLDEN_PY)
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

RECORDED = json.loads(golden.GOLDEN.read_text())


def test_every_case_is_recorded():
    assert set(RECORDED) == set(golden.CASES)


@pytest.mark.parametrize("name", list(golden.CASES))
def test_tables_are_bit_identical_to_the_recorded_hashes(name):
    assert golden.case_hashes(*golden.CASES[name]) == RECORDED[name]
