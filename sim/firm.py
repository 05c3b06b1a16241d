"""Firm(mesa.Agent): the readable face over one row of the firms' state arrays.

The model's steps work on all firms at once (see :mod:`sim.state`); a Firm
reads its own row, so notebooks and the dashboard can talk about firms the
way the domain does: ``firm.general_experience``, ``firm.partners``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa

from .state import EXPLOITATION, EXPLORATION

if TYPE_CHECKING:
    from .model import AllianceModel

__all__ = ["Firm"]


class _Row:
    """A firm attribute read from its row of one state column: ``cast(column[index])``, one type's entry of a
    per-type column (``kind``), or the sum over types (``total``)."""

    def __init__(self, column: str, cast: type, doc: str = "", kind: int | None = None, total: bool = False):
        self.column, self.cast, self.kind, self.total = column, cast, kind, total
        self.__doc__ = doc

    def __get__(self, firm: "Firm | None", owner: type | None = None) -> Any:
        if firm is None:
            return self
        value = getattr(firm.model.state, self.column)[firm.index]
        if self.kind is not None:
            value = value[self.kind]
        elif self.total:
            value = value.sum()
        return self.cast(value)

    def __set__(self, firm: "Firm", value: Any) -> None:
        raise AttributeError(f"a firm's {self.column} is read from the state; the model's steps change it")


class Firm(mesa.Agent):
    """One firm: a large incumbent or a small venture, in slot ``index`` of the state arrays.

    When a firm exits and a new venture takes its slot, the model replaces the
    agent; ``firm_id`` is the id the output tables use.
    """

    model: "AllianceModel"

    def __init__(self, model: "AllianceModel", index: int):
        super().__init__(model)
        self.index = index

    firm_id = _Row("firm_id", int, "The firm's id in every output table.")
    is_large = _Row("large", bool)
    exploration_capability = _Row("capability", float, kind=EXPLORATION)
    exploitation_capability = _Row("capability", float, kind=EXPLOITATION)
    general_experience = _Row("experience", float, "Alliances formed so far (the count a study would observe).", total=True)
    knowhow = _Row("knowhow", float, "Alliance know-how retained: captured lessons net of forgetting.", total=True)
    capture_rate = _Row("capture_rate", float)
    alliance_function = _Row("alliance_function", bool)
    capacity = _Row("capacity", float)
    max_alliances = _Row("max_alliances", int)
    active_alliances = _Row("active", int, total=True)
    resources = _Row("resources", float)
    reputation = _Row("reputation", float)
    products = _Row("products", int)

    @property
    def size(self) -> str:
        return "large" if self.is_large else "small"

    @property
    def partners(self) -> list["Firm"]:
        """Every firm still in the market this one has allied with, in order of first alliance."""
        agents, slot_of = self.model.firms, self.model.state.slot_of_id
        return [agents[slot_of[j]] for j in self.model.pairs.past_partners(self.firm_id) if slot_of[j] >= 0]

    def partner_specific_experience(self, other: "Firm") -> int:
        """Alliances formed so far between this firm and ``other``."""
        return self.model.pairs.count(self.firm_id, other.firm_id)

    def __repr__(self) -> str:
        return f"Firm({self.index}, {self.size}, experience={self.general_experience:.0f}, active={self.active_alliances})"
