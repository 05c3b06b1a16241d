"""Compiled kernels (numba) for the work of a tick, one module per step or concern.

A kernel gets arrays and scalars, never objects.  Random numbers come in as
arrays numpy drew, in the order and shape the numpy code drew them, or a
kernel draws them itself from the run's Generator, passed as a handle
(:mod:`.generator`: numba's Generator methods draw numpy's stream, so the
draws are the ones numpy would make in that order).  Each formula is
written once: either a small scalar function here, named after the numpy
function it replaced (which is now a thin wrapper over a kernel, so tests and
notebooks call the same code), or a curve in :mod:`sim.learning` or
:mod:`sim.state` marked :func:`formula`, which numpy calls on arrays and the
kernels compile for scalars.  Kernels add in the order the numpy code did
where it costs nothing (``np.add.at`` adds in index order); exp, log and tanh
are numba's (an ulp from numpy's SIMD versions for some inputs), so runs are
not bit for bit those of the numpy code: ``benchmarks/agreement.py`` holds
them to its distributions instead.

Compiled code is cached on disk (``cache=True``: next to the modules, or in
numba's user-wide cache, or ``NUMBA_CACHE_DIR``), so a new process loads it
instead of compiling again; where no cache location is writable a kernel is
compiled in memory in every process instead.  numba checks a cached kernel
against its own file only, so a kernel calling a formula in another file
would load stale code after that file changed: the cache here is stamped
with the contents of every file kernels compile (:data:`SOURCES`).

Config sections reach the kernels as one-element record arrays of floats
(:func:`params`), so a kernel reads ``p.coordination_penalty`` as the config
names it.
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from pathlib import Path
from typing import Any, Callable

import numba
import numpy as np
from numba.extending import register_jitable

__all__ = ["kernel", "formula", "params", "SOURCES", "source_stamp"]

_warned = False
KERNELS = Path(__file__).resolve().parent
# Every file whose code the kernels compile: a change to any of them recompiles them all.
SOURCES = (*sorted(KERNELS.glob("*.py")), KERNELS.parent / "learning.py", KERNELS.parent / "state.py")


def _hash(files: tuple[tuple[str, int, int], ...]) -> str:
    h = hashlib.sha256()
    for name, _, _ in files:
        h.update(name.encode())
        h.update(Path(name).read_bytes())
    return h.hexdigest()


_hash_cached = functools.lru_cache(maxsize=None)(_hash)


def source_stamp(sources: tuple[Path, ...] = SOURCES) -> str:
    """Hash of the contents of ``sources`` (re-read when a file's size or modification time changes)."""
    key = []
    for path in sources:
        st = path.stat()
        key.append((str(path), st.st_mtime_ns, st.st_size))
    return _hash_cached(tuple(key))


def _stamped_locators() -> list[type]:
    """numba's cache locators, stamped with :func:`source_stamp` for the files in this folder (empty if this numba
    names its locators otherwise: then each kernel is checked against its own file only)."""
    from numba.core import caching

    class Stamped:
        def get_source_stamp(self) -> str:
            return source_stamp()

        @classmethod
        def from_function(cls, py_func, py_file):
            try:
                if Path(py_file).resolve().parent != KERNELS:
                    return None
            except OSError:
                return None
            return super().from_function(py_func, py_file)

    out = []
    for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator"):
        base = getattr(caching, name, None) or getattr(caching, "_" + name, None)
        if base is not None:
            out.append(type("Stamped" + name, (Stamped, base), {}))
    return out


try:
    _impl = __import__("numba.core.caching", fromlist=["CacheImpl"])
    _impl = getattr(_impl, "CacheImpl", None) or getattr(_impl, "_CacheImpl")
    _impl._locator_classes[:0] = _stamped_locators()
except (ImportError, AttributeError):  # pragma: no cover - another numba layout: per-file stamps
    pass


def kernel(fn: Callable | None = None, *, inline: bool = False) -> Callable:
    """``numba.njit`` with an on-disk cache, or without one where no cache location is writable.

    ``inline=True`` for the small helpers kernels call: numba then inlines them
    itself (a call passing arrays would pay reference counting on every array,
    every call).
    """
    if fn is None:
        return lambda f: kernel(f, inline=inline)
    options = {"nogil": True, "inline": "always" if inline else "never"}
    global _warned
    try:
        return numba.njit(cache=True, **options)(fn)
    except RuntimeError:  # numba found no writable cache location: compile in memory, every process
        if not _warned:
            _warned = True
            warnings.warn("alliancesim: no writable numba cache location; kernels are compiled in every process "
                          "(set NUMBA_CACHE_DIR to a writable folder)", stacklevel=2)
        return numba.njit(**options)(fn)


def formula(fn: Callable) -> Callable:
    """A formula numpy calls on arrays and kernels compile for scalars: the function itself, unchanged for Python
    callers, registered with numba (its body must use only what numba compiles: ``np.maximum``, ``np.expm1``, ...,
    never ``np.asarray``)."""
    return register_jitable(fn)


# ------------------------------------------------------------------ params
def _param_types() -> dict[type, np.dtype]:
    """A record dtype per config section: its numeric fields (bools and ints too) as floats, in field order."""
    from .. import config as c

    out = {}
    for cls in (c.Firms, c.Learning, c.Selection, c.Negotiation, c.Execution, c.Exit, c.Portfolio, c.Innovation):
        names = [k for k, v in cls().__dict__.items() if isinstance(v, (int, float))]
        out[cls] = np.dtype([(name, np.float64) for name in names])
    return out


_TYPES = _param_types()
_CACHE: dict[type, tuple[tuple, np.ndarray]] = {}


def params(section: Any) -> np.ndarray:
    """The numeric fields of a config section as a one-element record array (a kernel takes ``pa`` and reads
    ``p = pa[0]; p.stale_penalty``): numba reads a record's fields by name, and passing one costs a fifth of
    what a named tuple's typing costs on every call.  Built again only when a value changed, so steps may ask
    every tick (callers must not write to it)."""
    values = tuple(section.__dict__.values())
    cls = type(section)
    hit = _CACHE.get(cls)
    if hit is not None and hit[0] == values:
        return hit[1]
    dtype = _TYPES[cls]
    out = np.array([tuple(float(section.__dict__[k]) for k in dtype.names)], dtype=dtype)
    _CACHE[cls] = (values, out)
    return out
