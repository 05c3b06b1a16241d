"""A small calibration config and ways to vary and write it, shared by the calibration tests."""

from __future__ import annotations

from pathlib import Path

import yaml

GOOD = {
    "name": "tiny",
    "set": {"firms.n": 30, "run.ticks": 20},
    "parameters": {"execution.base_logit_exploration": {"low": -1.0, "high": 1.5},
                   "exit.conflict_hazard": {"low": 0.002, "high": 0.05, "scale": "log"}},
    "targets": {"failure_share": 0.5, "underperforming_share": {"value": 0.5, "scale": 0.15}},
    "populations": 2,
    "particles": 10,
    "replications": 2,
    "seed": 5,
    "calibration_seeds": [1000, 2000],
    "evaluation": {"seed": 42, "runs": 2},
}


def write(folder: Path, data: dict, name: str = "calib") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def with_(**changes) -> dict:
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}
