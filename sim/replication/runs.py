"""Run the replication: independent simulations on the sweep executors, streamed to a resumable folder.

A *run* is one evaluation seed (spawned from the root, :mod:`.seeds`).  In
every run each study population is simulated once as the baseline and once
per placebo its findings name, all from the run's seed (the placebo repeats
the same run with one mechanism switched off).  The unit of work (a *task*)
is one (run, arm, population): simulate, build each design's data set, fit,
and, for the baseline, also fit a sample of the published size.  Tasks go
to :func:`sim.sweep.executors.make_executor` (in process, local processes or
Dask) and their estimates stream to the folder as they finish
(:mod:`.store`); the findings table is computed from the stored estimates
alone (:mod:`.summary`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config, ConfigError
from ..model import as_config
from .offsets import load_offsets
from .placebos import PLACEBOS, held_rates, placebo_overrides
from .registry import DESIGN_BY_ID, DESIGNS, POPULATIONS, population_configs
from .seeds import CALIBRATION_SEED_RANGES, CALIBRATION_SEEDS, SEEDING, evaluation_seeds

__all__ = ["BASELINE", "Plan", "plan", "tasks", "run_task", "fit_designs", "execute", "RATES"]

BASELINE = "baseline"
RATES = ("success_rate", "approval_rate")


@dataclass
class Plan:
    """Everything that fixes a replication's results (its fingerprint) before any work is done."""

    root: int
    seeds: list[int]
    configs: dict[str, Config]  # baseline config of each population
    arms: dict[str, dict[str, dict[str, Any]]]  # population -> arm -> overrides on the population's config
    offsets: dict[str, Any]
    overrides: dict[str, Any]
    found: list[str] = field(default_factory=list)  # "placebo/population" whose offsets this replication found afresh

    def identity(self) -> dict[str, Any]:
        return {"root_seed": self.root, "seeds": self.seeds,
                "configs": {p: c.model_dump() for p, c in self.configs.items()},
                "arms": self.arms, "designs": [d.id for d in DESIGNS]}

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.identity(), sort_keys=True, default=str).encode()).hexdigest()[:20]

    def manifest(self, command: str = "") -> dict[str, Any]:
        from ..outputs import git_commit, package_versions

        return {
            "kind": "alliancesim replicate",
            "fingerprint": self.fingerprint(),
            "root_seed": self.root,
            "seeds": self.seeds,
            "calibration_seeds": list(CALIBRATION_SEEDS),
            "calibration_seed_ranges": [list(r) for r in CALIBRATION_SEED_RANGES],
            "placebo_calibration_seeds": self.offsets.get("calibration_seeds", []),
            "seeding": SEEDING,
            "runs": len(self.seeds),
            "overrides": self.overrides,
            "study_configs": {p: c.model_dump() for p, c in self.configs.items()},
            "placebo_overrides": self.arms,
            "placebo_offsets": self.offsets,
            "placebo_offsets_found_for": self.found,
            "versions": package_versions(),
            "git": git_commit(),
            "command": command,
        }


def plan(overrides: dict[str, Any] | None = None, seed: int = 42, runs: int = 1, base: str | Path | None = None) -> Plan:
    """Resolve configs, seeds and every placebo's overrides (validates all input before any work)."""
    if runs < 1:
        raise ConfigError(f"--runs must be at least 1, got {runs}")
    if seed < 0:
        raise ConfigError(f"--seed must be >= 0, got {seed}")
    overrides = dict(overrides or {})
    configs = population_configs(overrides, base)
    offsets = load_offsets()
    p = Plan(seed, evaluation_seeds(seed, runs), configs, placebo_arms(configs, offsets), offsets, overrides)
    for population, arms in p.arms.items():
        for extra in arms.values():
            as_config(configs[population], extra)  # a placebo the config cannot express fails here, not in a worker
    return p


