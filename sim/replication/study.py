"""Run the study-shaped simulations of one seed and collect every finding's rows.

Each design has its population in ``configs/studies/<design>.yaml`` (large
incumbents allying with small ventures over the study's window); user
overrides (``--set``) apply on top of it.  Designs that resolve to the same
config share one simulation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import CONFIGS_DIR, Config, ConfigError, load_config
from ..runner import simulate
from . import competing_risks, depreciation, firm_panel, projects, shares
from .targets import COLUMNS, TARGET_BY_ID, TARGETS, Row, unavailable

__all__ = ["STUDY_DIR", "DESIGNS", "study_configs", "findings_from_frames", "replicate_seed", "order_rows",
           "Replication", "replicate", "robustness", "REQUIRED_SHARE"]

STUDY_DIR = CONFIGS_DIR / "studies"
DESIGNS = ("projects", "firm_panel", "competing_risks", "shares", "depreciation")


def study_configs(overrides: dict[str, Any] | None = None, base: str | Path | None = None) -> dict[str, Config]:
    """The config of each design: its study file (or ``base``), then ``overrides``."""
    out = {}
    for design in DESIGNS:
        path = Path(base) if base is not None else STUDY_DIR / f"{design}.yaml"
        out[design] = load_config(path if path.is_file() else None, overrides=overrides)
    return out


def findings_from_frames(design: str, frames: dict[str, pd.DataFrame], cfg: Config) -> list[Row]:
    """The rows one design produces from one run's tables."""
    ticks, tpy = cfg.run.ticks, cfg.run.ticks_per_year
    if design == "projects":
        return projects.findings(frames["alliances"], tpy)
    if design == "firm_panel":
        return firm_panel.findings(frames, ticks, tpy)
    if design == "competing_risks":
        return competing_risks.findings(frames["projects"], ticks, tpy)
    if design == "shares":
        return shares.findings(frames, ticks, tpy)
    if design == "depreciation":
        return depreciation.findings(frames["alliances"], tpy)
    raise ValueError(f"unknown design {design!r}")


def order_rows(rows: list[Row]) -> pd.DataFrame:
    """Rows in R1..R16 order; any finding without a row gets an explicit 'not produced' row."""
    have = {r.finding for r in rows}
    rows = rows + [unavailable(t.id, "-", "no design produced this finding") for t in TARGETS if t.id not in have]
    rank = {t.id: i for i, t in enumerate(TARGETS)}
    df = pd.DataFrame([r.as_dict() for r in rows], columns=COLUMNS)
    df["confidence"] = df["finding"].map(lambda f: TARGET_BY_ID[f].confidence)
    df["_rank"] = df["finding"].map(rank)
    return df.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)


def replicate_seed(configs: dict[str, Config], seed: int) -> tuple[pd.DataFrame, dict[str, dict[str, pd.DataFrame]]]:
    """All findings' rows for one seed, plus the frames of each design's run."""
    cache: dict[str, dict[str, pd.DataFrame]] = {}
    frames_by_design = {}
    rows: list[Row] = []
    for design in DESIGNS:
        cfg = configs[design]
        key = cfg.model_dump_json()
        if key not in cache:
            cache[key] = simulate(cfg, seed).frames
        frames_by_design[design] = cache[key]
        rows += findings_from_frames(design, cache[key], cfg)
    return order_rows(rows), frames_by_design


REQUIRED_SHARE = {"high": 0.9, "medium": 0.9, "low": 0.7}  # issue 5: share of seeds that must reproduce a finding


@dataclass
class Replication:
    """Everything one ``alliancesim replicate`` call produced."""

    table: pd.DataFrame  # rows of the first seed (replication.csv)
    runs: pd.DataFrame  # rows of every seed, with a ``seed`` column
    robustness: pd.DataFrame  # per finding: share of seeds reproducing it
    frames: dict[str, dict[str, pd.DataFrame]]  # first seed's tables, by design
    configs: dict[str, Config]
    seeds: list[int]


def robustness(runs: pd.DataFrame) -> pd.DataFrame:
    """Per finding: the share of seeds in which all its rows match, against the required share."""
    per_seed = runs.groupby(["finding", "seed"], sort=False)["matches"].all()
    share = per_seed.groupby(level=0, sort=False).mean()
    out = pd.DataFrame({"finding": share.index, "share_reproduced": share.to_numpy()})
    out["confidence"] = out["finding"].map(lambda f: TARGET_BY_ID[f].confidence)
    out["required"] = out["confidence"].map(REQUIRED_SHARE)
    out["meets_requirement"] = out["share_reproduced"] >= out["required"]
    out["seeds"] = runs["seed"].nunique()
    return out


def replicate(overrides: dict[str, Any] | None = None, seed: int = 42, runs: int = 1,
              base: str | Path | None = None, progress: bool = False) -> Replication:
    """Simulate every design for seeds ``seed .. seed + runs - 1`` and fit each study's model."""
    if runs < 1:
        raise ConfigError(f"--runs must be at least 1, got {runs}")
    configs = study_configs(overrides, base)
    seeds = [seed + i for i in range(runs)]
    tables, first_frames = [], {}
    iterator = seeds
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(seeds, desc="replicating", unit="seed")
    for s in iterator:
        table, frames = replicate_seed(configs, s)
        tables.append(table.assign(seed=s))
        if s == seed:
            first_frames = frames
    all_runs = pd.concat(tables, ignore_index=True)
    first = all_runs[all_runs["seed"] == seed].drop(columns="seed").reset_index(drop=True)
    return Replication(first, all_runs, robustness(all_runs), first_frames, configs, seeds)
