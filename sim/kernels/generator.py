"""A run's ``numpy.random.Generator`` handed to kernels as six addresses instead of the object.

numba compiles ``Generator`` methods that draw numpy's own stream (the bit
generator's C functions, numpy's algorithms), but passing the object to a
kernel costs about 10 µs a call: typing it, then reading its bit generator's
ctypes interface through Python on every call.  :func:`handle` reads that
interface once per Generator (the addresses do not move while the object
lives) into a small ``uint64`` array, and a kernel rebuilds numba's
Generator from it with :func:`as_generator`, for the cost of passing an
array.  ``tests/test_kernels.py`` checks that the draws are the stream the
object itself gives.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["handle", "as_generator"]

_FIELDS = ("state_address", "state", "fnptr_next_uint64", "fnptr_next_uint32", "fnptr_next_double", "bit_generator")
_HANDLES: OrderedDict[int, tuple[np.random.Generator, np.ndarray]] = OrderedDict()
_KEEP = 16  # Generators whose handles are kept (each holds its Generator, so an id is not reused while kept)


def _address(value) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, ctypes.c_void_p):
        return int(value.value or 0)
    return int(ctypes.cast(value, ctypes.c_void_p).value or 0)  # a CFUNCTYPE function pointer


def handle(rng: np.random.Generator) -> np.ndarray:
    """The addresses :func:`as_generator` needs to draw from ``rng`` inside a kernel (cached per Generator)."""
    key = id(rng)
    hit = _HANDLES.get(key)
    if hit is not None and hit[0] is rng:
        _HANDLES.move_to_end(key)
        return hit[1]
    c = rng.bit_generator.ctypes
    out = np.array([_address(v) for v in (c.state_address, c.state, c.next_uint64, c.next_uint32, c.next_double,
                                          c.bit_generator)], dtype=np.uint64)
    _HANDLES[key] = (rng, out)
    while len(_HANDLES) > _KEEP:
        _HANDLES.popitem(last=False)
    return out


@intrinsic
def as_generator(typingctx, addresses):
    """numba's Generator over the bit generator whose :func:`handle` is ``addresses`` (no Python object behind it:
    a kernel may draw from it, never return it)."""
    if not (isinstance(addresses, types.Array) and addresses.dtype == types.uint64 and addresses.ndim == 1):
        return None
    generator_type = types.NumPyRandomGeneratorType("generator")
    bitgen_type = types.NumPyRandomBitGeneratorType("bit_generator")

    def codegen(context, builder, sig, args):
        array = context.make_array(sig.args[0])(context, builder, args[0])
        bitgen = cgutils.create_struct_proxy(bitgen_type)(context, builder)
        bitgen.parent = cgutils.get_null_value(bitgen.parent.type)
        for i, name in enumerate(_FIELDS):
            value = builder.load(builder.gep(array.data, [ir.Constant(ir.IntType(64), i)]))
            setattr(bitgen, name, value)
        gen = cgutils.create_struct_proxy(generator_type)(context, builder)
        gen.bit_generator = bitgen._getvalue()
        gen.meminfo = cgutils.get_null_value(gen.meminfo.type)
        gen.parent = cgutils.get_null_value(gen.parent.type)
        return gen._getvalue()

    return generator_type(addresses), codegen
