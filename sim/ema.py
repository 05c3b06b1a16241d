"""EMA Workbench adapter, both ways: alliancesim as an EMA model, and sweep folders as EMA results.

Needs the optional extra ``pip install 'alliancesim[ema]'`` (``ema-workbench>=3.0``).

>>> from ema_workbench import MultiprocessingEvaluator, perform_experiments   # doctest: +SKIP
>>> from sim import ema                                                      # doctest: +SKIP
>>> m = ema.model({"learning.forgetting_rate": (0.0, 0.1), "selection.search_breadth": (2, 12)},
...               ["success_rate", "alliances"], base={"firms": {"n": 100}, "run": {"ticks": 40}})  # doctest: +SKIP
>>> with MultiprocessingEvaluator(m, n_processes=2) as evaluator:            # doctest: +SKIP
...     experiments, outcomes = evaluator.perform_experiments(scenarios=60)
>>> experiments, outcomes = ema.from_sweep("results/smoke")                 # doctest: +SKIP

**Names.**  EMA names must be Python identifiers, so a config key's dots become
double underscores (``learning.forgetting_rate`` -> ``learning__forgetting_rate``,
:func:`ema_name`); the model config reads both spellings.

**Seeds.**  EMA gives a model function no run number, so each run's seed is
derived from the root seed and the experiment's parameter values:
``SeedSequence(root_seed, spawn_key=(*h, replication))`` where ``h`` is the
SHA-256 of the sorted ``{key: value}`` pairs (as JSON) read as four 32-bit words
(:func:`experiment_seed`).  It depends on nothing an evaluator decides (order,
process, worker count), so Sequential, Multiprocessing and MPI evaluators give
identical results, and re-running an experiment reproduces it.  Each point
gets its own independent stream.  ``common_random_numbers=True`` drops the
values from the key instead: every point of replication ``r`` starts from the
same seed (common random numbers), which sharpens comparisons between points
but makes their noise correlated (see docs/ema.md).

**Failures never reach EMA.**  A run that raises (a combination of values the
model rejects, an outcome function that fails) returns ``NaN`` outcomes and
``failed = 1``; EMA's ``MultiprocessingEvaluator`` would otherwise hang.
Ranges outside the config schema are refused when the model is built.
"""

from __future__ import annotations

import functools
import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import metrics
from .config import Config, ConfigError, load_config
from .model import as_config
from .runner import TABLES, RunResult, simulate

with warnings.catch_warnings():  # EMA warns at import about optional back-ends (ipyparallel) we do not use
    warnings.simplefilter("ignore")
    import ema_workbench as _ema

__all__ = ["model", "from_sweep", "ema_name", "config_key", "experiment_seed", "run_experiment", "SERIES_PREFIX", "FAILED"]

FAILED = "failed"          # the outcome that marks a failed run (1) or a good one (0)
SERIES_PREFIX = "model."   # "model.<column>": that column of the model frame, one value per tick


def ema_name(key: str) -> str:
    """The EMA name of a dotted config key (``a.b`` -> ``a__b``)."""
    return key.replace(".", "__")


def config_key(name: str) -> str:
    """The dotted config key of an EMA name (``a__b`` -> ``a.b``)."""
    return name.replace("__", ".")


def experiment_seed(root_seed: int, values: Mapping[str, Any], replication: int = 0, common_random_numbers: bool = False) -> int:
    """The seed of one run: from the root seed, the experiment's ``{key: value}`` and the replication.

    Keys may be dotted or EMA names (they are read as config keys).  With
    ``common_random_numbers`` the values are left out, so all points share the
    seed of each replication.
    """
    from .sweep.design import _plain, _to_int

    words: tuple[int, ...] = ()
    if not common_random_numbers:
        plain = sorted((config_key(k), v) for k, v in _plain(dict(values)).items())
        digest = hashlib.sha256(json.dumps(plain).encode()).digest()
        words = tuple(int(w) for w in np.frombuffer(digest[:16], dtype="<u4"))
    return _to_int(np.random.SeedSequence(int(root_seed), spawn_key=(*words, int(replication))))


