"""Sweep config files: read, validate, resolve and fingerprint.

A sweep config (YAML) names a base model config, overrides on it, a design
over dotted config keys, a replication count and a root seed::

    name: smoke
    base: null                     # model config file, relative to this file; null = baseline
    set: {firms.n: 60, run.ticks: 20}
    design:
      method: grid                 # grid | lhs | sobol | morris | points | ablate
      parameters:
        learning.partner_specific_effect: [-0.8, 0.0, 0.8]   # grid: values
        # lhs/sobol/morris: key: {low: -1.0, high: 1.0}
      samples: 16                  # lhs: points; sobol: N (power of 2); morris: trajectories
      second_order: false          # sobol only
      levels: 4                    # morris only
    replications: 3
    seed: 2024
    outputs: {alliances: false}    # also keep each run's alliance table
    evaluate: metrics              # metrics (the run metrics) | findings (sim.sweep.findings)
    findings: [R1, R4]             # with evaluate: findings, the findings to judge (default: all)

An explicit-points design runs a table of points made elsewhere (EMA, a
paper's table, a notebook): one column per config key, one row per point, in
run order::

    design: {method: points, file: points.csv}     # CSV or Parquet, relative to this file
    design: {method: points, rows: [{firms.n: 100, learning.forgetting_rate: 0.01}, ...]}

A one-at-a-time design (``ablate``) runs the base config and then each key
set to each of its listed values alone, every other key at its base value:
the ablations that show what each mechanism carries (``0`` switches most
mechanisms off)::

    design:
      method: ablate
      parameters:
        learning.general_returns: 0
        learning.partner_specific_effect: [1.5, 3.0]   # a list: one point per value

Values are cast to the key's type (an integer key takes 3 or 3.0, not 3.5); the
points themselves, not the file name, are part of the sweep's identity.

Everything wrong is a :class:`~sim.config.ConfigError` naming the key and the
value, raised before any output folder exists.  The resolved spec (base config
as a full dict, design, replications, seed, outputs) is what a sweep folder is
fingerprinted by, so a resumed sweep must be the same sweep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config, ConfigError, check_value, show
from ..specfile import ConfigSpec, load_spec, non_negative_int, positive_int, relative, spec_base, spec_base_parts, spec_label

__all__ = ["SweepSpec", "load_sweep_spec", "METHODS", "EVALUATE", "spec_from_dict"]

METHODS = ("grid", "lhs", "sobol", "morris", "points", "ablate")
_TOP_KEYS = {"name", "description", "base", "set", "design", "replications", "seed", "outputs", "evaluate", "findings"}
EVALUATE = ("metrics", "findings")
_DESIGN_KEYS = {
    "grid": {"method", "parameters"},
    "lhs": {"method", "parameters", "samples"},
    "sobol": {"method", "parameters", "samples", "second_order"},
    "morris": {"method", "parameters", "samples", "levels"},
    "points": {"method", "file", "rows"},
    "ablate": {"method", "parameters"},
}


@dataclass(frozen=True)
class SweepSpec(ConfigSpec):
    """A validated sweep: everything needed to plan it, nothing about how to execute it."""

    name: str
    base: Config
    method: str
    parameters: dict[str, Any]  # grid, ablate: key -> values; points: key -> value of each point; others: key -> (low, high)
    replications: int
    seed: int
    samples: int | None = None
    second_order: bool = False
    levels: int = 4
    alliances: bool = False
    description: str = ""
    source: str | None = field(default=None, compare=False)
    evaluate: str = "metrics"  # "findings": each run judges the published findings (sim.sweep.findings)
    findings: tuple[str, ...] = ()  # the finding ids judged, registry order
    # a findings run configures each study population as `alliancesim replicate [CONFIG] --set ...` does:
    study_base: str | None = None  # the `base` file, used for every population instead of its study file
    study_overrides: dict[str, Any] = field(default_factory=dict)  # `set` and --set as given, on every population
    # Where run seeds come from (sim.sweep.design.sweep_seeds); set from Python only (the findings calibration):
    seed_range: tuple[int, int] | None = None  # each point draws its replications' seeds from [start, stop)
    seed_list: tuple[int, ...] | None = None  # replication r of every point runs on seed_list[r]

    def identity(self) -> dict[str, Any]:
        """What makes two sweeps the same sweep (and their runs interchangeable)."""
        design: dict[str, Any] = {"method": self.method, "parameters": {k: list(v) for k, v in self.parameters.items()}}
        if self.method not in ("grid", "points", "ablate"):
            design["samples"] = self.samples
        if self.method == "sobol":
            design["second_order"] = self.second_order
        if self.method == "morris":
            design["levels"] = self.levels
        identity = {
            "base": self.base.model_dump(),
            "design": design,
            "replications": self.replications,
            "seed": self.seed,
            "outputs": {"alliances": self.alliances},
        }
        if self.evaluate == "findings":  # only then, so that metric sweeps keep their fingerprints
            from .findings import population_identity

            identity["evaluate"] = {"findings": list(self.findings), "populations": population_identity(self)}
        if self.seed_range is not None:
            identity["seed_range"] = list(self.seed_range)
        if self.seed_list is not None:
            identity["seed_list"] = list(self.seed_list)
        return identity


def load_sweep_spec(path: str | Path, overrides: dict[str, Any] | None = None) -> SweepSpec:
    """Read a sweep config file; ``overrides`` (``--set``) apply to its base model config."""
    return load_spec(path, "sweep", "a mapping (name, base, set, design, replications, seed)", spec_from_dict, overrides)


def spec_from_dict(data: dict[str, Any], overrides: dict[str, Any] | None = None, file: Path | None = None) -> SweepSpec:
    """Validate a sweep config given as a dict (the parsed YAML of ``file``, if it came from one)."""
    base = spec_base(data, _TOP_KEYS, "sweep", overrides, file)
    design = data.get("design")
    if not isinstance(design, dict):
        raise ConfigError(f"sweep config key 'design' must be a mapping with method and parameters, got {show(design)}")
    method = design.get("method", "grid")
    if method not in METHODS:
        raise ConfigError(f"sweep config key 'design.method': must be one of {list(METHODS)}, got {show(method)}")
    for key in design:
        if key not in _DESIGN_KEYS[method]:
            raise ConfigError(f"unknown sweep config key 'design.{key}' for method {show(method)} (value {show(design[key])})")
    params = design.get("parameters")
    if method == "points":
        params = _read_points(design, file)
    if params is None and method == "grid":
        params = {}  # no swept keys: replications of the base config itself
    if not isinstance(params, dict) or (not params and method != "grid"):
        raise ConfigError(f"sweep config key 'design.parameters' must map config keys to values or bounds, got {show(params)}")
    flat = base.flat()
    overrides = overrides or {}
    parsed: dict[str, Any] = {}
    for key, value in params.items():
        if key not in flat:
            raise ConfigError(f"unknown config key {show(key)} in design.parameters (value {show(value)})")
        if key in overrides:
            raise ConfigError(f"--set {key}={show(overrides[key])}: {show(key)} is swept by the design; it cannot also be fixed")
        if method == "points":
            parsed[key] = _point_values(key, value, flat[key])
        elif method == "ablate":
            parsed[key] = _grid_values(key, value if isinstance(value, list) else [value], flat[key], "ablation")
            if any(repr(v) == repr(flat[key]) for v in parsed[key]):
                raise ConfigError(f"design.parameters.{key}: an ablation must change the key, got its base value {show(flat[key])}")
        else:
            parsed[key] = _grid_values(key, value, flat[key]) if method == "grid" else _bounds(key, value, flat[key])
    samples = None
    if method not in ("grid", "points", "ablate"):
        samples = positive_int("sweep", "design.samples", design.get("samples"))
        if method == "sobol" and samples & (samples - 1):
            raise ConfigError(f"sweep config key 'design.samples': Sobol (Saltelli) needs a power of 2, got {show(samples)}")
        if method in ("sobol", "morris") and len(parsed) < 2:
            raise ConfigError(f"sweep config key 'design.parameters': {method} sensitivity needs at least 2 parameters, got {list(parsed)}")
    levels = design.get("levels", 4)
    if method == "morris" and (not isinstance(levels, int) or isinstance(levels, bool) or levels < 2 or levels % 2):
        raise ConfigError(f"sweep config key 'design.levels': must be an even integer >= 2, got {show(levels)}")
    second_order = design.get("second_order", False)
    if not isinstance(second_order, bool):
        raise ConfigError(f"sweep config key 'design.second_order': must be true or false, got {show(second_order)}")
    outputs = data.get("outputs") or {}
    if not isinstance(outputs, dict) or set(outputs) - {"alliances"}:
        raise ConfigError(f"sweep config key 'outputs': expected a mapping with 'alliances: true|false', got {show(outputs)}")
    alliances = outputs.get("alliances", False)
    if not isinstance(alliances, bool):
        raise ConfigError(f"sweep config key 'outputs.alliances': must be true or false, got {show(alliances)}")
    seed = non_negative_int("sweep", "seed", data.get("seed", base.run.seed))
    evaluate = data.get("evaluate", "metrics")
    if evaluate not in EVALUATE:
        raise ConfigError(f"sweep config key 'evaluate': must be one of {list(EVALUATE)}, got {show(evaluate)}")
    findings: tuple[str, ...] = ()
    study_base, study_overrides = None, {}
    if evaluate == "findings":
        from .findings import parse_findings

        findings = parse_findings(data.get("findings"), "sweep config key 'findings'")
        base_path, study_overrides = spec_base_parts(data, "sweep", overrides, file)
        study_base = None if base_path is None else str(base_path)
        if alliances:
            raise ConfigError("sweep config key 'outputs.alliances': not available with evaluate: findings "
                              "(a run simulates several study populations), got true")
    elif "findings" in data:
        raise ConfigError(f"sweep config key 'findings' needs evaluate: findings, got {show(data['findings'])}")
    return SweepSpec(
        **spec_label(data, file, "sweep"),
        base=base,
        method=method,
        parameters=parsed,
        replications=positive_int("sweep", "replications", data.get("replications", 1)),
        seed=seed,
        samples=samples,
        second_order=second_order,
        levels=levels,
        alliances=alliances,
        evaluate=evaluate,
        findings=findings,
        study_base=study_base,
        study_overrides=study_overrides,
    )


def _grid_values(key: str, value: Any, base_value: Any, kind: str = "grid") -> tuple:
    """Grid (or ablation: ``kind``) values, each checked strictly against the schema (a quoted "20" is not 20)."""
    a = "an" if kind[0] in "aeiou" else "a"
    if not isinstance(value, list) or not value:
        raise ConfigError(f"design.parameters.{key}: {a} {kind} needs a non-empty list of values, got {show(value)}")
    checked = []
    for v in value:
        if isinstance(v, (dict, list)):
            raise ConfigError(f"design.parameters.{key}: {kind} values must be scalars, got {show(v)}")
        try:
            checked.append(check_value(key, v))
        except ConfigError as err:
            raise ConfigError(f"{err} ({a} {kind} value in design.parameters)") from None
    if len(set(map(repr, checked))) != len(checked):
        raise ConfigError(f"design.parameters.{key}: {kind} values repeat, got {show(value)}")
    return tuple(checked)


def _bounds(key: str, value: Any, base_value: Any) -> tuple[float, float]:
    if isinstance(base_value, bool) or not isinstance(base_value, (int, float)):
        raise ConfigError(f"design.parameters.{key}: only numeric keys can be sampled from a range (value {show(base_value)}); use a grid")
    if not isinstance(value, dict) or set(value) != {"low", "high"}:
        raise ConfigError(f"design.parameters.{key}: expected {{low: ..., high: ...}}, got {show(value)}")
    low, high = value["low"], value["high"]
    for bound in (low, high):
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
            raise ConfigError(f"design.parameters.{key}: bounds must be finite numbers, got {show(value)}")
    if not low < high:
        raise ConfigError(f"design.parameters.{key}: low must be below high, got low={show(low)}, high={show(high)}")
    return (float(low), float(high))


def _read_points(design: dict[str, Any], file: Path | None) -> dict[str, list]:
    """The points of an explicit-points design as ``{key: [value of each point]}``, from ``file`` or ``rows``."""
    import pandas as pd

    if ("file" in design) == ("rows" in design):
        raise ConfigError(f"sweep config key 'design': method 'points' needs exactly one of 'file' or 'rows', got {sorted(k for k in design if k != 'method')}")
    if "rows" in design:
        rows = design["rows"]
        if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) and r for r in rows):
            raise ConfigError(f"sweep config key 'design.rows': expected a non-empty list of mappings (config key: value), got {rows!r}")
        keys = list(rows[0])
        for i, r in enumerate(rows):
            if set(r) != set(keys):
                raise ConfigError(f"sweep config key 'design.rows': row {i} sets {sorted(r)}, row 0 sets {sorted(keys)}")
        return {k: [r[k] for r in rows] for k in keys}
    path = relative(str(design["file"]), file)
    if not path.is_file():
        raise ConfigError(f"sweep config key 'design.file': points file {str(path)!r} not found")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file is bad input
        raise ConfigError(f"sweep config key 'design.file': cannot read {str(path)!r} ({type(err).__name__}: {err})") from None
    if frame.empty or not len(frame.columns):
        raise ConfigError(f"sweep config key 'design.file': {str(path)!r} holds no points")
    return {str(k): frame[k].tolist() for k in frame.columns}


def _point_values(key: str, values: list, base_value: Any) -> tuple:
    """Each point's value of ``key`` cast to the key's type; one-line error on the first that does not fit."""
    out = []
    for i, v in enumerate(values):
        if hasattr(v, "item"):  # numpy scalar from a file
            v = v.item()
        if isinstance(base_value, bool):
            ok = isinstance(v, bool)
        elif isinstance(base_value, int):
            ok = not isinstance(v, bool) and isinstance(v, (int, float)) and float(v).is_integer()
            v = int(v) if ok else v
        elif isinstance(base_value, float):
            ok = not isinstance(v, bool) and isinstance(v, (int, float)) and v == v
            v = float(v) if ok else v
        else:
            ok = isinstance(v, type(base_value))
        if not ok:
            raise ConfigError(f"design point {i} {key}: must be {type(base_value).__name__}, got {show(v)}")
        try:
            out.append(check_value(key, v))  # the schema's bounds, finite numbers
        except ConfigError as err:
            raise ConfigError(f"{err} (design point {i})") from None
    return tuple(out)
