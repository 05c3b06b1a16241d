"""The dashboard's parts without a browser: model wiring, sliders, the command (its panels: tests/test_figures.py)."""

from __future__ import annotations

import math
import re

import pytest

from sim import figures, load_config
from sim.cli import main
from sim.viz import CONFIG_ENV, SET_ENV
from sim.viz.command import solara_command, solara_env


@pytest.fixture
def app():
    pytest.importorskip("solara")
    from sim.viz import app

    return app


def test_alliance_function_switch_removes_every_function(app):
    on = app.DashboardModel(rng=5, firms__n=200)
    off = app.DashboardModel(rng=5, firms__n=200, alliance_function=False)
    assert on.state.alliance_function.sum() > 0
    assert off.state.alliance_function.sum() == 0
    assert off.config.firms.large.alliance_function_prob == 0.0


def test_reset_kwargs_as_solaraviz_passes_them(app):
    """SolaraViz re-creates the model with every model_param plus Mesa's scenario."""
    params = app.model_params(load_config())
    kwargs = {k: (v["value"] if isinstance(v, dict) else v.value) for k, v in params.items()}
    kwargs["firms__n"] = 80
    kwargs["learning__knowledge_redundancy"] = 0.0
    model = app.DashboardModel(scenario=object(), **kwargs)
    assert model.state.n == 80
    assert model.config.learning.knowledge_redundancy == 0.0
    baseline = load_config()
    for key, slider in params.items():
        if key in ("rng", "alliance_function", "firms__n", "learning__knowledge_redundancy"):
            continue
        dotted = key.replace("__", ".")
        assert model.config.flat()[dotted] == baseline.flat()[dotted] == slider.value


def test_sliders_hold_the_config_value_on_their_grid(app):
    """A value off a slider's grid would be snapped (changed) by the browser on Reset."""
    cfg = load_config(overrides={"firms.n": 1000, "firms.large.capture_rate": 0.07, "learning.general_returns": 4.25})
    for name, slider in app.model_params(cfg).items():
        if isinstance(slider, dict):
            continue
        assert slider.min <= slider.value <= slider.max, name
        k = (slider.value - slider.min) / slider.step
        assert math.isclose(k, round(k), abs_tol=1e-6), (name, slider.min, slider.value, slider.step)
    assert app.model_params(cfg)["firms__n"].value == 1000


def _shown(app, model) -> int:
    """Active alliances in the key-figures panel."""
    html = app.KeyFigures(model).kwargs["unsafe_innerHTML"]
    return int(re.search(r"active alliances</td><td>(\d+) ", html).group(1))


def _drawn(model) -> int:
    """Active alliances in the network panel's title."""
    title = figures.network_figure(model).axes[0].get_title()
    return int(re.search(r": (\d+) active alliances", title).group(1))


def test_key_figures_count_the_alliances_the_network_draws(app):
    """From tick 0 on: alliances begun in the burn-in run on, and both panels count them."""
    model = app.DashboardModel(rng=3, firms__n=150)
    for tick in range(3):
        assert model.steps == tick
        assert _shown(app, model) == _drawn(model) == len(figures.active_alliances(model)) > 0
        model.step()


def _rendered_panels(app, model):
    import solara

    _, rc = solara.render(app.Panels(model), handle_error=False)
    return rc


def test_tabs_are_named_for_what_they_show(app):
    import ipyvuetify as v

    rc = _rendered_panels(app, app.DashboardModel(rng=3, firms__n=60))
    names = [tab.children[0] for tab in rc.find(v.Tab).widgets]
    assert names == list(app.pages()) == ["Network and outcomes", "Series over time"]
    assert app.pages()["Network and outcomes"][:2] == [app.KeyFigures, app.NetworkPanel]


def test_status_follows_the_model_and_tick_the_panels_show(app):
    """The hidden status element the browser test waits on: a new model number on Reset, the tick on Step."""
    import solara

    model = app.DashboardModel(rng=3, firms__n=60)
    rc = _rendered_panels(app, model)

    def status():
        (found,) = [w.attributes for w in rc.find(solara.widgets.HTML).widgets if w.attributes.get("id") == "dashboard-status"]
        return found["data-model"], found["data-tick"]

    assert status() == (str(model.build), "0")
    model.step()
    app.update_counter.value += 1  # what Mesa's Step does after stepping
    assert status() == (str(model.build), "1")
    assert app.DashboardModel(rng=3, firms__n=60).build != model.build


def test_base_config_comes_from_the_command(app, monkeypatch, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("firms:\n  n: 40\n")
    env = solara_env(str(case), {"learning.partner_specific_effect": 0.5}, base={})
    monkeypatch.setenv(CONFIG_ENV, env[CONFIG_ENV])
    monkeypatch.setenv(SET_ENV, env[SET_ENV])
    cfg = app.base_config()
    assert cfg.firms.n == 40 and cfg.learning.partner_specific_effect == 0.5
    assert app.model_params()["firms__n"].value == 40


def test_solara_runs_offline_without_telemetry():
    env = solara_env(None, {}, base={})
    assert env["SOLARA_ASSETS_PROXY"] == "true"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert solara_env(None, {}, base={"SOLARA_ASSETS_PROXY": "false"})["SOLARA_ASSETS_PROXY"] == "false"
    cmd = solara_command("127.0.0.1", 9000)
    assert cmd[1:4] == ["-m", "solara", "run"] and "sim.viz.app" in cmd and "9000" in cmd


@pytest.mark.parametrize("argv", [["dashboard", "no/such/case.yaml"], ["dashboard", "--set", "firms.bogus=1"], ["dashboard", "--set", "firms.n=1"]])
def test_dashboard_bad_config_exits_2_before_serving(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err
