"""Sweep throughput vs ``mesa.batch_run`` and EMA's ``MultiprocessingEvaluator``, and sweep memory vs run count.

1. The same grid x replications of the model through ``mesa.batch_run``
   (``number_processes=2``), through the EMA Workbench (``sim.ema.model``,
   ``MultiprocessingEvaluator(n_processes=2)``, one experiment per run with
   ``run.seed`` as the replication) and through ``alliancesim sweep`` (2
   workers), all from this one process: runs per second of each and the
   ratios.  The sweep also writes every row to Parquet and a manifest; the
   others keep results in memory.  Each timing includes starting the workers,
   none includes importing the packages; the sweep is timed in a fresh process
   (as the `alliancesim sweep` command runs it), the other two in this one.
2. Peak memory (max RSS) of the sweep's parent process for growing run counts,
   each in a fresh subprocess: flat means no results are held until the end.
3. ``--baseline-1000``: the 1,000-run baseline sweep (configs/sweeps/baseline_1000.yaml)
   on 2 workers, wall time in minutes.

    PYTHONPATH=. python benchmarks/sweep_throughput.py [--reps 5] [--memory 100 300 900] [--baseline-1000]
    PYTHONPATH=. python benchmarks/sweep_throughput.py --firms 200 --ticks 40 --reps 15 --memory   # the EMA comparison of issue 16
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GRID = {"learning.partner_specific_effect": [-0.8, 0.0, 0.8], "portfolio.overconfidence": [1.2, 1.8, 2.4]}


def bench_batch_run(fixed: dict, reps: int, processes: int) -> tuple[int, float]:
    import mesa

    from sim import AllianceModel
    from sim.sweep import run_seeds

    params = {k.replace(".", "__"): v for k, v in {**fixed, **GRID}.items()}
    seeds = [int(s) for s in run_seeds(0, 1, reps)[0]]
    start = time.perf_counter()
    results = mesa.batch_run(AllianceModel, parameters=params, rng=seeds, number_processes=processes,
                             max_steps=fixed["run.ticks"], data_collection_period=-1, display_progress=False)
    return len(results), time.perf_counter() - start


def bench_ema(fixed: dict, reps: int, processes: int) -> tuple[int, float]:
    """The same runs as EMA experiments: grid values x ``reps`` values of run.seed, as explicit scenarios."""
    import itertools

    from ema_workbench import MultiprocessingEvaluator, Sample

    from sim import ema

    grid = {**GRID, "run.seed": list(range(reps))} if reps > 1 else GRID
    model = ema.model({k: list(v) for k, v in grid.items()}, ["success_rate"], base=fixed)
    scenarios = [Sample(**{ema.ema_name(k): v for k, v in zip(grid, values)}) for values in itertools.product(*grid.values())]
    start = time.perf_counter()
    with MultiprocessingEvaluator(model, n_processes=processes) as evaluator:
        _, outcomes = evaluator.perform_experiments(scenarios=scenarios)
    assert not outcomes["failed"].any()
    return len(scenarios), time.perf_counter() - start


_SWEEP_CHILD = """
import json, sys, time
from sim.sweep import run_sweep, spec_from_dict
spec = spec_from_dict(json.loads(sys.argv[1]))
start = time.perf_counter()
report = run_sweep(spec, sys.argv[2], workers=int(sys.argv[3]), progress=False)
print(report.ran, time.perf_counter() - start)
"""


def bench_sweep(fixed: dict, reps: int, workers: int, out: Path) -> tuple[int, float]:
    """``run_sweep`` timed in a fresh process that has imported alliancesim, as `alliancesim sweep` has when it
    starts the sweep (this process holds threads batch_run and EMA left, and a warm forkserver)."""
    spec = {"name": "bench", "set": fixed, "design": {"method": "grid", "parameters": GRID}, "replications": reps, "seed": 0}
    from sim.sweep import spec_from_dict

    spec_from_dict(spec)  # bad input fails here, not in the child
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _SWEEP_CHILD, json.dumps(spec), str(out), str(workers)], env=env,
                         capture_output=True, text=True, check=True)
    ran, seconds = out.stdout.split()
    return int(ran), float(seconds)


_MEMORY_CHILD = """
import resource, sys, time
from sim.sweep import run_sweep, spec_from_dict
n, out = int(sys.argv[1]), sys.argv[2]
spec = spec_from_dict({"name": "mem", "set": {"firms.n": 30, "run.ticks": 12}, "design": {"method": "grid", "parameters": {}}, "replications": n, "seed": 1})
t = time.perf_counter()
run_sweep(spec, out, workers=2, progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter() - t)
"""


def bench_memory(counts: list[int], tmp: Path) -> list[tuple[int, float, float]]:
    rows = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for n in counts:
        out = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, str(n), str(tmp / f"mem{n}")], env=env, capture_output=True, text=True, check=True)
        kb, seconds = out.stdout.split()
        rows.append((n, int(kb) / 1024, float(seconds)))
    return rows


def bench_baseline_1000(tmp: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "sim", "sweep", str(ROOT / "configs" / "sweeps" / "baseline_1000.yaml"), "--out", str(tmp / "b1000"), "--workers", "2"],
                   env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="replications per grid point (grid: 3 x 3)")
    parser.add_argument("--firms", type=int, default=300)
    parser.add_argument("--ticks", type=int, default=80)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="alternate batch_run, EMA and sweep this many times; report each one's best")
    parser.add_argument("--memory", type=int, nargs="*", default=[100, 300, 900], help="run counts for the memory check (empty: skip)")
    parser.add_argument("--baseline-1000", action="store_true", help="also time the 1,000-run baseline sweep")
    parser.add_argument("--json", default=None, help="also write the figures to this JSON file")
    args = parser.parse_args()
    fixed = {"firms.n": args.firms, "run.ticks": args.ticks}
    figures: dict = {"grid": GRID, "fixed": fixed, "reps": args.reps, "workers": args.workers, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        # alternate them, several times, and keep each one's best: the machine may be shared
        try:
            import ema_workbench  # noqa: F401
        except ImportError:
            print("(ema-workbench not installed: pip install 'alliancesim[ema]' to time EMA too)")
            benches = {"mesa.batch_run": bench_batch_run}
        else:
            benches = {"mesa.batch_run": bench_batch_run, "EMA Multiprocessing": bench_ema}
        benches["alliancesim sweep"] = lambda f, r, w, i: bench_sweep(f, r, w, tmp / f"sweep{i}")
        times: dict[str, list[float]] = {name: [] for name in benches}
        counts: dict[str, int] = {}
        for i in range(args.repeat):
            for name, bench in benches.items():
                counts[name], t = bench(fixed, args.reps, args.workers, *([i] if name == "alliancesim sweep" else []))
                times[name].append(t)
        rates = {name: counts[name] / min(ts) for name, ts in times.items()}
        key = {"mesa.batch_run": "batch_run", "EMA Multiprocessing": "ema", "alliancesim sweep": "sweep"}
        for name in benches:
            figures.update({f"{key[name]}_runs": counts[name], f"{key[name]}_seconds": times[name], f"{key[name]}_runs_per_s": rates[name]})
        n_s = counts["alliancesim sweep"]
        print(f"grid 3x3 x {args.reps} reps = {n_s} runs of {args.firms} firms x {args.ticks} ticks, {args.workers} processes; best of {args.repeat}")
        for name in benches:
            ts = times[name]
            print(f"  {name:20s}: {counts[name]} runs in {min(ts):6.1f} s = {rates[name]:6.2f} runs/s   (all: {', '.join(f'{t:.1f}' for t in ts)} s)")
        for name in benches:
            if name != "alliancesim sweep":
                figures[f"ratio_sweep_{key[name]}"] = rates["alliancesim sweep"] / rates[name]
                print(f"  ratio sweep / {name} = {rates['alliancesim sweep'] / rates[name]:.2f}")
        if args.memory:
            mem = bench_memory(args.memory, tmp)
            figures["memory"] = [{"runs": n, "peak_rss_mb": mb, "seconds": s} for n, mb, s in mem]
            print("peak RSS of the sweep's parent process (30 firms x 12 ticks, 2 workers):")
            for n, mb, s in mem:
                print(f"  {n:6d} runs: {mb:7.1f} MB  ({n / s:5.1f} runs/s)")
        if args.baseline_1000:
            seconds = bench_baseline_1000(tmp)
            figures["baseline_1000_minutes"] = seconds / 60
            print(f"1,000-run baseline sweep (300 firms x 80 ticks) on {args.workers} workers: {seconds / 60:.1f} min")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
