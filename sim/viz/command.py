"""``alliancesim dashboard``: serve the classroom dashboard (:mod:`sim.viz.app`) with solara.

The page must work without internet (many classrooms have none): solara's
front-end (Vue, Vuetify, fonts, require.js) is served by the solara server
itself from the files the ``solara-assets`` package installs, through its
asset proxy (``SOLARA_ASSETS_PROXY=true``).  Telemetry is switched off.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import json
import os
import socket
import sys

from . import CONFIG_ENV, SET_ENV

__all__ = ["register", "solara_command", "solara_env", "check_port"]


def register(subparsers: argparse._SubParsersAction) -> None:
    from ..cli import add_config_arguments, int_argument

    p = subparsers.add_parser(
        "dashboard",
        help="serve the interactive classroom dashboard in the browser (needs the viz extra)",
        description="Serve the Mesa/solara dashboard: sliders, play/step/reset and live panels. "
        "CONFIG (e.g. configs/cases/tesla.yaml) and --set give the starting values.",
    )
    add_config_arguments(p)
    p.add_argument("--port", type=int_argument(0, 65535), default=8765, help="port to listen on, 1-65535 (default 8765; 0 = any free port)")
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


def check_port(host: str, port: int) -> int:
    """The port the server will listen on: ``port``, or a free one for 0; ConfigError if it cannot listen there.

    Bound and closed at once, with SO_REUSEADDR as uvicorn does, so only a port
    another server listens on (or a host this machine does not have) is refused.
    """
    from ..config import ConfigError, show

    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.create_server(address[:2], family=family) as probe:
            return probe.getsockname()[1]
    except socket.gaierror as err:
        raise ConfigError(f"--host {show(host)}: not an address of this machine ({err.strerror})") from None
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise ConfigError(f"--port {port}: already in use on {host}; choose another port, or 0 for any free one") from None
        raise ConfigError(f"--port {port} on --host {show(host)}: cannot listen there ({err.strerror})") from None


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from ..cli import config_from_args
    from ..config import parse_overrides

    config_from_args(args)  # a bad config or --set fails here: one line, exit 2
    port = check_port(args.host, args.port)  # before saying "serving on": a busy port is exit 2, not a uvicorn error
    missing = [name for name in ("solara", "mesa.visualization") if importlib.util.find_spec(name.split(".")[0]) is None]
    if missing:
        print("alliancesim dashboard: solara is not installed; install the viz extra: pip install 'alliancesim[viz]'", file=sys.stderr)
        return 1
    if importlib.util.find_spec("solara_assets") is None:
        print("alliancesim dashboard: warning: solara-assets is not installed, so the page needs internet access "
              "for its front-end; install the viz extra: pip install 'alliancesim[viz]'", file=sys.stderr)
    env = solara_env(args.config, parse_overrides(args.overrides))
    cmd = solara_command(args.host, port)
    print(f"alliancesim dashboard: serving on http://{args.host}:{port} (Ctrl-C stops)", flush=True)
    if os.name == "posix":
        os.execvpe(cmd[0], cmd, env)  # the server replaces this process: signals reach it directly
    import subprocess

    return subprocess.call(cmd, env=env)
