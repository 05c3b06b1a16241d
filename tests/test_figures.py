"""sim.figures: every picture in one module, one style, no global matplotlib state."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from sim import AllianceModel, figures, load_config

IMPORT_ALL = """
import sys, matplotlib
backend = lambda: dict.__getitem__(matplotlib.rcParams, "backend")  # raw: get_backend() would import pyplot
before = backend()
import sim.cli, sim.figures, sim.sweep.analyze, sim.sweep.plots, sim.sweep.report, sim.replication.report, sim.runner
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


# ------------------------------------------------------------ dashboard panels
def _run(ticks=24, **overrides):
    return AllianceModel(config=load_config(overrides={"firms.n": 120, **overrides}), rng=11).run(ticks)


def test_network_panel_draws_one_edge_per_active_alliance():
    model = _run()
    fig = figures.network_figure(model)
    ax = fig.axes[0]
    edges = sum(len(c.get_segments()) for c in ax.collections if isinstance(c, LineCollection))
    assert edges == model.stats["active_alliances"] > 0
    sizes = ax.collections[-1].get_sizes()
    # node size grows with general experience
    order = np.argsort(model.state.general_experience)
    assert sizes[order[-1]] > sizes[order[0]]


def test_exit_panel_counts_every_ended_alliance():
    model = _run()
    ax = figures.exits_figure(model).axes[0]
    total = sum(p.get_width() for p in ax.patches)
    assert total == model.stats["ended_alliances"] > 0


def test_panels_follow_the_mechanism():
    """Switching the partner-specific effect's sign changes what the learning panel shows."""
    # strong terms and a population large enough that the first repeat bar holds ~100 alliances (at 120 firms it
    # holds ~30 and +-2 logits drown in the exits that milestones do not drive)
    sign = {"firms.n": 300, "selection.repeat_partner_probability": 0.9}
    hurt = _run(36, **sign, **{"learning.partner_specific_effect": -6.0}).alliances_frame()
    helps = _run(36, **sign, **{"learning.partner_specific_effect": 6.0}).alliances_frame()

    def repeat_bar(alliances):
        ax = Figure().subplots()
        figures.draw_partner_specific(ax, alliances)
        return {round(p.get_x() + p.get_width() / 2): p.get_height() for p in ax.patches}

    a, b = repeat_bar(hurt), repeat_bar(helps)
    assert a[1] - a[0] < b[1] - b[0]


def test_empty_model_panels_render():
    model = AllianceModel(config=load_config(overrides={"firms.n": 10}), rng=1)
    for make in (figures.network_figure, figures.learning_figure, figures.portfolio_figure, figures.exits_figure):
        assert make(model).axes


def test_success_by_start_year_plots_each_years_rates():
    model = _run()
    alliances = model.alliances_frame()
    tpy = model.config.run.ticks_per_year
    ax = figures.success_by_start_year(alliances, tpy).axes[0]
    success, running = (line.get_ydata() for line in ax.get_lines())
    years = (alliances["start_tick"] - 1) // tpy + 1
    ended = alliances[alliances["end_tick"].notna()]
    # a year whose alliances are all still running has no success rate yet (a gap in the line)
    expected = ended["success"].astype(float).groupby(years[ended.index]).mean().reindex(sorted(years.unique()))
    assert np.allclose(success, expected.to_numpy(), equal_nan=True)
    assert np.allclose(running, 1.0 - alliances["end_tick"].notna().groupby(years).mean().to_numpy())
    assert running[-1] > running[0]  # the last year is the least decided
    assert figures.success_by_start_year(alliances.iloc[:0], tpy).axes
