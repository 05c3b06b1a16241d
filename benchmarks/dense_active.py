"""What a dense table of the active alliances would save the execution-and-exit pass (docs/performance.md).

The alliance log is append-only: at steady state about a quarter of the rows
between the oldest active alliance and the newest are active, so the pass
over the active alliances (:func:`sim.kernels.exit.run_alliances`, the
largest per-firm step) reads columns with gaps.  This runs a model to
``--ticks`` ticks after its burn-in, then times that kernel once on the log as
it is and once on a compacted copy holding only the active rows (the same
firm state, copied afresh for each call, and the same draws), ``--repeats``
times each, interleaved; it prints the best of each.

    PYTHONPATH=. python benchmarks/dense_active.py --firms 100000
    PYTHONPATH=. python benchmarks/dense_active.py --firms 10000
"""

from __future__ import annotations

import argparse
import copy
import time
from types import SimpleNamespace

import numpy as np

from sim import AllianceModel, load_config
from sim.kernels import exit as kx
from sim.kernels import params
from sim.kernels.generator import handle
from sim.steps import exit as se

COLUMNS = (*se._RUN_COLUMNS.__reduce__()[1], "next_due")  # what run_alliances reads and writes, and the due ticks


def _timed(model, table, live: np.ndarray) -> float:
    """Seconds of one execution-and-exit pass over rows ``live`` of ``table``'s copy, on a copy of the state."""
    cfg, state = model.config, copy.deepcopy(model.state)
    t = SimpleNamespace(**{k: getattr(table, k).copy() for k in COLUMNS})
    start = time.perf_counter()
    kx.run_alliances_drawing(handle(np.random.default_rng(7)), live, t.next_due, model.tick + 1,
                             *se._RUN_COLUMNS(t), *se._RUN_STATE(state), *se.PREFERENCE_BOUNDS,
                             params(cfg.execution), params(cfg.exit), params(cfg.learning), params(cfg.selection))
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--ticks", type=int, default=40, help="ticks after the burn-in before timing (default 40)")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    model = AllianceModel(config=load_config(overrides={"firms.n": args.firms, "run.ticks": args.ticks}), rng=1,
                          panel=False).run(args.ticks)
    log, ids = model.log, np.asarray(model.log.active_ids(), dtype=np.int64)
    span = int(ids[-1] - ids[0] + 1)
    dense = SimpleNamespace(**{k: np.ascontiguousarray(getattr(log, k)[ids]) for k in COLUMNS})
    print(f"{args.firms:,} firms: {len(ids):,} active alliances over {span:,} rows of the log "
          f"({len(ids) / span:.2f} of them active)")
    as_is, compact = [], []
    for _ in range(args.repeats):
        as_is.append(_timed(model, log, ids))
        compact.append(_timed(model, dense, np.arange(len(ids), dtype=np.int64)))
    print(f"execution and exit, best of {args.repeats}: the log {min(as_is) * 1e3:.2f} ms, "
          f"a dense table {min(compact) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
