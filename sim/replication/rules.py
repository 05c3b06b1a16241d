"""The rules that decide whether one run's estimates show a finding.

A rule is a small frozen value with ``holds(estimates) -> bool`` and
``describe() -> str`` (docs/targets.md and the report print the
description).  ``estimates`` is the flat mapping a design's ``fit`` returns:
``name`` is a point estimate, ``name.se`` its standard error, ``name.p`` its
two-sided p-value and ``name.df`` (optional) the degrees of freedom of its
t reference distribution.  A missing or NaN value never holds.

Kinds of rule:

* :class:`Significant`: the published sign and p < alpha (two-sided), or a
  one-sided test where the study reports a marginal effect.
* :class:`Equivalent`: a null shown by equivalence (TOST): both one-sided
  tests reject an effect of at least the smallest effect of interest
  (``upper_only``: only a benefit of that size is rejected, "does not help").
* :class:`Sign`, :class:`Inside`, :class:`Between`: a sign, a turning point
  inside the observed range, a level inside a published range.
* :class:`All`: every part holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from scipy import stats

__all__ = ["Rule", "Significant", "Equivalent", "Sign", "Inside", "Between", "All", "tost_p", "small_telescope"]

Estimates = Mapping[str, float]


def _get(est: Estimates, key: str) -> float:
    value = est.get(key, math.nan)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _ok(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _cdf(z: float, df: float) -> float:
    return float(stats.t.cdf(z, df)) if math.isfinite(df) and df > 0 else float(stats.norm.cdf(z))


def tost_p(estimate: float, se: float, delta: float, df: float = math.nan, upper_only: bool = False) -> float:
    """p-value of the equivalence test |effect| < ``delta`` (two one-sided tests; the larger p).

    ``upper_only``: the one-sided test of effect < ``delta`` (no benefit of
    ``delta`` or more), for a finding read as "does not help".
    """
    if not _ok(estimate, se) or se <= 0:
        return math.nan
    p_upper = _cdf((estimate - delta) / se, df)  # H0: effect >= delta
    if upper_only:
        return p_upper
    p_lower = 1.0 - _cdf((estimate + delta) / se, df)  # H0: effect <= -delta
    return max(p_upper, p_lower)


def small_telescope(n: int, rate: float = 0.5, alpha: float = 0.05, power: float = 1 / 3) -> float:
    """The standardised logit effect a binary-outcome study of ``n`` cases had ``power`` to detect.

    Simonsohn's (2015) "small telescopes" smallest effect of interest for a
    replication: an effect the original study could only have seen one time
    in three is too small to have been its finding.  Coefficient per standard
    deviation of the regressor, whose sampling SE is about
    ``1 / sqrt(n rate (1 - rate))``.
    """
    se = 1.0 / math.sqrt(n * rate * (1.0 - rate))
    return float((stats.norm.ppf(1 - alpha / 2) - stats.norm.ppf(1 - power)) * se)


class Rule:
    """Base of every rule (subclasses are frozen dataclasses)."""

    def holds(self, est: Estimates) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Significant(Rule):
    """``term`` has sign ``sign`` (+1 / -1) and p < ``alpha`` (``one_sided``: the one-sided p)."""

    term: str
    sign: int
    alpha: float = 0.05
    one_sided: bool = False

    def holds(self, est: Estimates) -> bool:
        value, p = _get(est, self.term), _get(est, f"{self.term}.p")
        if not _ok(value, p):
            return False
        p = p / 2 if self.one_sided else p
        return value * self.sign > 0 and p < self.alpha

    def describe(self) -> str:
        side = "one-sided " if self.one_sided else ""
        return f"`{self.term}` {'>' if self.sign > 0 else '<'} 0 with {side}p < {self.alpha:g}"


@dataclass(frozen=True)
class Equivalent(Rule):
    """Equivalence: TOST of ``term`` against +-``delta`` (``upper_only``: against +``delta``) at ``alpha``."""

    term: str
    delta: float
    alpha: float = 0.05
    upper_only: bool = False

    def holds(self, est: Estimates) -> bool:
        p = tost_p(_get(est, self.term), _get(est, f"{self.term}.se"), self.delta, _get(est, f"{self.term}.df"), self.upper_only)
        return math.isfinite(p) and p < self.alpha

    def describe(self) -> str:
        if self.upper_only:
            return f"`{self.term}` < {self.delta:.3g} (one-sided equivalence, p < {self.alpha:g})"
        return f"abs(`{self.term}`) < {self.delta:.3g} (TOST, p < {self.alpha:g})"


@dataclass(frozen=True)
class Sign(Rule):
    """``term`` has sign ``sign`` (no test: a part of a shape rule)."""

    term: str
    sign: int

    def holds(self, est: Estimates) -> bool:
        value = _get(est, self.term)
        return _ok(value) and value * self.sign > 0

    def describe(self) -> str:
        return f"`{self.term}` {'>' if self.sign > 0 else '<'} 0"


@dataclass(frozen=True)
class Inside(Rule):
    """``term`` lies strictly between the estimates ``lower`` and ``upper`` (e.g. the observed range)."""

    term: str
    lower: str
    upper: str

    def holds(self, est: Estimates) -> bool:
        value, lo, hi = _get(est, self.term), _get(est, self.lower), _get(est, self.upper)
        return _ok(value, lo, hi) and lo < value < hi

    def describe(self) -> str:
        return f"`{self.lower}` < `{self.term}` < `{self.upper}`"


@dataclass(frozen=True)
class Between(Rule):
    """``term`` lies in the published range [``low``, ``high``]."""

    term: str
    low: float
    high: float

    def holds(self, est: Estimates) -> bool:
        value = _get(est, self.term)
        return _ok(value) and self.low <= value <= self.high

    def describe(self) -> str:
        return f"`{self.term}` in [{self.low:g}, {self.high:g}]"


@dataclass(frozen=True)
class All(Rule):
    """Every part holds."""

    parts: tuple[Rule, ...]

    def holds(self, est: Estimates) -> bool:
        return all(part.holds(est) for part in self.parts)

    def describe(self) -> str:
        return "; ".join(part.describe() for part in self.parts)
