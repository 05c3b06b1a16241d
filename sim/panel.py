"""The firm x tick panel, kept as compact column arrays until a table is asked for.

Why not a DataFrame per snapshot: at 10,000 firms x 200 ticks the panel is
the largest output, and per-snapshot frames plus the final concatenation
held it in memory twice (and paid pandas' construction cost every
snapshot).  Here a snapshot is a dict of numpy columns; a column that is bit
for bit the previous snapshot's (static traits such as size or capability)
is shared rather than copied; scalars (tick, year) are stored once.  The
table is built on request, in one go, and then replaces the snapshots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .memory import release_memory

__all__ = ["FirmPanel"]

_BIG_ROWS = 200_000  # a panel this long returns its snapshots' memory to the system as it is built


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit-identical (so -0.0 and 0.0, or two NaNs with different payloads, are told apart).  A column that changes
    between snapshots mostly differs in its first rows, so they are compared first (cheaply)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.ndim == 1 and len(a) > 64 and a[:64].tobytes() != b[:64].tobytes():
        return False
    return a.tobytes() == b.tobytes()


class FirmPanel:
    """Append-only firm x tick table: ``add`` a snapshot of columns, ``frame`` the table.

    ``key`` names the column that identifies the rows (the firms): a snapshot's other columns are compared with
    the previous snapshot's only when its key column is the same (other firms, other rows: nothing to share).
    """

    def __init__(self, key: str = "firm_id") -> None:
        self.key = key
        self._pending: list[dict[str, np.ndarray]] = []
        self._last: dict[str, np.ndarray] = {}
        self._table: pd.DataFrame | None = None

    def add(self, columns: dict[str, object], owned: bool = False) -> None:
        """Record one snapshot: equal-length 1-d columns, or scalars meaning "same for every row".  ``owned``: the
        arrays are the panel's to keep (fresh copies nobody else holds); otherwise each kept column is copied."""
        snapshot = {}
        key = self._last.get(self.key)
        same_rows = key is None or self.key not in columns or _same(key, np.asarray(columns[self.key]))
        for name, values in columns.items():
            values = np.asarray(values)
            previous = self._last.get(name)
            if previous is not None and (same_rows or values.ndim == 0) and _same(previous, values):
                snapshot[name] = previous
            else:  # own copy: the model's state arrays change in place
                snapshot[name] = values if owned else values.copy()
        self._last = snapshot
        self._pending.append(snapshot)

    def _build(self) -> pd.DataFrame:
        """The pending snapshots as one table, a column at a time, each column's snapshots let go as soon as it is
        built: the snapshots and the table are never held whole at once (at 100,000 firms x 100 ticks the panel is
        over 500 MiB)."""
        pending, self._pending, self._last = self._pending, [], {}
        rows = [max((len(v) for v in snap.values() if v.ndim), default=0) for snap in pending]
        big = sum(rows) > _BIG_ROWS
        columns = {}
        for name in list(pending[0]):
            columns[name] = np.concatenate([np.broadcast_to(snap.pop(name), (k,)) for snap, k in zip(pending, rows)])
            if big:
                release_memory()  # the snapshots' copies of this column, freed, go back to the system
        # The concatenated arrays are fresh and referenced nowhere else: no copy.
        return pd.DataFrame(columns, copy=False)

    def frame(self) -> pd.DataFrame | None:
        """The table so far (``None`` before the first snapshot); callers may modify their copy."""
        if self._pending:
            new = self._build()
            self._table = new if self._table is None else pd.concat([self._table, new], ignore_index=True)
            self._pending = []
        # Copy-on-write: a shallow copy shares memory until either side is written to.
        return None if self._table is None else self._table.copy(deep=False)
