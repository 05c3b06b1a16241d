"""The firms' numeric state as arrays (struct of arrays).

Each attribute is one numpy array with a row per firm, so every step can work
on all firms at once.  The Mesa agents (:class:`sim.firm.Firm`) are a readable
face over one row each.  Pair-level memory (partner-specific experience) is
sparse and lives in :class:`~sim.pairs.PairMemory` (re-exported here).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import Config
from .kernels import formula
from .kernels.rows import zero_rows
from .learning import saturating
from .pairs import PairMemory

__all__ = ["FirmState", "PairMemory", "ZERO_FIELDS", "DRAWN_FIELDS", "CLASS_FIELDS", "class_values", "structural_capture", "grown_capacity",
           "believed_cap", "load", "overload", "dependence", "type_mean", "EXPLORATION", "EXPLOITATION", "TYPE_NAMES"]

EXPLORATION = 0
EXPLOITATION = 1
TYPE_NAMES = np.array(["exploration", "exploitation"])


@dataclass
class FirmState:
    """Numeric state of all firms; row ``i`` is the firm in slot ``i``.

    The population lives: a firm whose resources run out exits and a new
    venture takes its slot later (:mod:`sim.steps.demography`).  Slots are
    recycled so every array keeps ``firms.n`` rows and every step stays a
    fixed-size vector operation; ``firm_id`` gives each occupant its own id
    (never reused), which is the id every output table shows.  ``alive`` is
    False for an empty slot.
    """

    large: np.ndarray  # bool: large incumbent (True) or small venture
    capability: np.ndarray  # (n, 2) internal capability: [:,0] exploration, [:,1] exploitation
    alliance_function: np.ndarray  # bool: dedicated alliance function (working)
    capture_rate: np.ndarray  # structural share of alliance lessons kept: base rate, function, diluted by units
    base_capacity: np.ndarray  # attention units before experience
    capacity: np.ndarray  # alliance-management capacity (never falls: structures persist)
    max_alliances: np.ndarray  # cap on concurrent alliances (what the firm believes it can run): no alliance is taken on above it; a drifting overconfidence can lower it below those running
    resources: np.ndarray
    income: np.ndarray
    reputation: np.ndarray  # in [0, 1]
    # observed experience: counts of alliances formed (what studies measure)
    experience: np.ndarray  # (n, 2) alliances formed, by type
    # retained know-how (what performance depends on)
    knowhow: np.ndarray  # (n, 2) alliance know-how by type, depreciating
    internal_experience: np.ndarray  # (n, 2) internal R&D projects finished, by type
    internal_knowhow: np.ndarray  # (n, 2) internal R&D know-how, depreciating
    # portfolio
    active: np.ndarray  # (n, 2) active alliances by type
    attention: np.ndarray  # attention used by active alliances
    partner_profile: np.ndarray  # (n, 2) sum of active partners' capabilities (for redundancy)
    projects: np.ndarray  # active internal R&D projects
    products: np.ndarray  # new products, cumulative
    # expectations vs outcomes of ended alliances (portfolio performance)
    expected_value: np.ndarray
    captured_value: np.ndarray
    ended_alliances: np.ndarray
    successes: np.ndarray
    realised_return: np.ndarray  # sum over ended alliances of value captured / own stake
    # technical knowledge absorbed from ended alliances, by the partner's type
    # (what internal R&D uses); how much of a partner's knowledge is usable
    # depends on the firm's own knowledge when it comes home (sim.learning.absorption)
    technical: np.ndarray | None = None
    overconfidence: np.ndarray | float = 1.0  # multiple of capacity the firm believes it can run
    # the living population and the firms' choices
    firm_id: np.ndarray | None = None  # id of the slot's occupant (never reused)
    alive: np.ndarray | None = None  # bool: the slot holds a firm
    born: np.ndarray | None = None  # tick the occupant entered (<= 0: before the outputs start)
    base_capture: np.ndarray | None = None  # size-class capture rate (before function and units)
    units: np.ndarray | None = None  # organisational units running alliances (internal complexity)
    key_people: np.ndarray | None = None  # people holding the alliance know-how
    spending: np.ndarray | None = None  # recent spending per tick (moving average): what the firm must cover
    spent: np.ndarray | None = None  # spending so far this tick
    function_setup: np.ndarray | None = None  # ticks left until a function being set up works (0 = none)
    preference: np.ndarray | None = None  # (n, 3) search preferences: exploration share, repeat partners, large partners
    aspiration: np.ndarray | None = None  # return per unit of stake the firm takes as normal
    slot_of_id: np.ndarray | None = None  # slot of every firm id ever issued (-1 once it has exited)
    _id_room: np.ndarray | None = field(default=None, repr=False, compare=False)  # slot_of_id's storage (issue_ids)

    @property
    def n(self) -> int:
        return self.large.shape[0]

    # Sums over the two types.  Written as column additions: numpy's
    # ``sum(axis=1)`` over a 2-wide axis is ~30x slower and these are read
    # many times a tick (same values: a two-term sum is one addition).
    @property
    def general_experience(self) -> np.ndarray:
        return self.experience[:, 0] + self.experience[:, 1]

    @property
    def general_knowhow(self) -> np.ndarray:
        return self.knowhow[:, 0] + self.knowhow[:, 1]

    @property
    def active_total(self) -> np.ndarray:
        return self.active[:, 0] + self.active[:, 1]

    @property
    def underperforming(self) -> np.ndarray:
        """Firms whose ended alliances captured less than they expected at formation."""
        return (self.ended_alliances > 0) & (self.captured_value < self.expected_value)

    def load(self) -> np.ndarray:
        """Coordination load: attention used per unit of management capacity (:func:`load`)."""
        return load(self.attention, self.capacity)

    def overload(self) -> np.ndarray:
        """Load beyond capacity (:func:`overload`)."""
        return overload(self.attention, self.capacity)

    def dependence(self, who: np.ndarray | slice = slice(None)) -> np.ndarray:
        """How far firms ``who`` need alliances to survive (:func:`dependence`)."""
        return dependence(self.income[who], self.spending[who])

    def clear(self, slots: np.ndarray) -> None:
        """Set the :data:`ZERO_FIELDS` of ``slots`` to zero (new firms start there; :func:`draw_into` sets the
        rest)."""
        zero_rows(np.ascontiguousarray(slots, dtype=np.int64), tuple(getattr(self, name) for name in ZERO_FIELDS))

    def issue_ids(self, slots: np.ndarray) -> int:
        """New firm ids for the firms now in ``slots``, in order, recorded in :attr:`slot_of_id`; returns the first.

        Ids are issued every tick, so :attr:`slot_of_id` is a view of room that grows by doubling (appending to
        the array itself copied every id ever issued, every tick)."""
        first, stop = len(self.slot_of_id), len(self.slot_of_id) + len(slots)
        room = self._id_room
        if room is None or self.slot_of_id.base is not room or stop > len(room):
            room = np.full(max(2 * stop, 1024), -1, dtype=np.int64)
            room[:first] = self.slot_of_id
            self._id_room = room
        room[first:stop] = slots
        self.slot_of_id = room[:stop]
        return first


@formula
def load(attention, capacity):
    """Coordination load: attention used per unit of management capacity."""
    return attention / np.maximum(capacity, 1e-9)


@formula
def overload(attention, capacity):
    """Load beyond capacity, ``max(load - 1, 0)``: capacity is the attention a firm can give its alliances
    without taking it from anything else, so coordination costs start there."""
    return np.maximum(load(attention, capacity) - 1.0, 0.0)


@formula
def dependence(income, spending):
    """How far a firm needs alliances to survive: the share of its spending its core income does not cover."""
    return np.minimum(np.maximum(1.0 - income / np.maximum(spending, 1e-9), 0.0), 1.0)


def type_mean(x: np.ndarray) -> np.ndarray:
    """Mean over the last axis of width 2 (the two alliance types), as one addition: ``mean(axis=-1)`` is many times slower on so narrow an axis (same values)."""
    return (x[..., 0] + x[..., 1]) / 2.0


@formula
def structural_capture(base, function, units, function_capture_bonus, complexity_dilution):
    """Capture rate from structure: the size-class rate, raised by a function (``learning.function_capture_bonus``),
    diluted across units (``learning.complexity_dilution``)."""
    rate = base * (1.0 + function * function_capture_bonus)
    return np.minimum(np.maximum(rate / (1.0 + complexity_dilution * (units - 1.0)), 0.0), 1.0)


# Fields every new firm starts at zero, with their width (0: one value per
# firm) and dtype: draw_firms leaves them out, init_firms and FirmState.clear
# set them.
ZERO_FIELDS: dict[str, tuple[int, type]] = {
    "internal_experience": (2, float), "internal_knowhow": (2, float), "active": (2, np.int64),
    "attention": (0, float), "partner_profile": (2, float), "projects": (0, np.int64),
    "products": (0, np.int64), "expected_value": (0, float), "captured_value": (0, float),
    "ended_alliances": (0, np.int64), "successes": (0, np.int64), "realised_return": (0, float),
    "spent": (0, float), "function_setup": (0, np.int64),
}

# Fields draw_firms sets, with their width and dtype, in the order the drawing kernel takes them
# (:func:`sim.kernels.demography.draw`).
DRAWN_FIELDS: dict[str, tuple[int, type]] = {
    "large": (0, bool), "capability": (2, float), "alliance_function": (0, bool), "capture_rate": (0, float),
    "base_capacity": (0, float), "capacity": (0, float), "max_alliances": (0, np.int64), "resources": (0, float),
    "income": (0, float), "reputation": (0, float), "experience": (2, float), "knowhow": (2, float),
    "technical": (2, float), "overconfidence": (0, float), "firm_id": (0, np.int64), "alive": (0, bool),
    "born": (0, np.int64), "base_capture": (0, float), "units": (0, float), "key_people": (0, float),
    "spending": (0, float), "preference": (3, float), "aspiration": (0, float),
}

# Size-class fields draw_firms reads, in the row order of its class table.
CLASS_FIELDS = ("explore_capability", "exploit_capability", "alliance_function_prob", "capture_rate", "units",
                "initial_experience", "base_capacity", "resources", "income", "key_people", "overconfidence_sd")


_CLASS_CACHE: dict[str, tuple] = {}


def class_values(f) -> tuple[np.ndarray, np.ndarray]:
    """The size classes' :data:`CLASS_FIELDS` as a row per field and a column per class (small, large), and their
    mean capabilities as a row per class; built again only when a value changed (entrants are drawn every tick)."""
    key = (tuple(f.small.__dict__.values()), tuple(f.large.__dict__.values()))
    hit = _CLASS_CACHE.get("values")
    if hit is None or hit[0] != key:
        table = np.array([[getattr(c, a) for c in (f.small, f.large)] for a in CLASS_FIELDS], dtype=float)
        hit = _CLASS_CACHE["values"] = (key, table, np.ascontiguousarray(table[[0, 1]].T))
    return hit[1], hit[2]


@formula
def grown_capacity(base_capacity, knowhow, capacity_learning, general_saturation):
    """Alliance-management capacity that general know-how has built: ``base x (1 + portfolio.capacity_learning x
    saturating(know-how))``, on the same diminishing-returns curve as the know-how's other uses
    (``learning.general_saturation``), so experience can raise capacity by a bounded factor and never run away."""
    return base_capacity * (1.0 + capacity_learning * saturating(knowhow, general_saturation))


@formula
def believed_cap(capacity, base_capacity, overconfidence, follows):
    """Concurrent alliances a firm takes on (a whole number, as a float: ``.astype(np.int64)`` on arrays): the
    capacity it believes it has, inflated by overconfidence (below 1 it counts as 1: no firm plans for less than
    the capacity it believes it has; the state keeps the log-normal draw itself, so that it can drift,
    :func:`sim.steps.portfolio.drift_overconfidence`).

    The believed capacity is the base capacity plus the share ``follows``
    (``portfolio.cap_follows_capacity``) of what experience has added to it:
    at 0 a firm's appetite for alliances stays where its structure started,
    so what know-how adds to capacity lowers its load instead of raising its
    count; at 1 it takes on more alliances as it learns.
    """
    believed = base_capacity + follows * (capacity - base_capacity)
    return np.floor(believed * np.maximum(overconfidence, 1.0) + 1e-9)