def placebo_arms(configs: dict[str, Config], offsets: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """population -> arm -> overrides on the population's config: the baseline and every placebo its findings name."""
    arms: dict[str, dict[str, dict[str, Any]]] = {}
    for population in POPULATIONS:
        arms[population] = {BASELINE: {}}
        for design in DESIGNS:
            if design.population != population:
                continue
            for finding in design.findings:
                if finding.placebo not in arms[population]:
                    arms[population][finding.placebo] = placebo_overrides(
                        PLACEBOS[finding.placebo], population, configs[population], offsets)
    return arms


OFFSETS_CACHE = ".placebo-offsets.yaml"  # in the output folder: offsets found afresh, so a resumed replication reuses them


def with_current_offsets(p: Plan, out: Path, executor, progress: bool = False) -> tuple[Plan, bool]:
    """``p`` with every placebo offset found for its own configs: the recorded ones where they were found for the
    same config, the ones this output folder already found, and the rest found now on the calibration seeds
    (:func:`sim.replication.offsets.refresh`); and whether any were found now (to keep, :func:`_keep_offsets`)."""
    import yaml

    from .offsets import refresh, stale

    cache = Path(out) / OFFSETS_CACHE
    offsets = p.offsets
    fresh = False
    if cache.is_file():
        cached = yaml.safe_load(cache.read_text()) or {}
        merged = {k: dict(v) for k, v in offsets.get("offsets", {}).items()}
        for name, pops in cached.get("offsets", {}).items():
            merged.setdefault(name, {}).update(pops)
        offsets = {**offsets, "offsets": merged}
    pairs = stale(offsets, p.configs)
    if pairs:
        offsets = refresh(offsets, p.configs, pairs, executor, progress)
        fresh = True
    recorded = load_offsets().get("offsets", {})
    found = sorted(f"{name}/{pop}" for name, pops in offsets.get("offsets", {}).items() for pop, entry in pops.items()
                   if entry != recorded.get(name, {}).get(pop) and pop in p.configs)
    return dataclasses.replace(p, arms=placebo_arms(p.configs, offsets), offsets=offsets, found=found), fresh


def _keep_offsets(out: Path, offsets: dict[str, Any]) -> None:
    """Write the offsets found afresh into the (opened, locked) output folder, for a resumed run to reuse."""
    import yaml

    cache = Path(out) / OFFSETS_CACHE
    tmp = cache.with_name(cache.name + ".tmp")
    tmp.write_text(yaml.safe_dump(offsets, sort_keys=False))
    os.replace(tmp, cache)


def tasks(p: Plan, done: set[tuple[int, str, str]] = frozenset()) -> Iterator[dict[str, Any]]:
    """Every (run, arm, population) not yet done; each carries its resolved config and the designs to fit."""
    for run, seed in enumerate(p.seeds):
        for population in POPULATIONS:
            for arm, extra in p.arms[population].items():
                if (run, arm, population) in done:
                    continue
                designs = [d.id for d in DESIGNS if d.population == population
                           and (arm == BASELINE or any(f.placebo == arm for f in d.findings))]
                yield {"point": f"{arm}-{population}", "replication": run, "run": run, "seed": seed, "arm": arm,
                       "population": population, "designs": designs,
                       "config": as_config(p.configs[population], extra).model_dump()}


def run_task(task: dict[str, Any]) -> tuple[dict[str, Any], pd.DataFrame]:
    """Simulate one population for one run and arm; fit each design (and its published-size sample on the baseline)."""
    config = Config.model_validate(task["config"])
    designs = [DESIGN_BY_ID[d] for d in task["designs"]]
    start = time.perf_counter()
    rates, fits = fit_designs(config, task["seed"], designs, published=task["arm"] == BASELINE)
    rows = [{"run": task["run"], "seed": task["seed"], "arm": task["arm"], "population": task["population"],
             "design": fit["design"], "sample": fit["sample"], "rows": fit["rows"],
             "estimates": json.dumps({k: (None if not np.isfinite(v) else float(v)) for k, v in fit["estimates"].items()}),
             "error": fit["error"], **rates} for fit in fits]
    out = pd.DataFrame(rows)
    out["wall_time"] = time.perf_counter() - start
    return task, out


def fit_designs(config: Config, seed: int, designs: list, published: bool = False) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Simulate ``config`` from ``seed`` once and fit every design of ``designs`` to it.

    Returns the rates a placebo holds (:data:`RATES`) and one fit per design
    and sample: ``design``, ``sample`` (``study``, and ``published`` for a draw
    of the published size when ``published``), ``rows``, ``estimates`` (the
    fit's flat mapping, empty if it failed) and ``error`` ("" or why the fit
    failed: a failed fit never loses the other designs' estimates).  The
    replication's tasks and the findings sweeps (:mod:`sim.sweep.findings`)
    both run this.

    The fits run on one BLAS thread: their matrices are small, and a second
    thread spinning for work on a busy machine (or beside the other workers)
    cost more CPU than the whole simulation (17 vs 6.5 CPU-seconds a
    replication run on 2 cores); estimates agree to ~1e-13.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit_designs(config, seed, designs, published)


def _fit_designs(config: Config, seed: int, designs: list, published: bool) -> tuple[dict[str, float], list[dict[str, Any]]]:
    from ..runner import simulate
    from .fitting import FitError

    tables = tuple({t for d in designs for t in d.tables} | {"projects", "alliances"})  # the held rates read both
    frames = simulate(config, seed, tables=tables, with_metrics=False).frames
    rates = held_rates(frames, config, RATES)
    fits = []
    for design in designs:
        data = design.data(frames, config)
        samples = [("study", data)]
        if published and design.published is not None:
            rng = np.random.default_rng([seed, DESIGNS.index(design)])
            samples.append(("published", design.published.draw(data, rng)))
        for sample, d in samples:
            error, est = "", {}
            try:
                est = design.fit(d)
            except FitError as err:
                error = f"not estimable: {err}"
            except Exception as err:  # noqa: BLE001 - one failed fit must not lose the run's other estimates
                error = f"{type(err).__name__}: {err} | {traceback.format_exc(limit=2).splitlines()[-1]}"
            fits.append({"design": design.id, "sample": sample, "rows": len(d), "estimates": est, "error": error})
    return rates, fits


def execute(p: Plan, out: Path, workers: int | None = None, scheduler: Any = None, command: str = "",
            progress: bool = False) -> tuple[pd.DataFrame, dict[str, Any], float]:
    """Run every task not yet in ``out`` (resuming), return all stored estimates, the manifest and the seconds spent."""
    from ..sweep.executors import make_executor
    from .store import check_out, open_run_store

    start = time.perf_counter()
    check_out(out)  # a folder this replication cannot use is refused before any work
    with make_executor(workers, scheduler) as executor:
        p, fresh = with_current_offsets(p, out, executor, progress)  # before the store: they are part of the fingerprint
        store = open_run_store(out, p.manifest(command))
        try:
            if fresh:
                _keep_offsets(out, p.offsets)
            todo = list(tasks(p, store.done()))
            bar = None
            if progress and todo:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(todo), desc="replicating", unit="task")
            for task, rows in executor.map_unordered(run_task, todo):
                store.add(task["run"], task["arm"], task["population"], rows)
                if bar is not None:
                    bar.update()
            if bar is not None:
                bar.close()
            seconds = time.perf_counter() - start
            store.write_manifest(executor=executor.description,
                                 wall_time_seconds=round(seconds, 1) + store.manifest.get("wall_time_seconds", 0.0))
            return store.read(), store.manifest, seconds
        finally:
            store.close()
