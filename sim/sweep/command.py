"""``alliancesim sweep`` and ``alliancesim analyze``: parsers and handlers.

Heavy imports (pandas, SALib, Dask, matplotlib) stay inside the handlers.
Exit status of ``sweep``: 0 all runs fine, 1 some runs failed (recorded in the
runs table with their error), 2 bad input (nothing written), 130/143
interrupted by Ctrl-C/SIGTERM (workers stopped, finished runs saved; the same
command resumes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]


def register(subparsers) -> None:
    from ..cli import int_argument

    sweep = subparsers.add_parser(
        "sweep", help="run a parameter sweep (grid, LHS, Sobol, Morris) x replications; resumable",
        description="Run a sweep config's design x replications, streaming one row per run to OUT/runs/ "
                    "(Parquet parts). Re-running the same command on the same --out resumes it.",
    )
    sweep.add_argument("sweep_config", metavar="SWEEP_CONFIG", help="sweep config YAML (see configs/sweeps/)")
    sweep.add_argument("--out", required=True, help="sweep folder (created, or resumed if it holds the same sweep)")
    sweep.add_argument("--workers", type=int_argument(1), default=None, help="worker processes (default: all cores); with --scheduler local, Dask workers")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS|local",
                       help="run on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster")
    sweep.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a key of the base model config, e.g. --set firms.n=100 (repeatable)")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")
    sweep.add_argument("--analyze", action="store_true", help="run `alliancesim analyze` on the folder when done")
    sweep.set_defaults(handler=_cmd_sweep)

    analyze = subparsers.add_parser("analyze", help="summarise a sweep folder: CIs over replications, Sobol/Morris indices, plots")
    analyze.add_argument("sweep_dir", metavar="DIR", help="a folder written by `alliancesim sweep`")
    analyze.add_argument("--metrics", nargs="+", default=None, help="outcome columns to plot (default: the headline set)")
    analyze.add_argument("--out", default=None, help="where to write, a new or empty folder (default: DIR/analysis, replaced)")
    analyze.set_defaults(handler=_cmd_analyze)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from ..cli import interrupted_status
    from ..config import parse_overrides
    from .run import run_sweep
    from .spec import load_sweep_spec

    spec = load_sweep_spec(args.sweep_config, overrides=parse_overrides(args.overrides))
    try:
        report = run_sweep(spec, Path(args.out), workers=args.workers, scheduler=args.scheduler, progress=not args.quiet)
    except KeyboardInterrupt as err:  # Ctrl-C or SIGTERM: workers are stopped, finished runs flushed
        print(f"alliancesim: interrupted; finished runs are saved in {args.out}, run the same command again to resume", file=sys.stderr)
        return interrupted_status(err)
    except Exception as err:
        if type(err).__name__ not in ("BrokenProcessPool", "KilledWorker", "CommClosedError"):
            raise
        # a worker process died (killed, out of memory): finished runs are on disk
        print(f"alliancesim: error: a worker died ({type(err).__name__}: {err}); finished runs are saved in {args.out}, "
              "run the same command again to resume", file=sys.stderr)
        return 1
    rate = report.ran / report.seconds if report.seconds > 0 else float("nan")
    print(f"alliancesim sweep {spec.name}: {report.runs} runs ({report.runs // spec.replications} points x {spec.replications} replications, "
          f"{spec.method}); {report.skipped} already done, {report.ran} run now in {report.seconds:.1f} s ({rate:.2f} runs/s, {report.executor})")
    if report.failed:
        print(f"  {report.failed} run(s) FAILED: see the 'error' column of {report.out / 'runs'}")
    print(f"  wrote {report.out}")
    if args.analyze:
        from .report import analyze_sweep

        result = analyze_sweep(report.out)
        print(f"  analysis in {result.folder}")
    return 0 if report.ok else 1


def _cmd_analyze(args: argparse.Namespace) -> int:
    from ..outputs import check_out_dir, check_writable
    from .report import analyze_sweep

    if args.out:
        check_out_dir(Path(args.out))  # like run and replicate: an explicit --out is new or empty
    else:
        check_writable(Path(args.sweep_dir), flag="DIR")
    result = analyze_sweep(Path(args.sweep_dir), metrics=args.metrics, folder=args.out)
    print(f"alliancesim analyze: {result.runs} runs ({result.failed} failed) over {result.points} points; "
          f"{len(result.plots)} plots; tables and plots in {result.folder}")
    for line in result.notes:
        print(f"  note: {line}")
    return 0
