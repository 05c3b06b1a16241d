"""The alliance record and the append-only alliance log.

Every alliance ever formed is one row of column arrays (struct of arrays), so
the execution and exit steps work on all active alliances at once.  Rows are
only appended; a row's end fields are written once, when the alliance ends.
:data:`TABLE` declares every column once (storage, output name, description);
:meth:`AllianceLog.frame` turns the log into the tidy ``alliances`` table.
"""

from __future__ import annotations

import numpy as np

from .columns import Column, ColumnLog, Rows
from .state import TYPE_NAMES, PairMemory

__all__ = ["ColumnLog", "AllianceLog", "EXIT_REASONS", "TABLE"]

# Exit reasons, by code.  0 = still running.
EXIT_REASONS = np.array(
    ["", "goal_reached", "missed_milestones", "cost_overrun", "conflict", "expired", "partner_exit"], dtype=object
)
GOAL, MISSED, OVERRUN, CONFLICT, EXPIRED, PARTNER_EXIT = 1, 2, 3, 4, 5, 6


SIZE_NAMES = np.array(["small", "large"], dtype=object)  # by the ``large`` flag
GOVERNANCE_NAMES = np.array(["adaptive", "protective"], dtype=object)  # by the ``protective`` flag


def _size(large: np.ndarray, rows: Rows) -> np.ndarray:
    return rows.labels(SIZE_NAMES, large)


