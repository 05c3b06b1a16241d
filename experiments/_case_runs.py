"""Shared plumbing of the case scripts: run a config over many seeds, write a results folder.

A case is a story told with a few scenarios; each scenario is a config run
over seeds (the model is stochastic, a single run proves little), and each run
is reduced to a small table by a ``collect(model, seed)`` function.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python experiments/case_*.py` from a checkout
    sys.path.insert(0, str(ROOT))

from sim import AllianceModel  # noqa: E402
from sim.config import Config  # noqa: E402
from sim.outputs import atomic_dir, check_out_dir, default_out_dir, manifest, write_frames, write_json  # noqa: E402

CASES = ROOT / "configs" / "cases"

__all__ = ["CASES", "run_seeds", "rate_with_ci", "out_dir", "write_case"]


def run_seeds(cfg: Config, seeds: Iterable[int], collect: Callable[[AllianceModel, int], dict[str, pd.DataFrame]], desc: str) -> dict[str, pd.DataFrame]:
    """Run ``cfg`` once per seed; stack, table by table, what ``collect`` keeps of each run."""
    from tqdm.auto import tqdm

    parts: dict[str, list[pd.DataFrame]] = {}
    for seed in tqdm(list(seeds), desc=desc, unit="run", leave=False):
        for name, frame in collect(AllianceModel(config=cfg, rng=int(seed)).run(), int(seed)).items():
            parts.setdefault(name, []).append(frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def rate_with_ci(success: pd.Series) -> tuple[float, float, int]:
    """Share of True, its 95% half-width (normal approximation), and n."""
    x = success.dropna().astype(float)
    n = len(x)
    if n == 0:
        return float("nan"), float("nan"), 0
    p = float(x.mean())
    return p, 1.96 * float(np.sqrt(p * (1 - p) / n)), n


def out_dir(arg: str | None, name: str) -> Path:
    out = Path(arg) if arg else default_out_dir(name, None)
    check_out_dir(out)
    return out


def write_case(out: Path, fig, frames: dict[str, pd.DataFrame], summary: dict, configs: dict[str, Config], seeds: list[int], wall: float) -> None:
    """The results folder, atomically: contrast.png, tables, summary.json, manifest.json."""
    with atomic_dir(out) as tmp:
        fig.savefig(tmp / "contrast.png", dpi=120)
        write_frames(tmp, frames)
        write_json(tmp / "summary.json", summary)
        first = next(iter(configs.values()))
        write_json(tmp / "manifest.json", manifest(first, None, wall, seeds=seeds, scenarios={k: c.model_dump() for k, c in configs.items()}))


def timer() -> Callable[[], float]:
    start = time.perf_counter()
    return lambda: time.perf_counter() - start
