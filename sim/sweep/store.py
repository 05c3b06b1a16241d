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

A damaged folder is named, never silently used: on resume a part that cannot
be read (truncated, 0 bytes), that has other columns than this sweep's (a
foreign file), or that repeats runs already recorded is moved to
``OUT/damaged/`` with a warning and its runs are rerun, so the folder again
ends with the rows of an undamaged sweep; ``analyze`` refuses such a folder
and says to resume it.  A missing or unreadable ``sweep.json`` is named as
the cause: without it nobody can tell which sweep the runs belong to.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..config import ConfigError, flatten, show, show_path
from ..outputs import check_writable, git_commit, package_versions, to_json
from .design import seeding
from .spec import SweepSpec

__all__ = ["SweepStore", "open_store", "check_sweep_out", "read_manifest", "FIXED_COLUMNS", "damaged_parts", "manifest_schema", "PART_GLOB"]

MANIFEST = "sweep.json"
FIXED_COLUMNS = ("point", "replication", "seed", "status")
PART_GLOB = "part-*.parquet"
DAMAGED = "damaged"
_MANIFEST_KEYS = {"fingerprint", "method", "parameters", "points", "runs", "root_seed", "metrics", "spec"}


def read_manifest(out: Path) -> dict[str, Any]:
    """``OUT/sweep.json``; a missing or damaged one is a one-line ConfigError saying so."""
    out = Path(out)
    path = out / MANIFEST
    if not path.is_file():
        if (out / "runs").is_dir():
            raise ConfigError(f"{show_path(out)} has runs/ but no {MANIFEST} (deleted?), so which sweep they belong to is unknown; "
                              f"restore {MANIFEST}, or run the sweep into a new --out")
        raise ConfigError(f"{show_path(out)} is not a sweep folder (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text())
        problem = None if isinstance(manifest, dict) else f"holds {type(manifest).__name__}, not a mapping"
        if problem is None and not _MANIFEST_KEYS <= set(manifest):
            problem = f"lacks {sorted(_MANIFEST_KEYS - set(manifest))}"
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        problem = f"not JSON: {err}"
    if problem:
        raise ConfigError(f"{show_path(path)} is damaged ({problem}); restore it from a copy, or run the sweep into a new --out")
    return manifest


def runs_schema(spec: SweepSpec, metrics: list[str]) -> pa.Schema:
    return _runs_schema(spec.base.flat(), spec.keys, metrics, spec.findings)


def manifest_schema(manifest: dict[str, Any]) -> pa.Schema:
    """The runs table's schema as the folder's manifest describes it."""
    return _runs_schema(flatten(manifest["spec"]["base"]), manifest["parameters"], manifest["metrics"], manifest.get("findings", ()))


def _runs_schema(base: dict[str, Any], keys: list[str], metrics: list[str], findings=()) -> pa.Schema:
    fields = [pa.field("point", pa.int64()), pa.field("replication", pa.int64()), pa.field("seed", pa.int64()), pa.field("status", pa.string())]
    for key in keys:
        value = base[key]
        kind = pa.bool_() if isinstance(value, bool) else pa.int64() if isinstance(value, int) else pa.float64() if isinstance(value, float) else pa.string()
        fields.append(pa.field(key, kind))
    if findings:  # a findings sweep: its outcome columns (sim.sweep.findings), not the run metrics
        from .findings import outcome_fields

        fields += outcome_fields(findings)
    else:
        fields += [pa.field(m, pa.float64()) for m in metrics]
    fields += [pa.field("wall_time", pa.float64()), pa.field("error", pa.string())]
    return pa.schema(fields)


def damaged_parts(out: Path, schema: pa.Schema) -> list[tuple[Path, str]]:
    """Files of ``OUT/runs`` and ``OUT/alliances`` a reader must not use, each with what is wrong.

    A runs part must read whole and have exactly the runs table's columns,
    and its runs must not repeat runs of an earlier part; an alliances part
    must read whole.  Anything else there that is not hidden is foreign.
    """
    damaged: list[tuple[Path, str]] = []
    seen: set[tuple[int, int]] = set()
    for folder, expected in ((Path(out) / "runs", schema), (Path(out) / "alliances", None)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue  # temporary files; readers skip them
            if not path.match(PART_GLOB) or not path.is_file():
                damaged.append((path, "not a part written by alliancesim"))
                continue
            if path.stat().st_size == 0:
                damaged.append((path, "empty, 0 bytes"))
                continue
            try:
                table = pq.read_table(path)
            except (OSError, pa.ArrowException) as err:
                damaged.append((path, f"not a whole Parquet file: {type(err).__name__}"))
                continue
            if expected is None:
                continue
            if not table.schema.equals(expected):
                damaged.append((path, "its columns are not this sweep's runs table"))
                continue
            runs = set(zip(table.column("point").to_pylist(), table.column("replication").to_pylist()))
            if len(runs) < table.num_rows or runs & seen:
                damaged.append((path, "repeats runs recorded in another part"))
                continue
            seen |= runs
    return damaged


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
        """Drop leftovers of a killed writer (temp files, alliance parts with no runs part); set damaged parts aside."""
        self.runs_dir.mkdir(exist_ok=True)
        for folder in (self.runs_dir, self.alliances_dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        for path, reason in damaged_parts(self.out, self.schema):
            # the runs of a damaged alliances part are rerun too, so both go
            for part in {path, self.runs_dir / path.name} if path.parent == self.alliances_dir else {path}:
                if part.exists():
                    self._set_aside(part, reason if part == path else f"its alliances part is damaged: {reason}")
        committed = {p.name for p in self.runs_dir.glob(PART_GLOB)}
        for part in self.alliances_dir.glob(PART_GLOB):
            if part.name not in committed:
                part.unlink()

    def _set_aside(self, part: Path, reason: str) -> None:
        where = self.out / DAMAGED / part.parent.name
        where.mkdir(parents=True, exist_ok=True)
        target, n = where / part.name, 1
        while target.exists():
            n += 1
            target = where / f"{part.name}.{n}"
        os.replace(part, target)
        print(f"alliancesim: warning: {part.relative_to(self.out)} is damaged ({reason}); moved to "
              f"{target.relative_to(self.out)}; runs missing from the folder will be rerun", file=sys.stderr)

    def done(self) -> pd.DataFrame:
        """(point, replication, status) of every recorded run."""
        parts = sorted(self.runs_dir.glob(PART_GLOB))
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
                existing = sorted(self.alliances_dir.glob(PART_GLOB))
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
        raise ConfigError(f"--out {show_path(out)} is in use by another running sweep") from None
    return fd


def check_sweep_out(out: Path) -> None:
    """Refuse an ``--out`` that is a file, holds something other than a sweep, or cannot be written."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {show_path(out)} exists and is not a folder")
    # a folder killed while being created holds at most hidden files and design.parquet
    if out.exists() and not (out / MANIFEST).exists() and any(not p.name.startswith(".") and p.name != "design.parquet" for p in out.iterdir()):
        read_manifest(out)  # names a deleted sweep.json
        raise ConfigError(f"--out {show_path(out)} already holds files that are not a sweep; choose a new folder")
    if (out / MANIFEST).exists():
        read_manifest(out)  # a damaged one is named now, before any work
    check_writable(out)


def open_store(out: Path, spec: SweepSpec, points: pd.DataFrame, metrics: list[str], command: str = "") -> SweepStore:
    """Create ``out`` for ``spec`` or reopen it to resume; refuse a folder of another sweep."""
    out = Path(out)
    check_sweep_out(out)
    existing = out / MANIFEST
    out.mkdir(parents=True, exist_ok=True)
    fd = _lock(out)
    try:
        if existing.exists():
            manifest = read_manifest(out)
            if manifest.get("fingerprint") != spec.fingerprint():
                raise ConfigError(f"--out {show_path(out)} holds a different sweep ({_difference(manifest.get('spec', {}), spec.identity())}); "
                                  "use a new --out, or the same sweep config and --set to resume")
            metrics = manifest["metrics"]
            if not _readable(out / "design.parquet"):  # made from the spec: rewrite it
                _write_design(out, points)
        else:
            manifest = _new_manifest(spec, points, metrics, command)
            _write_design(out, points)
            (out / f".{MANIFEST}.tmp").write_text(to_json(manifest))
            os.replace(out / f".{MANIFEST}.tmp", existing)
        return SweepStore(out, manifest, runs_schema(spec, metrics), fd)
    except BaseException:
        os.close(fd)
        raise


def _readable(path: Path) -> bool:
    try:
        pq.read_table(path)
    except (OSError, pa.ArrowException):
        return False
    return True


def _write_design(out: Path, points: pd.DataFrame) -> None:
    points.reset_index().to_parquet(out / ".design.parquet.tmp", index=False)
    os.replace(out / ".design.parquet.tmp", out / "design.parquet")


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
        "seeding": seeding(spec),
        "metrics": metrics,
        "evaluate": spec.evaluate,
        **({"findings": list(spec.findings)} if spec.findings else {}),
        "spec": spec.identity(),
        "versions": package_versions(),
        "git": git_commit(),
        "command": command,
    }


def _difference(old: dict[str, Any], new: dict[str, Any]) -> str:
    a, b = flatten(json.loads(json.dumps(old, default=str))), flatten(json.loads(json.dumps(new, default=str)))
    diffs = [f"{k}: {show(a.get(k, '(absent)'))} there, {show(b.get(k, '(absent)'))} now" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if not diffs:
        return "fingerprints differ"
    more = f" and {len(diffs) - 3} more" if len(diffs) > 3 else ""
    return "; ".join(diffs[:3]) + more
