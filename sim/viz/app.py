"""The classroom dashboard: a Mesa SolaraViz app over :class:`~sim.model.AllianceModel`.

Serve it with ``alliancesim dashboard`` (or ``solara run sim.viz.app``).  The
sidebar has SolaraViz's play / step / reset controls and sliders for the
mechanisms an instructor wants to turn live; moved sliders take effect on
*Reset*, which builds a new model with them.  The main area has two tabs
(:func:`pages`): the key figures, the alliance network, the learning curves,
portfolio size vs performance and exits by reason, redrawn every step; and the
time series.  Below them a hidden status element (``#dashboard-status``) says
which model (``data-model``, a new number on every Reset) the panels were drawn
for and at which tick (``data-tick``): what the browser test waits on.

Each browser session gets its own model (made in :func:`Page`), so a class can
share one server.  The base config is the baseline unless the command passed
another through ``ALLIANCESIM_DASHBOARD_CONFIG`` (a YAML path) and
``ALLIANCESIM_DASHBOARD_SET`` (JSON ``{"dotted.key": value}``).
"""

from __future__ import annotations

import itertools
import json
import math
import os
from typing import Any, Callable

import solara
from mesa.visualization import Slider, SolaraViz, make_plot_component
from mesa.visualization.solara_viz import make_initial_grid_layout
from mesa.visualization.utils import update_counter

from ..config import Config, load_config
from ..metrics import year_of
from ..model import AllianceModel
from .. import figures
from . import CONFIG_ENV, SET_ENV

__all__ = ["DashboardModel", "base_config", "model_params", "pages", "Page", "page"]

_builds = itertools.count(1)


def base_config() -> Config:
    """The config the dashboard starts from (baseline, or what the command passed)."""
    overrides = json.loads(os.environ.get(SET_ENV) or "{}")
    return load_config(os.environ.get(CONFIG_ENV) or None, overrides=overrides)


class DashboardModel(AllianceModel):
    """AllianceModel with the dashboard's one switch that is not a single config key.

    ``alliance_function=False`` means no firm has a dedicated alliance function
    (both size classes' ``alliance_function_prob`` set to 0, and no firm
    reviews whether to set one up).  Every other
    keyword is a config override, ``learning__partner_specific_effect=0.5``,
    applied on top of the dashboard's base config.  ``scenario`` is accepted
    and ignored: SolaraViz passes Mesa's default one on reset, and the config
    (with ``rng``) is this model's whole scenario.  ``build`` numbers the
    models of this server (each Reset makes a new one).
    """

    def __init__(self, alliance_function: bool = True, rng: Any = None, config: Config | None = None, scenario: Any = None, **overrides: Any):
        if not alliance_function:
            overrides.update({"firms.large.alliance_function_prob": 0.0, "firms.small.alliance_function_prob": 0.0,
                              "portfolio.function_review_probability": 0.0})
        super().__init__(config=base_config() if config is None else config, rng=rng, **overrides)
        self.build = next(_builds)


def _slider(label: str, value: float, lo: float, hi: float, step: float, dtype: type = float) -> Slider:
    """A slider whose range holds the config's value and whose grid passes through it.

    The browser's slider snaps to ``lo + k * step`` and reports the snapped
    value, so a value off the grid would silently change on Reset (0.08 with
    step 0.05 becomes 0.1); the range is shifted to put the value on the grid.
    """
    value = dtype(value)
    lo = value - math.floor(round((value - lo) / step, 9)) * step if value >= lo else value
    hi = max(hi, value)
    if dtype is float:
        lo = round(lo, 10) + 0.0  # no -0.0
    return Slider(label, value=value, min=dtype(lo), max=dtype(hi), step=dtype(step), dtype=dtype)


def model_params(cfg: Config | None = None) -> dict[str, Any]:
    """SolaraViz ``model_params``: the classroom's knobs, defaults from ``cfg``.

    Keys are DashboardModel keywords (config keys with ``__`` for dots).
    Labels are short because solara puts them beside the slider; the key
    figures panel spells out the values the running model uses, and
    docs/classroom.md says what each knob does.
    """
    cfg = cfg or base_config()
    small, large = cfg.firms.small, cfg.firms.large
    return {
        "rng": _slider("Random seed", cfg.run.seed, 0, 999, 1, int),
        "firms__n": _slider("Number of firms", cfg.firms.n, 20, 600, 10, int),
        "learning__general_returns": _slider("General returns", cfg.learning.general_returns, 0.0, 3.0, 0.1),
        "learning__relational_routines": _slider("Routines", cfg.learning.relational_routines, 0.0, 1.0, 0.05),
        "learning__knowledge_redundancy": _slider("Redundancy", cfg.learning.knowledge_redundancy, 0.0, 1.5, 0.05),
        "firms__small__capture_rate": _slider("Capture: small", small.capture_rate, 0.0, 1.0, 0.05),
        "firms__large__capture_rate": _slider("Capture: large", large.capture_rate, 0.0, 1.0, 0.05),
        "alliance_function": {"type": "Checkbox", "value": True, "label": "Alliance functions"},
        "firms__small__base_capacity": _slider("Capacity: small", small.base_capacity, 0.5, 6.0, 0.5),
        "firms__large__base_capacity": _slider("Capacity: large", large.base_capacity, 0.5, 10.0, 0.5),
        "portfolio__overconfidence": _slider("Overconfidence", cfg.portfolio.overconfidence, 1.0, 3.0, 0.1),
    }


# --------------------------------------------------------------- panels
def _png(fig) -> Any:
    return solara.FigureMatplotlib(fig, format="png", bbox_inches="tight")


