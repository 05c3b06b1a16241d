"""The totals the model series read each tick (:mod:`sim.recording`): the firms' in one pass, the exits' by code."""

from __future__ import annotations

import numpy as np

from . import kernel


@kernel
def firm_totals(alive, active, ended_alliances, captured_value, expected_value, experience, knowhow, projects,
                alliance_function, preference, active_sum):
    """Totals over the firms: active alliances by type (every slot), firms in the market, those with ended alliances
    and how many of them are underperforming (captured less than expected), then, over the firms in the market,
    general experience, know-how, alliance functions and each search preference; every slot's project count.
    Also adds each slot's active alliances to ``active_sum`` (the panel's running mean)."""
    explore = exploit = firms = has_ended = underperforming = functions = rnd = 0
    general = held = pref0 = pref1 = pref2 = 0.0
    for f in range(len(alive)):
        explore += active[f, 0]
        exploit += active[f, 1]
        active_sum[f] += active[f, 0] + active[f, 1]
        rnd += projects[f]
        if not alive[f]:
            continue
        firms += 1
        if ended_alliances[f] > 0:
            has_ended += 1
            underperforming += captured_value[f] < expected_value[f]
        general += experience[f, 0] + experience[f, 1]
        held += knowhow[f, 0] + knowhow[f, 1]
        functions += alliance_function[f]
        pref0 += preference[f, 0]
        pref1 += preference[f, 1]
        pref2 += preference[f, 2]
    return explore, exploit, firms, has_ended, underperforming, functions, rnd, general, held, pref0, pref1, pref2


@kernel
def code_counts(ids, exit_code, codes):
    """How many of alliances ``ids`` ended with each exit code ``0 .. codes - 1``."""
    out = np.zeros(codes, dtype=np.int64)
    for r in ids:
        out[exit_code[r]] += 1
    return out