# ------------------------------------------------------------------ outcomes
@dataclass(frozen=True)
class _Outcome:
    name: str                        # EMA outcome name
    kind: str                        # "metric" | "series" | "function"
    source: str | Callable[[RunResult], float]  # metric name, model-frame column, or function of the run


def _outcomes(outcomes: Iterable | Mapping, columns: list[str]) -> tuple[_Outcome, ...]:
    """Parse ``outcomes`` (names, or a mapping of EMA name -> metric / ``model.<column>`` / function)."""
    items = list(outcomes.items()) if isinstance(outcomes, Mapping) else [(None, o) for o in outcomes]
    if not items:
        raise ValueError("outcomes: name at least one outcome (a metric of sim.metrics.NAMES, 'model.<column>', or a function)")
    parsed = []
    for name, source in items:
        if isinstance(source, tuple) and len(source) == 2 and name is None:
            name, source = source
        if callable(source):
            if name is None:
                name = getattr(source, "__name__", None)
            parsed.append(_Outcome(str(name), "function", source))
        elif isinstance(source, str) and source in metrics.NAMES:
            parsed.append(_Outcome(name or source, "metric", source))
        elif isinstance(source, str) and source.startswith(SERIES_PREFIX):
            column = source[len(SERIES_PREFIX):]
            if column not in columns:
                raise ValueError(f"outcome {source!r}: the model frame has no column {column!r}; it has {columns}")
            parsed.append(_Outcome(name or ema_name(source), "series", column))
        else:
            raise ValueError(f"outcome {source!r}: not a metric ({', '.join(metrics.NAMES)}), "
                             f"not '{SERIES_PREFIX}<column>' and not a function of the run")
    names = [o.name for o in parsed]
    for name in names:
        if not name.isidentifier() or name == FAILED:
            raise ValueError(f"outcome name {name!r}: must be a Python identifier other than {FAILED!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"outcome names repeat: {names}")
    return tuple(parsed)


def _model_columns(base: Config) -> list[str]:
    """Columns of the model frame (from a one-tick run of a small copy of the base config)."""
    tiny = simulate(base, seed=0, tables=("model",), overrides={"run.ticks": 1, "firms.n": min(base.firms.n, 10)})
    return list(tiny.frames["model"].columns)


# ------------------------------------------------------------- uncertainties
def _parameters(uncertainties: Mapping[str, Any], base: Config) -> list:
    """EMA parameters for ``{key: (low, high)}`` / ``{key: [values]}``, each bound checked against the schema."""
    if not isinstance(uncertainties, Mapping) or not uncertainties:
        raise ValueError(f"uncertainties: expected a mapping {{config key: (low, high) or [values]}}, got {uncertainties!r}")
    flat = base.flat()
    out = []
    for key, spec in uncertainties.items():
        key = config_key(key)
        if key not in flat:
            raise ConfigError(f"uncertainty {key!r}: unknown config key (value {spec!r})")
        current = flat[key]
        if isinstance(spec, list):
            if len(spec) < 2 or len(set(map(repr, spec))) != len(spec):
                raise ConfigError(f"uncertainty {key!r}: categories must be at least 2 distinct values "
                                  f"(a fixed value belongs in base), got {spec!r}")
            values = spec
        elif isinstance(spec, tuple) and len(spec) == 2:
            low, high = spec
            if isinstance(current, bool) or not isinstance(current, (int, float)):
                raise ConfigError(f"uncertainty {key!r}: a range needs a numeric key (value {current!r}); give a list of categories")
            if any(isinstance(b, bool) or not isinstance(b, (int, float)) for b in spec) or not low < high:
                raise ConfigError(f"uncertainty {key!r}: expected (low, high) numbers with low < high, got {spec!r}")
            if isinstance(current, int) and not all(float(b).is_integer() for b in spec):
                raise ConfigError(f"uncertainty {key!r}: an integer key needs integer bounds, got {spec!r}")
            values = [low, high]
        else:
            raise ConfigError(f"uncertainty {key!r}: expected (low, high) or a list of categories, got {spec!r}")
        if isinstance(spec, tuple):
            values = [int(v) if isinstance(current, int) else float(v) for v in values]
        for value in values:
            try:
                load_config(overrides={**flat, key: value})
            except ConfigError as err:
                raise ConfigError(f"uncertainty {key!r} value {value!r} is outside the config schema: {err}") from None
        name = ema_name(key)
        if isinstance(spec, list):
            out.append(_ema.CategoricalParameter(name, spec))
        elif isinstance(current, int):
            out.append(_ema.IntegerParameter(name, int(spec[0]), int(spec[1])))
        else:
            out.append(_ema.RealParameter(name, float(spec[0]), float(spec[1])))
    return out


# ------------------------------------------------------------------ the run
@dataclass(frozen=True)
class _Plan:
    """Everything a worker needs besides the experiment's values (pickled with the model)."""

    base: Config
    outcomes: tuple[_Outcome, ...]
    root_seed: int
    common_random_numbers: bool
    ticks: int


def run_experiment(plan: _Plan, replication: int = 0, **values: Any) -> dict[str, Any]:
    """One EMA experiment: ``{outcome: value, ..., "failed": 0|1}``; never raises an ``Exception``.

    The function EMA calls is ``functools.partial(run_experiment, plan)`` (module level,
    so worker processes import it).
    """
    out: dict[str, Any] = {}
    try:
        seed = experiment_seed(plan.root_seed, values, replication, plan.common_random_numbers)
        wants_all = any(o.kind == "function" for o in plan.outcomes)
        result = simulate(plan.base, seed, tables=TABLES if wants_all else metrics.TABLES, overrides=values)
        for o in plan.outcomes:
            if o.kind == "metric":
                out[o.name] = float(result.metrics[o.source])
            elif o.kind == "series":
                frame = result.frames["model"]
                series = frame.set_index("tick")[o.source].reindex(range(1, plan.ticks + 1))
                out[o.name] = series.to_numpy(dtype=float)
            else:
                out[o.name] = float(o.source(result))
        out[FAILED] = 0
    except Exception:  # noqa: BLE001 - a failed run is data; raising would hang EMA's MultiprocessingEvaluator
        out = {o.name: (np.full(plan.ticks, np.nan) if o.kind == "series" else float("nan")) for o in plan.outcomes}
        out[FAILED] = 1
    return out


def model(
    uncertainties: Mapping[str, Any],
    outcomes: Iterable | Mapping,
    base: Config | dict | str | Path | None = None,
    replications: int | None = None,
    root_seed: int = 0,
    name: str = "alliancesim",
    common_random_numbers: bool = False,
):
    """alliancesim as an EMA model.

    ``uncertainties``: ``{config key: (low, high)}`` (integer keys become
    ``IntegerParameter``, others ``RealParameter``) or ``{config key: [values]}``
    (``CategoricalParameter``).  Every bound and category is checked against
    the schema here: a ``ConfigError`` (a ``ValueError``) names the key and value.

    ``outcomes``: metric names (:data:`sim.metrics.NAMES`, ``ScalarOutcome``),
    ``"model.<column>"`` (that model-frame column per tick, ``ArrayOutcome``
    named ``model__<column>``), ``(name, function)`` pairs or a mapping
    ``{name: metric | "model.<column>" | function}``; a function gets the
    run's :class:`~sim.runner.RunResult` (``.frames``, ``.config``, ``.metrics``)
    and returns a number; it must be importable (module level) for
    multiprocessing.  A ``failed`` outcome (0/1) is always added.

    ``base``: the config the uncertainties vary (Config, nested dict, path,
    ``None`` = baseline).  ``replications``: ``None`` gives a ``Model`` (one
    run per experiment); an integer gives a ``ReplicatorModel`` whose outcomes
    are arrays with replications as their second dimension (reduce them with
    ``ema_workbench.process_replications``).
    """
    base_config = as_config(base, {})
    params = _parameters(uncertainties, base_config)
    if replications is not None and (isinstance(replications, bool) or not isinstance(replications, int) or replications < 1):
        raise ValueError(f"replications: must be a positive integer or None, got {replications!r}")
    columns = _model_columns(base_config)
    parsed = _outcomes(outcomes, columns)
    if "run.ticks" in {config_key(k) for k in uncertainties} and any(o.kind == "series" for o in parsed):
        raise ValueError("outcomes: time series need a fixed run.ticks; run.ticks is an uncertainty")
    plan = _Plan(base_config, parsed, int(root_seed), bool(common_random_numbers), base_config.run.ticks)
    function = functools.partial(run_experiment, plan)
    if replications is None:
        m = _ema.Model(name, function=function)
        scalar = _ema.ScalarOutcome
    else:
        m = _ema.ReplicatorModel(name, function=function)
        m.replications = [{"replication": r} for r in range(replications)]
        scalar = _ema.ArrayOutcome  # one value per replication
    m.uncertainties = params
    kinds = {o.name: _ema.ArrayOutcome if o.kind == "series" else scalar for o in parsed} | {FAILED: scalar}
    m.outcomes = [_outcome(name, kind) for name, kind in kinds.items()]
    return m


def _outcome(name: str, kind: type):
    """An EMA outcome; EMA keeps one class per outcome name per process (for save_results), and the
    same metric is a ScalarOutcome in a Model but an ArrayOutcome in a ReplicatorModel (or in
    from_sweep without aggregation): the newest wins."""
    from ema_workbench.em_framework.outcomes import register

    register.outcomes[name] = kind
    return kind(name)


# ------------------------------------------------------------ sweep -> EMA
def from_sweep(out: str | Path, aggregate: str | Callable | None = "mean", name: str | None = None) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A sweep folder as EMA results ``(experiments, outcomes)``, rows in design (point) order.

    Failed runs are left out (and points with no good run).  ``aggregate``
    reduces each point's replications (``"mean"``, ``"median"``, any pandas
    aggregation or function); ``None`` keeps them: each outcome is then an
    array (points x replications), ``NaN`` where a replication failed or is
    not done, as a ``ReplicatorModel`` returns.  Metrics missing at every point
    (e.g. ``breakup_within_10y`` in runs shorter than 10 years) are dropped
    with a warning; metrics missing at some points are kept, with a warning
    (EMA's feature scoring takes no NaN: drop or impute them first).  ``experiments`` has one
    column per swept key (EMA names) plus ``scenario`` (the point), ``policy``
    and ``model``, as ``perform_experiments`` returns.
    """
    from .sweep import read_runs
    from .sweep.store import read_manifest

    folder = Path(out)
    manifest = read_manifest(folder)
    runs = read_runs(folder)
    design = pd.read_parquet(folder / "design.parquet").set_index("point")
    keys = list(manifest["parameters"])
    names = [m for m in manifest["metrics"] if m in runs.columns]
    ok = runs[runs["status"] == "ok"]
    points = np.sort(ok["point"].unique())
    if not len(points):
        raise ConfigError(f"{str(out)!r} has no successful runs")
    if aggregate is None:
        reps = int(manifest["replications"])
        grid = ok.set_index(["point", "replication"])[names].reindex(pd.MultiIndex.from_product([points, range(reps)]))
        values = {m: grid[m].to_numpy(dtype=float).reshape(len(points), reps) for m in names}
        partial = {}
    else:
        means = ok.groupby("point", sort=True)[names].agg(aggregate).reindex(points)
        values = {m: means[m].to_numpy(dtype=float) for m in names}
        partial = {m: int(np.isnan(v).sum()) for m, v in values.items() if np.isnan(v).any() and not np.isnan(v).all()}
    empty = [m for m, v in values.items() if np.isnan(v).all()]
    notes = []
    if empty:
        notes.append(f"dropped {', '.join(empty)}: missing in every run")
    if partial:
        notes.append("kept with NaN (drop or impute before feature scoring): "
                     + ", ".join(f"{m} (missing at {n} of {len(points)} points)" for m, n in partial.items()))
    if notes:
        warnings.warn(f"from_sweep({str(out)!r}): " + "; ".join(notes), stacklevel=2)
    outcomes = {m: v for m, v in values.items() if m not in empty}
    for m in outcomes:  # so that ema_workbench.save_results knows how to store each
        _outcome(m, _ema.ScalarOutcome if aggregate is not None else _ema.ArrayOutcome)
    experiments = design.loc[points, keys].rename(columns=ema_name).reset_index(drop=True)
    experiments["scenario"] = points
    experiments["policy"] = "None"
    experiments["model"] = name or manifest.get("name", "alliancesim")
    return experiments, outcomes
