"""Which seeds tuned the model, and the evaluation seeds spawned away from them.

The defaults of the model were hand-tuned on seeds 42-121 (the robustness
batches of the calibration) and on seeds 7 and 8 (the findings tests of that
time); the placebos' base-logit offsets are found on the first two of them.
The project's calibration configs (``configs/calibration/``, ``alliancesim
calibrate``) draw their simulation seeds from :data:`CALIBRATION_SEED_RANGES`.
An evaluation never runs on any of these: its seeds are spawned from one root
seed with ``numpy.random.SeedSequence(root).spawn`` and any child whose seed
is a calibration seed, lies in a calibration seed range, or repeats an earlier
one is skipped, so the list is deterministic in the root and disjoint from both.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CALIBRATION_SEEDS", "CALIBRATION_SEED_RANGES", "PLACEBO_CALIBRATION_SEEDS", "SEEDING", "evaluation_seeds",
           "in_ranges", "skipped"]

CALIBRATION_SEEDS: tuple[int, ...] = (*range(42, 122), 7, 8)
# [start, stop) ranges the calibration configs draw simulation seeds from (their default calibration_seeds)
CALIBRATION_SEED_RANGES: tuple[tuple[int, int], ...] = ((100000, 1000000),)
PLACEBO_CALIBRATION_SEEDS: tuple[int, ...] = CALIBRATION_SEEDS[:2]
SEEDING = ("numpy.random.SeedSequence(root).spawn(): child i gives seed generate_state(1, uint64)[0] >> 1; "
           "children whose seed is a calibration seed, lies in a calibration seed range or repeats an earlier one are skipped")


def _seed(child: np.random.SeedSequence) -> int:
    # 63 bits, as the sweeps' seeds: fits int64 columns and every seed argument
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def in_ranges(seed: int, ranges: tuple[tuple[int, int], ...] = CALIBRATION_SEED_RANGES) -> bool:
    """Whether ``seed`` lies in one of the [start, stop) ``ranges``."""
    return any(start <= seed < stop for start, stop in ranges)


def skipped(start: int, stop: int, ranges: tuple[tuple[int, int], ...] = CALIBRATION_SEED_RANGES) -> bool:
    """Whether evaluation seeds skip every seed of [start, stop): it lies inside one of ``ranges``."""
    return any(low <= start and stop <= high for low, high in ranges)


def evaluation_seeds(root: int, runs: int, exclude: tuple[int, ...] = CALIBRATION_SEEDS,
                     ranges: tuple[tuple[int, int], ...] = CALIBRATION_SEED_RANGES) -> list[int]:
    """``runs`` seeds spawned from ``root``, none of them in ``exclude`` or inside ``ranges``."""
    parent = np.random.SeedSequence(root)
    banned, out = set(exclude), []
    while len(out) < runs:
        for child in parent.spawn(runs - len(out)):
            seed = _seed(child)
            if seed not in banned and not in_ranges(seed, ranges):
                banned.add(seed)
                out.append(seed)
    return out
