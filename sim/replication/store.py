"""A replication folder on disk: manifest first, then one atomic Parquet part per finished task.

Layout of ``OUT``::

    manifest.json        fingerprint, evaluation and calibration seeds, configs, placebo offsets, versions
    parts/part-*.parquet one part per (run, arm, population) task: the estimates of each design, as JSON
    findings.csv, report.md, plots/, ...   written when every task is done

A part is written to a hidden temporary name and renamed into place (the
pattern of the sweep store), so it is complete or invisible; its name says
which task it holds, so a replication killed at any instant and started
again with the same command skips the finished tasks and ends with the same
table.  A lock file keeps two processes from writing the same folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import ConfigError

__all__ = ["RunStore", "check_out", "open_run_store", "part_name", "MANIFEST"]

MANIFEST = "manifest.json"
_PART = re.compile(r"^part-(?P<run>\d+)-(?P<arm>[a-z_]+)-(?P<population>[a-z_]+)\.parquet$")


def part_name(run: int, arm: str, population: str) -> str:
    return f"part-{run:05d}-{arm}-{population}.parquet"


def write_text_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class RunStore:
    """An opened (and locked) replication folder."""

    def __init__(self, out: Path, manifest: dict[str, Any], lock_fd: int):
        self.out, self.manifest, self._lock_fd = out, manifest, lock_fd
        self.parts = out / "parts"
        self.parts.mkdir(exist_ok=True)
        for tmp in self.parts.glob(".*.tmp"):
            tmp.unlink(missing_ok=True)

    def done(self) -> set[tuple[int, str, str]]:
        """(run, arm, population) of every recorded task."""
        found = (_PART.match(p.name) for p in self.parts.iterdir())
        return {(int(m["run"]), m["arm"], m["population"]) for m in found if m}

    def add(self, run: int, arm: str, population: str, rows: pd.DataFrame) -> None:
        path = self.parts / part_name(run, arm, population)
        tmp = path.with_name(f".{path.name}.tmp")
        rows.to_parquet(tmp, index=False)
        os.replace(tmp, path)

    def read(self) -> pd.DataFrame:
        parts = sorted(p for p in self.parts.glob("part-*.parquet"))
        return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True) if parts else pd.DataFrame()

    def write_manifest(self, **update: Any) -> None:
        self.manifest.update(update)
        write_text_atomic(self.out / MANIFEST, json.dumps(self.manifest, indent=2, default=str) + "\n")

    def close(self) -> None:
        os.close(self._lock_fd)


def check_out(out: Path) -> None:
    """Refuse an ``out`` that is a file, or a non-empty folder that holds no replication."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    if out.exists() and not (out / MANIFEST).exists() and any(not p.name.startswith(".") for p in out.iterdir()):
        raise ConfigError(f"--out {str(out)!r} already exists and is not empty; choose a new folder")


def open_run_store(out: Path, manifest: dict[str, Any]) -> RunStore:
    """Create ``out`` for this replication or reopen it to resume; refuse a folder of anything else."""
    out = Path(out)
    check_out(out)
    existing = out / MANIFEST
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"--out {str(out)!r} is in use by another running replication") from None
        if existing.exists():
            old = json.loads(existing.read_text())
            if old.get("fingerprint") != manifest["fingerprint"]:
                raise ConfigError(f"--out {str(out)!r} holds a different replication (other config, seed, runs or code); "
                                  "use a new --out, or the same command to resume")
            manifest = {**old, "resumed": old.get("resumed", 0) + 1}
        store = RunStore(out, manifest, fd)
        if not existing.exists():
            store.write_manifest()
        return store
    except BaseException:
        os.close(fd)
        raise
