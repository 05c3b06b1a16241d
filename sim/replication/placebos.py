"""Placebos: each finding's mechanism switched off, at the baseline's success rate.

A :class:`Placebo` is a set of config overrides that removes one mechanism.
Removing a mechanism also moves the overall success rate, and a finding
could then appear or vanish only because alliances succeed more or less
often.  So each placebo names the rates it holds (:class:`Hold`): the
milestone base logits (exploration and exploitation, shifted together) keep
the alliance success rate, the R&D base logit keeps the approval rate of
internal projects.  Each offset is found by root bracketing (Brent's method)
on the calibration seeds, never on evaluation seeds, for every study
population the placebo is used with, and recorded in
``configs/studies/placebo_offsets.yaml`` with the seeds, the target rates and
a hash of the population config it was found for::

    python -m sim.replication.placebos          # re-find every offset (~10 min on 2 cores)

The replication reads the recorded offsets; the findings table reports, per
finding, how far the placebo runs' rate ended up from the baseline's
(``placebo_rate_gap``), which shows when a changed config has made the
recorded offsets stale.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..config import CONFIGS_DIR, Config
from ..model import as_config
from ..runner import simulate
from .seeds import PLACEBO_CALIBRATION_SEEDS

__all__ = ["Hold", "Placebo", "Derived", "PLACEBOS", "HELD_RATES", "OFFSETS_PATH", "ALLIANCE_RATE", "RD_RATE",
           "load_offsets", "placebo_overrides", "config_hash", "calibrate", "held_rates"]

OFFSETS_PATH = CONFIGS_DIR / "studies" / "placebo_offsets.yaml"


def _approval_rate(frames: Mapping[str, Any], config: Config) -> float:
    """Share of ended internal R&D projects that were approved (the R&D analogue of the success rate)."""
    p = frames["projects"]
    ended = p[p["end_tick"].notna()]
    return float((ended["outcome"] == "approved").mean()) if len(ended) else float("nan")


def _success_rate(frames: Mapping[str, Any], config: Config) -> float:
    from ..metrics import compute

    return compute(frames, config)["success_rate"]


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


_NO_LEARNING = {"learning.general_returns": 0.0, "portfolio.capacity_per_knowhow": 0.0}
_NO_PARTNER_SPECIFIC = {"learning.relational_routines": 0.0, "learning.knowledge_redundancy": 0.0,
                        "learning.partner_specific_effect": 0.0}
_INERT_FUNCTION = {"learning.function_capture_bonus": 0.0, "execution.health_check_detection": 0.0,
                   "negotiation.handoff_function_reduction": 0.0}

PLACEBOS: dict[str, Placebo] = {p.name: p for p in (
    Placebo("no_general_learning", "general alliance know-how: captured lessons raise milestone success and "
            "alliance-management capacity", _NO_LEARNING),
    Placebo("large_firms_learn", "large incumbents capture few of their alliance lessons (their capture rate "
            "is set to the small firms')", {"firms.large.capture_rate": Derived("firms.small.capture_rate", lambda c: c.firms.small.capture_rate)}),
    Placebo("no_partner_specific", "partner-specific experience: relational routines, knowledge redundancy and the "
            "optional direct term of the milestone logit", _NO_PARTNER_SPECIFIC),
    Placebo("no_coordination_costs", "coordination costs: the milestone logit and R&D approval fall with load",
            {"execution.coordination_penalty": 0.0, "innovation.load_penalty": 0.0}, (ALLIANCE_RATE, RD_RATE)),
    Placebo("equal_attention", "exploration alliances need more management attention than exploitation alliances "
            "(both set to their mean)", {"execution.attention_exploration": _MEAN_ATTENTION,
                                          "execution.attention_exploitation": _MEAN_ATTENTION}),
    Placebo("no_absorptive_capacity", "R&D absorbs technical knowledge from exploitation alliances",
            {"learning.absorb_exploitation": 0.0, "learning.absorptive_capacity_gain": 0.0}, (RD_RATE,)),
    Placebo("exploration_absorbed", "exploration-alliance knowledge is not absorbed by R&D (it is set to be absorbed "
            "like exploitation-alliance knowledge, without rigidity)",
            {"learning.absorb_exploration": Derived("learning.absorb_exploitation", lambda c: c.learning.absorb_exploitation),
             "learning.exploitation_rigidity": 0.0},
            (RD_RATE,)),
    Placebo("no_capacity_gain", "internal exploration know-how raises absorption (absorptive capacity)",
            {"learning.absorptive_capacity_gain": 0.0}, (RD_RATE,)),
    Placebo("no_rigidity", "internal exploitation know-how lowers absorption of exploration knowledge (rigidity)",
            {"learning.exploitation_rigidity": 0.0}, (RD_RATE,)),
    Placebo("inert_function", "the alliance function: health checks, hand-off, capture of lessons", _INERT_FUNCTION),
    Placebo("null_market", "every alliance mechanism (a coin with the baseline's success rate): learning, "
            "partner-specific experience, coordination, capabilities, lopsided terms, governance fit, alliance function",
            {**_NO_LEARNING, **_NO_PARTNER_SPECIFIC, "execution.coordination_penalty": 0.0,
             "execution.capability_weight": 0.0, "execution.lopsided_effort_penalty": 0.0, "execution.governance_fit": 0.0,
             **_INERT_FUNCTION}),
    Placebo("no_forgetting", "organisational forgetting of alliance know-how", {"learning.forgetting_rate": 0.0}),
)}


def config_hash(config: Config) -> str:
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]


def load_offsets(path: Path = OFFSETS_PATH) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) if path.is_file() else {"offsets": {}}


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


def _mean_rate(config: Config, rate: str, seeds: tuple[int, ...]) -> float:
    return float(np.mean([HELD_RATES[rate](simulate(config, s).frames, config) for s in seeds]))


def _find_offset(base: Config, overrides: dict[str, Any], hold: Hold, target: float, seeds: tuple[int, ...]) -> float:
    """The common shift of ``hold.keys`` at which the placebo's mean rate over ``seeds`` equals ``target``."""
    from scipy.optimize import brentq

    flat = base.flat()

    def gap(shift: float) -> float:
        return _mean_rate(as_config(base, {**overrides, **{k: flat[k] + shift for k in hold.keys}}), hold.rate, seeds) - target

    lo, hi = -2.0, 2.0
    g_lo, g_hi = gap(lo), gap(hi)
    while g_lo > 0 and lo > -16:
        lo, g_lo = lo * 2, gap(lo * 2)
    while g_hi < 0 and hi < 16:
        hi, g_hi = hi * 2, gap(hi * 2)
    return float(brentq(gap, lo, hi, xtol=0.01))


