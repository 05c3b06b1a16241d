"""Frames -> Parquet/CSV files and ``manifest.json``, written atomically.

A run folder appears complete or not at all: everything is written into a
hidden sibling folder, which is renamed into place at the end.  The manifest
records what is needed to reproduce the run: the resolved config, the seed,
package versions and the git commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from .config import Config, ConfigError

__all__ = ["atomic_dir", "write_frames", "manifest", "write_json", "default_out_dir", "package_versions", "git_commit", "check_out_dir"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CLONE = (PROJECT_ROOT / "pyproject.toml").is_file()  # False in a wheel install (PROJECT_ROOT is site-packages)
_PACKAGES = ("alliancesim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "pydantic", "statsmodels", "SALib", "networkx")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return versions


def git_commit() -> dict[str, Any]:
    """Commit of the source tree (and whether it had uncommitted changes), if it is a git checkout."""
    def git(*args: str) -> str | None:
        if not CLONE:
            return None
        try:
            out = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def manifest(config: Config, seed: int | None, wall_time: float | None = None, **extra: Any) -> dict[str, Any]:
    """What a results folder must say about how it was made."""
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seed": seed,
        "config": config.model_dump(),
        "tick_length": f"1/{config.run.ticks_per_year} year",
        "versions": package_versions(),
        "git": git_commit(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "wall_time_seconds": wall_time,
        **extra,
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def default_out_dir(kind: str, seed: int | None) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = f"-seed{seed}" if seed is not None else ""
    return (PROJECT_ROOT if CLONE else Path.cwd()) / "results" / f"{kind}-{stamp}{suffix}"


def check_out_dir(out: Path) -> None:
    """Refuse to overwrite a folder that already holds something."""
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {str(out)!r} already exists and is not empty; choose a new folder")


@contextlib.contextmanager
def atomic_dir(out: Path) -> Iterator[Path]:
    """Yield a temporary folder that becomes ``out`` only if the block succeeds."""
    out = Path(out)
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{int(time.time() * 1000)}"
    tmp.mkdir()
    try:
        yield tmp
        if out.exists():
            out.rmdir()  # empty, checked above
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_frames(folder: Path, frames: dict[str, pd.DataFrame], csv: bool = False) -> list[Path]:
    """Write each frame as ``<name>.parquet`` (and ``<name>.csv`` if asked)."""
    written = []
    for name, frame in frames.items():
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        written.append(path)
        if csv:
            frame.to_csv(folder / f"{name}.csv", index=False)
            written.append(folder / f"{name}.csv")
    return written
