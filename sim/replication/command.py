"""``alliancesim replicate``: every study design over independent runs, with placebos and the published sample size.

    alliancesim replicate [CONFIG] [--runs N] [--seed S] [--workers W] [--scheduler ADDR] [--set KEY=VALUE ...] --out DIR

Without CONFIG each design uses its study population (configs/studies/);
with CONFIG every design uses that file instead.  ``--set`` applies on top.
``--seed`` is the root from which the runs' seeds are spawned (never a
calibration seed).  Running the same command again on the same ``--out``
resumes an interrupted replication.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers) -> None:
    from ..cli import add_config_arguments, int_argument

    p = subparsers.add_parser(
        "replicate",
        help="replicate the published findings R1-R16 from simulated data, with placebos and power at the published n",
        description="Simulate each study's population over independent runs, fit each study's model, write findings.csv, "
                    "report.md and plots.",
    )
    add_config_arguments(p)
    p.add_argument("--seed", type=int_argument(0), default=None, help="root seed the runs' seeds are spawned from (default: run.seed)")
    p.add_argument("--runs", type=int_argument(1), default=2, help="independent runs (default 2: a quick look; use 10 or more for inference)")
    p.add_argument("--workers", type=int_argument(1), default=None, help="local worker processes (default: all cores; 1 = in process)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler: 'local' or an address tcp://host:8786")
    p.add_argument("--out", default=None, help="output folder (default: a new folder under ./results/ of the working directory); rerun to resume")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from ..config import load_config, parse_overrides
    from ..outputs import check_writable, default_out_dir
    from .report import format_table, write_outputs
    from .study import replicate

    overrides = parse_overrides(args.overrides)
    base_cfg = load_config(args.config, overrides=overrides)  # validates keys and values before any work
    seed = base_cfg.run.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else default_out_dir("replicate", seed)
    check_writable(out, beside=True)  # before any work
    command = " ".join(["alliancesim replicate", *([args.config] if args.config else []), f"--seed {seed}", f"--runs {args.runs}",
                        *[f"--set {o}" for o in args.overrides]])
    rep = replicate(overrides, seed=seed, runs=args.runs, base=args.config, workers=args.workers, scheduler=args.scheduler,
                    out=out, progress=not args.quiet, command=command)
    write_outputs(out, rep.verdicts, rep.findings, rep.manifest, rep.seconds)
    print(format_table(rep.findings))
    counts = rep.findings["status"].value_counts()
    print(f"\n{args.runs} runs from root seed {seed}: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    print(f"wrote {out}")
    return 0