def calibrate(seeds: tuple[int, ...] = PLACEBO_CALIBRATION_SEEDS, path: Path = OFFSETS_PATH, log=print) -> dict[str, Any]:
    """Find and record every placebo's offsets for every population it is used with (calibration seeds only)."""
    from .registry import DESIGNS, population_config

    used: dict[str, set[str]] = {}
    for design in DESIGNS:
        for finding in design.findings:
            used.setdefault(finding.placebo, set()).add(design.population)
    result: dict[str, Any] = {"calibration_seeds": list(seeds), "offsets": {}}
    targets: dict[tuple[str, str], float] = {}
    for name, populations in used.items():
        placebo = PLACEBOS[name]
        for population in sorted(populations):
            base = population_config(population)
            overrides = placebo.resolved(base)
            entry = result["offsets"].setdefault(name, {}).setdefault(population, {})
            for hold in placebo.holds:
                key = (population, hold.rate)
                if key not in targets:
                    targets[key] = _mean_rate(base, hold.rate, seeds)
                shift = _find_offset(base, overrides, hold, targets[key], seeds)
                overrides.update({k: base.flat()[k] + shift for k in hold.keys})
                entry[hold.rate] = {"offset": round(shift, 3), "target": round(targets[key], 4), "keys": list(hold.keys),
                                    "config_hash": config_hash(base)}
                log(f"{name} / {population}: {hold.rate} {targets[key]:.3f} held with offset {shift:+.3f}")
    header = ("# Base-logit offsets that keep each placebo at the baseline's rate (docs/replication.md, Placebos).\n"
              "# Generated by `python -m sim.replication.placebos` on the calibration seeds below; do not edit by hand.\n")
    path.write_text(header + yaml.safe_dump(result, sort_keys=False))
    return result


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    calibrate()
    sys.exit(0)
