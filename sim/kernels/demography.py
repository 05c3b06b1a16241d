"""The living population's bookkeeping (:mod:`sim.steps.demography`)."""

from __future__ import annotations

import numpy as np

from ..learning import capture
from ..state import CLASS_FIELDS, believed_cap, grown_capacity, structural_capture
from . import kernel
from .exit import PARTNER_EXIT, settle
from .generator import as_generator
from .innovation import TERMINATED
from .rows import zero_rows

(EXPLORE_CAPABILITY, EXPLOIT_CAPABILITY, ALLIANCE_FUNCTION_PROB, CAPTURE_RATE, UNITS, INITIAL_EXPERIENCE,
 BASE_CAPACITY, RESOURCES, INCOME, KEY_PEOPLE, OVERCONFIDENCE_SD) = range(len(CLASS_FIELDS))


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


@kernel
def leaving_drawing(gen, alive, resources, threshold, large, hazard):
    """:func:`leaving`, the acquisition draws (a uniform per slot, only when ``hazard`` > 0) made here from the
    run's Generator (``gen``, :func:`.generator.handle`)."""
    draw = as_generator(gen).random(len(alive) if hazard > 0 else 0)
    return leaving(alive, resources, threshold, large, draw, hazard)


@kernel
def draw(gen, slots, codes, table, mean_capability, tick, first_id, fa, la, pa, sa, na, large, capability,
         alliance_function, capture_rate, base_capacity, capacity, max_alliances, resources, income, reputation,
         experience, knowhow, technical, overconfidence, firm_id, alive, born, base_capture, units, key_people,
         spending, preference, aspiration):
    """New firms of the size classes ``codes`` (0 small, 1 large) into ``slots`` of the state arrays
    (:func:`sim.steps.demography.draw_firms`): every field but the ones that start at zero.

    ``table`` holds the classes' values (a row per field of :data:`sim.state.CLASS_FIELDS`, a column per class),
    ``mean_capability`` their mean capabilities (a row per class); ``fa``, ``la``, ``pa``, ``sa``, ``na`` are the
    firms, learning, portfolio, selection and negotiation sections' records.  Draws come from ``rng`` in numpy's
    order for the same arrays: capability normals (firm by firm, both types), the function's uniforms, prior
    alliances (Poisson, firm by firm, both types), overconfidence log-normals, resources log-normals.
    ``gen``: the run's Generator (:func:`.generator.handle`).
    """
    rng = as_generator(gen)
    f, lp, pp, sp, np_ = fa[0], la[0], pa[0], sa[0], na[0]
    n = len(slots)
    for i in range(n):
        s, c = slots[i], codes[i]
        for k in range(2):
            x = mean_capability[c, k] + rng.normal(0.0, f.capability_sd)
            capability[s, k] = min(max(x, 0.0), 1.0)
    for i in range(n):
        alliance_function[slots[i]] = rng.random() < table[ALLIANCE_FUNCTION_PROB, codes[i]]
    for i in range(n):
        s, c = slots[i], codes[i]
        large[s] = c == 1
        base_capture[s] = table[CAPTURE_RATE, c]
        units[s] = table[UNITS, c]
        capture_rate[s] = structural_capture(base_capture[s], alliance_function[s], units[s], lp.function_capture_bonus,
                                             lp.complexity_dilution)
    for i in range(n):
        s, mean_prior = slots[i], table[INITIAL_EXPERIENCE, codes[i]] * 0.5
        for k in range(2):
            experience[s, k] = float(rng.poisson(mean_prior))
    for i in range(n):
        s, c = slots[i], codes[i]
        for k in range(2):
            # Prior alliances were spread over past years: what is left of them is the stationary level of
            # capture-with-forgetting, approximated by their capture.
            knowhow[s, k] = capture(experience[s, k] * lp.lesson_per_alliance, capture_rate[s])
            technical[s, k] = experience[s, k] * lp.lesson_per_alliance * lp.absorb_exploitation
        overconfidence[s] = pp.overconfidence * rng.lognormal(0.0, table[OVERCONFIDENCE_SD, c])  # floored at use
    for i in range(n):
        s, c = slots[i], codes[i]
        base_capacity[s] = table[BASE_CAPACITY, c]
        capacity[s] = grown_capacity(base_capacity[s], knowhow[s, 0] + knowhow[s, 1], pp.capacity_learning,
                                     lp.general_saturation)
        max_alliances[s] = np.int64(believed_cap(capacity[s], base_capacity[s], overconfidence[s],
                                                 pp.cap_follows_capacity))
    for i in range(n):
        s, c = slots[i], codes[i]
        resources[s] = table[RESOURCES, c] * rng.lognormal(0.0, 0.3)
        income[s] = table[INCOME, c]
        spending[s] = table[INCOME, c]
        key_people[s] = table[KEY_PEOPLE, c]
        reputation[s] = 0.5
        firm_id[s] = first_id + i
        alive[s] = True
        born[s] = tick
        preference[s, 0] = sp.exploration_target
        preference[s, 1] = sp.repeat_partner_probability
        preference[s, 2] = 0.5
        aspiration[s] = np_.prior_return