# The alliance table, declared once (see :mod:`sim.columns`): storage, output
# name and order, description.  Experience columns are snapshots at formation;
# ``_a`` is the larger partner where sizes differ.
TABLE: tuple[Column, ...] = (
    Column("alliance_id", None, "Row number of the alliance, in order of formation.",
           convert=lambda v, r: np.arange(r.first, r.first + r.n, dtype=np.int64)),
    Column("firm_a", np.int64, "Firm id of partner a (the larger partner where sizes differ)."),
    Column("firm_b", np.int64, "Firm id of partner b."),
    Column("large_a", bool, "Size class of partner a: large incumbent or small venture.", export="size_a", convert=_size),
    Column("large_b", bool, "Size class of partner b.", export="size_b", convert=_size),
    Column("type", np.int8, "Alliance type: exploration or exploitation.", convert=lambda v, r: r.labels(TYPE_NAMES, v)),
    Column("start_tick", np.int32, "Tick the alliance was formed.", output=np.int64),
    Column("end_tick", np.int32, "Tick the alliance ended (missing while it runs).", missing=-1,
           convert=lambda v, r: r.masked_int(v), output=np.int64),
    Column("general_experience_a", np.float32, "Partner a's alliances formed before this one (both types).", output=float),
    Column("general_experience_b", np.float32, "Partner b's alliances formed before this one (both types).", output=float),
    Column("exploration_experience_a", np.float32, "Partner a's exploration alliances formed before this one.", output=float),
    Column("exploitation_experience_a", np.float32, "Partner a's exploitation alliances formed before this one.", output=float),
    Column("exploration_experience_b", np.float32, "Partner b's exploration alliances formed before this one.", output=float),
    Column("exploitation_experience_b", np.float32, "Partner b's exploitation alliances formed before this one.", output=float),
    Column("partner_specific_experience", np.int32, "Alliances the two partners formed together before this one.", output=np.int64),
    Column("capability_a", float, "Partner a's internal capability in the alliance's type, in [0, 1]."),
    Column("capability_b", float, "Partner b's internal capability in the alliance's type, in [0, 1]."),
    Column("complementarity", float, "Complementarity of the partners' capability profiles, in [0, 1]."),
    Column("function_a", bool, "Partner a has a dedicated alliance function."),
    Column("function_b", bool, "Partner b has a dedicated alliance function."),
    Column("portfolio_a", np.int32, "Partner a's active alliances when this one was formed.", output=np.int64),
    Column("portfolio_b", np.int32, "Partner b's active alliances when this one was formed.", output=np.int64),
    Column("value_at_stake", float, "Value the alliance creates if it reaches its goal."),
    Column("share_a", float, "Partner a's negotiated share of the value."),
    Column("share_b", None, "Partner b's negotiated share of the value (1 - share_a).",
           convert=lambda v, r: 1.0 - r["share_a"]),
    Column("protective", bool, "Governance agreed: protective (contract-heavy) or adaptive.", export="governance",
           convert=lambda v, r: r.labels(GOVERNANCE_NAMES, v)),
    Column("exit_triggers", bool, "The partners agreed exit triggers (a planned way out)."),
    Column("milestones", np.int32, "Milestones the alliance must meet to reach its goal.", output=np.int64),
    Column("met", np.int32, "Milestones met so far.", export="milestones_met", output=np.int64),
    Column("missed", np.int32, "Milestones missed so far.", export="milestones_missed", output=np.int64),
    Column("caught", np.int32, "Misses caught early by a health assessment (given a retry).", export="problems_caught", output=np.int64),
    Column("outcome", None, "Outcome score: milestones met / milestones.",
           convert=lambda v, r: r["met"] / np.maximum(r["milestones"], 1)),
    Column("success", np.int8, "Reached its goal (missing while it runs).", missing=-1,
           convert=lambda v, r: r.masked_bool(v == 1)),
    Column("exit_code", np.int8, "How it ended: goal_reached, missed_milestones, cost_overrun, conflict, expired or "
           "partner_exit (missing while it runs).", export="exit_reason",
           convert=lambda v, r: r.masked_labels(EXIT_REASONS, v)),
    Column("planned_exit", bool, "Ended by reaching its goal, an agreed trigger or expiry (missing while it runs).",
           convert=lambda v, r: r.masked_bool(v)),
    Column("value_created", float, "Value created, net of costs (0 while it runs)."),
    Column("captured_a", float, "Value captured by partner a (its share of the value created).", export="value_captured_a"),
    Column("captured_b", float, "Value captured by partner b.", export="value_captured_b"),
    Column("expected_a", float, "Value partner a expected to capture, at formation.", export="expected_value_a"),
    Column("expected_b", float, "Value partner b expected to capture, at formation.", export="expected_value_b"),
    Column("costs", float, "Running costs accrued so far."),
    # internal: used by the steps, not in the output table
    Column("lopsidedness", float, "Distance of share_a from 0.5: how lopsided the terms are.", export=None),
    Column("handoff_loss", float, "Share of know-how lost when negotiators hand over to the team.", export=None),
    Column("partner_specific_logit", float, "Net partner-specific term of the milestone logit.", export=None),
    Column("attention", float, "Attention units the alliance takes from each partner.", export=None),
    Column("next_due", np.int32, "Tick of the next milestone review.", export=None, output=np.int64),
    Column("retry_used", bool, "The last review's miss was caught and retried.", export=None),
    Column("active", bool, "Still running.", export=None),
    Column("slot_a", np.int32, "Partner a's slot in the firm state arrays (firm_a is its id).", export=None, output=np.int64),
    Column("slot_b", np.int32, "Partner b's slot in the firm state arrays.", export=None, output=np.int64),
    Column("spacing", np.int32, "Ticks between milestone reviews in the plan.", export=None, output=np.int64),
    Column("plan_ticks", np.int32, "Planned duration: milestones x spacing.", export=None, output=np.int64),
    Column("cost_per_tick", float, "Budgeted running cost per tick.", export=None),
    Column("relief", float, "Relational-routines relief of coordination load and conflict at formation.", export=None),
    Column("novelty", float, "Share of the partners' knowledge that is not yet redundant, at formation.", export=None),
)


class AllianceLog(ColumnLog):
    """Every alliance ever formed, one row each; ``frame()`` is the ``alliances`` table."""

    table = TABLE

    def active_pair_codes(self) -> np.ndarray:
        """:meth:`PairMemory.codes` of the pairs allied right now."""
        live = self.active_ids()
        return PairMemory.codes(self["firm_a"][live], self["firm_b"][live])  # firm ids, as the pair memory
