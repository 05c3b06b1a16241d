"""Pattern-oriented calibration: choose the defaults where the fitted findings hold, judge the held-out ones.

A calibration config with ``method: findings``::

    name: patterns
    method: findings
    base: null                       # model config file, relative to this file; null = the baseline
    set: {}                          # fixed overrides (applied to every study population)
    fitted: [R1, R7, R11, R12, R13, R14]      # the findings the choice maximises (base rates allowed)
    held_out: [R3, R4, R9, R10, R15, R16]     # never used to choose; judged on evaluation seeds only
    targets:                         # optional, fitted base rates only: the tie-break (value, scale)
      R12: {value: 0.5, scale: 0.2}
    design:                          # a sweep design over the calibrated keys (docs/sweeps.md)
      method: lhs
      samples: 64
      parameters:
        learning.general_returns: {low: 1.0, high: 8.0}
    replications: 2                  # calibration seeds per point
    seed: 2027                       # root of the design and of each point's seeds
    calibration_seeds: [100000, 1000000]   # inside sim.replication.seeds.CALIBRATION_SEED_RANGES
    evaluation: {seed: 42, runs: 4}  # evaluation seeds spawned from this root (never a calibration seed)
    confirm: {points: 5, replications: 6}    # optional: re-run the best points before choosing
    placebos: {points: 10, runs: 10}         # optional: the replication's protocol, placebos included, at the best points
    rerace: {points: 3, runs: 10}            # optional (with placebos): the race's best points raced again on new seeds

The spec is read with the ABC one (:func:`sim.calibration.spec.load_calibration_spec`,
:class:`~sim.calibration.spec.PatternSpec`), so the roles are known before anything runs.

Steps, each resumable (they are findings sweeps, :mod:`sim.sweep.findings`):

1. **Search** (``OUT/search``): every design point x ``replications`` runs on
   seeds drawn from ``calibration_seeds``, judging the fitted findings only.
2. **Choice**: the point with the highest *fitted hold share* (the mean over
   fitted findings of the share of the point's runs in which each holds; a
   failed run holds nothing); ties (e.g. several points where every fitted
   finding holds in every run: the joint region) go to the point where all
   fitted findings hold together in the most runs, then to the point whose fitted
   base rates lie closest to their ``targets`` (root mean square of
   ``(mean estimate - value) / scale``), then to the lowest point number.
   **Leave-one-finding-out**: for each fitted finding the same choice
   without it (and without its target).
   **Confirmation** (``OUT/confirm``, with ``confirm: {points: K,
   replications: R}``): the K best points of each choice (the choice and each
   leave-one-out choice) run R more times on calibration seeds that no search
   run used, the same seeds for every point; each choice is then made among
   its K points on their pooled runs.  The search's best score is the maximum
   of many noisy scores, so it flatters its point; the race re-measures the
   best few before one is chosen.
   **Placebo race** (``OUT/placebos/point-N``, with ``placebos: {points: K,
   runs: R}``): the K best points of the choice (after the confirmation race,
   if any) run the replication's whole protocol R times on further
   calibration seeds: every study population and each finding's placebo, the
   placebo offsets found for the point's configs
   (:func:`sim.replication.runs.execute`).  The choice goes to the point where
   the most fitted directional findings are *reproduced* as the replication
   table judges them (reproduced share, placebo share, the interval over
   runs); ties go to the better search rank.  Each leave-one-out choice is
   made among the same points, without its finding, in its own search order.
   A finding that holds without its mechanism as often as with it does not
   count, so the choice favours points where mechanisms carry the findings.
   **Second race** (``OUT/rerace/point-N``, with ``rerace: {points: M,
   runs: R}``): the M raced points where the most fitted directional findings
   were reproduced (ties: the better search rank) run the protocol R more
   times on calibration seeds no earlier stage used, shared by all of them,
   and the choice (and each leave-one-out choice, among the same points) is
   made on those runs alone.  The first race's best count is the maximum of
   ten noisy counts, so it flatters its point; the runs that picked the
   finalists do not judge them.
3. **Evaluation** (``OUT/evaluation``): the chosen point and every
   leave-one-out point, ``evaluation.runs`` runs each on evaluation seeds
   (:func:`sim.replication.seeds.evaluation_seeds`), judging every fitted and
   held-out finding.

Outputs: ``placebos.csv`` (the placebo race: point, rank, finding, status and
the two shares; empty without a race), ``rerace.csv`` (the second race, the
same columns; empty without one), ``findings.csv`` (each finding's role and hold share at the chosen
point on evaluation seeds), ``lofo.csv`` (per fitted finding: whether it
holds, on evaluation seeds, at the point chosen without it), ``points.csv``
(the search's scores), ``calibrated.yaml``, ``plots/findings.png``,
``report.md``, ``manifest.json``.  File names and columns: :data:`OUTPUTS`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..sweep.spec import SweepSpec
from .spec import PatternSpec, Target

__all__ = ["calibrate_patterns", "score_points", "ranked", "choose", "confirmation_seeds", "race_seeds", "rerace_seeds",
           "finalists", "race_choice",
           "PatternResult", "OUTPUTS"]

OUTPUTS = {
    "findings.csv": ["finding", "role", "holds_share", "runs", "estimate_mean", "calibration_share", "claim"],
    "lofo.csv": ["finding", "holds_share", "point", "chosen_holds_share", "same_as_chosen"],  # + the point's keys
    "points.csv": ["point", "score", "joint_share", "base_rate_distance", "chosen", "lofo_for"],  # + keys, X_share
    "placebos.csv": ["point", "rank", "finding", "status", "reproduced_share", "placebo_share"],  # the placebo race
    "rerace.csv": ["point", "rank", "finding", "status", "reproduced_share", "placebo_share"],  # the second race
}
_WRITTEN = (*OUTPUTS, "calibrated.yaml", "plots", "report.md", "manifest.json")


# ------------------------------------------------------------------ choosing
def score_points(runs: pd.DataFrame, fitted, targets: dict[str, Target]) -> pd.DataFrame:
    """Per point: each fitted finding's hold share (``X_share``; a failed run holds nothing), their mean
    (``score``), the share of runs in which all hold (``joint_share``) and the base rates' distance to ``targets``."""
    from ..sweep.findings import estimate_column, holds_column

    holds = runs[[holds_column(f) for f in fitted]].fillna(False).astype(bool)
    holds.columns = [f"{f}_share" for f in fitted]
    grouped = holds.groupby(runs["point"])
    out = grouped.mean()
    out["score"] = out.mean(axis=1) if len(fitted) else 0.0
    out["joint_share"] = holds.all(axis=1).groupby(runs["point"]).mean() if len(fitted) else math.nan
    ok = runs[runs["status"] == "ok"]
    terms = [((ok.groupby("point")[estimate_column(f)].mean() - t.value) / t.scale) ** 2 for f, t in targets.items()]
    out["base_rate_distance"] = (sum(terms) / len(terms)) ** 0.5 if terms else 0.0
    return out.reset_index()


