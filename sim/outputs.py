"""Frames -> Parquet/CSV files and ``manifest.json``, written atomically.

A run folder appears complete or not at all: everything is written into a
hidden sibling folder, which is renamed into place at the end.  Whether
``--out`` can be written is checked before any work.  Default folders are
``results/<kind>-<time>-seed<N>`` under the working directory; runs started
in the same second get ``-2``, ``-3``, ... .  JSON files hold ``null`` where a
number is undefined (strict JSON has no NaN).  The manifest
records what is needed to reproduce the run: the resolved config, the seed,
package versions and the git commit.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from .config import Config, ConfigError, show_path

__all__ = ["atomic_dir", "AtomicDir", "write_frames", "manifest", "write_json", "to_json", "default_out_dir", "package_versions",
           "git_commit", "check_out_dir", "check_writable"]

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


def _strict_json(value: Any) -> Any:
    """nan/inf (Python or numpy floats) -> None, recursively: JSON has no NaN."""
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):  # numpy float64 is a float too
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # other numpy scalars
        with contextlib.suppress(TypeError, ValueError):
            return _strict_json(value.item())
    return value


def to_json(data: Any) -> str:
    """Strict JSON text (``null`` for nan/inf), indented, with a final newline."""
    return json.dumps(_strict_json(data), indent=2, default=str, allow_nan=False) + "\n"


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(to_json(data))


def default_out_dir(kind: str, seed: int | None) -> Path:
    """``results/<kind>-<time>[-seed<N>]`` under the working directory (made unique on write by AtomicDir)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = f"-seed{seed}" if seed is not None else ""
    return Path.cwd() / "results" / f"{kind}-{stamp}{suffix}"


def check_writable(folder: Path, flag: str = "--out", beside: bool = False) -> None:
    """Refuse a folder that cannot be made and written (read-only, under a file, no permission), before any work.

    ``beside=True``: what must be writable is the folder's parent (the folder
    itself is made there by a rename).
    """
    folder = Path(folder).absolute()
    existing = folder.parent if beside else folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{flag} {show_path(folder)}: {show_path(existing)} is a file, not a folder")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".alliancesim-probe-", dir=existing))
    except OSError as err:
        raise ConfigError(f"{flag} {show_path(folder)}: cannot write in {show_path(existing)} ({err.strerror})") from None


def check_out_dir(out: Path) -> None:
    """Refuse a folder that already holds something, or that cannot be written."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(f"--out {show_path(out)} already exists and is not empty; choose a new folder")
    check_writable(out, beside=True)


class AtomicDir:
    """``with AtomicDir(out) as tmp:`` - a temporary folder that becomes ``out`` only if the block succeeds.

    With ``unique=True`` (default folders) a name taken meanwhile, by a run
    started in the same second, is not an error: the folder becomes
    ``out-2``, ``out-3``, ...; ``.path`` is where it went.
    """

    def __init__(self, out: Path, unique: bool = False):
        self.path = Path(out)
        self.unique = unique
        self._tmp: Path | None = None

    def check(self) -> None:
        """Raise ConfigError now if the folder cannot be written (call before the work)."""
        if self.unique:
            check_writable(self.path, beside=True)
        else:
            check_out_dir(self.path)

    def __enter__(self) -> Path:
        self.check()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # mkdtemp: a unique name even for two folders begun in the same millisecond
        self._tmp = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.tmp-", dir=self.path.parent))
        self._tmp.chmod(0o755)  # mkdtemp makes it private; a results folder is not
        return self._tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._tmp is not None
        if exc_type is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            return
        base, n = self.path, 1
        while True:
            try:
                os.rename(self._tmp, self.path)  # atomic; replaces only an empty folder
                return
            except OSError as err:
                if not (self.unique and err.errno in (errno.EEXIST, errno.ENOTEMPTY)):
                    shutil.rmtree(self._tmp, ignore_errors=True)
                    raise
                n += 1
                self.path = base.with_name(f"{base.name}-{n}")


def atomic_dir(out: Path, unique: bool = False) -> AtomicDir:
    """Yield a temporary folder that becomes ``out`` only if the block succeeds (see :class:`AtomicDir`)."""
    return AtomicDir(out, unique=unique)


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
