"""The alliance record and the append-only alliance log.

Every alliance ever formed is one row of column arrays (struct of arrays), so
the execution and exit steps work on all active alliances at once.  Rows are
only appended; a row's end fields are written once, when the alliance ends.
:meth:`AllianceLog.frame` turns the log into the tidy ``alliances`` table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .columns import ColumnLog
from .state import TYPE_NAMES, PairMemory

__all__ = ["ColumnLog", "AllianceLog", "EXIT_REASONS", "COLUMNS"]

# Exit reasons, by code.  0 = still running.
EXIT_REASONS = np.array(
    ["", "goal_reached", "missed_milestones", "cost_overrun", "conflict", "expired", "partner_exit"], dtype=object
)
GOAL, MISSED, OVERRUN, CONFLICT, EXPIRED, PARTNER_EXIT = 1, 2, 3, 4, 5, 6

# name -> dtype.  Experience columns are snapshots at formation.
COLUMNS: dict[str, type] = {
    "firm_a": np.int64, "firm_b": np.int64, "type": np.int8,
    "large_a": bool, "large_b": bool,
    "start_tick": np.int64, "end_tick": np.int64,
    "milestones": np.int64, "met": np.int64, "missed": np.int64, "caught": np.int64,
    "next_due": np.int64, "retry_used": bool,
    "value_at_stake": float, "share_a": float, "lopsidedness": float,
    "protective": bool, "exit_triggers": bool, "handoff_loss": float,
    "costs": float, "attention": float,
    "general_experience_a": float, "general_experience_b": float,
    "exploration_experience_a": float, "exploitation_experience_a": float,
    "exploration_experience_b": float, "exploitation_experience_b": float,
    "partner_specific_experience": np.int64, "partner_specific_logit": float,
    "capability_a": float, "capability_b": float, "complementarity": float,
    "function_a": bool, "function_b": bool,
    "portfolio_a": np.int64, "portfolio_b": np.int64,
    "expected_a": float, "expected_b": float,
    "active": bool, "success": np.int8, "exit_code": np.int8, "planned_exit": bool,
    "value_created": float, "captured_a": float, "captured_b": float,
    # internal to the model (not in the table): firm slots in the state arrays
    # (firm_a/firm_b are the firms' ids), the milestone plan and budget, and the
    # partner-specific mechanisms' terms at formation
    "slot_a": np.int64, "slot_b": np.int64, "spacing": np.int64, "plan_ticks": np.int64,
    "cost_per_tick": float, "relief": float, "novelty": float,
}


class AllianceLog(ColumnLog):
    """Every alliance ever formed, one row each."""

    columns = COLUMNS
    missing = {"end_tick": -1, "success": -1}

    def active_pair_codes(self) -> np.ndarray:
        """:meth:`PairMemory.codes` of the pairs allied right now."""
        live = self.active_ids()
        return PairMemory.codes(self["firm_a"][live], self["firm_b"][live])  # firm ids, as the pair memory

    def frame(self) -> pd.DataFrame:
        """The tidy ``alliances`` table: one row per alliance.

        Ongoing alliances have no end yet: empty end_tick, success, planned_exit
        and exit_reason, built as missing values directly (setting them
        afterwards made pandas copy whole blocks of this large table).
        """
        c = {name: arr[self.first: self.n] for name, arr in self.cols.items()}
        ended = ~c["active"]
        ongoing = ~ended
        n = self.n - self.first
        size = np.where(c["large_a"], "large", "small"), np.where(c["large_b"], "large", "small")
        return pd.DataFrame(
            {
                "alliance_id": np.arange(self.first, self.n, dtype=np.int64),
                "firm_a": c["firm_a"],
                "firm_b": c["firm_b"],
                "size_a": size[0],
                "size_b": size[1],
                "type": TYPE_NAMES[c["type"].astype(int)] if n else np.array([], dtype=object),
                "start_tick": c["start_tick"],
                "end_tick": pd.arrays.IntegerArray(np.where(ended, c["end_tick"], 0), ongoing),
                "general_experience_a": c["general_experience_a"],
                "general_experience_b": c["general_experience_b"],
                "exploration_experience_a": c["exploration_experience_a"],
                "exploitation_experience_a": c["exploitation_experience_a"],
                "exploration_experience_b": c["exploration_experience_b"],
                "exploitation_experience_b": c["exploitation_experience_b"],
                "partner_specific_experience": c["partner_specific_experience"],
                "capability_a": c["capability_a"],
                "capability_b": c["capability_b"],
                "complementarity": c["complementarity"],
                "function_a": c["function_a"],
                "function_b": c["function_b"],
                "portfolio_a": c["portfolio_a"],
                "portfolio_b": c["portfolio_b"],
                "value_at_stake": c["value_at_stake"],
                "share_a": c["share_a"],
                "share_b": 1.0 - c["share_a"],
                "governance": np.where(c["protective"], "protective", "adaptive"),
                "exit_triggers": c["exit_triggers"],
                "milestones": c["milestones"],
                "milestones_met": c["met"],
                "milestones_missed": c["missed"],
                "problems_caught": c["caught"],
                "outcome": c["met"] / np.maximum(c["milestones"], 1),
                "success": pd.arrays.BooleanArray(ended & (c["success"] == 1), ongoing),
                "exit_reason": np.where(ended, EXIT_REASONS[c["exit_code"].astype(int)], None),
                "planned_exit": pd.arrays.BooleanArray(ended & c["planned_exit"], ongoing),
                "value_created": c["value_created"],
                "value_captured_a": c["captured_a"],
                "value_captured_b": c["captured_b"],
                "expected_value_a": c["expected_a"],
                "expected_value_b": c["expected_b"],
                "costs": c["costs"],
            }
        )