def ranked(runs: pd.DataFrame, fitted, targets: dict[str, Target]) -> tuple[list[int], pd.DataFrame]:
    """Points best first (highest score, then the highest share of runs in which every fitted finding holds at once,
    then smallest base-rate distance, then lowest number) and the scores."""
    scores = score_points(runs, fitted, targets)
    order = scores.assign(distance=scores["base_rate_distance"].fillna(np.inf),
                          joint=scores["joint_share"].fillna(0.0)).sort_values(
        ["score", "joint", "distance", "point"], ascending=[False, False, True, True])
    return [int(p) for p in order["point"]], scores


def choose(runs: pd.DataFrame, fitted, targets: dict[str, Target]) -> tuple[int, pd.DataFrame]:
    """The chosen point (the first of :func:`ranked`) and the scores."""
    order, scores = ranked(runs, fitted, targets)
    return order[0], scores


CONFIRM_KEY = 2**31  # spawn key of the confirmation seeds: apart from the search's per-point streams
PLACEBO_KEY = 2**31 + 1  # spawn key of the placebo race's seeds
RERACE_KEY = 2**31 + 2  # spawn key of the second race's seeds


def _fresh_seeds(spec: PatternSpec, key: int, count: int, taken: set[int]) -> tuple[int, ...]:
    """``count`` calibration seeds drawn from ``calibration_seeds`` with spawn key ``key``, none of them in ``taken``."""
    rng = np.random.default_rng(np.random.SeedSequence(spec.search.seed, spawn_key=(key,)))
    start, stop = spec.calibration_seeds
    seeds: list[int] = []
    while len(seeds) < count:
        seed = int(start + rng.integers(stop - start))
        if seed not in taken and seed not in seeds:
            seeds.append(seed)
    return tuple(seeds)


