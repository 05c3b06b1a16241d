"""Every notebook in notebooks/ runs top to bottom without an error (nbclient).

The folder is globbed, so a notebook added later is tested without touching
this file.  Notebooks run with notebooks/ as the working directory and are not
written back.
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
TIMEOUT = 300  # per cell: a safety net against a hang, not a speed target


def test_there_are_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"learning_curves.ipynb", "five_steps.ipynb", "portfolio_capacity.ipynb"}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(book, timeout=TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell and the traceback, on any error
    errors = [o for cell in book.cells if cell.cell_type == "code" for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
