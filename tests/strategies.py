"""Hypothesis strategies shared by the tests (the one place they are defined)."""

from __future__ import annotations

import math

from hypothesis import strategies as st

__all__ = ["experience", "step", "repeats", "positive", "effect", "slope", "rate", "inner_rate", "knowhow", "lesson",
           "ticks", "some_ticks", "seeds", "model_overrides", "kernel_settings", "proposals", "alliance_spans",
           "log_changes", "inside", "outside"]

# ---------------------------------------------------------------- learning curves
experience = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
step = st.floats(min_value=0.01, max_value=50.0)
"""A positive step in experience."""
repeats = step
"""Prior alliances with the same partner (more than none)."""
positive = st.floats(min_value=0.05, max_value=20.0, allow_nan=False)
effect = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
slope = st.floats(-2, 2)
"""An absorption slope."""
rate = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
inner_rate = st.floats(min_value=0.01, max_value=0.99)
"""A rate strictly inside (0, 1)."""
lesson = st.floats(min_value=0.0, max_value=100.0)
knowhow = st.floats(min_value=0.1, max_value=100.0)
"""Know-how a firm holds (more than none)."""
ticks = st.integers(min_value=0, max_value=200)
some_ticks = st.integers(1, 50)

# ----------------------------------------------------------------------- models
seeds = st.integers(0, 2**32 - 1)

model_overrides = st.fixed_dictionaries(
    {
        "firms.n": st.integers(min_value=2, max_value=60),
        "firms.share_large": st.floats(0.0, 1.0),
        "selection.search_probability": st.floats(0.0, 1.0),
        "selection.search_breadth": st.integers(1, 12),
        "learning.partner_specific_effect": st.floats(-3.0, 3.0),
        "learning.forgetting_rate": st.floats(0.0, 0.5),
        "portfolio.overconfidence": st.floats(1.0, 3.0),
        "portfolio.overconfidence_persistence": st.sampled_from([1.0, 0.9, 0.0]),
        "firms.small.base_capacity": st.floats(0.0, 4.0),
        "exit.conflict_hazard": st.floats(0.0, 0.3),
        "run.burn_in": st.sampled_from([0, 6]),
        "firms.entry_rate": st.floats(0.0, 0.2),
        "firms.acquisition_hazard": st.floats(0.0, 0.2),
    }
)
"""Dotted config overrides over the ranges where every run invariant must hold."""

kernel_settings = st.sampled_from([
    {},
    {"selection.adaptation_rate": 0.0, "learning.key_person_hazard": 0.0},
    {"portfolio.function_setup_ticks": 0, "portfolio.function_review_probability": 0.5},
    {"selection.exploration_target": 1.0, "learning.partner_specific_effect": 0.7, "firms.exit_threshold": 5.0},
    {"execution.coordination_exponent": 1.5, "negotiation.rushed_deal_probability": 0.9,
     "negotiation.resource_power": 0.3},
    {"learning.exploration_absorbed_as_exploitation": True, "innovation.experience_saturation": 4.0},
])
"""Settings that switch branches of the compiled steps on and off (and preferences drawn outside their bounds,
which settlement clips), for the steps' checks against the numpy code."""


@st.composite
def proposals(draw) -> tuple[list[int], list[int], list[int]]:
    """Proposals ``(proposers, targets, spare room per firm)``: never to oneself, repeats and full firms allowed."""
    n = draw(st.integers(2, 10))
    k = draw(st.integers(0, 40))
    proposers = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k))
    shifts = draw(st.lists(st.integers(1, n - 1), min_size=k, max_size=k))
    targets = [(p + d) % n for p, d in zip(proposers, shifts)]
    spare = draw(st.lists(st.integers(-1, 4), min_size=n, max_size=n))
    return proposers, targets, spare


alliance_spans = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 30), st.one_of(st.none(), st.integers(0, 12))),
    min_size=1, max_size=40,
)
"""Alliances as ``(firm_a, firm_b, start_tick, duration or None while running)``."""

# ---------------------------------------------------------------- column logs
log_changes = st.lists(st.tuples(st.integers(0, 40), st.lists(st.integers(0, 10_000), max_size=20)), max_size=30)
"""Steps of a column log: ``(rows appended, picks among the active ids to end)``."""


# ---------------------------------------------------------------- config values
def inside(low: float, high: float, open_low: bool, open_high: bool) -> st.SearchStrategy[float]:
    """Finite floats a config field with these bounds accepts."""
    return st.floats(low, high, exclude_min=open_low, exclude_max=open_high, allow_nan=False, allow_infinity=False)


def outside(max_magnitude: float) -> st.SearchStrategy[float]:
    """Floats every config field refuses: not finite, or beyond ``max_magnitude``."""
    return st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308, max_magnitude * 1.5])