def confirmation_seeds(spec: PatternSpec, taken: set[int]) -> tuple[int, ...]:
    """The confirmation race's calibration seeds: drawn from ``calibration_seeds``, none a search seed (``taken``),
    shared by every confirmed point (common random numbers, so the race compares points, not seeds)."""
    return _fresh_seeds(spec, CONFIRM_KEY, spec.confirm.replications, taken)


def race_seeds(spec: PatternSpec, taken: set[int]) -> tuple[int, ...]:
    """The placebo race's calibration seeds: none a search or confirmation seed (``taken``), shared by every raced
    point."""
    return _fresh_seeds(spec, PLACEBO_KEY, spec.placebos.runs, taken)


def rerace_seeds(spec: PatternSpec, taken: set[int]) -> tuple[int, ...]:
    """The second race's calibration seeds: none a search, confirmation or first-race seed (``taken``), shared by
    every point raced again."""
    return _fresh_seeds(spec, RERACE_KEY, spec.rerace.runs, taken)


def finalists(race: pd.DataFrame, findings: list[str], order: list[int], count: int) -> list[int]:
    """The ``count`` points of ``order`` (raced points, best first by the search) where the most of ``findings`` are
    reproduced in ``race``, best first; ties keep the order of ``order``."""
    counts = _reproduced(race, findings)
    return sorted(order, key=lambda p: (-int(counts.get(p, 0)), order.index(p)))[:count]


def _reproduced(race: pd.DataFrame, findings: list[str]) -> pd.Series:
    """How many of ``findings`` each point of ``race`` (placebos.csv rows) reproduces (points with none absent)."""
    return race[race["finding"].isin(findings) & (race["status"] == "reproduced")].groupby("point").size()


def race_choice(race: pd.DataFrame, findings: list[str], order: list[int]) -> int:
    """The point of ``order`` (raced points, best first by the search) where the most of ``findings`` are
    reproduced in ``race`` (placebos.csv rows); ties go to the earliest in ``order``."""
    return finalists(race, findings, order, 1)[0]


def _race_point(spec: PatternSpec, design: pd.DataFrame, point: int, seeds: tuple[int, ...], out: Path, workers,
                scheduler, progress: bool) -> pd.DataFrame:
    """The replication protocol at ``point`` on ``seeds`` (resumable in ``out``): the fitted findings' rows."""
    from ..replication.runs import execute, plan
    from ..replication.summary import findings_table, verdicts

    p = plan({**spec.base_overrides(), **_values(design, point, spec.keys)}, seed=spec.search.seed, runs=1)
    p = dataclasses.replace(p, seeds=list(seeds))
    stored, _, _ = execute(p, out, workers, scheduler, progress=progress)
    table = findings_table(verdicts(stored), p.configs)
    return table[table["finding"].isin(spec.fitted)].assign(point=point)


def _run_race(spec: PatternSpec, design: pd.DataFrame, points: list[int], seeds: tuple[int, ...], folder: Path, name: str,
              directional: list[str], pool: pd.DataFrame, choices: dict, workers, scheduler,
              progress: bool) -> tuple[pd.DataFrame, int, dict[str, int], dict[int, int]]:
    """The protocol at ``points`` (best first) on ``seeds``, each in ``folder/point-N``: the race's rows (columns of
    ``OUTPUTS[name]``; ``rank``: the position in ``points``), the choice and each leave-one-out choice among
    ``points`` (in its own search order), and each point's count of ``directional`` findings reproduced."""
    race = pd.concat([_race_point(spec, design, p, seeds, folder / f"point-{p}", workers, scheduler, progress)
                      for p in points], ignore_index=True)
    race = race.assign(rank=race["point"].map({p: i for i, p in enumerate(points)}))[OUTPUTS[name]]
    chosen = race_choice(race, directional, points)
    lofo = {f: race_choice(race, [g for g in directional if g != f], [p for p in ranked(pool, *choices[f])[0] if p in points])
            for f in spec.fitted}
    counts = _reproduced(race, directional)
    return race, chosen, lofo, {p: int(counts.get(p, 0)) for p in points}


