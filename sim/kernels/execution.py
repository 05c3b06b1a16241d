"""Execution's formulas and passes (:mod:`sim.steps.execution`): milestone plans, costs, milestone reviews,
technical knowledge delivered milestone by milestone.

The scalar functions are the formulas (the numpy functions of the same name
are thin wrappers over the vectorised kernels below); ``p`` is the
``execution`` section and ``lp`` the ``learning`` section (:func:`sim.kernels.params`).
"""

from __future__ import annotations

import numpy as np

from ..learning import absorption, saturating, sigmoid
from ..state import overload
from . import kernel
from .generator import as_generator

EXPLORATION, EXPLOITATION = 0, 1


# ---------------------------------------------------------------- formulas
@kernel
def attention_need(t, protective, p):
    """Attention units a new-partner alliance of type ``t`` takes from each partner's management
    (:func:`sim.steps.execution.attention_need`)."""
    base = p.attention_exploration if t == EXPLORATION else p.attention_exploitation
    return base + p.protective_attention * protective


@kernel
def standing(general_knowhow, lp):
    """Where a firm's general alliance know-how puts it on the diminishing-returns curve, in [0, 1]: what its
    teams can draw on (:func:`team_skill`); per firm, so a tick computes it once for all its alliances."""
    return saturating(general_knowhow, lp.general_saturation)


@kernel
def team_skill(standing_a, standing_b, handoff_loss):
    """How much of the partners' general alliance know-how the team commands, in [0, 1]: the mean of the two
    partners' :func:`standing`, less what the hand-off lost (:func:`sim.steps.execution.team_skill`)."""
    return 0.5 * (standing_a + standing_b) * (1.0 - handoff_loss)


@kernel
def alliance_skill(r, slot_a, slot_b, handoff_loss, knowhow, lp):
    """:func:`team_skill` of alliance ``r`` from its partners' general know-how now (``knowhow``: by type)."""
    a, b = slot_a[r], slot_b[r]
    return team_skill(standing(knowhow[a, 0] + knowhow[a, 1], lp), standing(knowhow[b, 0] + knowhow[b, 1], lp),
                      handoff_loss[r])


@kernel
def standings(knowhow, lpa, out):
    """:func:`standing` of every firm (``knowhow``: by type)."""
    lp = lpa[0]  # the section's record
    for f in range(len(out)):
        out[f] = standing(knowhow[f, 0] + knowhow[f, 1], lp)


@kernel
def milestone_logit(t, capability_a, capability_b, skill, attention, protective, overload_a, overload_b,
                    lopsidedness, novelty, partner_specific_logit, overdue, p, lp):
    """Logit of meeting the next milestone (:func:`sim.steps.execution.milestone_logit`): ``skill`` is
    :func:`team_skill`, ``overload_a``/``_b`` the partners' :func:`sim.state.overload`, ``overdue`` how far past
    its plan the alliance is (0 when staleness is not counted)."""
    base = p.base_logit_exploration if t == EXPLORATION else p.base_logit_exploitation
    capability = p.capability_weight * (0.5 * (capability_a + capability_b) - 0.5)
    knowhow = 2.0 * lp.general_returns * skill
    own_need = attention / max(attention_need(t, protective, p), 1e-9)
    coordination = p.coordination_penalty * own_need * 0.5 * (overload_a ** p.coordination_exponent
                                                              + overload_b ** p.coordination_exponent)
    defensiveness = p.lopsided_effort_penalty * lopsidedness
    governance = p.governance_fit if protective == (t == EXPLOITATION) else -p.governance_fit
    logit = (base + capability + knowhow + p.novelty_weight * (novelty - 1.0)
             + partner_specific_logit - coordination - defensiveness + governance)
    return logit - p.stale_penalty * overdue


@kernel
def overdue(tick, start_tick, plan_ticks):
    """Planned durations an alliance has overrun its plan by at ``tick`` (0 within the plan)."""
    return max((tick - start_tick) / plan_ticks - 1.0, 0.0)


@kernel
def review_outcome(meet_draw, check_draw, chance, has_function, retried, p):
    """A due milestone review: met (0) when ``meet_draw`` falls below the ``chance`` of meeting it; else caught
    early (1) by a partner's alliance function's health check (``check_draw`` below ``health_check_detection``)
    unless the last review's miss was caught already (``retried``), which gives the team one retry next tick;
    else missed (2)."""
    if meet_draw < chance:
        return 0
    if has_function and not retried and check_draw < p.health_check_detection:
        return 1
    return 2


@kernel
def absorbable(internal, t, lp):
    """Usable share of the technical knowledge a partner of type ``t`` brings home to a firm whose internal know-how
    is ``internal`` (its row: exploration, exploitation; :func:`sim.steps.execution.absorbable`): exploitation
    partners' knowledge is usable as far as the firm's own research (exploration know-how) overlaps with it;
    exploration partners' is crowded out by its exploitation routines, unless
    ``exploration_absorbed_as_exploitation`` absorbs it by the exploitation partners' rule."""
    if t == EXPLOITATION or lp.exploration_absorbed_as_exploitation:
        return absorption(lp.absorb_exploitation, lp.absorptive_capacity_gain, internal[EXPLORATION],
                          lp.absorptive_saturation)
    return absorption(lp.absorb_exploration, -lp.absorb_exploration * lp.exploitation_rigidity,
                      internal[EXPLOITATION], lp.absorptive_saturation)


