"""Hypothesis strategies shared by the tests (the one place they are defined)."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["experience", "positive", "effect", "rate", "seeds", "model_overrides", "proposals", "alliance_spans"]

# ---------------------------------------------------------------- learning curves
experience = st.floats(min_value=0.0, max_value=200.0, allow_nan=False)
positive = st.floats(min_value=0.05, max_value=20.0, allow_nan=False)
effect = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
rate = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)

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
        "firms.small.base_capacity": st.floats(0.0, 4.0),
        "exit.conflict_hazard": st.floats(0.0, 0.3),
        "run.burn_in": st.sampled_from([0, 6]),
        "firms.entry_rate": st.floats(0.0, 0.2),
    }
)
"""Dotted config overrides over the ranges where every run invariant must hold."""


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
