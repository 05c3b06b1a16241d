"""Calibration config files: read, validate (before any simulation) and fingerprint.

A calibration config (YAML) names a base model config and fixed overrides
(like a sweep), the parameters to fit with their prior bounds, the target
metrics with their observed values, and the ABC-SMC budget::

    name: smoke
    base: null                      # model config file, relative to this file; null = baseline
    set: {firms.n: 60, run.ticks: 48}
    parameters:                     # config key -> prior: uniform on [low, high], or log-uniform
      execution.base_logit_exploration: {low: -1.0, high: 1.5}
      exit.conflict_hazard: {low: 0.002, high: 0.05, scale: log}
    targets:                        # metric of sim.metrics -> observed value, or {value, scale}
      failure_share: 0.5
      underperforming_share: {value: 0.5, scale: 0.1}
    populations: 4                  # ABC-SMC populations (and/or epsilon: stop when reached)
    particles: 40                   # accepted particles per population
    replications: 2                 # simulations per particle, metrics averaged
    seed: 2026                      # root seed of the sampler and of the simulation seeds
    calibration_seeds: [100000, 200000]   # simulation seeds are drawn from [start, stop);
                                    # default: the first of sim.replication.seeds.CALIBRATION_SEED_RANGES
    evaluation: {seed: 42, runs: 2} # --validate: the replication's root seed and number of runs
                                    # (its seeds are spawned from the root and skip the calibration seed ranges)

A config with ``method: findings`` is a pattern-oriented calibration instead
(fitted and held-out findings, a design, calibration and evaluation seeds):
:mod:`.patterns`; ``method: abc`` (the default) is the above.

Everything wrong is a :class:`~sim.config.ConfigError` naming the key and the
value, raised before any output folder exists.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import metrics
from ..config import Config, ConfigError, apply_overrides, show, validate
from ..replication.seeds import CALIBRATION_SEED_RANGES
from ..specfile import ConfigSpec, check_top_keys, load_spec, non_negative_int, positive_int, spec_base, spec_label
from ..sweep.spec import SweepSpec
from ..sweep.spec import spec_from_dict as sweep_from_dict

__all__ = ["Prior", "Target", "Evaluation", "CalibrationSpec", "PatternSpec", "load_calibration_spec", "spec_from_dict",
           "pattern_spec_from_dict", "SCALES", "METHODS"]

SCALES = ("linear", "log")
METHODS = ("abc", "findings")  # ABC-SMC on metric targets (here) | pattern-oriented on findings (.patterns)
_TOP_KEYS = {"name", "description", "method", "base", "set", "parameters", "targets", "populations", "epsilon",
             "min_acceptance_rate", "particles", "replications", "seed", "calibration_seeds", "evaluation"}


@dataclass(frozen=True)
class Prior:
    """Uniform (``scale: linear``) or log-uniform (``scale: log``) prior on [low, high] of one config key."""

    low: float
    high: float
    scale: str = "linear"
    integer: bool = False  # the config key is an integer: sampled values are rounded


@dataclass(frozen=True)
class Target:
    """An observed value of a metric and the scale its deviation is measured in."""

    value: float
    scale: float


@dataclass(frozen=True)
class Evaluation:
    """The held-out check (``--validate``): the replication's root seed and number of runs."""

    seed: int
    runs: int


@dataclass(frozen=True)
class Confirm:
    """A pattern calibration's confirmation race: the ``points`` best points of the search (for the choice and for
    each leave-one-out choice) run ``replications`` more times on further calibration seeds, shared by all of them,
    and the choice is made on the pooled runs, so that a point's lucky search runs cannot carry it alone."""

    points: int
    replications: int


@dataclass(frozen=True)
class Placebos:
    """A pattern calibration's placebo race: the ``points`` best points of the choice (after the confirmation race,
    if any) run the replication's whole protocol ``runs`` times on further calibration seeds (every finding beside
    its placebo, offsets found for the point's configs), and the choice goes to the point where the most fitted
    directional findings are reproduced (:func:`sim.replication.summary.status`), so that a finding counts only
    where its mechanism carries it."""

    points: int
    runs: int


