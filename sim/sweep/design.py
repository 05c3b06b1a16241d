"""Designs (which parameter points) and seeds (which random stream per run).

Grid points are the full factorial product of the listed values; an
explicit-points design is its table of points as given; a one-at-a-time
(``ablate``) design is the base config (point 0) and then each key at each of
its values alone, in the order listed, the other keys at their base values; Latin
hypercube, Sobol (Saltelli) and Morris points come from SALib's samplers, drawn
with the sweep's root seed so a design is reproducible.  Integer config keys
are rounded after sampling (the samplers work on the real line).

Each run's seed comes from ``SeedSequence(root).spawn(...)`` indexed by
(point, replication) only, so it never depends on worker count, completion
order, or how many other points the sweep has.  A sweep made by the findings
calibration draws its seeds instead from a declared range (calibration
seeds) or runs a declared list (evaluation seeds): :func:`sweep_seeds`.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from ..config import ConfigError, load_config
from .spec import SweepSpec

__all__ = ["design_points", "run_seeds", "seed_for", "sweep_seeds", "seeding", "salib_problem", "check_points"]


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem dict of a sampled design (names are the dotted keys)."""
    return {"num_vars": len(spec.parameters), "names": spec.keys, "bounds": [list(b) for b in spec.parameters.values()]}


def design_points(spec: SweepSpec) -> pd.DataFrame:
    """One row per parameter point, one column per swept key, in design order.

    For Sobol and Morris the row order is SALib's, which their analysers rely on.
    """
    if spec.method == "grid":
        rows = list(itertools.product(*spec.parameters.values()))
        frame = pd.DataFrame(rows, columns=spec.keys) if spec.keys else pd.DataFrame(index=range(1))
    elif spec.method == "points":
        frame = pd.DataFrame({key: list(values) for key, values in spec.parameters.items()})
    elif spec.method == "ablate":
        base = spec.base.flat()
        rows = [{key: base[key] for key in spec.keys}]
        rows += [{**rows[0], key: value} for key, values in spec.parameters.items() for value in values]
        frame = pd.DataFrame(rows, columns=spec.keys)
    else:
        frame = pd.DataFrame(_sample(spec), columns=spec.keys)
        base = spec.base.flat()
        for key in spec.keys:
            if isinstance(base[key], int):
                frame[key] = frame[key].round().astype("int64")
    frame.index.name = "point"
    return frame


def _sample(spec: SweepSpec) -> np.ndarray:
    problem = salib_problem(spec)
    if spec.method == "lhs":
        from SALib.sample import latin

        return latin.sample(problem, spec.samples, seed=spec.seed)
    if spec.method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=spec.seed)
    if spec.method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=spec.seed)
    raise ConfigError(f"sweep config key 'design.method': unknown method {spec.method!r}")  # pragma: no cover


def check_points(spec: SweepSpec, points: pd.DataFrame) -> None:
    """Validate every point's config now, so a bad value fails before any run (or folder)."""
    base = spec.base_overrides()
    seen: set[tuple] = set()
    if spec.evaluate == "findings":
        from .findings import point_configs
    for row in points.itertuples(index=False):
        values = dict(zip(points.columns, row))
        key = tuple(values.values())
        if key in seen:
            continue
        seen.add(key)
        try:
            if spec.evaluate == "findings":
                point_configs(spec.findings, spec.study_overrides, _plain(values), spec.study_base)  # each population the findings need
            else:
                load_config(overrides={**base, **_plain(values)})
        except ConfigError as err:
            raise ConfigError(f"design point {_plain(values)}: {err}") from None


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars -> Python scalars (picklable everywhere, YAML/JSON friendly)."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in values.items()}


def seed_for(root: int, point: int, replication: int) -> int:
    """The seed of run (point, replication): child ``replication`` of child ``point`` of the root."""
    return _to_int(np.random.SeedSequence(root, spawn_key=(point, replication)))


def run_seeds(root: int, n_points: int, replications: int) -> np.ndarray:
    """Seeds of all runs, shape (points, replications), via ``SeedSequence.spawn``."""
    out = np.empty((n_points, replications), dtype=np.int64)
    for p, child in enumerate(np.random.SeedSequence(root).spawn(n_points)):
        for r, grandchild in enumerate(child.spawn(replications)):
            out[p, r] = _to_int(grandchild)
    return out


def sweep_seeds(spec: SweepSpec, n_points: int) -> np.ndarray:
    """Seeds of all runs of ``spec``, shape (points, replications).

    By default :func:`run_seeds`.  With ``spec.seed_range = (start, stop)``
    each point draws its replications' seeds without replacement from
    [start, stop), with a generator seeded by ``SeedSequence(root,
    spawn_key=(point,))``: deterministic in (root, point), never outside the
    range.  With ``spec.seed_list`` replication ``r`` of every point runs on
    ``seed_list[r]``.
    """
    if spec.seed_list is not None:
        return np.tile(np.asarray(spec.seed_list, dtype=np.int64), (n_points, 1))
    if spec.seed_range is not None:
        start, stop = spec.seed_range
        out = np.empty((n_points, spec.replications), dtype=np.int64)
        for p in range(n_points):
            rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(p,)))
            out[p] = start + rng.choice(stop - start, size=spec.replications, replace=False)
        return out
    return run_seeds(spec.seed, n_points, spec.replications)


def seeding(spec: SweepSpec) -> str:
    """How :func:`sweep_seeds` made the seeds of ``spec``, in words (the manifest's ``seeding``)."""
    if spec.seed_list is not None:
        return "replication r of every point runs on seed_list[r]"
    if spec.seed_range is not None:
        return (f"point p draws its replications' seeds without replacement from [{spec.seed_range[0]}, {spec.seed_range[1]}) "
                "with numpy.random.default_rng(SeedSequence(root_seed, spawn_key=(p,)))")
    return "numpy.random.SeedSequence(root_seed).spawn(points)[point].spawn(replications)[replication]"


def _to_int(seq: np.random.SeedSequence) -> int:
    # 63 bits: fits a signed int64 Parquet column and any Python/NumPy seed argument
    return int(seq.generate_state(1, np.uint64)[0] >> np.uint64(1))
