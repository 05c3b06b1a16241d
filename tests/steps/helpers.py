"""Small models and fresh firm states for the step tests."""

from __future__ import annotations

import numpy as np

from sim import AllianceModel, load_config
from sim.steps.demography import init_firms


def small_model(ticks=0, seed=1, **overrides):
    """80 firms run ``ticks`` ticks from ``seed`` with dotted ``overrides``."""
    cfg = load_config(overrides={"firms.n": 80, "run.ticks": max(ticks, 1), "run.burn_in": 20, **overrides})
    return AllianceModel(config=cfg, rng=seed).run(ticks)


def fresh_state(n=200, seed=0, **overrides):
    """A config and freshly initialised firms, before any tick."""
    cfg = load_config(overrides={"firms.n": n, **overrides})
    return cfg, init_firms(cfg, np.random.default_rng(seed))
