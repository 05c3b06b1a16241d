"""How large a study population a null finding's equivalence test needs: an a-priori power analysis.

A null (R2, R8) is shown by an equivalence test against the smallest effect of
interest (:func:`.rules.small_telescope`).  That test only means something if
it could pass when the effect is truly zero: a population too small for it
fails a true null most of the time, and "not reproduced" would then say
nothing about the model (Lakens 2017, Social Psychological and Personality
Science 8: 355-362, on planning equivalence tests by their power).  The rule:
the population is the smallest (in hundreds of firms) at which the test
passes a true zero with power :data:`POWER`, i.e. at which the estimate's
standard error is at
most ``delta / (z(1 - alpha) + z(POWER))`` (two-sided TOST:
``z(1 - alpha) + z((1 + POWER) / 2)``).

The standard error is measured at the population's current size on
calibration seeds (never evaluation seeds) and scaled with the number of
firms, the clusters of every design's standard errors (``se ~ 1 / sqrt(n)``)::

    python -m sim.replication.sizing          # prints each null's SE, the SE its test needs and the firms that gives

The sizes in ``configs/studies/`` are what this printed (docs/targets.md,
"why this size").
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .fitting import FitError
from .registry import DESIGN_OF, FINDING_BY_ID, FINDINGS, population_config
from .rules import All, Equivalent, Rule
from .runs import fit_designs
from .seeds import CALIBRATION_SEEDS

__all__ = ["POWER", "SEEDS", "Need", "equivalence_parts", "needed_se", "needed_firms", "measure", "main"]

POWER = 0.8
SEEDS: tuple[int, ...] = CALIBRATION_SEEDS[2:10]  # calibration seeds (the placebo offsets use the first two)


@dataclass(frozen=True)
class Need:
    finding: str
    population: str
    term: str
    delta: float
    firms: int
    se: float
    se_needed: float
    firms_needed: int


def equivalence_parts(rule: Rule) -> list[Equivalent]:
    """The equivalence tests in ``rule`` (itself or the parts of an :class:`All`)."""
    if isinstance(rule, Equivalent):
        return [rule]
    return [p for p in rule.parts if isinstance(p, Equivalent)] if isinstance(rule, All) else []


def needed_se(test: Equivalent, power: float = POWER) -> float:
    """The largest standard error at which ``test`` passes a true zero effect with probability ``power``."""
    z_alpha = stats.norm.ppf(1 - test.alpha)
    z_power = stats.norm.ppf(power if test.upper_only else (1 + power) / 2)
    return test.delta / (z_alpha + z_power)


def needed_firms(firms: int, se: float, se_needed: float, step: int = 100) -> int:
    """Firms at which a standard error ``se`` at ``firms`` falls to ``se_needed`` (``se ~ 1/sqrt(firms)``), rounded
    up to ``step``; never fewer than ``firms``."""
    exact = firms * (se / se_needed) ** 2
    return max(firms, int(math.ceil(exact / step) * step))


def measure(finding: str, seeds: tuple[int, ...] = SEEDS, firms: int | None = None) -> Need:
    """The equivalence test of ``finding``: its estimate's mean standard error over ``seeds`` at its population
    (``firms`` firms, default: the population's own size) and the firms that give the needed one."""
    design = DESIGN_OF[finding]
    (test,) = equivalence_parts(FINDING_BY_ID[finding].rule)
    config = population_config(design.population, None if firms is None else {"firms.n": firms})
    ses = []
    for seed in seeds:
        (fit,) = fit_designs(config, seed, [design])[1]  # the replication's own simulate-and-fit (one BLAS thread)
        if fit["error"]:
            raise FitError(f"{finding} at {config.firms.n} firms, seed {seed}: {fit['error']}")
        ses.append(float(fit["estimates"][f"{test.term}.se"]))
    se = float(np.mean(ses))
    target = needed_se(test)
    return Need(finding, design.population, test.term, test.delta, config.firms.n, se, float(target),
                needed_firms(config.firms.n, se, target))


def main(argv: list[str] | None = None) -> int:
    nulls = [f.id for f in FINDINGS if equivalence_parts(f.rule)]
    print(f"equivalence tests' power at a true zero: {POWER:g}; standard errors over calibration seeds {list(SEEDS)}")
    for finding in nulls:
        n = measure(finding)
        print(f"{n.finding} ({n.population}, {n.term}, delta {n.delta:.4g}): SE {n.se:.4f} at {n.firms} firms; "
              f"needs {n.se_needed:.4f}: {n.firms_needed} firms", flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
