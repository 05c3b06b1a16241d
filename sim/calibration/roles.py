"""Each finding's role in the calibration that produced the model's defaults.

The calibration behind the defaults is declared once, ``DEFAULTS_CALIBRATION``
in :mod:`sim.config` (``configs/calibration/defaults.yaml``); its spec says
which findings it fitted (:meth:`CalibrationSpec.roles`,
:meth:`~sim.calibration.spec.PatternSpec.roles`).  Roles:

* ``fitted``: a finding the calibration chose the defaults to reproduce;
* ``base_rate``: a level (R12-R14) the calibration fitted;
* ``held_out``: every finding it did not fit, so a test of the defaults.

The replication's findings table (``findings.csv``, ``report.md``) reads
:func:`default_roles` and nothing else.
"""

from __future__ import annotations

import functools

__all__ = ["ROLES", "default_roles"]

ROLES = ("fitted", "held_out", "base_rate")


@functools.cache
def default_roles() -> dict[str, str]:
    """Finding id -> role in the calibration that produced the defaults (read once per process)."""
    from ..config import CONFIGS_DIR, DEFAULTS_CALIBRATION
    from .spec import load_calibration_spec

    return load_calibration_spec(CONFIGS_DIR / DEFAULTS_CALIBRATION).roles()
