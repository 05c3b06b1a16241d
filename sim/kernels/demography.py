"""The living population's bookkeeping (:mod:`sim.steps.demography`)."""

from __future__ import annotations

import numpy as np

from . import kernel


@kernel
def leaving(alive, resources, threshold):
    """Slots of the firms in the market whose resources fell below ``threshold`` (they exit)."""
    out = np.empty(len(alive), dtype=np.int64)
    k = 0
    for f in range(len(alive)):
        if alive[f] and resources[f] < threshold:
            out[k] = f
            k += 1
    return out[:k]
