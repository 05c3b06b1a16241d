"""ABC-SMC with pyabc: the model function, the distance, the sampler, and a resumable run.

The model function maps a particle (a value per calibrated config key) to the
run metrics of :mod:`sim.metrics`, averaged over ``replications`` simulations
of ``base config + particle`` (:func:`sim.simulate`).  Its simulation seeds are
drawn without replacement from the ``calibration_seeds`` range by a generator
seeded with ``(root seed, SHA-256 of the particle's values)``: the same
particle always gets the same seeds, on any worker, and no seed outside the
range is ever used.  A simulation that raises, or a target metric that is
``NaN`` (undefined for that run), makes the particle's distance infinite: it is
rejected, never a crash.

The distance is the root mean square of the target deviations, each divided by
its scale (by default the observed value, i.e. relative deviations); pyabc's
median epsilon schedule lowers the threshold from population to population.

Resuming: pyabc stores every completed population in ``DIR/history.db``.  The
run is driven one population at a time (``ABCSMC.load`` then ``run(1)``) and,
before each population ``t``, numpy's global generator (which pyabc's
proposals draw from) is seeded with ``(seed, t)``.  With ``--workers 1`` (one
process) a calibration is therefore bit-identical whether or not it was killed
and resumed: the state at the start of every population is the database plus
``(seed, t)``.  pyabc's parallel samplers (local processes, Dask) reseed each
worker from the operating system and accept particles in the order they
finish, so there only what pyabc promises holds: completed populations are
kept unchanged and the run continues from the last one, with other draws.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import metrics
from ..config import Config, ConfigError
from .spec import CalibrationSpec, Prior

__all__ = ["ParticleModel", "TargetDistance", "Calibration", "calibrate", "HISTORY", "STATE", "completed_populations", "stored_populations",
           "history_url"]

HISTORY = "history.db"
STATE = "calibration.json"  # the calibration's identity, to refuse resuming a different one


def _simulate(config: Config, seed: int) -> dict[str, float]:
    from ..runner import simulate

    return simulate(config, seed, tables=metrics.TABLES).metrics


@dataclass(frozen=True)
class ParticleModel:
    """Particle -> averaged run metrics (picklable: it travels to pyabc's workers and Dask)."""

    base: dict[str, Any]  # the base config as dotted overrides on the schema defaults
    parameters: dict[str, Prior]
    seed: int
    seed_range: tuple[int, int]
    replications: int
    simulate: Callable[[Config, int], dict[str, float]] = field(default=_simulate, compare=False)

    def overrides(self, particle: dict[str, float]) -> dict[str, Any]:
        """The config overrides of a particle (integer keys rounded)."""
        return {k: int(round(particle[k])) if p.integer else float(particle[k]) for k, p in self.parameters.items()}

    def seeds(self, particle: dict[str, float]) -> list[int]:
        """The particle's simulation seeds: a deterministic draw without replacement from ``seed_range``."""
        values = np.array([float(particle[k]) for k in self.parameters], dtype=np.float64)
        digest = int.from_bytes(hashlib.sha256(values.tobytes()).digest()[:8], "little")
        rng = np.random.default_rng([self.seed, digest])
        start, stop = self.seed_range
        return [start + int(i) for i in rng.choice(stop - start, size=self.replications, replace=False)]

    def config(self, particle: dict[str, float]) -> Config:
        from ..config import load_config

        return load_config(overrides={**self.base, **self.overrides(particle)})

    def __call__(self, particle: dict[str, float]) -> dict[str, float]:
        runs = []
        failed = 0
        try:
            config = self.config(particle)
        except ConfigError:
            config, failed = None, self.replications
        for seed in self.seeds(particle) if config is not None else []:
            try:
                runs.append(self.simulate(config, seed))
            except Exception:  # a failing run rejects the particle (infinite distance), it must not stop the sampler
                failed += 1
        if failed:
            out = {name: float("nan") for name in metrics.NAMES}
        else:
            out = {name: float(np.mean([r[name] for r in runs])) for name in metrics.NAMES}
        out["failed_runs"] = float(failed)
        return out


@dataclass(frozen=True)
class TargetDistance:
    """Root mean square of ``(simulated - observed) / scale`` over the targets; ``inf`` if any is missing."""

    scales: dict[str, float]

    def __call__(self, x: dict[str, Any], x0: dict[str, Any]) -> float:
        terms = []
        for name, scale in self.scales.items():
            value = float(x.get(name, float("nan")))
            if not math.isfinite(value):
                return float("inf")
            terms.append(((value - float(x0[name])) / scale) ** 2)
        return float(math.sqrt(sum(terms) / len(terms)))


def history_url(out: Path) -> str:
    return "sqlite:///" + str((Path(out) / HISTORY).resolve())


def prior(spec: CalibrationSpec):
    """pyabc prior: uniform or log-uniform per parameter, named by its config key."""
    import pyabc

    rvs = {}
    for key, p in spec.parameters.items():
        rvs[key] = pyabc.RV("loguniform", p.low, p.high) if p.scale == "log" else pyabc.RV("uniform", p.low, p.high - p.low)
    return pyabc.Distribution(**rvs)


def model_for(spec: CalibrationSpec, simulate: Callable | None = None) -> ParticleModel:
    extra = {"simulate": simulate} if simulate is not None else {}
    return ParticleModel(spec.base_overrides(), dict(spec.parameters), spec.seed, spec.calibration_seeds, spec.replications, **extra)


def stored_populations(out: Path) -> int:
    """Completed populations in a calibration folder's database (0 if it is missing, empty or half-created).

    Read with sqlite3, not pyabc: a database whose creation was interrupted
    makes pyabc's ``History`` refuse it.
    """
    import sqlite3

    path = Path(out) / HISTORY
    if not path.is_file():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
            return int(db.execute("SELECT COUNT(*) FROM populations WHERE t >= 0").fetchone()[0])
    except sqlite3.Error:  # tables not created yet
        return 0


def completed_populations(out: Path) -> "Any":
    """``history.get_all_populations()`` of a calibration folder (population t >= 0 only), or None."""
    import pyabc

    if not stored_populations(out):
        return None
    history = pyabc.History(history_url(out), _id=1)
    pops = history.get_all_populations()
    return pops[pops["t"] >= 0].reset_index(drop=True)


def _sampler(workers: int, client: Any = None):
    import pyabc

    if client is not None:
        return pyabc.sampler.DaskDistributedSampler(dask_client=client)
    if workers == 1:
        return pyabc.sampler.SingleCoreSampler()
    return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)


