"""Row-wise writes to many of the firms' arrays at once (:meth:`sim.state.FirmState.clear`)."""

from __future__ import annotations

from numba import literal_unroll

from . import kernel


@kernel
def zero_rows(slots, fields):
    """Rows ``slots`` of each array in ``fields`` (a tuple of arrays, 1-d or 2-d, of any dtypes) set to zero."""
    for a in literal_unroll(fields):
        for i in range(len(slots)):
            a[slots[i]] = 0
