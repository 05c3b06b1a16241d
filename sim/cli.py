"""The ``alliancesim`` command (also ``python -m sim``).

Subcommands live in their own modules, each with a ``register(subparsers)``
that adds its parser and handler; heavy imports stay inside the handlers so
``alliancesim run`` starts fast.  Exit status: 0 fine, 1 the work ran but
something in it failed, 2 bad input (config, override, argument, path), with
one line on stderr naming the key and value; 130 interrupted by Ctrl-C, 143 by
SIGTERM (handled like Ctrl-C: workers stopped, finished work saved).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from .config import ConfigError, load_config, parse_overrides, show

__all__ = ["main", "build_parser", "add_config_arguments", "config_from_args", "int_argument", "Parser"]

# Modules that add subcommands; a missing optional one is skipped.
COMMAND_MODULES = (
    "sim.sweep.command",
    "sim.replication.command",
    "sim.viz.command",
    "sim.calibration.command",
)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def int_argument(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: an integer in [low, high]; the error names the value."""
    what = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {what}, got {show(text)}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {what}, got {show(text)}")
        return value

    return parse


def add_config_arguments(parser: argparse.ArgumentParser, config_required: bool = False) -> None:
    """CONFIG positional plus ``--set KEY=VALUE`` overrides (shared by subcommands)."""
    parser.add_argument("config", metavar="CONFIG", nargs=None if config_required else "?",
                        help="YAML config file" if config_required else "YAML config file (default: the baseline)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help="override a config key, e.g. --set firms.n=500 (repeatable)")


def config_from_args(args: argparse.Namespace):
    overrides = parse_overrides(args.overrides)
    return load_config(getattr(args, "config", None), overrides=overrides)


def _cmd_run(args: argparse.Namespace) -> int:
    import time

    from .outputs import atomic_dir, default_out_dir, manifest, write_frames, write_json
    from .runner import simulate

    cfg = config_from_args(args)
    if args.csv:
        cfg = cfg.model_copy(update={"output": cfg.output.model_copy(update={"csv": True})})
    seed = cfg.run.seed if args.seed is None else args.seed
    target = atomic_dir(Path(args.out) if args.out else default_out_dir("run", seed), unique=not args.out)
    target.check()  # before any work: a bad --out costs nothing
    start = time.perf_counter()
    result = simulate(cfg, seed, progress=not args.quiet)
    with target as tmp:
        write_frames(tmp, result.frames, csv=cfg.output.csv)
        if cfg.output.plots:
            from .figures import write_summary_plots

            write_summary_plots(tmp / "plots", result.frames, cfg.run.ticks_per_year)
        write_json(tmp / "summary.json", result.metrics)
        write_json(tmp / "manifest.json", manifest(cfg, seed, time.perf_counter() - start, simulation_seconds=result.wall_time))
    m = result.metrics
    firm_steps = cfg.firms.n * (cfg.run.burn_in + cfg.run.ticks)  # the burn-in is simulated too (and timed)
    print(f"alliancesim run: {cfg.firms.n} firms x {cfg.run.ticks} ticks (1 tick = 1/{cfg.run.ticks_per_year} year), seed {seed}")
    print(f"  alliances formed {int(m['alliances'])}, ended {int(m['ended'])}; success rate {m['success_rate']:.2f}; "
          f"broke up within 10 years {m['breakup_within_10y']:.2f}")
    print(f"  success with a new partner {m['success_rate_new_partner']:.2f}, with a repeat partner {m['success_rate_repeat']:.2f}; "
          f"underperforming portfolios {m['underperforming_share']:.2f}")
    print(f"  simulated in {result.wall_time:.2f} s ({firm_steps / max(result.wall_time, 1e-9):,.0f} firm-steps/s, "
          f"the {cfg.run.burn_in}-tick burn-in included)")
    print(f"  wrote {target.path}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    print(f"{args.config or 'baseline'}: valid ({cfg.firms.n} firms, {cfg.run.ticks} ticks of 1/{cfg.run.ticks_per_year} year)")
    return 0


def _cmd_config(args: argparse.Namespace) -> int:
    from .config import to_yaml

    sys.stdout.write(to_yaml(config_from_args(args)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="alliancesim", description="Agent-based simulation of strategic-alliance learning.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"alliancesim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run one simulation and write its tables, manifest and plots")
    add_config_arguments(run)
    run.add_argument("--seed", type=int_argument(0), default=None, help="random seed, >= 0 (default: run.seed of the config)")
    run.add_argument("--out", default=None, help="output folder, new or empty (default: a new folder under ./results/ of the working directory)")
    run.add_argument("--csv", action="store_true", help="also write CSV copies of the tables")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=_cmd_run)

    val = sub.add_parser("validate", help="check a config file and exit")
    add_config_arguments(val, config_required=True)
    val.set_defaults(handler=_cmd_validate)

    show = sub.add_parser("config", help="print the resolved config (defaults, file, --set) as commented YAML")
    add_config_arguments(show)
    show.set_defaults(handler=_cmd_config)

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name and name.startswith(err.name):
                continue  # that subcommand is not part of this install
            raise
        module.register(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the same clean-up runs (workers stopped, finished work saved)."""


def interrupted_status(err: KeyboardInterrupt) -> int:
    """Exit status of an interrupted command: 128 + the signal (130 Ctrl-C, 143 SIGTERM)."""
    return 128 + (signal.SIGTERM if isinstance(err, Terminated) else signal.SIGINT)


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (argument errors included)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or a one-line argument error: return its status
        return done.code if isinstance(done.code, int) else 0
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if threading.current_thread() is threading.main_thread() else None
    try:
        return int(args.handler(args) or 0)
    except ConfigError as err:
        print(f"alliancesim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        print(f"alliancesim: interrupted{' (SIGTERM)' if isinstance(err, Terminated) else ''}", file=sys.stderr)
        return interrupted_status(err)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
