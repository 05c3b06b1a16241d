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

import mmap
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from .memory import release_memory

__all__ = ["Column", "Rows", "ColumnLog", "Batch", "SAME", "storage", "labels", "text", "export_names", "reference"]

SAME = "="  # ``export`` default: the output column has the storage name
_BIG_ROWS = 200_000  # a table this long returns its build's temporaries to the system


class Rows(dict):
    """The output rows of a log while its frame is built: ``rows[name]`` is a column, plus ``n``,
    ``first`` (the id of the first output row: its row number plus the rows dropped before it) and ``ended``."""

    n: int
    first: int
    ended: np.ndarray

    def without_columns(self) -> "Rows":
        """The same rows with no column: what a stored column's conversion sees (it reads its own values only)."""
        out = Rows()
        out.n, out.first, out.ended = self.n, self.first, self.ended
        return out

    def masked_int(self, values: np.ndarray) -> pd.arrays.IntegerArray:
        """Nullable integers, missing while the row is still running."""
        return pd.arrays.IntegerArray(np.where(self.ended, values, 0).astype(np.int64, copy=False), ~self.ended)

    def masked_bool(self, values: np.ndarray) -> pd.arrays.BooleanArray:
        """Nullable booleans, missing while the row is still running."""
        return pd.arrays.BooleanArray(self.ended & values, ~self.ended)

    def labels(self, names: np.ndarray, codes: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
        """Names of integer codes, as a table's text column (:func:`text`)."""
        return text(names, codes)

    def masked_labels(self, names: np.ndarray, codes: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
        """Names of integer codes, missing while the row is still running."""
        return text(names, codes, self.ended)


def labels(names, codes: np.ndarray) -> np.ndarray:
    """``names[codes]`` as an object array (codes: integers or booleans): each row points at one of a few strings,
    where numpy's own strings would copy the longest name into every row (40 bytes a row for "protective")."""
    return np.asarray(names, dtype=object)[np.asarray(codes).astype(np.intp)]


def text(names, codes: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """``names[codes]``, missing where ``valid`` is False, as the column pandas makes of those strings.

    pandas (3 and on) keeps text as Arrow strings, converting an object array one Python string at a time; the
    same Arrow array is taken here from the names by the codes at once (a third of the time, and no object array
    beside it).  Where pandas keeps objects (an empty column, none valid, strings not stored by Arrow), the object
    array (:func:`labels`; ``None`` where missing) for it to infer from, as before.
    """
    codes = np.asarray(codes)
    dtype = pd.Series(np.array(["a"], dtype=object)).dtype  # what pandas makes of strings (its options may change)
    arrow = isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"
    if not arrow or not len(codes) or (valid is not None and not valid.any()):
        return labels(names, codes) if valid is None else np.where(valid, labels(names, codes), None)
    import pyarrow as pa

    indices = pa.array(codes.view(np.uint8) if codes.dtype == bool else codes, mask=None if valid is None else ~valid)
    return pd.arrays.ArrowStringArray(pa.array(list(names), type=pa.large_string()).take(indices), dtype=dtype)


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``name``: storage name (or, for a derived column, the output name);
    ``dtype``: storage dtype, ``None`` when nothing is stored; ``doc``: one
    line for the column reference; ``export``: output name (``SAME``: as
    stored; ``None``: internal, not in the output); ``convert(values, rows)``:
    the output column from the stored one (``values`` is ``None`` for derived
    columns, whose conversion reads the stored columns as ``rows[name]``; a
    stored column's reads only its own ``values`` and ``rows``' ``n``,
    ``first``, ``ended`` and helpers, so its storage can go once it is
    converted); ``missing``: fill value of rows not yet set; ``output``: the
    table's dtype where the storage is narrower (``np.int32`` ticks and counts,
    ``np.float32`` whole-number experience counts: the same values, half the
    memory; the column is widened before ``convert`` sees it).
    """

    name: str
    dtype: Any
    doc: str
    export: str | None = SAME
    convert: Callable[[np.ndarray | None, Rows], Any] | None = None
    missing: int | None = None
    output: Any = None

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
    id_offset = 0  # an output row's id is its row number plus this (rows dropped before it: see start_output)
    _oldest_active = 0  # no active row before this one (active_ids' starting point)
    _table: pd.DataFrame | None = None  # the output table, once the log has handed its storage over to it (frame)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Each stored column of the subclass's ``table`` becomes a read-only attribute of the same name: the
        column's storage, indexed by row id (``log.slot_a[ids]``), its docstring the declaration's ``doc``; so a
        reader follows a mechanism by name, as with :class:`~sim.state.FirmState`'s fields."""
        super().__init_subclass__(**kwargs)
        for column in cls.table:
            if column.dtype is None:
                continue
            inherited = getattr(cls, column.name, None)
            if inherited is not None and not getattr(getattr(inherited, "fget", None), "is_column", False):
                raise TypeError(f"{cls.__name__}: column {column.name!r} would hide the attribute of the same name")
            setattr(cls, column.name, property(_column_getter(column.name), doc=column.doc))

    def __init__(self, capacity: int = 1024):
        self.n = 0
        self._active: np.ndarray | None = None  # active_ids, while no row has ended or been added since
        self.missing = {c.name: c.missing for c in self.table if c.missing is not None}
        self.cols = {name: _zeros(capacity, dt) for name, dt in storage(self.table).items()}
        for name, value in self.missing.items():
            self.cols[name][:] = value

    def __getitem__(self, name: str) -> np.ndarray:
        """The live (first ``n``) entries of one column."""
        return self.cols[name][: self.n]

    @property
    def first_id(self) -> int:
        """Id of the first output row: rows formed before it are not in the table."""
        return self.first + self.id_offset

    def ids(self, rows: np.ndarray) -> np.ndarray:
        """The output ids (``alliance_id``, ``project_id``) of output rows ``rows`` (row numbers from ``first`` on)."""
        return np.asarray(rows) + self.id_offset

    def start_output(self, room: int = 0) -> None:
        """Rows from now on are the output table's; the ended ones before (the burn-in's, never output) are dropped.

        The rows still running move to the front (they end later, as any row); row numbers change but output ids do
        not (``id_offset``).  The columns are allocated afresh at the same capacity, or with ``room`` rows after the
        running ones if that is more (what the run is expected to log: growing copies every column, and holds
        both copies while it does), so the room the burn-in's rows took is reused without growing.
        """
        keep = self.cols["active"][: self.n].nonzero()[0] if "active" in self.cols else np.arange(self.n)
        k = len(keep)
        cap = max(len(next(iter(self.cols.values()))), k + room)
        for name, arr in self.cols.items():
            fresh = _zeros(cap, arr.dtype)
            fresh[:k] = arr[keep]
            if name in self.missing:
                fresh[k:] = self.missing[name]
            self.cols[name] = fresh
        self.id_offset += self.n - k
        self.n = self.first = k
        self._active, self._oldest_active = None, 0

    def _grow(self, needed: int) -> None:
        cap = len(next(iter(self.cols.values())))
        if needed <= cap:
            return
        new_cap = max(needed, int(self.growth * cap))
        for name, arr in self.cols.items():
            fresh = _zeros(new_cap, arr.dtype)
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
        rows = self.reserve(size)
        for name, values in batch.items():
            self.cols[name][rows.start: rows.start + size] = values
        return self.commit(rows)

    def reserve(self, size: int) -> "Batch":
        """Room for ``size`` rows after the last one, for a kernel to write (:meth:`commit` then adds them; until
        then the log does not show them, and nothing else may reserve or append)."""
        self._grow(self.n + size)
        return Batch(self.cols, self.n, size)

    def commit(self, rows: "Batch") -> np.ndarray:
        """Add the reserved ``rows`` (written in place) to the log, active; return their ids."""
        start, stop = rows.start, rows.start + rows.size
        assert start == self.n and rows.cols is self.cols, "commit the rows last reserved"
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
        """Rows ``ids`` have ended (with :meth:`deactivated`, the only way to clear ``active``, so
        :meth:`active_ids` stays right)."""
        self.cols["active"][ids] = False
        self._active = None

    def deactivated(self, remaining: np.ndarray | None = None) -> None:
        """A kernel cleared ``active`` of some rows (they ended); ``remaining``, if the kernel knows them, are the
        rows still active, in order (else they are searched for when next asked)."""
        if remaining is None:
            self._active = None
            return
        self._oldest_active = int(remaining[0]) if len(remaining) else self.n
        self._active = _frozen(remaining)

    @property
    def closed(self) -> bool:
        """The log has handed its storage over to its table (``frame(release=True)``): it holds nothing else."""
        return self._table is not None

    def frame(self, release: bool = False) -> pd.DataFrame:
        """The output table: one row per logged row, columns as declared.

        Missing values (a running row's end fields) are built as masked
        arrays directly: setting them afterwards made pandas copy whole blocks
        of a large table.

        ``release``: nothing will be logged any more (the run is over), so the log hands its storage over instead of
        copying it: the columns the table shows as stored become the table's own, the rest are let go once the
        table is built (the internal ones before), and the log keeps the table alone (:attr:`closed`), which this returns from
        then on (a copy of it, as every table returned).  The run's tables then never sit beside its logs.
        """
        if self._table is not None:
            return self._table.copy(deep=False)
        rows = self._rows()
        if release:
            self.cols = {}  # the internal columns go now, each exported one once its table column is built
        # Derived columns first: they read the stored ones by name, and a stored column's conversion reads only its
        # own values (its ``rows`` hold no column), so each stored column can go as soon as its table column is built.
        out = {c.out: c.convert(None, rows) for c in self.table if c.out is not None and c.dtype is None}
        own = rows.without_columns()
        for c in self.table:
            if c.out is None or c.dtype is None:
                continue
            stored = rows.pop(c.name) if release else rows[c.name]
            values = stored if c.output is None else stored.astype(c.output)
            column = c.convert(values, own) if c.convert else values
            if not release and isinstance(column, np.ndarray) and np.may_share_memory(column, stored):
                column = column.copy()  # the table's own: the log changes in place as the model runs
            out[c.out] = column
            del stored, values, column
        # Every column is the table's own array by now: the frame takes them as they are (pandas would copy them
        # all again, holding the table twice while it builds).
        table = pd.DataFrame({name: out.pop(name) for name in export_names(self.table)}, copy=False)
        del out, rows
        if self.n > _BIG_ROWS:
            release_memory()  # the conversions' temporaries, freed, back to the system
        if release:
            self._table = table
            return table.copy(deep=False)
        return table

    def _rows(self) -> Rows:
        """The exported columns' output rows (views of the storage), for :meth:`frame`."""
        rows = Rows((c.name, self.cols[c.name][self.first: self.n]) for c in self.table if c.out is not None and c.dtype is not None)
        rows.first = self.first_id
        rows.n = self.n - self.first
        rows.ended = ~self.cols["active"][self.first: self.n] if "active" in self.cols else np.ones(rows.n, dtype=bool)
        return rows


@dataclass
class Batch:
    """Rows ``start .. start + size`` of the columns ``cols`` (a log's storage, or a dict of a batch's own columns):
    what a kernel writes new rows to.  ``batch[name]`` is that column's slice."""

    cols: dict[str, np.ndarray]
    start: int
    size: int

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name][self.start: self.start + self.size]

    def __getattr__(self, name: str) -> np.ndarray:
        """A column's storage by name (``batch.slot_a[start:]``), as the log's own attributes."""
        try:
            return self.__dict__["cols"][name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no column {name!r}") from None

    def __len__(self) -> int:
        return self.size


def _column_getter(name: str):
    def get(log: ColumnLog) -> np.ndarray:
        return log.cols[name]

    get.__name__ = name
    get.is_column = True  # a generated column attribute: a subclass's table may declare the column again
    return get


_MAPPED_BYTES = 1 << 20  # columns this large get pages of their own from the system


def _zeros(n: int, dtype) -> np.ndarray:
    """``np.zeros(n, dtype)``; a large one in an anonymous memory map of its own, so room not yet used costs no memory
    and a freed column goes straight back to the system (glibc serves arrays up to 32 MiB from its heap once it has
    freed one that large, zeroing them in full and keeping them when freed)."""
    dtype = np.dtype(dtype)
    nbytes = n * dtype.itemsize
    if nbytes < _MAPPED_BYTES:
        return np.zeros(n, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype, count=n)


def _frozen(ids: np.ndarray) -> np.ndarray:
    ids.flags.writeable = False
    return ids


def reference(title: str, table: tuple[Column, ...], frame: pd.DataFrame) -> str:
    """Markdown reference of a table's output columns: name, dtype (read from ``frame``) and description."""
    lines = [f"## {title}", "", "| column | dtype | description |", "| --- | --- | --- |"]
    lines += [f"| `{c.out}` | {frame[c.out].dtype} | {c.doc} |" for c in table if c.out is not None]
    return "\n".join(lines) + "\n"