# ------------------------------------------------------------------ running
@dataclass
class PatternResult:
    out: Path
    chosen: int
    values: dict[str, Any]
    findings: pd.DataFrame
    lofo: pd.DataFrame
    points: pd.DataFrame
    race: pd.DataFrame  # placebos.csv: empty without a placebo race
    rerace: pd.DataFrame  # rerace.csv: empty without a second race
    seconds: float
    executor: str


def _confirm_spec(spec: PatternSpec, design: pd.DataFrame, points: list[int], taken: set[int]) -> SweepSpec:
    """The confirmation race: ``points`` of the search design (in that order), each on the same
    :func:`confirmation_seeds`, judging the fitted findings."""
    values = {k: tuple(v.item() if hasattr(v, "item") else v for v in design.loc[points, k]) for k in spec.keys}
    return dataclasses.replace(spec.search, name=f"{spec.name}-confirm", method="points", parameters=values,
                               replications=spec.confirm.replications, samples=None, seed_range=None,
                               seed_list=confirmation_seeds(spec, taken))


def _evaluation_spec(spec: PatternSpec, design: pd.DataFrame, points: list[int]) -> SweepSpec:
    """The evaluation: ``points`` of the search design (in that order) on evaluation seeds, judging every fitted and held-out finding."""
    from ..replication.seeds import evaluation_seeds

    values = {k: tuple(v.item() if hasattr(v, "item") else v for v in design.loc[points, k]) for k in spec.keys}
    seeds = tuple(evaluation_seeds(spec.evaluation.seed, spec.evaluation.runs))
    return dataclasses.replace(spec.search, name=f"{spec.name}-evaluation", method="points", parameters=values,
                               replications=spec.evaluation.runs, seed=spec.evaluation.seed, samples=None,
                               findings=spec.judged, seed_range=None, seed_list=seeds)


