"""Booking and unbooking alliances with their partners (:func:`sim.steps.execution.book_sides`).

Adds in row order, as ``np.add.at`` does, so the sums are the same floats.
"""

from __future__ import annotations

from . import kernel


@kernel
def book_sides(own, other, types, attention, sign, active, attention_used, partner_profile, capability):
    """Row ``i`` books (``sign=+1``) or unbooks (``-1``) an alliance of type ``types[i]`` taking ``attention[i]``
    from firm ``own[i]``, whose partner is ``other[i]``."""
    for i in range(len(own)):
        f, o = own[i], other[i]
        active[f, types[i]] += sign
        attention_used[f] += sign * attention[i]
        partner_profile[f, 0] += sign * capability[o, 0]
        partner_profile[f, 1] += sign * capability[o, 1]


@kernel
def count_formed(slots_a, slots_b, types, experience):
    """Each partner's alliances formed, by type, one more per new alliance."""
    for slots in (slots_a, slots_b):
        for i in range(len(slots)):
            experience[slots[i], types[i]] += 1.0
