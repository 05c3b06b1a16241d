"""``alliancesim dashboard``: serve the classroom dashboard (:mod:`sim.viz.app`) with solara.

The page must work without internet (many classrooms have none): solara's
front-end (Vue, Vuetify, fonts, require.js) is served by the solara server
itself from the files the ``solara-assets`` package installs, through its
asset proxy (``SOLARA_ASSETS_PROXY=true``).  Telemetry is switched off.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys

from . import CONFIG_ENV, SET_ENV

__all__ = ["register", "solara_command", "solara_env"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..cli import add_config_arguments

    p = subparsers.add_parser(
        "dashboard",
        help="serve the interactive classroom dashboard in the browser (needs the viz extra)",
        description="Serve the Mesa/solara dashboard: sliders, play/step/reset and live panels. "
        "CONFIG (e.g. configs/cases/tesla.yaml) and --set give the starting values.",
    )
    add_config_arguments(p)
    p.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0 = any free port)")
    p.add_argument("--host", default="localhost", help="interface to listen on (default localhost; 0.0.0.0 to serve a classroom network)")
    p.set_defaults(handler=_cmd_dashboard)


def solara_env(config: str | None, overrides: dict, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the solara server: the dashboard's config, offline assets, no telemetry."""
    env = dict(os.environ if base is None else base)
    env[CONFIG_ENV] = os.path.abspath(config) if config else ""
    env[SET_ENV] = json.dumps(overrides)
    env.setdefault("SOLARA_ASSETS_PROXY", "true")
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    return env


def solara_command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", "sim.viz.app", "--host", host, "--port", str(port), "--production", "--no-open"]


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from ..cli import config_from_args
    from ..config import parse_override

    config_from_args(args)  # a bad config or --set fails here: one line, exit 2
    missing = [name for name in ("solara", "mesa.visualization") if importlib.util.find_spec(name.split(".")[0]) is None]
    if missing:
        print("alliancesim dashboard: solara is not installed; install the viz extra: pip install 'alliancesim[viz]'", file=sys.stderr)
        return 1
    if importlib.util.find_spec("solara_assets") is None:
        print("alliancesim dashboard: warning: solara-assets is not installed, so the page needs internet access "
              "for its front-end; install the viz extra: pip install 'alliancesim[viz]'", file=sys.stderr)
    overrides = dict(parse_override(item) for item in args.overrides)
    env = solara_env(args.config, overrides)
    cmd = solara_command(args.host, args.port)
    print(f"alliancesim dashboard: serving on http://{args.host}:{args.port} (Ctrl-C stops)", flush=True)
    if os.name == "posix":
        os.execvpe(cmd[0], cmd, env)  # the server replaces this process: signals reach it directly
    import subprocess

    return subprocess.call(cmd, env=env)