def calibrate_patterns(spec: PatternSpec, out: str | Path, workers: int | None = None, scheduler: Any = None,
                       progress: bool = True, command: str = "") -> PatternResult:
    """Run (or resume) the pattern-oriented calibration ``spec`` into ``out``; see the module docstring."""
    import json

    from ..sweep import read_runs, run_sweep
    from ..sweep.findings import holds_column
    from .run import STATE, _check_state

    from ..outputs import check_writable
    from ..sweep.design import check_points, design_points

    out = Path(out)
    start = time.perf_counter()
    resume = _check_state(spec, out)
    check_writable(out)
    check_points(spec.search, design_points(spec.search))  # every point's configs, before anything is written
    if not resume:  # the roles are on disk before anything runs
        out.mkdir(parents=True, exist_ok=True)
        (out / STATE).write_text(json.dumps({"name": spec.name, "fingerprint": spec.fingerprint(), "roles": spec.roles(),
                                             "identity": spec.identity()}, indent=2, default=str) + "\n")
    search = run_sweep(spec.search, out / "search", workers=workers, scheduler=scheduler, progress=progress, command=command)
    runs = read_runs(out / "search")
    design = pd.read_parquet(out / "search" / "design.parquet").set_index("point")
    # The choice, and each leave-one-out choice: the fitted findings (all, or all but one) with their targets.
    choices = {None: (list(spec.fitted), spec.targets),
               **{f: ([g for g in spec.fitted if g != f], {k: t for k, t in spec.targets.items() if k != f})
                  for f in spec.fitted}}
    chosen, scores = choose(runs, spec.fitted, spec.targets)
    pool = runs
    if spec.confirm is not None:  # the race: each choice's best points run again on shared calibration seeds
        tops = {name: ranked(runs, fitted, targets)[0][: spec.confirm.points] for name, (fitted, targets) in choices.items()}
        candidates = list(dict.fromkeys(p for top in tops.values() for p in top))
        confirm_spec = _confirm_spec(spec, design, candidates, set(runs["seed"].astype(int)))
        run_sweep(confirm_spec, out / "confirm", workers=workers, scheduler=scheduler, progress=progress, command=command)
        confirmed = read_runs(out / "confirm")
        confirmed["point"] = confirmed["point"].map(dict(enumerate(candidates)))
        pool = pd.concat([runs[runs["point"].isin(candidates)], confirmed], ignore_index=True)
        picks = {name: ranked(pool[pool["point"].isin(top)], *choices[name])[0][0] for name, top in tops.items()}
        chosen = picks[None]
        lofo_points = {f: picks[f] for f in spec.fitted}
        pooled = score_points(pool, spec.fitted, spec.targets)[["point", "score"]].rename(columns={"score": "confirmed_score"})
        scores = scores.merge(pooled, on="point", how="left")
    else:
        lofo_points = {f: choose(runs, *choices[f])[0] for f in spec.fitted}
    race = pd.DataFrame(columns=OUTPUTS["placebos.csv"])
    if spec.placebos is not None:  # the protocol with placebos at the choice's best points; each choice among them
        from .spec import _is_base_rate

        order = ranked(pool, *choices[None])[0][: spec.placebos.points]
        seeds = race_seeds(spec, set(pool["seed"].astype(int)) | set(runs["seed"].astype(int)))
        directional = [f for f in spec.fitted if not _is_base_rate(f)]
        race, chosen, lofo_points, counts = _run_race(spec, design, order, seeds, out / "placebos", "placebos.csv",
                                                      directional, pool, choices, workers, scheduler, progress)
        scores = scores.assign(race_reproduced=scores["point"].map(counts))  # raced points only
    rerace = pd.DataFrame(columns=OUTPUTS["rerace.csv"])
    if spec.rerace is not None:  # the race's best few on runs that did not pick them; every choice among them
        final = finalists(race, directional, order, spec.rerace.points)
        seeds = rerace_seeds(spec, set(pool["seed"].astype(int)) | set(runs["seed"].astype(int)) | set(seeds))
        rerace, chosen, lofo_points, counts = _run_race(spec, design, final, seeds, out / "rerace", "rerace.csv",
                                                        directional, pool, choices, workers, scheduler, progress)
        scores = scores.assign(rerace_reproduced=scores["point"].map(counts))
    evaluated = list(dict.fromkeys([chosen, *lofo_points.values()]))
    evaluation = run_sweep(_evaluation_spec(spec, design, evaluated), out / "evaluation", workers=workers, scheduler=scheduler,
                           progress=progress, command=command)
    ev = read_runs(out / "evaluation")
    ev["point"] = ev["point"].map(dict(enumerate(evaluated)))  # evaluation point i is search point evaluated[i]

    def share(point: int, finding: str) -> float:
        at = ev[ev["point"] == point]
        return float(at[holds_column(finding)].fillna(False).astype(bool).mean()) if len(at) else math.nan

    from ..replication.registry import FINDING_BY_ID
    from ..sweep.findings import estimate_column

    roles = spec.roles()
    pooled_shares = score_points(pool, spec.fitted, spec.targets).set_index("point")  # all calibration runs of a point
    at_chosen = ev[(ev["point"] == chosen) & (ev["status"] == "ok")]
    findings = pd.DataFrame([{
        "finding": f, "role": roles[f], "holds_share": share(chosen, f), "runs": int((ev["point"] == chosen).sum()),
        "estimate_mean": float(at_chosen[estimate_column(f)].mean()) if len(at_chosen) else math.nan,
        "calibration_share": float(pooled_shares.loc[chosen, f"{f}_share"]) if f in spec.fitted else math.nan,
        "claim": FINDING_BY_ID[f].claim} for f in spec.judged], columns=OUTPUTS["findings.csv"])
    lofo = pd.DataFrame([{"finding": f, "holds_share": share(p, f), "point": p, "chosen_holds_share": share(chosen, f),
                          "same_as_chosen": p == chosen, **_values(design, p, spec.keys)} for f, p in lofo_points.items()],
                        columns=[*OUTPUTS["lofo.csv"], *spec.keys])
    points = scores.assign(chosen=scores["point"] == chosen,
                           lofo_for=scores["point"].map(lambda p: " ".join(f for f, q in lofo_points.items() if q == p)))
    points = design.reset_index().merge(points, on="point")
    front = ["point", *spec.keys, *OUTPUTS["points.csv"][1:]]
    points = points[front + [c for c in points.columns if c not in front]]
    seconds = time.perf_counter() - start
    executor = search.executor or evaluation.executor
    result = PatternResult(out, chosen, _values(design, chosen, spec.keys), findings, lofo, points, race, rerace, seconds,
                           executor)
    _write_outputs(spec, result, command, search.runs, evaluation.runs)
    return result


def _values(design: pd.DataFrame, point: int, keys: list[str]) -> dict[str, Any]:
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in design.loc[point, keys].items()}