@dataclass(frozen=True)
class Rerace:
    """A pattern calibration's second placebo race: the ``points`` raced points where the most fitted directional
    findings were reproduced run the replication's protocol ``runs`` more times on calibration seeds no earlier stage
    used, and the choice goes to the point where the most are reproduced there.  The first race's best count is the
    maximum of noisy counts, so it flatters its point (the winner's curse); the second race measures the best few
    again on runs that did not pick them."""

    points: int
    runs: int


@dataclass(frozen=True)
class CalibrationSpec(ConfigSpec):
    """A validated calibration: model, priors, targets, ABC-SMC budget and seeds."""

    name: str
    base: Config
    parameters: dict[str, Prior]
    targets: dict[str, Target]
    particles: int
    replications: int
    seed: int
    calibration_seeds: tuple[int, int]
    evaluation: Evaluation | None
    populations: int | None = None
    epsilon: float | None = None
    min_acceptance_rate: float = 0.0
    description: str = ""
    source: str | None = field(default=None, compare=False)

    def identity(self) -> dict[str, Any]:
        """What makes two calibrations the same one (so a history database can be resumed).

        The stopping rules (populations, epsilon, min_acceptance_rate) are left
        out: a finished calibration can be continued for more populations.
        """
        return {
            "base": self.base.model_dump(),
            "parameters": {k: vars(p) for k, p in self.parameters.items()},
            "targets": {k: vars(t) for k, t in self.targets.items()},
            "particles": self.particles,
            "replications": self.replications,
            "seed": self.seed,
            "calibration_seeds": list(self.calibration_seeds),
        }

    def roles(self) -> dict[str, str]:
        """Each finding's role (:mod:`.roles`): ``base_rate`` if a target is its level (``Finding.metric``), else ``held_out``."""
        from ..replication.registry import FINDINGS

        return {f.id: "base_rate" if f.metric is not None and f.metric in self.targets else "held_out" for f in FINDINGS}


def load_calibration_spec(path: str | Path, overrides: dict[str, Any] | None = None) -> CalibrationSpec | PatternSpec:
    """Read a calibration config file; ``overrides`` (``--set``) apply to its base model config.

    Returns a :class:`CalibrationSpec` (``method: abc``, the default) or a
    :class:`PatternSpec` (``method: findings``, run by :mod:`.patterns`).
    """
    return load_spec(path, "calibration", "a mapping (base, set, parameters, targets, populations, particles, seed)",
                     spec_from_dict, overrides)


