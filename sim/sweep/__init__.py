"""Parameter sweeps: designs x replications, run anywhere, streamed to disk, analysed.

>>> from sim.sweep import load_sweep_spec, run_sweep, read_runs
>>> spec = load_sweep_spec("configs/sweeps/smoke.yaml")          # doctest: +SKIP
>>> run_sweep(spec, "results/smoke", workers=2)                    # doctest: +SKIP
>>> read_runs("results/smoke")                                     # doctest: +SKIP

Modules, one job each: :mod:`.spec` (sweep config files), :mod:`.design`
(points via SALib, per-run seeds), :mod:`.worker` (one run), :mod:`.executors`
(in process, process pool, Dask), :mod:`.store` (atomic Parquet parts, resume),
:mod:`.run` (orchestration, progress), :mod:`.analyze` (CIs, sensitivity),
:mod:`.plots` (figures), :mod:`.report` (the analysis folder), :mod:`.command`
(the CLI).
"""

from .design import design_points, run_seeds, seed_for
from .spec import SweepSpec, load_sweep_spec, spec_from_dict
from .run import SweepReport, run_sweep


def read_runs(out):
    """The per-run table of a sweep folder in design order: sorted by (point, replication).

    Use this rather than ``pandas.read_parquet(DIR / "runs")``, whose rows come
    in completion order (SALib's analysers, for one, rely on design order).
    """
    from .analyze import load_runs as _load

    return _load(out)


load_runs = read_runs  # the earlier name

__all__ = ["SweepSpec", "SweepReport", "load_sweep_spec", "spec_from_dict", "run_sweep", "design_points", "run_seeds", "seed_for",
           "read_runs", "load_runs"]
