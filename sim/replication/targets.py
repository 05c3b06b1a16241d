"""The published findings of ``TARGETS.md`` as data, and the result row each check produces.

Every finding has an id (R1-R16), the study design that tests it (which data
set and which kind of model), the published sign or shape, and a confidence
level.  A replication produces one or more :class:`Row` s per finding (a
quadratic finding has a linear and a squared row); the finding is reproduced
when all its rows match.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Target", "TARGETS", "TARGET_BY_ID", "Row", "row", "unavailable", "COLUMNS"]


@dataclass(frozen=True)
class Target:
    id: str
    finding: str
    design: str  # projects | firm_panel | competing_risks | shares | depreciation
    published: str  # the target sign / shape, as published
    confidence: str  # high | medium | low
    source: str


TARGETS: tuple[Target, ...] = (
    Target("R1", "General alliance experience of the small partner raises project success, with diminishing returns",
           "projects", "linear > 0, squared < 0", "high", "Hoang & Rothaermel 2005 (AMJ); H&R 2016"),
    Target("R2", "General alliance experience of the large partner has no significant effect on the project",
           "projects", "not significant at 5%", "high", "Hoang & Rothaermel 2005 (AMJ); H&R 2016"),
    Target("R3", "Partner-specific experience lowers project success",
           "projects", "coefficient < 0", "medium", "Hoang & Rothaermel 2005 (marginally significant)"),
    Target("R4", "Simultaneous alliances vs new-product output: inverted U",
           "firm_panel", "linear > 0, squared < 0, turning point inside the observed range", "high",
           "Rothaermel & Deeds 2006 (JBV); H&R 2016"),
    Target("R5", "Alliance management experience moves the turning point of R4 up",
           "firm_panel", "turning point higher for the more experienced half of firms", "medium", "Rothaermel & Deeds 2006"),
    Target("R6", "Exploitation alliances turn negative at a higher count than exploration alliances",
           "firm_panel", "turning point of exploitation > exploration", "medium", "Rothaermel & Deeds 2006"),
    Target("R7", "Experience with exploitation alliances raises the success of the firm's R&D projects",
           "competing_risks", "coefficient > 0", "medium", "Hoang & Rothaermel 2010 (SMJ)"),
    Target("R8", "Experience with exploration alliances does not help",
           "competing_risks", "coefficient <= 0", "medium", "Hoang & Rothaermel 2010 (SMJ)"),
    Target("R9", "Internal exploration experience strengthens the use of external exploitation experience",
           "competing_risks", "internal exploration x external exploitation > 0", "medium", "Hoang & Rothaermel 2010; H&R 2016"),
    Target("R10", "Internal exploitation experience weakens the use of external exploration experience",
           "competing_risks", "internal exploitation x external exploration < 0", "low", "Hoang & Rothaermel 2010"),
    Target("R11", "A dedicated alliance function raises alliance success",
           "shares", "about 63% with a function vs about 50% without", "medium", "Kale, Dyer & Singh 2002 (SMJ)"),
    Target("R12", "About half of alliances fail",
           "shares", "failure share in [0.30, 0.70], about 0.5", "high", "surveys cited in H&R 2016; Harrigan"),
    Target("R13", "A third to two thirds of alliances break up within 10 years",
           "shares", "share ended short of the goal within 10 years in [0.33, 0.66]", "high", "H&R 2016"),
    Target("R14", "About half of alliance portfolios underperform",
           "shares", "share of firms below their expectation about 0.5", "medium", "H&R 2016"),
    Target("R15", "Only recent experience counts: experience depreciates",
           "depreciation", "recent experience adds more than experience older than a few years", "low", "Sampson 2005 (Management Science)"),
    Target("R16", "Smaller firms learn faster from alliances than large partners",
           "shares", "per-alliance gain in success from experience larger for small firms", "medium", "H&R 2016"),
)
TARGET_BY_ID = {t.id: t for t in TARGETS}

COLUMNS = ["finding", "variable", "published", "estimate", "std_error", "p_value", "matches", "note"]


@dataclass
class Row:
    """One line of ``replication.csv``: a simulated estimate next to the published target."""

    finding: str
    variable: str
    published: str
    estimate: float
    std_error: float
    p_value: float
    matches: bool
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def row(finding: str, variable: str, estimate: float, std_error: float, p_value: float, matches: bool, note: str = "") -> Row:
    """A result row, with the published target filled in from :data:`TARGETS`."""
    return Row(finding, variable, TARGET_BY_ID[finding].published, float(estimate), float(std_error),
               float(p_value), bool(matches), note)


def unavailable(finding: str, variable: str, reason: str) -> Row:
    """A row the simulated data cannot produce (yet): kept in the table, with the reason."""
    nan = float("nan")
    return Row(finding, variable, TARGET_BY_ID[finding].published, nan, nan, nan, False, f"not produced: {reason}")