@dataclass
class Calibration:
    """What a finished (or stopped) calibration run did."""

    out: Path
    populations: int  # completed populations in the database
    ran: int  # populations sampled by this call
    seconds: float
    stopped: str  # why sampling stopped
    executor: str


def _check_state(spec: CalibrationSpec, out: Path) -> bool:
    """True if ``out`` holds this calibration (resume), False if it is new; ConfigError otherwise."""
    state = out / STATE
    if state.is_file():
        held = json.loads(state.read_text())
        if held.get("fingerprint") != spec.fingerprint():
            raise ConfigError(f"--out {str(out)!r} holds a different calibration ({held.get('name')!r}, "
                              f"fingerprint {held.get('fingerprint')}); choose a new folder")
        return True
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {str(out)!r} already exists and is not empty; choose a new folder")
    return False


def _stop_reason(spec: CalibrationSpec, pops) -> str | None:
    """Why no further population should be sampled, or None."""
    if pops is None or pops.empty:
        return None
    last = pops.iloc[-1]
    if spec.populations is not None and len(pops) >= spec.populations:
        return f"{len(pops)} populations done"
    if spec.epsilon is not None and last["epsilon"] <= spec.epsilon:
        return f"epsilon {last['epsilon']:.4g} <= {spec.epsilon:g}"
    if last["particles"] / last["samples"] < spec.min_acceptance_rate:
        return f"acceptance rate {last['particles'] / last['samples']:.3g} < {spec.min_acceptance_rate:g}"
    return None


