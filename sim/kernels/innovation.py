"""Internal R&D's formula and passes (:mod:`sim.steps.innovation`): approval, competing risks, lessons, costs and
project starts.

``p`` is the ``innovation`` section and ``lp`` the ``learning`` section (:func:`sim.kernels.params`).
"""

from __future__ import annotations

import numpy as np

from ..learning import capture, general_benefit, sigmoid
from ..state import overload
from . import kernel
from .generator import as_generator

APPROVED, TERMINATED = 1, 2  # sim.steps.innovation's outcome codes


@kernel
def approval_logit(internal_knowhow, technical_total, capability, overload_, p, lp):
    """Per-tick approval logit of an internal project (:func:`sim.steps.innovation.approval_logit`): the relevant
    capability, the firm's internal know-how of the project's kind (``internal_knowhow``), the technical knowledge
    it absorbed from alliances (``technical_total``, both types), less coordination overload."""
    internal = general_benefit(internal_knowhow, p.experience_returns, p.experience_saturation)
    external = general_benefit(technical_total, lp.technical_returns, lp.technical_saturation)
    return p.base_logit + p.capability_weight * (capability - 0.5) + internal + external - p.load_penalty * overload_


@kernel
def approval_logits(firms, types, capability, internal_knowhow, technical, attention, capacity, pa, lpa, out):
    """:func:`approval_logit` of projects of ``types`` run by ``firms``."""
    p, lp = pa[0], lpa[0]  # the sections' records
    for i in range(len(firms)):
        f, t = firms[i], types[i]
        out[i] = approval_logit(internal_knowhow[f, t], technical[f, 0] + technical[f, 1], capability[i],
                                overload(attention[f], capacity[f]), p, lp)


@kernel
def decide(active, u, tick, firm, c_type, capability, start_tick, active_col, end_tick, outcome, projects,
           internal_experience, products, resources, internal_knowhow, technical, attention, capacity, pa, lpa):
    """Competing risks for every active project (``u``: a uniform each): approved (a new product) with the chance
    of its :func:`approval_logit`, else terminated with ``termination_hazard`` or once ``max_duration`` old.
    Returns the ended projects in order, how many were approved, and the projects still active (in order)."""
    p, lp = pa[0], lpa[0]  # the sections' records
    done = np.empty(len(active), dtype=np.int64)
    remaining = np.empty(len(active), dtype=np.int64)
    k = approved = m = 0
    for i in range(len(active)):
        r = active[i]
        f, t = firm[r], np.int64(c_type[r])
        chance = sigmoid(approval_logit(internal_knowhow[f, t], technical[f, 0] + technical[f, 1], capability[r],
                                        overload(attention[f], capacity[f]), p, lp))
        if u[i] < chance:
            outcome[r] = APPROVED
            products[f] += 1
            resources[f] += p.product_value
            approved += 1
        elif u[i] < chance + p.termination_hazard or tick - start_tick[r] >= p.max_duration:
            outcome[r] = TERMINATED
        else:
            remaining[m] = r
            m += 1
            continue
        active_col[r] = False
        end_tick[r] = tick
        projects[f] -= 1
        internal_experience[f, t] += 1.0
        done[k] = r
        k += 1
    return done[:k], approved, remaining[:m]


@kernel
def starters(u, alive, projects, pa):
    """Firms that start a project this tick: in the market, with room for one more, and drawn (``u``)."""
    p = pa[0]  # the sections' records
    out = np.empty(len(u), dtype=np.int64)
    k = 0
    for f in range(len(u)):
        if alive[f] and projects[f] < p.max_projects and u[f] < p.project_probability:
            out[k] = f
            k += 1
    return out[:k]


