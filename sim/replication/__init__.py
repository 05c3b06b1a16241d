"""Replication of the published alliance-learning findings (TARGETS.md) from simulated data.

One module per study design (:mod:`.projects`, :mod:`.firm_panel`,
:mod:`.competing_risks`, :mod:`.shares`), the targets as data
(:mod:`.targets`), the driver (:mod:`.study`), the report (:mod:`.report`) and
the ``alliancesim replicate`` subcommand (:mod:`.command`).
"""

from .study import Replication, replicate, robustness
from .targets import TARGETS

__all__ = ["replicate", "Replication", "robustness", "TARGETS"]
