"""Firm(mesa.Agent): the readable face over one row of the firms' state arrays.

The model's steps work on all firms at once (see :mod:`sim.state`); a Firm
reads its own row, so notebooks and the dashboard can talk about firms the
way the domain does: ``firm.general_experience``, ``firm.partners``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from .model import AllianceModel

__all__ = ["Firm"]


class Firm(mesa.Agent):
    """One firm: a large incumbent or a small venture, in slot ``index`` of the state arrays.

    When a firm exits and a new venture takes its slot, the model replaces the
    agent; ``firm_id`` is the id the output tables use.
    """

    model: "AllianceModel"

    def __init__(self, model: "AllianceModel", index: int):
        super().__init__(model)
        self.index = index

    @property
    def _s(self):
        return self.model.state

    @property
    def firm_id(self) -> int:
        """The firm's id in every output table."""
        return int(self._s.firm_id[self.index])

    @property
    def size(self) -> str:
        return "large" if self._s.large[self.index] else "small"

    @property
    def is_large(self) -> bool:
        return bool(self._s.large[self.index])

    @property
    def exploration_capability(self) -> float:
        return float(self._s.capability[self.index, 0])

    @property
    def exploitation_capability(self) -> float:
        return float(self._s.capability[self.index, 1])

    @property
    def general_experience(self) -> float:
        """Alliances formed so far (the count a study would observe)."""
        return float(self._s.experience[self.index].sum())

    @property
    def knowhow(self) -> float:
        """Alliance know-how retained: captured lessons net of forgetting."""
        return float(self._s.knowhow[self.index].sum())

    @property
    def capture_rate(self) -> float:
        return float(self._s.capture_rate[self.index])

    @property
    def alliance_function(self) -> bool:
        return bool(self._s.alliance_function[self.index])

    @property
    def capacity(self) -> float:
        return float(self._s.capacity[self.index])

    @property
    def max_alliances(self) -> int:
        return int(self._s.max_alliances[self.index])

    @property
    def active_alliances(self) -> int:
        return int(self._s.active[self.index].sum())

    @property
    def resources(self) -> float:
        return float(self._s.resources[self.index])

    @property
    def reputation(self) -> float:
        return float(self._s.reputation[self.index])

    @property
    def products(self) -> int:
        return int(self._s.products[self.index])

    @property
    def partners(self) -> list["Firm"]:
        """Every firm still in the market this one has allied with, in order of first alliance."""
        agents, slot_of = self.model.firms, self._s.slot_of_id
        return [agents[slot_of[j]] for j in self.model.pairs.past_partners(self.firm_id) if slot_of[j] >= 0]

    def partner_specific_experience(self, other: "Firm") -> int:
        """Alliances formed so far between this firm and ``other``."""
        return self.model.pairs.count(self.firm_id, other.firm_id)

    def __repr__(self) -> str:
        return f"Firm({self.index}, {self.size}, experience={self.general_experience:.0f}, active={self.active_alliances})"
