"""R1-R3's project design: the within-venture check tells a venture's own learning from selection between ventures."""

import numpy as np
import pandas as pd

from sim.replication.projects import BASE_CONTROLS, small_partner_slope


def _projects(learning: float, selection: float, ventures: int = 400, per_venture: int = 8, seed: int = 5) -> pd.DataFrame:
    """Projects of ventures whose success rises with their own experience by ``learning`` a project and with a
    venture trait by ``selection``; ventures with more of the trait start with more experience, so the trait
    makes experience and success go together across ventures without any learning."""
    rng = np.random.default_rng(seed)
    trait = rng.normal(size=ventures)
    start = np.clip(np.round(3 + 2 * trait + rng.normal(size=ventures)), 0, None)
    venture = np.repeat(np.arange(ventures), per_venture)
    count = start[venture] + np.tile(np.arange(per_venture), ventures)  # experience grows project by project
    p = np.clip(0.4 + learning * (count - count.mean()) + selection * trait[venture], 0.02, 0.98)
    n = len(venture)
    x = count / 10
    d = pd.DataFrame({"success": (rng.random(n) < p).astype(int), "small_experience": x, "small_experience_sq": x**2,
                      "large_experience": rng.uniform(0, 8, n), "partner_specific": rng.poisson(0.3, n).astype(float),
                      "firm_small": venture, "firm_large": rng.integers(0, 50, n)})
    d["large_experience_sq"] = d["large_experience"] ** 2
    for c in BASE_CONTROLS:
        d[c] = rng.normal(size=n)
    for year in range(3):  # start-year dummies, the first the reference
        d[f"year_{year:03d}"] = (rng.integers(0, 3, n) == year).astype(float)
    return d


def test_selection_between_ventures_shows_pooled_and_not_within():
    d = _projects(learning=0.0, selection=0.12)
    pooled, within = small_partner_slope(d), small_partner_slope(d, within=True)
    assert pooled["slope"] > 0.05 and pooled["linear_p"] < 0.05
    assert abs(within["slope"]) < pooled["slope"] / 2


def test_a_ventures_own_learning_shows_within():
    d = _projects(learning=0.03, selection=0.0)
    within = small_partner_slope(d, within=True)
    assert within["slope"] > 0.15 and within["linear_p"] < 0.05
