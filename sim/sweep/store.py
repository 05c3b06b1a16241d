"""A sweep folder on disk: manifest, design, and results as atomic Parquet parts.

Layout of ``OUT``::

    sweep.json           manifest: fingerprint, resolved spec, root seed, versions, git commit
    design.parquet       one row per parameter point
    runs/part-*.parquet  one row per finished run (pandas.read_parquet(OUT / "runs"))
    alliances/part-*.parquet   each run's alliance table, if the sweep asked for it

Parts are written to a hidden temporary name and renamed into place, so a part
is either complete or invisible (Parquet readers skip names starting with a
dot).  A run counts as done once its row is in a runs part; when a batch also
has alliance rows, the alliances part is renamed first and the runs part last,
and on reopening alliance parts without their runs part are removed.  So a
sweep killed at any instant and resumed ends with exactly the rows of an
uninterrupted one.  A lock file keeps two sweeps from writing the same folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import ConfigError, flatten
from ..outputs import git_commit, package_versions
from .spec import SweepSpec

__all__ = ["SweepStore", "open_store", "read_manifest", "FIXED_COLUMNS"]

MANIFEST = "sweep.json"
FIXED_COLUMNS = ("point", "replication", "seed", "status")


def read_manifest(out: Path) -> dict[str, Any]:
    path = Path(out) / MANIFEST
    if not path.is_file():
        raise ConfigError(f"{str(out)!r} is not a sweep folder (no {MANIFEST})")
    return json.loads(path.read_text())


def runs_schema(spec: SweepSpec, metrics: list[str]) -> pa.Schema:
    base = spec.base.flat()
    fields = [pa.field("point", pa.int64()), pa.field("replication", pa.int64()), pa.field("seed", pa.int64()), pa.field("status", pa.string())]
    for key in spec.keys:
        value = base[key]
        kind = pa.bool_() if isinstance(value, bool) else pa.int64() if isinstance(value, int) else pa.float64() if isinstance(value, float) else pa.string()
        fields.append(pa.field(key, kind))
    fields += [pa.field(m, pa.float64()) for m in metrics]
    fields += [pa.field("wall_time", pa.float64()), pa.field("error", pa.string())]
    return pa.schema(fields)


class SweepStore:
    """An opened (and locked) sweep folder: what is done, and where new results go."""

    def __init__(self, out: Path, manifest: dict[str, Any], schema: pa.Schema, lock_fd: int):
        self.out = out
        self.manifest = manifest
        self.schema = schema
        self._lock_fd = lock_fd
        self.runs_dir = out / "runs"
        self.alliances_dir = out / "alliances"
        self._rows: list[dict[str, Any]] = []
        self._alliances: list[pd.DataFrame] = []
        self._alliance_schema: pa.Schema | None = None
        self._last_flush = time.monotonic()
        self._clean()

    # ---------------------------------------------------------------- reading
    def _clean(self) -> None:
        """Drop leftovers of a killed writer: temp files, alliance parts with no runs part."""
        self.runs_dir.mkdir(exist_ok=True)
        for folder in (self.runs_dir, self.alliances_dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        committed = {p.name for p in self.runs_dir.glob("part-*.parquet")}
        for part in self.alliances_dir.glob("part-*.parquet"):
            if part.name not in committed:
                part.unlink()

    def done(self) -> pd.DataFrame:
        """(point, replication, status) of every recorded run."""
        parts = sorted(self.runs_dir.glob("part-*.parquet"))
        if not parts:
            return pd.DataFrame({"point": pd.Series(dtype="int64"), "replication": pd.Series(dtype="int64"), "status": pd.Series(dtype="str")})
        return pd.concat([pd.read_parquet(p, columns=["point", "replication", "status"]) for p in parts], ignore_index=True)

    # ---------------------------------------------------------------- writing
    def add(self, row: dict[str, Any], alliances: pd.DataFrame | None = None) -> None:
        self._rows.append(row)
        if alliances is not None and len(alliances):
            self._alliances.append(alliances)

    def due(self, max_rows: int, max_seconds: float) -> bool:
        return len(self._rows) >= max_rows or (bool(self._rows) and time.monotonic() - self._last_flush >= max_seconds)

    def flush(self) -> None:
        """Commit buffered rows as one part (alliances first, runs last)."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        name = f"part-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:12]}.parquet"
        if self._alliances:
            table = pa.Table.from_pandas(pd.concat(self._alliances, ignore_index=True), preserve_index=False)
            self.alliances_dir.mkdir(exist_ok=True)
            if self._alliance_schema is None:
                existing = sorted(self.alliances_dir.glob("part-*.parquet"))
                self._alliance_schema = pq.read_schema(existing[0]) if existing else table.schema
            _write_atomic(table.cast(self._alliance_schema), self.alliances_dir / name)
        _write_atomic(pa.Table.from_pylist(self._rows, schema=self.schema), self.runs_dir / name)
        self._rows.clear()
        self._alliances.clear()

    def close(self) -> None:
        self.flush()
        os.close(self._lock_fd)


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _lock(out: Path) -> int:
    fd = os.open(out / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ConfigError(f"--out {str(out)!r} is in use by another running sweep") from None
    return fd


def open_store(out: Path, spec: SweepSpec, points: pd.DataFrame, metrics: list[str], command: str = "") -> SweepStore:
    """Create ``out`` for ``spec`` or reopen it to resume; refuse a folder of another sweep."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} exists and is not a folder")
    existing = out / MANIFEST
    # a folder killed while being created holds at most hidden files and design.parquet
    if out.exists() and not existing.exists() and any(not p.name.startswith(".") and p.name != "design.parquet" for p in out.iterdir()):
        raise ConfigError(f"--out {str(out)!r} already holds files that are not a sweep; choose a new folder")
    out.mkdir(parents=True, exist_ok=True)
    fd = _lock(out)
    try:
        if existing.exists():
            manifest = json.loads(existing.read_text())
            if manifest.get("fingerprint") != spec.fingerprint():
                raise ConfigError(f"--out {str(out)!r} holds a different sweep ({_difference(manifest.get('spec', {}), spec.identity())}); "
                                  "use a new --out, or the same sweep config and --set to resume")
            metrics = manifest["metrics"]
        else:
            manifest = _new_manifest(spec, points, metrics, command)
            design = points.reset_index()
            design.to_parquet(out / ".design.parquet.tmp", index=False)
            os.replace(out / ".design.parquet.tmp", out / "design.parquet")
            (out / f".{MANIFEST}.tmp").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
            os.replace(out / f".{MANIFEST}.tmp", existing)
        return SweepStore(out, manifest, runs_schema(spec, metrics), fd)
    except BaseException:
        os.close(fd)
        raise


def _new_manifest(spec: SweepSpec, points: pd.DataFrame, metrics: list[str], command: str) -> dict[str, Any]:
    from datetime import datetime, timezone

    return {
        "kind": "alliancesim sweep",
        "name": spec.name,
        "description": spec.description,
        "fingerprint": spec.fingerprint(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": spec.source,
        "method": spec.method,
        "parameters": spec.keys,
        "points": len(points),
        "replications": spec.replications,
        "runs": len(points) * spec.replications,
        "root_seed": spec.seed,
        "seeding": "numpy.random.SeedSequence(root_seed).spawn(points)[point].spawn(replications)[replication]",
        "metrics": metrics,
        "spec": spec.identity(),
        "versions": package_versions(),
        "git": git_commit(),
        "command": command,
    }


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    a, b = flatten(json.loads(json.dumps(old, default=str))), flatten(json.loads(json.dumps(new, default=str)))
    diffs = [f"{k}: {a.get(k, '(absent)')!r} there, {b.get(k, '(absent)')!r} now" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if not diffs:
        return "fingerprints differ"
    more = f" and {len(diffs) - 3} more" if len(diffs) > 3 else ""
    return "; ".join(diffs[:3]) + more
