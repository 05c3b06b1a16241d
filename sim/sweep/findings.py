"""Findings as sweep outcomes: each run judges the published findings at its design point.

A sweep config with ``evaluate: findings`` (optionally ``findings: [R1, R4,
...]``, default all) makes each run one replication seed at one design
point: every study population the findings need
(:data:`sim.replication.registry.DESIGN_OF`) is configured as ``alliancesim
replicate [CONFIG] --set ...`` configures it, its study file
(``configs/studies/``, or the sweep's ``base`` file instead if it names one),
then the sweep's ``set`` (and ``--set``), then the point's values; it is simulated
from the run's seed, each design builds its data set and fits it
(:func:`sim.replication.runs.fit_designs`, the replication's own code), and
each finding's rule is applied to the estimates of the whole simulated
study population.  No placebo arm and no published-size draw per point.

The runs table then has, per finding ``X``, ``X_holds`` (bool; a fit that
failed does not hold) and ``X_estimate`` (the finding's headline estimate),
and ``fit_errors`` (the designs whose fit failed, with why).  Findings,
rules and designs are read only through the registry's objects
(``FINDINGS``, ``DESIGN_OF``, ``Design.data``/``fit``, ``Finding.rule``,
``Finding.estimate``), so a changed rule or design changes the map, not
this module.

The findings map of a sweep folder (``alliancesim analyze``) is computed in
:mod:`.analyze` (``findings_map``, ``cooccurrence``, ``prim_boxes``; the
tables' names and columns are ``FINDINGS_FILES``), drawn in :mod:`.plots`
and written by :mod:`.report`.
"""

from __future__ import annotations

import math
import time
from typing import Any

import pyarrow as pa

from ..config import Config, ConfigError, show

__all__ = ["parse_findings", "populations_of", "point_configs", "population_identity", "task_fields", "holds_column",
           "estimate_column", "holds_columns", "estimate_columns", "outcome_fields", "FIT_ERRORS", "run_findings_task"]

FIT_ERRORS = "fit_errors"


def _registry():
    from ..replication import registry

    return registry


# ------------------------------------------------------------------ spec side
def parse_findings(value: Any, where: str, allow_empty: bool = False) -> tuple[str, ...]:
    """Finding ids of a config list, in registry order; ``None`` = all.  ``where`` names the key in errors."""
    reg = _registry()
    if value is None:
        return tuple(f.id for f in reg.FINDINGS)
    if not isinstance(value, list) or (not value and not allow_empty):
        raise ConfigError(f"{where}: expected a list of finding ids ({reg.FINDINGS[0].id}-{reg.FINDINGS[-1].id}), got {show(value)}")
    for item in value:
        if item not in reg.FINDING_BY_ID:
            raise ConfigError(f"{where}: unknown finding {show(item)}; findings are {', '.join(f.id for f in reg.FINDINGS)}")
    if len(set(value)) != len(value):
        raise ConfigError(f"{where}: a finding is listed twice, got {show(value)}")
    return tuple(f.id for f in reg.FINDINGS if f.id in value)


def populations_of(findings: tuple[str, ...] | list[str]) -> dict[str, list[str]]:
    """Study population -> ids of the designs the ``findings`` need there, in registry order."""
    reg = _registry()
    designs = {reg.DESIGN_OF[f].id for f in findings}
    out: dict[str, list[str]] = {}
    for d in reg.DESIGNS:
        if d.id in designs:
            out.setdefault(d.population, []).append(d.id)
    return {p: out[p] for p in reg.POPULATIONS if p in out}


def point_configs(findings, overrides: dict[str, Any], values: dict[str, Any], base: str | None = None) -> dict[str, Config]:
    """The config of each study population at a point: its study file (or ``base``), then ``overrides``, then ``values``."""
    reg = _registry()
    return {p: reg.population_config(p, {**overrides, **values}, base) for p in populations_of(findings)}


def population_identity(spec) -> dict[str, Any]:
    """Each population's resolved config without the point's values (part of a findings sweep's fingerprint)."""
    return {p: c.model_dump() for p, c in point_configs(spec.findings, spec.study_overrides, {}, spec.study_base).items()}


def task_fields(spec) -> dict[str, Any]:
    """What a findings sweep's task carries besides the point and seed."""
    return {"findings": list(spec.findings), "study_overrides": dict(spec.study_overrides), "study_base": spec.study_base}


def holds_column(finding: str) -> str:
    return f"{finding}_holds"


def estimate_column(finding: str) -> str:
    return f"{finding}_estimate"


def holds_columns(findings) -> list[str]:
    return [holds_column(f) for f in findings]


def estimate_columns(findings) -> list[str]:
    return [estimate_column(f) for f in findings]


def outcome_fields(findings) -> list[pa.Field]:
    """The runs table's outcome columns of a findings sweep: per finding holds and estimate, then fit errors."""
    fields = []
    for f in findings:
        fields += [pa.field(holds_column(f), pa.bool_()), pa.field(estimate_column(f), pa.float64())]
    return fields + [pa.field(FIT_ERRORS, pa.string())]


# ------------------------------------------------------------------ the run
def run_findings_task(task: dict[str, Any]) -> tuple[dict[str, Any], None]:
    """One run of a findings sweep -> (row, None); an exception makes a ``failed`` row, a failed fit a finding that does not hold."""
    from ..replication.runs import fit_designs
    from .worker import describe_failure

    reg = _registry()
    start = time.perf_counter()
    row: dict[str, Any] = {"point": task["point"], "replication": task["replication"], "seed": task["seed"], **task["values"]}
    try:
        findings = task["findings"]
        estimates: dict[str, dict[str, float]] = {}
        errors = []
        for population, config in point_configs(findings, task["study_overrides"], task["values"], task["study_base"]).items():
            designs = [reg.DESIGN_BY_ID[d] for d in populations_of(findings)[population]]
            _, fits = fit_designs(config, task["seed"], designs)
            for fit in fits:
                estimates[fit["design"]] = fit["estimates"]
                if fit["error"]:
                    errors.append(f"{fit['design']}: {fit['error']}")
        for f in findings:
            finding = reg.FINDING_BY_ID[f]
            est = estimates[reg.DESIGN_OF[f].id]
            value = est.get(finding.estimate)
            row[holds_column(f)] = bool(finding.rule.holds(est))
            row[estimate_column(f)] = float(value) if value is not None and math.isfinite(value) else math.nan
        row[FIT_ERRORS] = "; ".join(errors) or None
        row.update(status="ok", error=None)
    except Exception as err:  # noqa: BLE001 - a failed run is data, not a crash
        row.update(status="failed", error=describe_failure(err))
    row["wall_time"] = time.perf_counter() - start
    return row, None