@kernel
def entries_drawing(gen, expected, alive, zero_fields, table, mean_capability, tick, first_id, fa, la, pa, sa, na,
                    *drawn):
    """New ventures into empty slots (:func:`sim.steps.demography.entries`): how many, a Poisson draw around
    ``expected`` (capped by the empty slots), take the first empty slots, their ``zero_fields`` (a tuple of the
    state's arrays) start at zero and the rest is drawn (:func:`draw`, small firms, ids from ``first_id`` on;
    ``drawn``: the state's :data:`sim.state.DRAWN_FIELDS`).  Returns their slots."""
    k = as_generator(gen).poisson(expected)
    free = np.empty(len(alive), dtype=np.int64)
    m = 0
    for f in range(len(alive)):
        if not alive[f]:
            free[m] = f
            m += 1
    slots = free[:min(k, m)]
    if len(slots):
        zero_rows(slots, zero_fields)
        draw(gen, slots, np.zeros(len(slots), dtype=np.intp), table, mean_capability, tick, first_id, fa, la, pa, sa,
             na, *drawn)
    return slots


@kernel
def exits_drawing(gen, threshold, hazard, alliances, projects, tick, slot_a, slot_b, project_firm, project_active,
                  project_end_tick, project_outcome, alive, resources, large, firm_projects, max_alliances, income,
                  alliance_function, function_setup, slot_of_id, firm_id, *settling):
    """The firms that leave this tick (:func:`leaving_drawing`), and all that goes with them
    (:func:`sim.steps.demography.exits`): their active alliances (``alliances``, the log's active rows in order)
    end by partner exit, unplanned, and are settled (:func:`sim.kernels.exit.settle`; ``settling``: its
    arguments after ``tick``), their running projects (``projects``, the project log's active rows) are
    terminated, and their slots emptied.  Returns the slots that left, the alliances that ended with them, how
    many of the leavers had resources to spare (acquired), and the alliances and projects still running, in
    order."""
    gone = leaving_drawing(gen, alive, resources, threshold, large, hazard)
    if len(gone) == 0:
        return gone, gone, 0, alliances, projects
    acquired = 0
    leaving = np.zeros(len(alive), dtype=np.bool_)
    for f in gone:
        acquired += resources[f] >= threshold
        leaving[f] = True
    ends = np.empty(len(alliances), dtype=np.bool_)
    for i in range(len(alliances)):
        ends[i] = leaving[slot_a[alliances[i]]] or leaving[slot_b[alliances[i]]]
    hit = alliances[ends]
    if len(hit):
        settle(hit, np.full(len(hit), PARTNER_EXIT, dtype=np.int8), np.zeros(len(hit), dtype=np.bool_), tick,
               *settling)
    stops = np.empty(len(projects), dtype=np.bool_)
    for i in range(len(projects)):
        stops[i] = leaving[project_firm[projects[i]]]
    for r in projects[stops]:
        project_active[r] = False
        project_end_tick[r] = tick
        project_outcome[r] = TERMINATED
    for f in gone:
        firm_projects[f] = 0
        alive[f] = False
        max_alliances[f] = 0
        income[f] = 0.0
        alliance_function[f] = False
        function_setup[f] = 0
        slot_of_id[firm_id[f]] = -1
    return gone, hit, acquired, alliances[~ends], projects[~stops]
