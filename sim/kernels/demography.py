"""The living population's bookkeeping (:mod:`sim.steps.demography`)."""

from __future__ import annotations

import numpy as np

from . import kernel


@kernel
def leaving(alive, resources, threshold, large, draw, hazard):
    """Slots of the firms in the market whose resources fell below ``threshold``, and of the ventures acquired
    (``draw``, a uniform per slot, below ``hazard``; ``draw`` is empty when the hazard is off): they exit."""
    out = np.empty(len(alive), dtype=np.int64)
    acquisitions = len(draw) > 0
    k = 0
    for f in range(len(alive)):
        if alive[f] and (resources[f] < threshold or (acquisitions and not large[f] and draw[f] < hazard)):
            out[k] = f
            k += 1
    return out[:k]
