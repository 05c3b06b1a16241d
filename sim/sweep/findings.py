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

:func:`analyze_findings` writes the findings map of a sweep folder
(``alliancesim analyze``): the file names and their columns are declared
here, once (:data:`FILES`).
"""

from __future__ import annotations

import math
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..config import Config, ConfigError, show

__all__ = ["parse_findings", "populations_of", "point_configs", "population_identity", "task_fields", "holds_column",
           "estimate_column", "holds_columns", "estimate_columns", "outcome_fields", "FIT_ERRORS", "run_findings_task",
           "findings_map", "cooccurrence", "prim_boxes", "analyze_findings", "FILES", "PRIM_DENSITY"]

FIT_ERRORS = "fit_errors"
PRIM_DENSITY = 0.8  # a finding's box: the largest-coverage box of PRIM's peeling in which it holds in >= 80% of runs

# Files `alliancesim analyze` writes for a findings sweep, and their columns.
FILES = {
    "findings_map.csv": ["finding", "points", "runs", "share_holds", "points_always", "points_never", "claim"],
    "findings_cooccurrence.csv": ["finding", "with", "share_both", "share_given", "phi"],
    "findings_boxes.csv": ["finding", "key", "low", "high", "restricted", "coverage", "density", "mass", "note"],
}


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


# ------------------------------------------------------------------ the map
def _ok(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def findings_map(runs: pd.DataFrame, findings) -> pd.DataFrame:
    """One row per finding over the runs that did not fail (failed runs are left out, as in every sweep analysis).

    ``points``: design points with at least one such run; ``runs``: those
    runs; ``share_holds``: the share of them in which the finding holds;
    ``points_always`` / ``points_never``: points at which it holds in every /
    in none of their runs.
    """
    reg = _registry()
    ok = _ok(runs)
    rows = []
    for f in findings:
        holds = ok[holds_column(f)].astype(bool)
        per_point = holds.groupby(ok["point"]).agg(["all", "any"])
        rows.append({"finding": f, "points": int(len(per_point)), "runs": int(len(holds)),
                     "share_holds": float(holds.mean()) if len(holds) else math.nan,
                     "points_always": int(per_point["all"].sum()), "points_never": int((~per_point["any"]).sum()),
                     "claim": reg.FINDING_BY_ID[f].claim})
    return pd.DataFrame(rows, columns=FILES["findings_map.csv"])


def cooccurrence(runs: pd.DataFrame, findings) -> pd.DataFrame:
    """For each ordered pair of findings (``finding``, ``with``), over the runs that did not fail.

    ``share_both``: the share of runs in which both hold (on the diagonal,
    the finding's own share); ``share_given``: the share of the runs in which
    ``finding`` holds in which ``with`` holds too (empty if ``finding``
    never holds); ``phi``: the correlation of the two 0/1 indicators over
    runs (> 0: they hold together, < 0: they pull against each other; empty
    if either always or never holds).
    """
    ok = _ok(runs)
    x = ok[holds_columns(findings)].astype(bool).to_numpy()
    rows = []
    for i, a in enumerate(findings):
        for j, b in enumerate(findings):
            both = x[:, i] & x[:, j]
            given = both.sum() / x[:, i].sum() if x[:, i].any() else math.nan
            varies = x[:, i].std() > 0 and x[:, j].std() > 0
            phi = float(np.corrcoef(x[:, i], x[:, j])[0, 1]) if varies else math.nan
            rows.append({"finding": a, "with": b, "share_both": float(both.mean()) if len(both) else math.nan,
                         "share_given": float(given), "phi": phi})
    return pd.DataFrame(rows, columns=FILES["findings_cooccurrence.csv"])


def _import_prim():
    try:
        with warnings.catch_warnings():  # EMA warns at import about optional back-ends it does not need here
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError:
        return None
    return prim


def prim_boxes(runs: pd.DataFrame, keys: list[str], findings) -> tuple[pd.DataFrame, list[str]]:
    """PRIM (EMA Workbench) per finding: the parameter ranges where it holds; one row per finding and key.

    PRIM peels the design (the runs that did not fail, each run a case, the
    finding holding as the case of interest); of the boxes on its peeling
    trajectory the one kept is the largest (highest coverage) in which the
    finding holds in at least :data:`PRIM_DENSITY` of the runs, or, if none
    reaches it, the densest.  ``coverage``: the share of all runs where the
    finding holds that lie in the box; ``density``: the share of the box's
    runs in which it holds; ``mass``: the share of runs in the box;
    ``restricted``: the box limits this key.  A finding that holds in every
    run (or in none) gets the whole range (or no box) and a note.  Without
    the ``ema`` extra nothing is computed and the note says so.
    """
    columns = FILES["findings_boxes.csv"]
    prim = _import_prim()
    if prim is None:
        return pd.DataFrame(columns=columns), ["PRIM boxes skipped: the EMA Workbench is not installed (pip install 'alliancesim[ema]')"]
    ok = _ok(runs)
    numeric = [k for k in keys if pd.api.types.is_numeric_dtype(ok[k])]
    notes = [f"PRIM leaves out {k!r} (not numeric)" for k in keys if k not in numeric]
    if not numeric or ok.empty:
        return pd.DataFrame(columns=columns), notes + ["PRIM boxes skipped: no numeric swept key" if not numeric else "PRIM boxes skipped: no runs"]
    x = ok[numeric].astype(float).reset_index(drop=True)  # EMA 3.0.0's PRIM fails on integer columns (issue #448)
    low, high = x.min(), x.max()
    rows = []
    for f in findings:
        y = ok[holds_column(f)].astype(bool).to_numpy()
        if y.all() or not y.any():
            whole = y.all()
            for k in numeric:
                rows.append({"finding": f, "key": k, "low": low[k] if whole else math.nan, "high": high[k] if whole else math.nan,
                             "restricted": False, "coverage": 1.0 if whole else math.nan, "density": 1.0 if whole else 0.0,
                             "mass": 1.0 if whole else math.nan,
                             "note": "holds in every run" if whole else "holds in no run: no box"})
            continue
        with warnings.catch_warnings():  # EMA 3.0.0 calls DataFrame.drop(inplace=True), which pandas deprecates
            warnings.filterwarnings("ignore", message=".*inplace keyword.*")
            box = prim.Prim(x, y).find_box()
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        dense = trajectory[trajectory["density"] >= PRIM_DENSITY]
        if len(dense):
            i, note = int(dense.sort_values(["coverage", "id"], ascending=[False, True]).index[0]), ""
        else:
            i = int(trajectory.sort_values(["density", "coverage"], ascending=[False, False]).index[0])
            note = f"no box reaches density {PRIM_DENSITY:g}: the densest"
        lims = box.box_lims[i]
        stats = trajectory.loc[i]
        for k in numeric:
            lo, hi = float(lims.loc[0, k]), float(lims.loc[1, k])
            rows.append({"finding": f, "key": k, "low": lo, "high": hi, "restricted": bool(lo > low[k] or hi < high[k]),
                         "coverage": float(stats["coverage"]), "density": float(stats["density"]), "mass": float(stats["mass"]),
                         "note": note})
    return pd.DataFrame(rows, columns=columns), notes


def analyze_findings(folder: Path, runs: pd.DataFrame, manifest: dict[str, Any]) -> tuple[list[Path], list[str]]:
    """Write the findings map of a findings sweep into ``folder`` (tables) and ``folder/plots``; returns plots and notes."""
    from ..figures import boxes_figure, cooccurrence_figure, findings_shares_figure, save

    findings = list(manifest["findings"])
    keys = list(manifest["parameters"])
    table = findings_map(runs, findings)
    pairs = cooccurrence(runs, findings)
    boxes, notes = prim_boxes(runs, keys, findings)
    for name, frame in zip(FILES, (table, pairs, boxes)):
        frame.to_csv(folder / name, index=False)
    plots = [save(findings_shares_figure(table), folder / "plots" / "findings_shares.png"),
             save(cooccurrence_figure(pairs, findings), folder / "plots" / "findings_cooccurrence.png")]
    if len(boxes) and boxes["restricted"].any():
        plots.append(save(boxes_figure(boxes, runs[runs["status"] == "ok"]), folder / "plots" / "findings_boxes.png"))
    elif len(boxes):
        notes.append("no finding's PRIM box restricts any key: no box plot")
    return plots, notes