def KeyFigures(model: AllianceModel):
    """Headline numbers of the run so far, from the model's series now (also the panel the browser test reads).

    Plain HTML, not ``solara.Markdown``: Markdown loads a maths renderer
    (KaTeX) from the CDN, which solara-assets does not ship, so it fails offline.
    """
    s, stats, c = model.state, model.stats, model.config
    tpy = c.run.ticks_per_year
    year = year_of(model.steps, tpy) if model.steps else 0
    fmt = lambda x: "-" if x != x else f"{x:.0%}"  # noqa: E731  (NaN before anything ended)
    rows = [
        ("firms", f"{s.n} ({int(s.large.sum())} large, {int((~s.large).sum())} small; {int(s.alliance_function.sum())} with an alliance function)"),
        ("active alliances", f"{stats['active_alliances']} ({stats['active_exploration']} exploration, {stats['active_exploitation']} exploitation)"),
        ("alliances ended", f"{stats['ended_alliances']}; reached their goal: {fmt(stats['success_rate'])}"),
        ("portfolios below expectation", fmt(stats["underperforming_share"])),
        ("new products so far", f"{int(s.products.sum())}"),
    ]
    functions = "on" if c.firms.small.alliance_function_prob + c.firms.large.alliance_function_prob > 0 else "off"
    table = "".join(f"<tr><td style='padding-right:1em;color:#555'>{k}</td><td>{v}</td></tr>" for k, v in rows)
    html = (
        f"<p><b>Tick {model.steps} of {c.run.ticks}</b> (year {year}; one tick = 1/{tpy} year)</p>"
        f"<table style='border-collapse:collapse;margin-bottom:0.8em'>{table}</table>"
        f"<p style='color:#555'>Values in use (sliders apply on <b>Reset</b>): general returns {c.learning.general_returns:g}, "
        f"relational routines {c.learning.relational_routines:g}, knowledge redundancy {c.learning.knowledge_redundancy:g}, capture rate small {c.firms.small.capture_rate:g} / "
        f"large {c.firms.large.capture_rate:g}, alliance functions {functions}, base capacity small "
        f"{c.firms.small.base_capacity:g} / large {c.firms.large.base_capacity:g}, overconfidence "
        f"{c.portfolio.overconfidence:g}, seed {model.seed}.</p>"
    )
    return solara.HTML(tag="div", unsafe_innerHTML=html, style="padding:0.5em;font-size:14px")


def NetworkPanel(model: AllianceModel):
    return _png(figures.network_figure(model))


def LearningPanel(model: AllianceModel):
    return _png(figures.learning_figure(model))


def PortfolioPanel(model: AllianceModel):
    return _png(figures.portfolio_figure(model))


def ExitsPanel(model: AllianceModel):
    return _png(figures.exits_figure(model))


def _series(measures: dict[str, str]) -> Callable:
    """A time-series panel of model series (name -> colour), drawn by Mesa from the model's DataCollector."""
    panel, _page = make_plot_component(measures)
    return panel


def pages() -> dict[str, list[Callable]]:
    """The dashboard's tabs, named for what they show: tab name -> its panels (functions of the model)."""
    return {
        "Network and outcomes": [KeyFigures, NetworkPanel, LearningPanel, PortfolioPanel, ExitsPanel],
        "Series over time": [
            _series({"active_exploration": figures.TYPE_COLOURS["exploration"], "active_exploitation": figures.TYPE_COLOURS["exploitation"]}),
            _series({"success_rate": "#2ca02c", "underperforming_share": "#d62728"}),
            # how firms adapt their partner search from their realised returns (mean preferences)
            _series({"preference_exploration": figures.TYPE_COLOURS["exploration"], "preference_repeat": "#7f7f7f",
                     "preference_large": "#1f77b4"}),
        ],
    }


def Status(model: AllianceModel):
    """Hidden: which model the panels above were drawn for, and at which tick (rendered after them)."""
    return solara.HTML(tag="div", unsafe_innerHTML=f"model {model.build}, tick {model.steps}", style="display:none",
                       attributes={"id": "dashboard-status", "data-model": str(model.build), "data-tick": str(model.steps)})


@solara.component
def Panels(model: AllianceModel):
    """The tabs of panels (SolaraViz would name them "Page 0", "Page 1"), redrawn at every step, then the status."""
    update_counter.get()  # Mesa bumps it after every step
    tabs = pages()
    names = list(tabs)
    tab, set_tab = solara.use_state(0)
    layouts, set_layouts = solara.use_state({})
    panels = tabs[names[tab]]
    with solara.Column() as main:
        with solara.v.Tabs(v_model=tab, on_v_model=set_tab):
            for name in names:
                solara.v.Tab(children=[name])
        solara.GridDraggable(
            items=[panel(model) for panel in panels],
            grid_layout=layouts.get(tab) or make_initial_grid_layout(len(panels)),
            resizable=True,
            draggable=True,
            on_grid_layout=lambda layout, tab=tab: set_layouts(lambda old: {**old, tab: layout}),
        )
        Status(model)
    return main


@solara.component
def Page():
    """One dashboard per browser session (its own model)."""
    cfg = solara.use_memo(base_config, [])
    model = solara.use_reactive(solara.use_memo(lambda: DashboardModel(config=None, rng=cfg.run.seed), []))
    with solara.Column() as main:
        # SolaraViz: app bar, controls, sliders, step counter; it replaces model.value on Reset.
        # Its own panel area would name the tabs by number, so the panels are ours.
        SolaraViz(model, components=[], model_params=model_params(cfg), name="alliancesim: alliance learning",
                  play_interval=150)
        Panels(model.value)
    return main


page = Page
