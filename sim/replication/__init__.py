"""Replication of published alliance-learning findings (R1-R16, docs/targets.md) from simulated data.

The registry (:mod:`.registry`) declares each study design once: its
population, data set, model, published sample size and findings, each with
its rule (:mod:`.rules`), placebo (:mod:`.placebos`) and kind.  :mod:`.runs`
runs independent simulations on the sweep executors into a resumable folder
(:mod:`.store`); :mod:`.summary` judges the stored estimates; :mod:`.report`
writes the table and plots; :mod:`.command` is ``alliancesim replicate``.
"""

from .registry import DESIGNS, FINDINGS
from .study import Replication, replicate

__all__ = ["replicate", "Replication", "DESIGNS", "FINDINGS"]
