"""benchmarks/golden.py inside the suite: every case's four tables are bit-identical to benchmarks/golden.json."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN_PY = Path(__file__).resolve().parents[2] / "benchmarks" / "golden.py"
_spec = importlib.util.spec_from_file_location("golden", GOLDEN_PY)
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

RECORDED = json.loads(golden.GOLDEN.read_text())


def test_every_case_is_recorded():
    assert set(RECORDED) == set(golden.CASES)


@pytest.mark.parametrize("name", list(golden.CASES))
def test_tables_are_bit_identical_to_the_recorded_hashes(name):
    """In a fresh process on numpy's pinned SIMD path (the script re-executes itself under it)."""
    done = subprocess.run([sys.executable, str(GOLDEN_PY), "--only", name], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(GOLDEN_PY.parents[1]), os.environ.get("PYTHONPATH")]))})
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_check_pins_numpys_simd_path():
    done = subprocess.run([sys.executable, "-c", "import numpy, os; print(os.environ['NPY_DISABLE_CPU_FEATURES'])"],
                          env={**os.environ, "NPY_DISABLE_CPU_FEATURES": golden.PINNED_CPU}, capture_output=True, text=True)
    assert done.stdout.strip() == golden.PINNED_CPU and done.returncode == 0  # numpy accepts the names, present or not
