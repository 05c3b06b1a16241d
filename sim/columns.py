"""Tables declared once: column declarations and the append-only column logs they drive.

A table is a tuple of :class:`Column`: each says how the column is stored
(``dtype``; ``None`` for a column derived only when the table is built), its
name in the output table (``export``; ``None`` keeps it internal), a one-line
description, and, where the stored value is not the exported one, how to
convert it.  The declaration order is the output table's column order.  The
same declaration sets up the log's storage (:class:`ColumnLog`), builds the
output frame (:meth:`ColumnLog.frame`) and writes the column reference in
docs/columns.md (:func:`reference`, checked by a test).

The alliance log, the internal R&D project log and the pair memory all grow
by appending rows and are then read and updated a whole column at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

__all__ = ["Column", "Rows", "ColumnLog", "SAME", "storage", "export_names", "reference"]

SAME = "="  # ``export`` default: the output column has the storage name


class Rows(dict):
    """The output rows of a log while its frame is built: ``rows[name]`` is a column, plus ``n``,
    ``first`` (the log row of the first output row) and ``ended``."""

    n: int
    first: int
    ended: np.ndarray

    def masked_int(self, values: np.ndarray) -> pd.arrays.IntegerArray:
        """Nullable integers, missing while the row is still running."""
        return pd.arrays.IntegerArray(np.where(self.ended, values, 0), ~self.ended)

    def masked_bool(self, values: np.ndarray) -> pd.arrays.BooleanArray:
        """Nullable booleans, missing while the row is still running."""
        return pd.arrays.BooleanArray(self.ended & values, ~self.ended)

    def labels(self, names: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Names of integer codes (an empty object array for an empty table)."""
        return names[codes.astype(int)] if self.n else np.array([], dtype=object)


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``name``: storage name (or, for a derived column, the output name);
    ``dtype``: storage dtype, ``None`` when nothing is stored; ``doc``: one
    line for the column reference; ``export``: output name (``SAME``: as
    stored; ``None``: internal, not in the output); ``convert(values, rows)``:
    the output column from the stored one (``values`` is ``None`` for derived
    columns); ``missing``: fill value of rows not yet set.
    """

    name: str
    dtype: Any
    doc: str
    export: str | None = SAME
    convert: Callable[[np.ndarray | None, Rows], Any] | None = None
    missing: int | None = None

    @property
    def out(self) -> str | None:
        return self.name if self.export == SAME else self.export


def storage(table: tuple[Column, ...]) -> dict[str, Any]:
    """Stored columns of a table: ``{name: dtype}``."""
    return {c.name: c.dtype for c in table if c.dtype is not None}


def export_names(table: tuple[Column, ...]) -> list[str]:
    """The output table's columns, in order."""
    return [c.out for c in table if c.out is not None]


class ColumnLog:
    """Append-only column arrays grown geometrically, laid out by a ``table`` declaration.

    Growth is by a quarter, not doubling: at 10,000 firms x 200 ticks the
    alliance log holds ~360k rows and doubling left up to half of it unused;
    copies stay amortised O(1) per row (growth happens a few dozen times a run).
    """

    growth = 1.25

    table: tuple[Column, ...] = ()
    first = 0  # rows before this one (the burn-in) are left out of the output table
    _oldest_active = 0  # no active row before this one (active_ids' starting point)

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self._active: np.ndarray | None = None  # active_ids, while no row has ended or been added since
        self.missing = {c.name: c.missing for c in self.table if c.missing is not None}
        self.cols = {name: np.zeros(capacity, dtype=dt) for name, dt in storage(self.table).items()}
        for name, value in self.missing.items():
            self.cols[name][:] = value

    def __getitem__(self, name: str) -> np.ndarray:
        """The live (first ``n``) entries of one column."""
        return self.cols[name][: self.n]

    def _grow(self, needed: int) -> None:
        cap = len(next(iter(self.cols.values())))
        if needed <= cap:
            return
        new_cap = max(needed, int(self.growth * cap))
        for name, arr in self.cols.items():
            fresh = np.zeros(new_cap, dtype=arr.dtype)
            fresh[:cap] = arr
            if name in self.missing:
                fresh[cap:] = self.missing[name]
            self.cols[name] = fresh

    def append(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        """Append a batch of rows (equal-length columns); return their ids."""
        size = len(next(iter(batch.values())))
        unknown = set(batch) - set(self.cols)
        if unknown:
            raise KeyError(f"unknown {type(self).__name__} columns: {sorted(unknown)}")
        start, stop = self.n, self.n + size
        self._grow(stop)
        for name, values in batch.items():
            self.cols[name][start:stop] = values
        ids = np.arange(start, stop)
        if "active" in self.cols:
            self.cols["active"][start:stop] = True
            if self._active is not None:
                self._active = _frozen(np.concatenate([self._active, ids]))
        self.n = stop
        return ids

    def active_ids(self) -> np.ndarray:
        """Ids of the active rows (read-only).  Kept until rows end or are added, as several steps ask each
        tick; a row never becomes active again once it has ended, so the search starts at the oldest row
        active last time."""
        if self._active is None:
            start = self._oldest_active
            ids = self.cols["active"][start: self.n].nonzero()[0]
            ids += start
            self._oldest_active = int(ids[0]) if len(ids) else self.n
            self._active = _frozen(ids)
        return self._active

    def deactivate(self, ids: np.ndarray) -> None:
        """Rows ``ids`` have ended (the only way to clear ``active``, so :meth:`active_ids` stays right)."""
        self.cols["active"][ids] = False
        self._active = None

    def frame(self) -> pd.DataFrame:
        """The output table: one row per logged row, columns as declared.

        Missing values (a running row's end fields) are built as masked
        arrays directly: setting them afterwards made pandas copy whole blocks
        of a large table.
        """
        rows = Rows((name, arr[self.first: self.n]) for name, arr in self.cols.items())
        rows.first = self.first
        rows.n = self.n - self.first
        rows.ended = ~rows["active"] if "active" in rows else np.ones(rows.n, dtype=bool)
        out = {}
        for c in self.table:
            if c.out is None:
                continue
            values = rows.get(c.name) if c.dtype is not None else None
            out[c.out] = c.convert(values, rows) if c.convert else values
        return pd.DataFrame(out)


def _frozen(ids: np.ndarray) -> np.ndarray:
    ids.flags.writeable = False
    return ids


def reference(title: str, table: tuple[Column, ...], frame: pd.DataFrame) -> str:
    """Markdown reference of a table's output columns: name, dtype (read from ``frame``) and description."""
    lines = [f"## {title}", "", "| column | dtype | description |", "| --- | --- | --- |"]
    lines += [f"| `{c.out}` | {frame[c.out].dtype} | {c.doc} |" for c in table if c.out is not None]
    return "\n".join(lines) + "\n"