def spec_from_dict(data: dict[str, Any], overrides: dict[str, Any] | None = None, file: Path | None = None) -> CalibrationSpec | PatternSpec:
    """Validate a calibration config given as a dict (the parsed YAML of ``file``, if it came from one);
    see :func:`load_calibration_spec`."""
    method = data.get("method", "abc")
    if method not in METHODS:
        raise ConfigError(f"calibration config key 'method': must be one of {list(METHODS)}, got {show(method)}")
    if method == "findings":
        return pattern_spec_from_dict(data, overrides, file)
    base = spec_base(data, _TOP_KEYS, "calibration", overrides, file)
    parameters = _parameters(data.get("parameters"), base, overrides or {})
    targets = _targets(data.get("targets"))
    populations = data.get("populations")
    if populations is not None:
        populations = positive_int("calibration", "populations", populations)
    epsilon = data.get("epsilon")
    if epsilon is not None and (not _is_number(epsilon) or not epsilon > 0 or not math.isfinite(epsilon)):
        raise ConfigError(f"calibration config key 'epsilon': must be a positive number, got {epsilon!r}")
    if populations is None and epsilon is None:
        raise ConfigError("calibration config key 'populations': give populations or epsilon (or both), got neither")
    min_rate = data.get("min_acceptance_rate", 0.0)
    if not _is_number(min_rate) or not 0.0 <= min_rate < 1.0:
        raise ConfigError(f"calibration config key 'min_acceptance_rate': must be a number in [0, 1), got {min_rate!r}")
    replications = positive_int("calibration", "replications", data.get("replications", 1))
    calibration_seeds = _seed_range("calibration_seeds", data.get("calibration_seeds", list(CALIBRATION_SEED_RANGES[0])))
    if calibration_seeds[1] - calibration_seeds[0] < replications:
        raise ConfigError(f"calibration config key 'calibration_seeds': the range {list(calibration_seeds)} holds fewer seeds "
                          f"than replications ({replications})")
    evaluation = _evaluation(data.get("evaluation"))
    seed = non_negative_int("calibration", "seed", data.get("seed", base.run.seed))
    return CalibrationSpec(
        **spec_label(data, file, "calibration"),
        base=base,
        parameters=parameters,
        targets=targets,
        particles=positive_int("calibration", "particles", data.get("particles")),
        replications=replications,
        seed=seed,
        calibration_seeds=calibration_seeds,
        evaluation=evaluation,
        populations=populations,
        epsilon=float(epsilon) if epsilon is not None else None,
        min_acceptance_rate=float(min_rate),
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _evaluation(value: Any) -> Evaluation | None:
    """``evaluation: {seed: ROOT, runs: N}``: the replication's root seed (its seeds are spawned from it, never a
    calibration seed: sim.replication.seeds) and number of runs."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"seed", "runs"}:
        raise ConfigError(f"calibration config key 'evaluation': expected {{seed: ROOT, runs: N}}, got {value!r}")
    return Evaluation(non_negative_int("calibration", "evaluation.seed", value["seed"]),
                      positive_int("calibration", "evaluation.runs", value["runs"]))


def _seed_range(key: str, value: Any) -> tuple[int, int]:
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value) or not value[0] < value[1]):
        raise ConfigError(f"calibration config key {key!r}: expected [start, stop) with 0 <= start < stop, got {value!r}")
    return (value[0], value[1])


def _parameters(params: Any, base: Config, overrides: dict[str, Any]) -> dict[str, Prior]:
    if not isinstance(params, dict) or not params:
        raise ConfigError(f"calibration config key 'parameters' must map config keys to {{low, high}}, got {params!r}")
    tree = base.model_dump()
    flat = base.flat()
    parsed = {}
    for key, value in params.items():
        if key not in flat:
            raise ConfigError(f"unknown config key {key!r} in parameters (value {value!r})")
        if key in overrides:
            raise ConfigError(f"--set {key}={overrides[key]!r}: {key!r} is calibrated; it cannot also be fixed")
        base_value = flat[key]
        if not _is_number(base_value):
            raise ConfigError(f"parameters.{key}: only numeric config keys can be calibrated (value {base_value!r})")
        if not isinstance(value, dict) or not {"low", "high"} <= set(value) <= {"low", "high", "scale"}:
            raise ConfigError(f"parameters.{key}: expected {{low: ..., high: ...[, scale: log]}}, got {value!r}")
        low, high, scale = value["low"], value["high"], value.get("scale", "linear")
        integer = isinstance(base_value, int)
        for bound in (low, high):
            if not _is_number(bound) or not math.isfinite(bound) or (integer and not isinstance(bound, int)):
                raise ConfigError(f"parameters.{key}: bounds must be finite {'integers' if integer else 'numbers'}, got {value!r}")
        if not low < high:
            raise ConfigError(f"parameters.{key}: low must be below high, got low={low!r}, high={high!r}")
        if scale not in SCALES:
            raise ConfigError(f"parameters.{key}.scale: must be one of {list(SCALES)}, got {scale!r}")
        if scale == "log" and not low > 0:
            raise ConfigError(f"parameters.{key}: a log scale needs low > 0, got low={low!r}")
        for bound in (low, high):  # the schema must accept every value of the prior's range
            try:
                validate(apply_overrides(tree, {key: bound}))
            except ConfigError as err:
                raise ConfigError(f"parameters.{key}: bound {bound!r} is outside the schema ({err})") from None
        parsed[key] = Prior(float(low), float(high), scale, integer)
    return parsed


def _targets(targets: Any) -> dict[str, Target]:
    if not isinstance(targets, dict) or not targets:
        raise ConfigError(f"calibration config key 'targets' must map metric names to observed values, got {targets!r}")
    parsed = {}
    for name, value in targets.items():
        if name not in metrics.NAMES:
            raise ConfigError(f"targets: no metric {name!r} (value {value!r}); metrics are {', '.join(metrics.NAMES)}")
        parsed[name] = target(name, value)
    return parsed


def target(name: str, value: Any) -> Target:
    """``targets.NAME``: an observed value, or ``{value, scale}`` (scale default: ``|value|``)."""
    if isinstance(value, dict):
        if not {"value"} <= set(value) <= {"value", "scale"}:
            raise ConfigError(f"targets.{name}: expected a number or {{value: ..., scale: ...}}, got {value!r}")
        observed, scale = value["value"], value.get("scale")
    else:
        observed, scale = value, None
    if not _is_number(observed) or not math.isfinite(observed):
        raise ConfigError(f"targets.{name}: the observed value must be a finite number, got {observed!r}")
    if scale is None:
        if observed == 0:
            raise ConfigError(f"targets.{name}: an observed value of 0 needs an explicit scale, got {value!r}")
        scale = abs(observed)  # default: deviations relative to the observed value
    if not _is_number(scale) or not scale > 0 or not math.isfinite(scale):
        raise ConfigError(f"targets.{name}.scale: must be a positive number, got {scale!r}")
    return Target(float(observed), float(scale))


# ------------------------------------------------------------------ method: findings
# A pattern-oriented calibration (run by :mod:`.patterns`): its spec is read here, with the ABC one, so that one
# loader (:func:`load_calibration_spec`, through :mod:`sim.specfile`) reads either and the roles are known before
# anything runs; :mod:`.patterns` (search, choice, evaluation, outputs) builds on this module.
_PATTERN_KEYS = {"name", "description", "method", "base", "set", "fitted", "held_out", "targets", "design", "replications",
                 "seed", "calibration_seeds", "evaluation", "confirm", "placebos", "rerace"}


def _is_base_rate(finding: str) -> bool:
    """A level the model is tuned to (the registry's ``calibration`` kind): fitted as a base rate."""
    from ..replication.registry import FINDING_BY_ID

    return FINDING_BY_ID[finding].kind.name == "calibration"


@dataclass(frozen=True)
class PatternSpec(ConfigSpec):
    """A validated pattern-oriented calibration."""

    name: str
    base: Config
    search: SweepSpec  # the search: a findings sweep over the fitted findings on calibration seeds
    fitted: tuple[str, ...]
    held_out: tuple[str, ...]
    targets: dict[str, Target]
    calibration_seeds: tuple[int, int]
    evaluation: Evaluation
    confirm: Confirm | None = None
    placebos: Placebos | None = None
    rerace: Rerace | None = None
    description: str = ""
    source: str | None = field(default=None, compare=False)

    @property
    def keys(self) -> list[str]:
        return self.search.keys

    @property
    def judged(self) -> tuple[str, ...]:
        """Fitted and held-out findings, registry order (what the evaluation judges)."""
        from ..replication.registry import FINDINGS

        return tuple(f.id for f in FINDINGS if f.id in self.fitted or f.id in self.held_out)

    def identity(self) -> dict[str, Any]:
        return {"method": "findings", "search": self.search.identity(), "fitted": list(self.fitted),
                "held_out": list(self.held_out), "targets": {k: vars(t) for k, t in self.targets.items()},
                "evaluation": vars(self.evaluation), **({"confirm": vars(self.confirm)} if self.confirm else {}),
                **({"placebos": vars(self.placebos)} if self.placebos else {}),
                **({"rerace": vars(self.rerace)} if self.rerace else {})}

    def roles(self) -> dict[str, str]:
        """Each finding's role (:mod:`.roles`): ``fitted`` (``base_rate`` for a fitted level), else ``held_out``."""
        from ..replication.registry import FINDINGS

        return {f.id: ("base_rate" if _is_base_rate(f.id) else "fitted") if f.id in self.fitted else "held_out"
                for f in FINDINGS}


def _counts(data: dict[str, Any], key: str, kind: type):
    """Optional ``key`` of ``data``: a mapping of positive counts, one per field of the dataclass ``kind``."""
    value = data.get(key)
    if value is None:
        return None
    names = [f.name for f in dataclasses.fields(kind)]
    if not isinstance(value, dict) or set(value) != set(names):
        shape = ", ".join(f"{n}: {n[0].upper()}" for n in names)
        raise ConfigError(f"calibration config key {key!r}: expected {{{shape}}}, got {show(value)}")
    return kind(*(positive_int("calibration", f"{key}.{n}", value[n]) for n in names))


def pattern_spec_from_dict(data: dict[str, Any], overrides: dict[str, Any] | None = None, file: Path | None = None) -> PatternSpec:
    """Validate a ``method: findings`` calibration config (the parsed YAML of ``file``, if it came from one; read by
    :func:`sim.calibration.spec.load_calibration_spec`): roles first, before anything runs."""
    from ..replication.seeds import CALIBRATION_SEED_RANGES, skipped
    from ..sweep.findings import parse_findings

    check_top_keys(data, _PATTERN_KEYS, "calibration")
    for key in ("fitted", "held_out"):
        if key not in data:
            raise ConfigError(f"calibration config key {key!r}: method findings declares the fitted and the held-out "
                              f"findings (a list of ids each), got none")
    fitted = parse_findings(data["fitted"], "calibration config key 'fitted'")
    held_out = parse_findings(data["held_out"], "calibration config key 'held_out'", allow_empty=True)
    both = [f for f in fitted if f in held_out]
    if both:
        raise ConfigError(f"calibration config key 'held_out': {both[0]} is also fitted; a finding is fitted or held out, not both")
    targets = data.get("targets") or {}
    if not isinstance(targets, dict):
        raise ConfigError(f"calibration config key 'targets': expected {{finding: {{value, scale}}}}, got {show(targets)}")
    parsed_targets = {}
    for name, value in targets.items():
        if name not in fitted or not _is_base_rate(name):
            raise ConfigError(f"calibration config key 'targets': {show(name)} is not a fitted base rate; targets break ties "
                              f"between points by the fitted base rates' levels ({', '.join(f for f in fitted if _is_base_rate(f)) or 'none fitted'})")
        parsed_targets[name] = target(name, value)
    seeds = _seed_range("calibration_seeds", data.get("calibration_seeds", list(CALIBRATION_SEED_RANGES[0])))
    if not skipped(*seeds):
        raise ConfigError(f"calibration config key 'calibration_seeds': {list(seeds)} is not inside the calibration seed ranges "
                          f"{[list(r) for r in CALIBRATION_SEED_RANGES]}, which evaluation seeds skip")
    if data.get("evaluation") is None:
        raise ConfigError("calibration config key 'evaluation': method findings needs {seed: ROOT, runs: N}, got none")
    evaluation = _evaluation(data["evaluation"])
    confirm = _counts(data, "confirm", Confirm)
    placebos = _counts(data, "placebos", Placebos)
    rerace = _counts(data, "rerace", Rerace)
    if rerace is not None and placebos is None:
        raise ConfigError("calibration config key 'rerace': a second placebo race needs a first (placebos: {points, runs})")
    if rerace is not None and rerace.points > placebos.points:
        raise ConfigError(f"calibration config key 'rerace.points': at most placebos.points ({placebos.points}), "
                          f"got {rerace.points}")
    label = spec_label(data, file, "calibration")
    sweep = {k: data[k] for k in ("base", "set", "design", "replications", "seed") if k in data}
    try:
        search = sweep_from_dict({**sweep, "name": f"{label['name']}-search", "evaluate": "findings",
                                  "findings": list(fitted)}, overrides=overrides, file=file)
    except ConfigError as err:
        raise ConfigError(str(err).replace("sweep config", "calibration config")) from None
    if not search.keys:
        raise ConfigError("calibration config key 'design.parameters': name at least one config key to calibrate, got none")
    if seeds[1] - seeds[0] < search.replications:
        raise ConfigError(f"calibration config key 'calibration_seeds': the range {list(seeds)} holds fewer seeds than "
                          f"replications ({search.replications})")
    return PatternSpec(**label, base=search.base, search=dataclasses.replace(search, seed_range=seeds, source=None),
                       fitted=fitted, held_out=held_out, targets=parsed_targets, calibration_seeds=seeds,
                       evaluation=evaluation, confirm=confirm, placebos=placebos,
                       rerace=rerace)