# ------------------------------------------------------ vectorised formulas
@kernel
def attention_needs(types, protective, pa, out):
    """:func:`attention_need` of each alliance."""
    p = pa[0]  # the sections' records
    for i in range(len(types)):
        out[i] = attention_need(types[i], protective[i], p)


@kernel
def team_skills(ids, slot_a, slot_b, handoff_loss, knowhow, lpa, out):
    """:func:`team_skill` of alliances ``ids``."""
    lp = lpa[0]  # the section's record
    for i in range(len(ids)):
        out[i] = alliance_skill(ids[i], slot_a, slot_b, handoff_loss, knowhow, lp)


@kernel
def milestone_logits(ids, tick, stale, c_type, slot_a, slot_b, capability_a, capability_b, handoff_loss, attention_col,
                     protective, lopsidedness, novelty, partner_specific_logit, start_tick, plan_ticks, knowhow,
                     attention, capacity, pa, lpa, out):
    """:func:`milestone_logit` of alliances ``ids`` (staleness counted at ``tick`` when ``stale``)."""
    p, lp = pa[0], lpa[0]  # the sections' records
    for i in range(len(ids)):
        r = ids[i]
        a, b = slot_a[r], slot_b[r]
        skill = alliance_skill(r, slot_a, slot_b, handoff_loss, knowhow, lp)
        late = overdue(tick, start_tick[r], plan_ticks[r]) if stale else 0.0
        out[i] = milestone_logit(c_type[r], capability_a[r], capability_b[r], skill, attention_col[r], protective[r],
                                 overload(attention[a], capacity[a]), overload(attention[b], capacity[b]),
                                 lopsidedness[r], novelty[r], partner_specific_logit[r], late, p, lp)


@kernel
def absorbables(slots, types, internal_knowhow, lpa, out):
    """:func:`absorbable` for firms ``slots`` and partner types ``types``."""
    lp = lpa[0]  # the sections' records
    for i in range(len(slots)):
        t = types[i]
        out[i] = absorbable(internal_knowhow[slots[i]], t, lp)


@kernel
def transfer(ids, c_type, novelty, milestones, slot_a, slot_b, technical, internal_knowhow, lpa):
    """Alliances ``ids`` met a milestone: each partner takes home the usable share (:func:`absorbable`) of
    ``lesson_per_alliance x novelty / milestones`` (:func:`sim.steps.execution.transfer`); side a's rows, then
    side b's, as ``np.add.at`` over both sides added them."""
    lp = lpa[0]  # the sections' records
    for side in range(2):
        slots = slot_a if side == 0 else slot_b
        for i in range(len(ids)):
            r = ids[i]
            t = np.int64(c_type[r])
            f = slots[r]
            lesson = lp.lesson_per_alliance * novelty[r] / milestones[r]
            technical[f, t] += lesson * absorbable(internal_knowhow[f], t, lp)


# ------------------------------------------------------------------- passes
@kernel
def launch(start, m, spacing_draw, cost_draw, c_type, protective, relief, value_at_stake, start_tick, slot_a, slot_b,
           milestones, spacing, plan_ticks, cost_per_tick, next_due, attention_col, active, attention, partner_profile,
           capability, experience, pa):
    """The milestone plan and budget of rows ``start .. start + m`` (new alliances; ``spacing_draw``,
    ``cost_draw``: their log-normal draws), then their attention booked with both partners and their formation
    counted (:func:`sim.steps.execution.launch`)."""
    p = pa[0]  # the sections' records
    for i in range(m):
        r = start + i
        t = c_type[r]
        milestones[r] = np.int64(p.milestones_exploration) if t == EXPLORATION else np.int64(p.milestones_exploitation)
        spacing[r] = max(np.int64(np.rint(p.ticks_per_milestone * spacing_draw[i])), 1)
        plan_ticks[r] = milestones[r] * spacing[r]
        cost_per_tick[r] = p.cost_rate * value_at_stake[r] / plan_ticks[r] * cost_draw[i]
        next_due[r] = start_tick[r] + spacing[r]
        attention_col[r] = attention_need(t, protective[r], p) * (1.0 - relief[r])
    for side in range(2):  # side a's rows, then side b's (np.add.at's order over both sides)
        own, other = (slot_a, slot_b) if side == 0 else (slot_b, slot_a)
        for i in range(m):
            r = start + i
            f, o, t = own[r], other[r], c_type[r]
            active[f, t] += 1
            attention[f] += attention_col[r]
            partner_profile[f, 0] += capability[o, 0]
            partner_profile[f, 1] += capability[o, 1]
    for side in range(2):
        own = slot_a if side == 0 else slot_b
        for i in range(m):
            r = start + i
            experience[own[r], c_type[r]] += 1.0


@kernel
def launch_drawing(gen, plan_sd, cost_sd, start, m, *rest):
    """:func:`launch`, its draws made here from the run's Generator (``gen``, :func:`.generator.handle`) in the
    numpy code's order: a log-normal milestone spacing per new alliance, then a log-normal cost.  ``rest``: the
    arguments of :func:`launch` after ``cost_draw``."""
    rng = as_generator(gen)
    spacing = rng.lognormal(0.0, plan_sd, m)
    launch(start, m, spacing, rng.lognormal(0.0, cost_sd, m), *rest)
