"""``alliancesim calibrate``: fit config parameters to target metrics by ABC-SMC (pyabc), or to findings.

    alliancesim calibrate CALIB.yaml --out DIR [--workers N] [--scheduler local|tcp://host:8786]
                          [--set KEY=VALUE ...] [--validate] [--quiet]

A config with ``method: findings`` is a pattern-oriented calibration
(:mod:`.patterns`): it needs no pyabc and evaluates on evaluation seeds itself
(``--validate`` does not apply).  Exit status: 0 done, 1 a worker died
(completed work is kept; run the same command again to resume), 2 bad input
(nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "write_outputs"]

OUTPUTS = ("posterior.parquet", "populations.parquet", "predictive.parquet", "calibrated.yaml", "plots", "validation",
           "report.md", "manifest.json")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "calibrate", help="fit config parameters to target metrics by ABC-SMC (pyabc), or to findings (method: findings); resumable",
        description="Approximate Bayesian computation (ABC-SMC, pyabc) of the parameters of a calibration config "
                    "against its target metrics; pyabc's history database lives in OUT/history.db: re-running the "
                    "same command resumes from the last completed population. A config with method: findings "
                    "chooses the point of a design where its fitted findings hold and judges its held-out findings "
                    "on evaluation seeds (resumable the same way).",
    )
    p.add_argument("calibration_config", metavar="CALIB", help="calibration config YAML (see configs/calibration/)")
    p.add_argument("--out", required=True, help="calibration folder (created, or resumed if it holds the same calibration)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores; 1 = in process, bit-reproducible)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS|local",
                   help="sample on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster of --workers")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a key of the base model config, e.g. --set firms.n=100 (repeatable)")
    p.add_argument("--validate", action="store_true",
                   help="replicate the published findings at the calibrated values (the config's evaluation: seed, runs)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    import logging

    from ..config import ConfigError, parse_override
    from .spec import CalibrationSpec, load_calibration_spec

    overrides = dict(parse_override(item) for item in args.overrides)
    spec = load_calibration_spec(args.calibration_config, overrides=overrides)
    if args.workers is not None and args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers!r}")
    command = " ".join(["alliancesim calibrate", args.calibration_config, "--out", args.out,
                        *([f"--workers {args.workers}"] if args.workers else []),
                        *([f"--scheduler {args.scheduler}"] if args.scheduler else []),
                        *[f"--set {o}" for o in args.overrides], *(["--validate"] if args.validate else [])])
    if not isinstance(spec, CalibrationSpec):
        return _patterns(spec, args, command)
    if args.validate and spec.evaluation is None:
        raise ConfigError(f"--validate: calibration config {args.calibration_config!r} has no evaluation (seed, runs)")
    try:
        import pyabc  # noqa: F401
    except ImportError:
        raise ConfigError("calibrate needs pyabc: pip install 'alliancesim[calibrate]'") from None
    from .run import calibrate

    logging.getLogger("ABC").setLevel(logging.WARNING)  # the progress bar says it per population
    try:
        cal = calibrate(spec, Path(args.out), workers=args.workers, scheduler=args.scheduler, progress=not args.quiet)
    except Exception as err:
        return _worker_died(err, args.out, "completed populations are")
    summary = write_outputs(spec, cal, command, workers=args.workers, scheduler=args.scheduler,
                            validate=args.validate, progress=not args.quiet)
    print(f"alliancesim calibrate {spec.name}: {cal.populations} populations ({cal.ran} sampled now in "
          f"{cal.seconds:.1f} s on {cal.executor}); stopped: {cal.stopped}")
    for row in summary.itertuples(index=False):
        print(f"  {row.parameter}: median {row.median:.4g}, 90% interval [{row.low:.4g}, {row.high:.4g}] (before: {row.base!r})")
    print(f"  wrote {cal.out}")
    return 0


WORKER_DIED = ("ProcessError", "BrokenProcessPool", "KilledWorker", "CommClosedError")


def _worker_died(err: Exception, out: str, kept: str) -> int:
    """Exit status 1 with one line if a worker process died (what was done is kept); any other error is raised."""
    if type(err).__name__ not in WORKER_DIED:
        raise err
    print(f"alliancesim: error: a worker died ({type(err).__name__}: {err}); {kept} saved in {out}, "
          "run the same command again to resume", file=sys.stderr)
    return 1


def _patterns(spec, args: argparse.Namespace, command: str) -> int:
    """A pattern-oriented calibration (method: findings)."""
    from ..config import ConfigError
    from .patterns import calibrate_patterns

    if args.validate:
        raise ConfigError(f"--validate: calibration config {args.calibration_config!r} (method findings) evaluates on "
                          "evaluation seeds itself; for the full replication at its values run `alliancesim replicate` with "
                          "the --set arguments in OUT/calibrated.yaml")
    try:
        result = calibrate_patterns(spec, Path(args.out), workers=args.workers, scheduler=args.scheduler,
                                    progress=not args.quiet, command=command)
    except Exception as err:
        return _worker_died(err, args.out, "finished runs are")
    print(f"alliancesim calibrate {spec.name} (findings): chose point {result.chosen} of {len(result.points)} "
          f"in {result.seconds:.1f} s on {result.executor}: " + ", ".join(f"{k}={v!r}" for k, v in result.values.items()))
    for row in result.findings.itertuples(index=False):
        print(f"  {row.finding} ({row.role}): holds in {row.holds_share:.2f} of {row.runs} evaluation runs")
    print(f"  wrote {result.out}")
    return 0


def write_outputs(spec, cal, command: str, workers=None, scheduler=None, validate: bool = False, progress: bool = False):
    """Tables, calibrated.yaml, plots, report and manifest of a calibration folder; each replaced whole."""
    import os
    import shutil
    import time

    from ..outputs import manifest, write_json
    from . import report

    start = time.perf_counter()
    posterior = report.read_posterior(spec, cal.out)
    predictive = report.predictive_check(spec, posterior, workers=workers, scheduler=scheduler)
    validation = report.held_out(spec, posterior.median(spec), workers=workers, scheduler=scheduler,
                                                  progress=progress) if validate else None
    tmp = cal.out / f".outputs-tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        posterior.particles.to_parquet(tmp / "posterior.parquet", index=False)
        posterior.populations.to_parquet(tmp / "populations.parquet", index=False)
        predictive.to_parquet(tmp / "predictive.parquet", index=False)
        (tmp / "calibrated.yaml").write_text(report.calibrated_yaml(spec, posterior, spec.source or spec.name))
        report.write_plots(tmp / "plots", spec, posterior, predictive)
        if validation is not None:
            (tmp / "validation").mkdir()
            validation.to_csv(tmp / "validation" / "findings.csv", index=False)
            report.held_out_figure(validation).savefig(tmp / "validation" / "held_out.png", dpi=110)
        seconds = cal.seconds + time.perf_counter() - start
        (tmp / "report.md").write_text(report.report_markdown(spec, posterior, predictive, command, seconds, cal.stopped,
                                                              cal.executor, validation))
        write_json(tmp / "manifest.json", manifest(
            spec.base, spec.seed, seconds, calibration={**spec.identity(), "name": spec.name, "fingerprint": spec.fingerprint(),
                                                        "populations": spec.populations, "epsilon": spec.epsilon,
                                                        "min_acceptance_rate": spec.min_acceptance_rate},
            calibration_seeds=list(spec.calibration_seeds),
            evaluation=vars(spec.evaluation) if spec.evaluation else None,
            populations_done=cal.populations, stopped=cal.stopped, executor=cal.executor, pyabc=_pyabc_version(),
        ))
        for name in OUTPUTS:
            src, dst = tmp / name, cal.out / name
            if not src.exists():
                continue
            if dst.is_dir():
                shutil.rmtree(dst)
            os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return posterior.summary(spec)


def _pyabc_version() -> str:
    from importlib import metadata

    return metadata.version("pyabc")
