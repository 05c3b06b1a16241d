"""The shape every study design and finding has: the values the registry holds.

A :class:`Design` is a study: the population it simulates
(``configs/studies/<population>.yaml``), how it builds the study's data set
from a run's tables (``data``), the model it fits (``fit``: data set ->
flat mapping of named estimates), the published sample size it is also
drawn at (:class:`PublishedSample`), and the findings it tests.  A
:class:`Finding` names its rule, its headline estimate, the placebo that
switches its mechanism off, and its :class:`Kind`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import Config
from .rules import Rule

__all__ = ["Kind", "EMERGENT", "CALIBRATION", "assumed", "PublishedSample", "Finding", "Design", "KINDS", "STATUSES"]

KINDS = ("emergent", "assumed", "calibration")
STATUSES = ("reproduced", "not reproduced", "assumed", "calibrated", "off target")


@dataclass(frozen=True)
class Kind:
    """Where a finding comes from, given the config it is simulated with.

    ``emergent``: out of mechanisms, no parameter sets the regression's
    effect.  ``assumed``: a parameter or a coded term sets it; with ``when``
    the finding is assumed only while ``when(config)`` is true (the coded term
    is switched on) and emergent otherwise.  ``calibration``: a level the
    defaults were tuned to.
    """

    name: str
    why: str = ""
    when: Callable[[Config], bool] | None = None

    def of(self, config: Config) -> str:
        if self.name == "assumed" and self.when is not None and not self.when(config):
            return "emergent"
        return self.name


EMERGENT = Kind("emergent")


def assumed(why: str, when: Callable[[Config], bool] | None = None) -> Kind:
    return Kind("assumed", why, when)


CALIBRATION = Kind("calibration", "a level the default base logits, exit thresholds and expectations were tuned to")


@dataclass(frozen=True)
class PublishedSample:
    """The published study's sample size, and how a sample of that size is drawn from the simulated data set.

    ``cluster``: draw whole clusters (firms) of this column; with
    ``count_clusters`` the size counts clusters (325 ventures), otherwise rows
    (clusters are added in random order until ``size`` rows are reached, so
    within-firm designs keep their firms whole).  Without ``cluster``: rows.
    """

    size: int
    unit: str
    cluster: str | None = None
    count_clusters: bool = False

    def draw(self, data: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        if self.cluster is None:
            take = rng.choice(len(data), size=min(self.size, len(data)), replace=False)
            return data.iloc[np.sort(take)].reset_index(drop=True)
        ids = pd.unique(data[self.cluster])
        order = rng.permutation(ids)
        if self.count_clusters:
            chosen = order[: self.size]
        else:
            sizes = data[self.cluster].value_counts().reindex(order).to_numpy()
            chosen = order[: int(np.searchsorted(np.cumsum(sizes), self.size)) + 1]
        return data[data[self.cluster].isin(chosen)].reset_index(drop=True)

    def describe(self) -> str:
        return f"{self.size:,} {self.unit}"


@dataclass(frozen=True)
class Finding:
    """One published finding: what it claims, how a run shows it, what should produce it."""

    id: str
    claim: str
    source: str
    published: str  # the published sign, shape or level, in words
    confidence: str  # high | medium | low (how firmly the literature establishes it)
    estimate: str  # headline estimate (forest plot, estimate_mean / _sd)
    rule: Rule
    placebo: str  # name in placebos.PLACEBOS: the switch that removes its mechanism
    kind: Kind = EMERGENT
    across_runs: str | None = None  # estimate whose 95% interval over runs must lie above 0
    caveat: Callable[[Config], str | None] | None = None  # a note the config makes necessary
    metric: str | None = None  # the run metric of sim.metrics that this finding's level is, if any (R12-R14)


@dataclass(frozen=True)
class Design:
    """One study design: population, data set, model, published sample size, findings."""

    id: str
    study: str  # who, where, when
    model: str  # the model, in words
    population: str  # configs/studies/<population>.yaml
    population_reason: str
    data: Callable[[Mapping[str, pd.DataFrame], Config], pd.DataFrame]
    fit: Callable[[pd.DataFrame], dict[str, float]]
    findings: tuple[Finding, ...]
    published: PublishedSample | None = None
    tables: tuple[str, ...] = ("alliances",)
    notes: tuple[str, ...] = field(default_factory=tuple)
