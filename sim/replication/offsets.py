"""Placebo offsets: the base-logit shifts that keep each placebo at the baseline's rate, found and recorded.

A placebo (:mod:`.placebos`) names the rates it holds; each offset is found by
root bracketing (Brent's method) on the calibration seeds, never on
evaluation seeds, for every study population the placebo is used with
(:mod:`.registry`), and recorded in ``configs/studies/placebo_offsets.yaml``
with the seeds, the target rates and a hash of the population config it was
found for::

    python -m sim.replication.offsets [WORKERS]   # re-find every offset (a few minutes on 2 cores)

The replication reads the recorded offsets (:func:`load_offsets`) and finds
afresh, on the same calibration seeds, those recorded for another config
than the one it runs (:func:`stale`, :func:`refresh`: ``--set`` or a config
file changes a population's config, and an offset found for another config
would no longer hold the rate).  The findings table still reports, per
finding, how far the placebo runs' rate ended up from the baseline's
(``placebo_rate_gap``).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..config import CONFIGS_DIR, Config
from ..model import as_config
from ..runner import simulate
from .placebos import HELD_RATES, PLACEBOS, Hold
from .registry import DESIGNS, population_config
from .seeds import PLACEBO_CALIBRATION_SEEDS

__all__ = ["OFFSETS_PATH", "config_hash", "load_offsets", "placebo_populations", "current", "stale", "find", "refresh",
           "calibrate"]

OFFSETS_PATH = CONFIGS_DIR / "studies" / "placebo_offsets.yaml"


def config_hash(config: Config) -> str:
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]


def load_offsets(path: Path = OFFSETS_PATH) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) if path.is_file() else {"offsets": {}}


def _mean_rate(config: Config, rate: str, seeds: tuple[int, ...]) -> float:
    return float(np.mean([HELD_RATES[rate](simulate(config, s).frames, config) for s in seeds]))


def _find_offset(base: Config, overrides: dict[str, Any], hold: Hold, target: float, seeds: tuple[int, ...]) -> float:
    """The common shift of ``hold.keys`` at which the placebo's mean rate over ``seeds`` equals ``target``."""
    from scipy.optimize import brentq

    flat = base.flat()

    def gap(shift: float) -> float:
        return _mean_rate(as_config(base, {**overrides, **{k: flat[k] + shift for k in hold.keys}}), hold.rate, seeds) - target

    lo, hi = -2.0, 2.0
    g_lo, g_hi = gap(lo), gap(hi)
    while g_lo > 0 and lo > -16:
        lo, g_lo = lo * 2, gap(lo * 2)
    while g_hi < 0 and hi < 16:
        hi, g_hi = hi * 2, gap(hi * 2)
    return float(brentq(gap, lo, hi, xtol=0.01))


def placebo_populations() -> dict[str, list[str]]:
    """Every placebo a finding uses, with the study populations it is used with (registry order)."""
    used: dict[str, list[str]] = {}
    for design in DESIGNS:
        for finding in design.findings:
            pops = used.setdefault(finding.placebo, [])
            if design.population not in pops:
                pops.append(design.population)
    return used


def current(record: dict[str, Any] | None, placebo: str, config: Config) -> bool:
    """Every rate ``placebo`` holds has an offset in ``record`` found for exactly ``config``."""
    return bool(record) and all(record.get(h.rate, {}).get("config_hash") == config_hash(config)
                                for h in PLACEBOS[placebo].holds)


def stale(offsets: dict[str, Any], configs: dict[str, Config]) -> list[tuple[str, str]]:
    """(placebo, population) pairs whose recorded offsets were found for another config than ``configs``'."""
    recorded = offsets.get("offsets", {})
    return [(name, pop) for name, pops in placebo_populations().items() for pop in pops
            if pop in configs and not current(recorded.get(name, {}).get(pop), name, configs[pop])]


def find(task: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """One (placebo, population)'s offsets: for each rate it holds, the shift of the base logits at which its mean
    rate over the calibration seeds is the baseline's (``task``: placebo, population, config dump, seeds)."""
    base = Config.model_validate(task["config"])
    seeds = tuple(task["seeds"])
    placebo = PLACEBOS[task["placebo"]]
    overrides = placebo.resolved(base)
    entry = {}
    for hold in placebo.holds:
        target = _mean_rate(base, hold.rate, seeds)
        shift = _find_offset(base, overrides, hold, target, seeds)
        overrides.update({k: base.flat()[k] + shift for k in hold.keys})
        entry[hold.rate] = {"offset": round(shift, 3), "target": round(target, 4), "keys": list(hold.keys),
                            "config_hash": config_hash(base)}
    return task, entry


def refresh(offsets: dict[str, Any], configs: dict[str, Config], pairs: list[tuple[str, str]], executor,
            progress: bool = False, seeds: tuple[int, ...] = PLACEBO_CALIBRATION_SEEDS) -> dict[str, Any]:
    """``offsets`` with the entries of ``pairs`` found afresh for ``configs`` (on the calibration seeds), one task
    per pair on ``executor`` (an entered :mod:`sim.sweep.executors` executor)."""
    out = {"calibration_seeds": list(seeds), "offsets": {k: dict(v) for k, v in offsets.get("offsets", {}).items()}}
    todo = [{"placebo": name, "population": pop, "config": configs[pop].model_dump(), "seeds": list(seeds)}
            for name, pop in pairs]
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc="placebo offsets", unit="placebo")
    for task, entry in executor.map_unordered(find, todo):
        out["offsets"].setdefault(task["placebo"], {})[task["population"]] = entry
        if bar is not None:
            bar.update()
    if bar is not None:
        bar.close()
    return out


def calibrate(seeds: tuple[int, ...] = PLACEBO_CALIBRATION_SEEDS, path: Path = OFFSETS_PATH, workers: int | None = None,
              log=print) -> dict[str, Any]:
    """Find and record every placebo's offsets for every population it is used with (calibration seeds only)."""
    from ..sweep.executors import make_executor

    configs = {pop: population_config(pop) for pops in placebo_populations().values() for pop in pops}
    pairs = [(name, pop) for name, pops in placebo_populations().items() for pop in pops]
    with make_executor(workers, None) as executor:
        result = refresh({"offsets": {}}, configs, pairs, executor, progress=True, seeds=seeds)
    result["offsets"] = {name: {pop: result["offsets"][name][pop] for pop in pops}
                         for name, pops in placebo_populations().items()}  # registry order, whatever finished first
    for name, pops in result["offsets"].items():
        for pop, entry in pops.items():
            for rate, e in entry.items():
                log(f"{name} / {pop}: {rate} {e['target']:.3f} held with offset {e['offset']:+.3f}")
    header = ("# Base-logit offsets that keep each placebo at the baseline's rate (docs/replication.md, Placebos).\n"
              "# Generated by `python -m sim.replication.offsets` on the calibration seeds below; do not edit by hand.\n")
    path.write_text(header + yaml.safe_dump(result, sort_keys=False))
    return result


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    calibrate(workers=int(sys.argv[1]) if len(sys.argv) > 1 else None)
    sys.exit(0)