def calibrate(
    spec: CalibrationSpec,
    out: Path,
    workers: int | None = None,
    scheduler: Any = None,
    progress: bool = True,
    simulate: Callable | None = None,
) -> Calibration:
    """Run (or resume) the ABC-SMC calibration ``spec`` with its history database in ``out``.

    ``workers``: local processes (1 = in this process, bit-reproducible);
    ``scheduler``: ``"local"`` (a Dask LocalCluster of ``workers``), a
    scheduler address or a ``distributed.Client``.  ``simulate(config, seed)
    -> metrics`` replaces :func:`sim.simulate` (tests).
    """
    import pyabc
    from tqdm import tqdm

    from ..sweep.executors import DaskExecutor, default_workers

    out = Path(out)
    if workers is not None and workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {workers!r}")
    resume = _check_state(spec, out)
    workers = workers or default_workers()
    start = time.perf_counter()
    ran = 0
    with contextlib.ExitStack() as stack:
        client, description = None, "1 process" if workers == 1 else f"{workers} processes"
        if scheduler is not None:  # the sweeps' cluster handling; pyabc's Dask sampler takes its client
            executor = stack.enter_context(DaskExecutor(scheduler, workers))
            client, description = executor._client, executor.description
        out.mkdir(parents=True, exist_ok=True)
        if not resume:
            (out / STATE).write_text(json.dumps({"name": spec.name, "fingerprint": spec.fingerprint(),
                                                 "identity": spec.identity()}, indent=2, default=str) + "\n")
        model = model_for(spec, simulate)
        observed = {k: t.value for k, t in spec.targets.items()}

        def fresh_abc():
            return pyabc.ABCSMC(model, prior(spec), TargetDistance({k: t.scale for k, t in spec.targets.items()}),
                                population_size=spec.particles, sampler=_sampler(workers, client))

        def new_or_load():
            abc = fresh_abc()
            if stored_populations(out):
                abc.load(history_url(out), 1)
            else:  # nothing completed yet (or killed while pyabc created the database): start over
                (out / HISTORY).unlink(missing_ok=True)
                abc.new(history_url(out), observed)
            return abc

        pops = completed_populations(out) if resume else None
        total = spec.populations
        bar = tqdm(total=total, initial=0 if pops is None else len(pops), desc=f"calibrate {spec.name}", unit="pop",
                   disable=not progress, dynamic_ncols=True)
        with bar:
            while (stopped := _stop_reason(spec, pops)) is None:
                abc = new_or_load()
                t = abc.history.max_t + 1 if abc.history.max_t is not None else 0
                np.random.seed(_population_seed(spec.seed, t))  # pyabc's proposals draw from numpy's global generator
                abc.run(minimum_epsilon=spec.epsilon or 0.0, max_nr_populations=1,
                        min_acceptance_rate=spec.min_acceptance_rate)
                before = 0 if pops is None else len(pops)
                pops = completed_populations(out)
                if pops is None or len(pops) == before:  # pyabc could not complete the population (acceptance below the minimum)
                    stopped = f"population {t} stopped below min_acceptance_rate {spec.min_acceptance_rate:g}"
                    break
                ran += 1
                last = pops.iloc[-1]
                bar.update(1)
                bar.set_postfix(accepted=int(last["particles"]), epsilon=f"{last['epsilon']:.4g}",
                                acceptance=f"{last['particles'] / last['samples']:.2f}")
    return Calibration(out, 0 if pops is None else len(pops), ran, time.perf_counter() - start, stopped, description)


def _population_seed(seed: int, t: int) -> int:
    """numpy's legacy global seed for population ``t`` (population 0 includes the prior sample that sets its epsilon)."""
    return int(np.random.SeedSequence([seed, t]).generate_state(1)[0])