# ------------------------------------------------------------------ outputs
def _write_outputs(spec: PatternSpec, result: PatternResult, command: str, search_runs: int, evaluation_runs: int) -> None:
    """findings.csv, lofo.csv, points.csv, calibrated.yaml, plots/, report.md, manifest.json; each replaced whole."""
    from ..figures import save
    from ..outputs import manifest, write_json
    from ..replication.seeds import evaluation_seeds

    tmp = result.out / f".outputs-tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "plots").mkdir(parents=True)
    try:
        for name, frame in zip(OUTPUTS, (result.findings, result.lofo, result.points, result.race, result.rerace)):
            frame.to_csv(tmp / name, index=False)
        (tmp / "calibrated.yaml").write_text(_calibrated_yaml(spec, result))
        save(_findings_figure(spec, result), tmp / "plots" / "findings.png")
        (tmp / "report.md").write_text(_report(spec, result, command, search_runs, evaluation_runs))
        write_json(tmp / "manifest.json", manifest(
            spec.base, spec.search.seed, result.seconds,
            calibration={**spec.identity(), "name": spec.name, "fingerprint": spec.fingerprint()}, roles=spec.roles(),
            calibration_seeds=list(spec.calibration_seeds), evaluation=vars(spec.evaluation),
            evaluation_seeds=evaluation_seeds(spec.evaluation.seed, spec.evaluation.runs), chosen_point=result.chosen,
            chosen=result.values, executor=result.executor, **({"command": command} if command else {})))
        for name in _WRITTEN:
            src, dst = tmp / name, result.out / name
            if dst.is_dir():
                shutil.rmtree(dst)
            os.replace(src, dst)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _calibrated_yaml(spec: PatternSpec, result: PatternResult) -> str:
    from .report import nested_yaml

    row = result.points.set_index("point").loc[result.chosen]
    lines = [
        f"# Chosen by `alliancesim calibrate {spec.source or spec.name}` (pattern-oriented, {spec.name}, fingerprint "
        f"{spec.fingerprint()}):",
        f"# point {result.chosen} of {len(result.points)}, fitted hold share {row['score']:.3g} on calibration seeds "
        f"(all fitted hold together in {row['joint_share']:.3g} of its runs).",
        f"# Fitted: {', '.join(spec.fitted)}.  Held out: {', '.join(spec.held_out) or 'none'}.",
        *([f"# Placebo race: {int(row['race_reproduced'])} fitted directional findings reproduced at it (with their "
           f"placebos) on {spec.placebos.runs} calibration runs."] if spec.placebos else []),
        *([f"# Second race: {int(row['rerace_reproduced'])} reproduced at it on {spec.rerace.runs} further calibration "
           f"runs."] if spec.rerace else []),
        "# Use as a base config (alliancesim run calibrated.yaml), or the chosen values alone:",
        "#   --set " + " --set ".join(f"{k}={v!r}" for k, v in result.values.items()),
    ]
    return "\n".join(lines) + "\n" + nested_yaml({**spec.base_overrides(), **result.values})


def _findings_figure(spec: PatternSpec, result: PatternResult):
    from ..figures import subplots

    colours = {"fitted": "C0", "base_rate": "0.55", "held_out": "C1"}
    table = result.findings
    fig, ax = subplots(figsize=(max(6.0, 0.5 * len(table) + 2), 4.0))
    x = np.arange(len(table))
    ax.bar(x, table["holds_share"].fillna(0), color=[colours[r] for r in table["role"]])
    lofo = result.lofo.set_index("finding")["holds_share"]
    mine = [i for i, f in enumerate(table["finding"]) if f in lofo.index]
    ax.scatter(mine, [lofo[table["finding"].iloc[i]] for i in mine], marker="v", color="k", zorder=3,
               label="at the point chosen without it (leave one out)")
    for role, colour in colours.items():
        ax.bar([0], [0], color=colour, label=role)
    ax.set_xticks(x, table["finding"])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(f"share of {spec.evaluation.runs} evaluation runs")
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    ax.set_title(f"Where the findings hold at the chosen point ({spec.name})", fontsize=10)
    return fig


