"""Placebos: each finding's mechanism switched off, at the baseline's success rate.

A :class:`Placebo` is a set of config overrides that removes one mechanism.
Removing a mechanism also moves the overall success rate, and a finding
could then appear or vanish only because alliances succeed more or less
often.  So each placebo names the rates it holds (:class:`Hold`): the
milestone base logits (exploration and exploitation, shifted together) keep
the alliance success rate, the R&D base logit keeps the approval rate of
internal projects.  The offsets themselves are found and recorded by
:mod:`.offsets`; :func:`placebo_overrides` applies recorded ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..config import Config

__all__ = ["Hold", "Placebo", "Derived", "PLACEBOS", "HELD_RATES", "ALLIANCE_RATE", "RD_RATE", "placebo_overrides",
           "held_rates"]


def _approval_rate(frames: Mapping[str, Any], config: Config) -> float:
    """Share of ended internal R&D projects that were approved (the R&D analogue of the success rate)."""
    p = frames["projects"]
    ended = p[p["end_tick"].notna()]
    return float((ended["outcome"] == "approved").mean()) if len(ended) else float("nan")


def _success_rate(frames: Mapping[str, Any], config: Config) -> float:
    from ..metrics import compute

    return compute(frames, config, ("success_rate",))["success_rate"]


HELD_RATES: dict[str, Callable[[Mapping[str, Any], Config], float]] = {
    "success_rate": _success_rate,  # sim.metrics' success_rate: share of ended alliances reaching their goal
    "approval_rate": _approval_rate,
}


@dataclass(frozen=True)
class Hold:
    """Base-logit keys shifted by one common offset so that ``rate`` stays at the baseline's."""

    keys: tuple[str, ...]
    rate: str


ALLIANCE_RATE = Hold(("execution.base_logit_exploration", "execution.base_logit_exploitation"), "success_rate")
RD_RATE = Hold(("innovation.base_logit",), "approval_rate")

@dataclass(frozen=True)
class Derived:
    """An override value computed from the baseline config (``text`` says how, for the docs)."""

    text: str
    fn: Callable[[Config], Any]

    def __call__(self, config: Config) -> Any:
        return self.fn(config)


Value = Any | Derived


@dataclass(frozen=True)
class Placebo:
    """A mechanism switched off: ``overrides`` (a value, or a function of the baseline config) and the rates held."""

    name: str
    mechanism: str
    overrides: Mapping[str, Value]
    holds: tuple[Hold, ...] = (ALLIANCE_RATE,)
    why: str = ""

    def resolved(self, config: Config) -> dict[str, Any]:
        return {k: (v(config) if callable(v) else v) for k, v in self.overrides.items()}

    def describe(self) -> str:
        parts = [f"{k}={v.text if isinstance(v, Derived) else v}" for k, v in self.overrides.items()]
        return ", ".join(parts)


_MEAN_ATTENTION = Derived("mean of the two", lambda c: round((c.execution.attention_exploration + c.execution.attention_exploitation) / 2, 6))


_NO_LEARNING = {"learning.general_returns": 0.0, "portfolio.capacity_learning": 0.0, "exit.knowhow_conflict_reduction": 0.0}
_NO_PARTNER_SPECIFIC = {"learning.relational_routines": 0.0, "learning.knowledge_redundancy": 0.0,
                        "learning.partner_specific_effect": 0.0}
_INERT_FUNCTION = {"learning.function_capture_bonus": 0.0, "execution.health_check_detection": 0.0,
                   "negotiation.handoff_function_reduction": 0.0, "exit.function_conflict_reduction": 0.0}

PLACEBOS: dict[str, Placebo] = {p.name: p for p in (
    Placebo("no_general_learning", "general alliance know-how: captured lessons raise milestone success, resolve "
            "conflict and build alliance-management capacity", _NO_LEARNING),
    Placebo("large_firms_learn", "large incumbents keep few of their alliance lessons: a low base capture rate, diluted "
            "across their organisational units (both set to the small firms')",
            {"firms.large.capture_rate": Derived("firms.small.capture_rate", lambda c: c.firms.small.capture_rate),
             "firms.large.units": Derived("firms.small.units", lambda c: c.firms.small.units)}),
    Placebo("no_partner_specific", "partner-specific experience: relational routines, knowledge redundancy and the "
            "optional direct term of the milestone logit", _NO_PARTNER_SPECIFIC),
    Placebo("no_coordination_costs", "coordination costs: the milestone logit and R&D approval fall with load",
            {"execution.coordination_penalty": 0.0, "innovation.load_penalty": 0.0}, (ALLIANCE_RATE, RD_RATE)),
    Placebo("equal_attention", "exploration alliances need more management attention than exploitation alliances "
            "(both set to their mean)", {"execution.attention_exploration": _MEAN_ATTENTION,
                                          "execution.attention_exploitation": _MEAN_ATTENTION}),
    Placebo("no_absorptive_capacity", "R&D absorbs technical knowledge from exploitation alliances",
            {"learning.absorb_exploitation": 0.0, "learning.absorptive_capacity_gain": 0.0}, (RD_RATE,)),
    Placebo("exploration_absorbed", "exploration-alliance knowledge is not absorbed by R&D (it is absorbed by the "
            "exploitation-alliance rule: the same base share, raised by the firm's internal research, no rigidity)",
            {"learning.exploration_absorbed_as_exploitation": True},
            (RD_RATE,)),
    Placebo("no_capacity_gain", "internal exploration know-how raises absorption (absorptive capacity)",
            {"learning.absorptive_capacity_gain": 0.0}, (RD_RATE,)),
    Placebo("no_rigidity", "internal exploitation know-how lowers absorption of exploration knowledge (rigidity)",
            {"learning.exploitation_rigidity": 0.0}, (RD_RATE,)),
    Placebo("inert_function", "the alliance function: health checks, hand-off, capture of lessons, relationship "
            "management (conflict)", _INERT_FUNCTION),
    Placebo("null_market", "every alliance mechanism (a coin with the baseline's success rate): learning, "
            "partner-specific experience, coordination, capabilities, lopsided terms, governance fit, alliance function",
            {**_NO_LEARNING, **_NO_PARTNER_SPECIFIC, "execution.coordination_penalty": 0.0,
             "execution.capability_weight": 0.0, "execution.lopsided_effort_penalty": 0.0, "execution.governance_fit": 0.0,
             **_INERT_FUNCTION}),
    Placebo("no_forgetting", "depreciation of alliance know-how: organisational forgetting and the key people who leave "
            "with it", {"learning.forgetting_rate": 0.0, "learning.key_person_hazard": 0.0}),
)}


def placebo_overrides(placebo: Placebo, population: str, baseline: Config, offsets: Mapping[str, Any]) -> dict[str, Any]:
    """Overrides that turn ``baseline`` (a population's resolved config) into the placebo, offsets included."""
    out = placebo.resolved(baseline)
    flat = baseline.flat()
    recorded = offsets.get("offsets", {}).get(placebo.name, {}).get(population, {})
    for hold in placebo.holds:
        shift = float(recorded.get(hold.rate, {}).get("offset", 0.0))
        out.update({k: flat[k] + shift for k in hold.keys})
    return out


def held_rates(frames: Mapping[str, Any], config: Config, rates: tuple[str, ...]) -> dict[str, float]:
    return {r: HELD_RATES[r](frames, config) for r in rates}
