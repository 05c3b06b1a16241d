"""``alliancesim replicate``: simulate the study populations, fit the studies' models, report side by side.

    alliancesim replicate [CONFIG] [--seed N] [--runs R] [--set KEY=VALUE ...] --out DIR

Without CONFIG each design uses its study population (configs/studies/);
with CONFIG every design uses that file instead.  ``--set`` applies on top.
``--runs R`` repeats the replication over seeds N..N+R-1 and reports, per
finding, the share of seeds that reproduce it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers) -> None:
    from ..cli import add_config_arguments, int_argument

    p = subparsers.add_parser(
        "replicate",
        help="replicate the published findings (TARGETS R1-R16) from simulated data",
        description="Simulate each study's population, fit the study's model, write replication.csv, report.md and plots.",
    )
    add_config_arguments(p)
    p.add_argument("--seed", type=int_argument(0), default=None, help="first random seed (default: run.seed of the config)")
    p.add_argument("--runs", type=int_argument(1), default=1, help="number of seeds; > 1 reports the share of seeds reproducing each finding")
    p.add_argument("--out", default=None, help="output folder, new or empty (default: a new folder under ./results/ of the working directory)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    import time

    from ..config import load_config, parse_overrides
    from ..outputs import atomic_dir, default_out_dir, manifest, write_json
    from .report import format_table, write_report
    from .study import replicate

    overrides = parse_overrides(args.overrides)
    base_cfg = load_config(args.config, overrides=overrides)  # validates keys and values before any work
    seed = base_cfg.run.seed if args.seed is None else args.seed
    target = atomic_dir(Path(args.out) if args.out else default_out_dir("replicate", seed), unique=not args.out)
    target.check()  # before any work
    start = time.perf_counter()
    rep = replicate(overrides, seed=seed, runs=args.runs, base=args.config, progress=not args.quiet)
    command = " ".join(["alliancesim replicate", *([args.config] if args.config else []), f"--seed {seed}",
                        f"--runs {args.runs}", *[f"--set {o}" for o in args.overrides]])
    with target as tmp:
        write_report(rep, tmp, command)
        write_json(tmp / "manifest.json", manifest(
            rep.configs["projects"], seed, time.perf_counter() - start, seeds=rep.seeds,
            study_configs={k: v.model_dump() for k, v in rep.configs.items()}, overrides=overrides,
        ))
    print(format_table(rep.table))
    reproduced = rep.table.groupby("finding", sort=False)["matches"].all()
    print(f"\nseed {seed}: {int(reproduced.sum())} of {len(reproduced)} findings reproduced")
    if args.runs > 1:
        r = rep.robustness
        print(f"share of {args.runs} seeds reproducing each finding:")
        print("  " + "  ".join(f"{f} {s:.2f}{'' if ok else '!'}" for f, s, ok in
                               zip(r["finding"], r["share_reproduced"], r["meets_requirement"])))
    print(f"wrote {target.path}")
    return 0