@kernel
def finish(done, lessons, start, starting, type_draw, tick, firm, c_type, internal_knowhow, projects, resources, spent,
           firm_id, large, capability, internal_experience, experience, alliance_function, active, log_firm,
           log_firm_id, log_large, log_type, log_start_tick, log_internal_exploration, log_internal_exploitation,
           log_alliance_exploration, log_alliance_exploitation, log_capability, log_function, log_active_alliances,
           log_active, pa, lpa):
    """What ended projects taught (``lessons``: their log-normal draws, captured at ``internal_capture_rate``), the
    running cost of every project, then the projects ``starting`` begins (rows ``start ..`` of the project log;
    exploration with the chance of the firm's exploration share of capability, by ``type_draw``)."""
    p, lp = pa[0], lpa[0]  # the sections' records
    for i in range(len(done)):
        r = done[i]
        internal_knowhow[firm[r], c_type[r]] += capture(lessons[i], lp.internal_capture_rate)
    for f in range(len(projects)):
        cost = p.project_cost * projects[f]
        resources[f] -= cost
        spent[f] += cost
    for i in range(len(starting)):
        f, r = starting[i], start + i
        c0, c1 = capability[f, 0], capability[f, 1]
        t = 1 if type_draw[i] >= c0 / max(c0 + c1, 1e-9) else 0
        log_firm[r], log_firm_id[r], log_large[r], log_type[r], log_start_tick[r] = f, firm_id[f], large[f], t, tick
        log_internal_exploration[r], log_internal_exploitation[r] = internal_experience[f, 0], internal_experience[f, 1]
        log_alliance_exploration[r], log_alliance_exploitation[r] = experience[f, 0], experience[f, 1]
        log_capability[r] = capability[f, t]
        log_function[r] = alliance_function[f]
        log_active_alliances[r] = active[f, 0] + active[f, 1]
        log_active[r] = True
        projects[f] += 1


@kernel
def tick(gen, active, start, tick_, n, capture_noise, firm, c_type, capability_col, start_tick, active_col, end_tick,
         outcome, projects, internal_experience, products, resources, internal_knowhow, technical, attention, capacity,
         spent, firm_id, large, capability, experience, alliance_function, firm_active, alive, log_firm_id, log_large,
         log_internal_exploration, log_internal_exploitation, log_alliance_exploration, log_alliance_exploitation,
         log_function, log_active_alliances, pa, lpa):
    """A tick of internal R&D (:func:`sim.steps.innovation.innovate`) in one call, drawing from the run's Generator
    (``gen``, :func:`.generator.handle`) what the numpy code drew, in its order: a uniform per active project
    (:func:`decide`), a log-normal lesson per ended one, a uniform per slot (:func:`starters`), a uniform per
    starter (its type); then :func:`finish`, the starters' rows from ``start`` on (the caller reserved ``n``).
    Returns the ended projects, how many were approved, the projects still active and how many started."""
    rng = as_generator(gen)
    if len(active):
        done, approved, remaining = decide(active, rng.random(len(active)), tick_, firm, c_type, capability_col, start_tick, active_col,
                                           end_tick, outcome, projects, internal_experience, products, resources,
                                           internal_knowhow, technical, attention, capacity, pa, lpa)
        lessons = rng.lognormal(-0.5 * capture_noise * capture_noise, capture_noise, len(done))
    else:
        done, approved, remaining = np.empty(0, dtype=np.int64), 0, np.empty(0, dtype=np.int64)
        lessons = np.empty(0)
    starting = starters(rng.random(n), alive, projects, pa)
    type_draw = rng.random(len(starting))
    finish(done, lessons, start, starting, type_draw, tick_, firm, c_type, internal_knowhow, projects, resources,
           spent, firm_id, large, capability, internal_experience, experience, alliance_function, firm_active, firm,
           log_firm_id, log_large, c_type, start_tick, log_internal_exploration, log_internal_exploitation,
           log_alliance_exploration, log_alliance_exploitation, capability_col, log_function, log_active_alliances,
           active_col, pa, lpa)
    return done, approved, remaining, len(starting)
