"""sim.figures: every picture in one module, one style, no global matplotlib state."""

from __future__ import annotations

import subprocess
import sys

from matplotlib.figure import Figure

from sim import figures

IMPORT_ALL = """
import sys, matplotlib
backend = lambda: dict.__getitem__(matplotlib.rcParams, "backend")  # raw: get_backend() would import pyplot
before = backend()
import sim.cli, sim.figures, sim.sweep.analyze, sim.replication.report, sim.runner
assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
assert backend() == before, "backend switched"
"""


def test_importing_the_package_leaves_matplotlib_global_state_alone():
    proc = subprocess.run([sys.executable, "-c", IMPORT_ALL], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_subplots_applies_the_style_to_new_axes():
    fig, axes = figures.subplots(1, 2)
    assert isinstance(fig, Figure) and len(axes) == 2
    for ax in axes:
        assert not ax.spines["top"].get_visible()
        assert ax.xaxis._major_tick_kw.get("gridOn")


def test_save_writes_a_png(tmp_path):
    fig, ax = figures.subplots()
    ax.plot([0, 1], [1, 0])
    path = figures.save(fig, tmp_path / "line.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
