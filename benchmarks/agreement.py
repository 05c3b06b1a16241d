"""Statistical agreement of the model with a frozen reference of its distributions.

Why: compiled kernels compute exp, log and tanh with a different library than
numpy's SIMD code (an ulp apart for some inputs) and may add in another order,
so a run's numbers are no longer bit for bit those of the numpy code it
replaced, and the golden tables are re-recorded.  What must not change is the
model: the distribution of every key run metric over seeds.  ``--record``
runs :data:`SEEDS` at the defaults with :data:`OVERRIDES` and writes the
whole config it ran (flat), the commit, and each metric's per-seed values to
``benchmarks/agreement.json``; ``--check`` (the default) runs the same seeds
at that recorded config with the code as it is now and compares each metric's
mean with the reference's by a Welch z-score (``tests/test_agreement.py``
runs it in the suite).  Because the reference carries its config, a change
of the defaults (a model change, declared) leaves the check valid; a change
of a mechanism's code at the recorded config is what it flags.  A key added
to the schema after the recording is written into the record by hand with
the value that reproduces the recorded model (``portfolio.overconfidence_persistence``
1.0: overconfidence was a trait then); a test checks the record names
every key.  Re-record
only on a commit whose numerics are the intended model (after a declared
model change), never to make a check pass.

    PYTHONPATH=. python benchmarks/agreement.py            # compare; exit 1 if a metric disagrees
    PYTHONPATH=. python benchmarks/agreement.py --record   # ONLY on the commit whose distributions are the reference
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sim import AllianceModel, load_config  # noqa: E402
from sim.alliances import EXIT_REASONS  # noqa: E402
from sim.metrics import compute  # noqa: E402

REFERENCE = Path(__file__).with_name("agreement.json")
OVERRIDES = {"firms.n": 1000, "run.ticks": 80}  # the baseline's other defaults: exits, entries, functions all run
SEEDS = list(range(1, 17))
Z_LIMIT = 4.5  # |z| above this on any metric fails (for an unchanged model: about 1 in 10,000 per metric, Welch t with ~30 df)

# metrics of sim.metrics.compute that are read here (the rest are totals that scale with these)
_COMPUTED = ("alliances", "success_rate", "breakup_within_10y", "success_rate_repeat", "success_rate_new_partner",
             "repeat_share", "mean_outcome", "value_per_alliance", "underperforming_share", "products_per_firm_year",
             "mean_active_alliances", "mean_general_experience", "mean_knowhow", "unplanned_exit_share")


def reference_config() -> dict:
    """The flat config the reference was recorded at (the defaults with :data:`OVERRIDES` if none is recorded)."""
    recorded = json.loads(REFERENCE.read_text()).get("config") if REFERENCE.is_file() else None
    return recorded if recorded is not None else load_config(overrides=OVERRIDES).flat()


def run_metrics(seed: int, config: dict | None = None) -> dict[str, float]:
    """Key metrics of one run (at the flat ``config``, default the reference's): the headline metrics, exit-reason
    shares, firm turnover, R&D and choices."""
    model = AllianceModel(config=load_config(overrides=config if config is not None else reference_config()), rng=seed).run()
    frames = model.frames()
    out = {k: v for k, v in compute(frames, model.config).items() if k in _COMPUTED}
    a, m, p = frames["alliances"], frames["model"], frames["projects"]
    ended = a[a["end_tick"].notna()]
    for reason in EXIT_REASONS[1:]:
        out[f"share_{reason}"] = float((ended["exit_reason"] == reason).mean())
    out["milestones_caught_per_alliance"] = float(ended["problems_caught"].mean())
    out["firm_exits_per_tick"] = float(m["firm_exits"].mean())
    out["formations_per_tick"] = float(m["formations"].mean())
    out["firms_last"] = float(m["firms"].iloc[-1])
    out["function_share"] = float(m["function_share"].mean())
    out["rnd_projects_active"] = float(m["rnd_projects_active"].mean())
    done = p[p["end_tick"].notna()]
    out["approval_rate"] = float((done["outcome"] == "approved").mean())
    for name in ("exploration", "repeat", "large"):
        out[f"preference_{name}"] = float(m[f"preference_{name}"].iloc[-1])
    f = frames["firms"]
    last = f[f["tick"] == f["tick"].max()]
    out["mean_capacity"] = float(last["capacity"].mean())
    out["mean_resources_log"] = float(np.log1p(last["resources"].clip(lower=0.0)).mean())
    return out


def collect(seeds: list[int], config: dict | None = None) -> dict[str, list[float]]:
    """Each metric's values over ``seeds`` at the flat ``config`` (default the reference's), in seed order."""
    config = config if config is not None else reference_config()
    rows = [run_metrics(s, config) for s in seeds]
    return {k: [r[k] for r in rows] for k in rows[0]}


def compare(reference: dict[str, list[float]], current: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Per metric: reference and current mean, and the Welch z of their difference (NaN values left out)."""
    out = {}
    for name, ref in reference.items():
        x, y = np.asarray(ref, dtype=float), np.asarray(current[name], dtype=float)
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        se = math.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        diff = float(y.mean() - x.mean())
        z = 0.0 if diff == 0.0 else diff / max(se, 1e-12 * max(abs(x.mean()), 1.0))
        out[name] = {"reference": float(x.mean()), "current": float(y.mean()), "z": z}
    return out


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write agreement.json instead of checking")
    args = parser.parse_args(argv)
    if args.record:
        config = load_config(overrides=OVERRIDES).flat()
        current = collect(SEEDS, config)
        REFERENCE.write_text(json.dumps({"commit": _commit(), "overrides": OVERRIDES, "config": config, "seeds": SEEDS,
                                         "metrics": current}, indent=1) + "\n")
        print(f"recorded {len(current)} metrics over {len(SEEDS)} seeds -> {REFERENCE}")
        return 0
    reference = json.loads(REFERENCE.read_text())
    result = compare(reference["metrics"], collect(SEEDS))
    bad = 0
    for name, r in result.items():
        ok = abs(r["z"]) <= Z_LIMIT
        bad += not ok
        print(f"{name:32s} {r['reference']:12.5g} {r['current']:12.5g}  z {r['z']:+6.2f}  {'ok' if ok else 'DISAGREES'}")
    print(f"reference: {reference['commit']}; {'agrees' if not bad else f'{bad} metric(s) disagree'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