def _race_table(race: pd.DataFrame) -> pd.DataFrame:
    """placebos.csv (or rerace.csv) as one row per raced point: the reproduced count and each finding's two shares."""
    cells = race.assign(cell=[f"{r:.2f} / {p:.2f}" for r, p in zip(race["reproduced_share"], race["placebo_share"])])
    wide = cells.pivot(index=["rank", "point"], columns="finding", values="cell")
    wide = wide[list(dict.fromkeys(race["finding"]))]
    count = _reproduced(race, list(race["finding"]))
    return wide.reset_index().assign(reproduced=lambda t: t["point"].map(lambda p: int(count.get(p, 0))))


def _report(spec: PatternSpec, result: PatternResult, command: str, search_runs: int, evaluation_runs: int) -> str:
    from ..replication.summary import REPRODUCED_SHARE
    from .report import _md_table

    chosen = pd.DataFrame([{"key": k, "value": v, "before": spec.base.flat()[k]} for k, v in result.values.items()])
    held = result.findings[result.findings["role"] == "held_out"]
    parts = [
        f"# Pattern-oriented calibration `{spec.name}`\n",
        f"{spec.description.strip()}\n" if spec.description else "",
        f"Command: `{command}`\n" if command else "",
        f"Fitted (declared before anything ran): {', '.join(spec.fitted)}. Held out: {', '.join(spec.held_out) or 'none'}.\n",
        f"Search: {len(result.points)} points x {spec.search.replications} runs ({search_runs} runs) on calibration seeds "
        f"drawn from [{spec.calibration_seeds[0]}, {spec.calibration_seeds[1]}), judging the fitted findings only. "
        f"Chosen: the highest fitted hold share (mean over fitted findings of the share of runs where each holds), ties "
        f"to the most runs in which all hold together, then to the base rates closest to their targets "
        f"({', '.join(spec.targets) or 'none declared'}), then the lowest point. " +
        (f"Confirmation: the {spec.confirm.points} best points of the choice and of each leave-one-out choice ran "
         f"{spec.confirm.replications} more times on calibration seeds no search run used (the same for every point); "
         f"each choice was made among its points on their pooled runs (`confirmed_score` in points.csv). "
         if spec.confirm else "") +
        (f"Placebo race: the {spec.placebos.points} best points of the choice ran the replication's protocol "
         f"{spec.placebos.runs} times on further calibration seeds (each finding beside its placebo, offsets found for "
         f"the point's configs); the choice, and each leave-one-out choice among the same points, went to the point "
         f"where the most fitted directional findings are reproduced (`placebos.csv`; `race_reproduced` in points.csv). "
         if spec.placebos else "") +
        (f"Second race: the {spec.rerace.points} raced points where the most fitted directional findings were "
         f"reproduced ran the protocol {spec.rerace.runs} more times on calibration seeds no earlier stage used; the "
         f"choice, and each leave-one-out choice among them, was made on those runs alone (`rerace.csv`; "
         f"`rerace_reproduced` in points.csv). " if spec.rerace else "") +
        f"Evaluation: {spec.evaluation.runs} runs per point on seeds spawned from root {spec.evaluation.seed} (never a "
        f"calibration seed), {evaluation_runs} runs in all; this call {result.seconds:.0f} s on {result.executor}.\n",
        "## Chosen point\n", _md_table(chosen),
        "\n`calibrated.yaml` sets these values. Plot: `plots/findings.png`.\n",
        "## Findings at the chosen point, on evaluation seeds\n",
        f"{int((held['holds_share'] >= REPRODUCED_SHARE).sum())} of {len(held)} held-out findings hold in at least "
        f"{REPRODUCED_SHARE:.0%} of the evaluation runs (the replication's reproduced share; without its placebo check).\n",
        _md_table(result.findings.drop(columns="claim")),
        *(["## Placebo race, on calibration seeds\n",
            "Reproduced share / placebo share of each fitted finding at each raced point (rank: the search's order).\n",
            _md_table(_race_table(result.race))] if len(result.race) else []),
        *(["## Second race, on further calibration seeds\n",
            "The first race's best points raced again on runs that did not pick them (rank: their order after the first "
            "race).\n",
            _md_table(_race_table(result.rerace))] if len(result.rerace) else []),
        "## Leave one finding out\n",
        "For each fitted finding: the point chosen without it, and the share of evaluation runs in which it holds there.\n",
        _md_table(result.lofo),
    ]
    return "\n".join(p for p in parts if p)
