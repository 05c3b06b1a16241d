"""Giving freed memory back to the operating system.

glibc serves allocations below its mmap threshold (which it raises, up to
32 MiB, after freeing larger blocks) from the heap, and keeps the heap's freed
pages: after a table is built from a large run, the snapshots and temporaries
it freed stayed in the process (at 100,000 firms the firm panel's ~500 MiB of
snapshots, on top of the ~600 MiB table built from them).  :func:`release_memory`
hands those pages back (``malloc_trim``); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["release_memory"]


def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


_TRIM = _malloc_trim()


def release_memory() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim(0)``; a no-op elsewhere)."""
    if _TRIM is not None:
        _TRIM(0)
