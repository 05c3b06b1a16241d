"""The registry: every study design and the findings it tests, declared once.

The runner iterates :data:`DESIGNS`, the findings table and the report read
:data:`FINDINGS`, docs/targets.md is generated from them (:func:`reference`)
and the tests use the same objects.  Changing what a finding means (its rule,
its placebo, its kind) is a change here and nowhere else.

Kinds: R3 is ``assumed`` while the milestone logit's optional direct
partner-specific term is switched on (``learning.partner_specific_effect !=
0``); at the default 0 it has to emerge from relational routines against
knowledge redundancy.  R7-R10 are ``emergent``: no product of internal and
external experience is in the R&D approval logit; absorptive capacity acts
on the knowledge a firm takes home from an alliance.  R12-R14 are
``calibration`` levels.  The rest are ``emergent``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import CONFIGS_DIR, Config, load_config
from ..metrics import BREAKUP_WINDOW_YEARS, NAMES, window_ticks
from . import competing_risks, depreciation, firm_panel, projects, shares
from .design import CALIBRATION, Design, Finding, PublishedSample, assumed
from .placebos import PLACEBOS
from .rules import All, Between, Equivalent, Inside, Sign, Significant, small_telescope

__all__ = ["DESIGNS", "FINDINGS", "FINDING_BY_ID", "DESIGN_BY_ID", "DESIGN_OF", "STUDY_DIR", "POPULATIONS",
           "population_config", "population_configs", "reference"]

STUDY_DIR = CONFIGS_DIR / "studies"

# Smallest effects of interest of the null rows: the standardised effect the published study had a one-in-three
# chance to detect (small telescopes), so an effect below it could not have been the study's finding.
R2_SESOI = small_telescope(300)  # logit per SD of the large partner's experience; H&R 2005: ~300 projects
R8_SESOI = small_telescope(412)  # log-hazard per SD of exploration-alliance experience; H&R 2010: 412 projects


def _r13_caveat(config: Config) -> str | None:
    window = window_ticks(config)
    if config.exit.max_duration <= window:
        return (f"indistinguishable from R12: no alliance can outlive the {BREAKUP_WINDOW_YEARS}-year window "
                f"(exit.max_duration = {config.exit.max_duration} ticks <= {window}), so break-ups are the failures "
                "minus agreed exits")
    return None


def _shape(name: str, sign_linear: int = 1) -> tuple:
    """Linear > 0, square < 0, turning point inside the observed range of the part ``name``."""
    return (Sign(name, sign_linear), Sign(f"{name}_sq", -1), Inside(f"{name}_turning_point", f"{name}_range_low", f"{name}_range_high"))


PROJECTS = Design(
    id="projects",
    study="Hoang & Rothaermel (2005), Academy of Management Journal: joint R&D projects of large pharmaceutical firms "
          "with biotechnology partners over two decades",
    model="logit of project success on each partner's general alliance experience and its square, partner-specific "
          "experience and controls (type, value, governance, functions, capabilities, each partner's current alliances "
          "and their square, start-year fixed effects); SEs clustered by both partners",
    population="projects",
    population_reason="1,500 firms (300 incumbents, 1,200 ventures) over 20 years yield about 3,400 ended "
                      "incumbent-venture projects, eleven times the study's ~300: the smallest population (in hundreds "
                      "of firms) at which R2's equivalence test passes a true zero with power 0.8 "
                      "(`python -m sim.replication.sizing`), while each published-size draw is a small sample of one "
                      "market",
    data=projects.data, fit=projects.fit,
    published=PublishedSample(300, "projects"),
    findings=(
        Finding("R1", "The small partner's general alliance experience raises project success, with diminishing returns",
                "Hoang & Rothaermel 2005 (AMJ)", "linear term > 0, squared term < 0", "high", "small_experience",
                All((Significant("small_experience", 1), Significant("small_experience_sq", -1))), "no_general_learning"),
        Finding("R2", "The large partner's general alliance experience does not affect project success",
                "Hoang & Rothaermel 2005 (AMJ)", "not significant", "high", "large_slope_sd",
                All((Equivalent("large_slope_sd", R2_SESOI), Significant("slope_contrast", 1))), "large_firms_learn"),
        Finding("R3", "Partner-specific experience (earlier alliances of the same two firms) lowers project success",
                "Hoang & Rothaermel 2005 (AMJ), marginally significant", "coefficient < 0", "medium", "partner_specific",
                # the placebo switches off relational routines and knowledge redundancy; the kind is assumed only
                # when the optional direct term is set
                Significant("partner_specific", -1, alpha=0.10, one_sided=True), "no_partner_specific",
                kind=assumed("the milestone logit adds the direct term learning.partner_specific_effect x "
                             "(1 - exp(-prior joint alliances))",
                             when=lambda c: c.learning.partner_specific_effect != 0)),
    ),
)

FIRM_PANEL = Design(
    id="firm_panel",
    study="Rothaermel & Deeds (2006), Journal of Business Venturing: 325 biotechnology ventures, 2,226 alliances, 1973-1997",
    model="Poisson regression of a venture's new products in a year on the alliances it ran that year (each counted whole) and their square "
          "(total; interacted with the more and less experienced half; by type), capabilities, year (not the alliance function: it responds to the "
          "alliance count and mediates its effect); SEs clustered by firm",
    population="firm_panel",
    population_reason="800 firms (640 ventures, about twice the study's 325) over 25 years, so that a published-size "
                      "draw is a sample of a market rather than all of it; larger panels cost more run time than the "
                      "precision is worth for shape rules",
    data=firm_panel.data, fit=firm_panel.fit, tables=("alliances", "firms"),
    published=PublishedSample(325, "ventures", cluster="firm_id", count_clusters=True),
    findings=(
        Finding("R4", "Simultaneous alliances against new-product output: an inverted U",
                "Rothaermel & Deeds 2006 (JBV)", "linear > 0, squared < 0, turning point inside the observed range", "high",
                "alliances_sq", All((Significant("alliances", 1), Significant("alliances_sq", -1),
                                     Inside("alliances_turning_point", "alliances_range_low", "alliances_range_high"))),
                "no_coordination_costs"),
        Finding("R5", "Alliance-management experience moves the turning point of R4 up",
                "Rothaermel & Deeds 2006 (JBV)", "higher turning point for the more experienced half of firm-years", "medium",
                "turning_point_gain_experience",
                All((*_shape("experienced"), *_shape("inexperienced"), Significant("turning_point_gain_experience", 1))),
                "no_general_learning", across_runs="turning_point_gain_experience"),
        Finding("R6", "Exploitation alliances turn negative at a higher count than exploration alliances",
                "Rothaermel & Deeds 2006 (JBV)", "turning point of exploitation > exploration", "medium",
                "turning_point_gain_exploitation",
                All((*_shape("exploration"), *_shape("exploitation"), Significant("turning_point_gain_exploitation", 1))),
                "equal_attention", across_runs="turning_point_gain_exploitation"),
    ),
)

COMPETING_RISKS = Design(
    id="competing_risks",
    study="Hoang & Rothaermel (2010), Strategic Management Journal: 412 biotechnology R&D projects of large "
          "pharmaceutical firms, 1980-2000",
    model="cause-specific Cox hazard of approval (termination and the window's end censor) on alliance exploitation "
          "and exploration experience, internal exploration and exploitation experience (mean-centred) and the two "
          "interactions; controls: the four experience counts squared, capability, project type, current alliances, start year, alliance function, size; "
          "SEs robust to clustering by firm",
    population="competing_risks",
    population_reason="4,900 firms over 20 years give about 52,000 projects: the smallest population (in hundreds of "
                      "firms) at which R8's equivalence test passes a true zero with power 0.8 "
                      "(`python -m sim.replication.sizing`; 300 firms gave a power of about 0.15); all firms' projects "
                      "enter (with a size control) because large firms run too few exploration projects for the "
                      "interactions to vary",
    data=competing_risks.data, fit=competing_risks.fit, tables=("projects",),
    published=PublishedSample(412, "projects"),
    findings=(
        Finding("R7", "Experience with exploitation alliances raises the success of a firm's R&D projects",
                "Hoang & Rothaermel 2010 (SMJ)", "coefficient > 0", "medium", "external_exploitation",
                Significant("external_exploitation", 1), "no_absorptive_capacity"),
        Finding("R8", "Experience with exploration alliances does not help a firm's R&D projects",
                "Hoang & Rothaermel 2010 (SMJ)", "coefficient <= 0 (no benefit)", "medium", "external_exploration_sd",
                All((Equivalent("external_exploration_sd", R8_SESOI, upper_only=True),
                     Significant("exploitation_minus_exploration", 1))),
                "exploration_absorbed"),
        Finding("R9", "Internal exploration experience strengthens the use of exploitation-alliance experience",
                "Hoang & Rothaermel 2010 (SMJ)", "interaction > 0", "medium", "internal_exploration_x_external_exploitation",
                Significant("internal_exploration_x_external_exploitation", 1), "no_capacity_gain"),
        Finding("R10", "Internal exploitation experience weakens the use of exploration-alliance experience",
                "Hoang & Rothaermel 2010 (SMJ)", "interaction < 0", "low", "internal_exploitation_x_external_exploration",
                Significant("internal_exploitation_x_external_exploration", -1), "no_rigidity"),
    ),
)

MARKET_REASON = ("1,200 firms (240 incumbents) over 20 years: thousands of alliances, so a share's sampling error "
                 "(under 0.01) is small against the published ranges, and the first decade's alliances are observed "
                 "for ten full years")

ALLIANCE_FUNCTION = Design(
    id="alliance_function",
    study="Kale, Dyer & Singh (2002), Strategic Management Journal: 1,572 alliances of 200 firms",
    model="each large firm's ended alliances (the study's firms were corporations) by whether the firm had a dedicated "
          "alliance function at formation: success rates of firms with and without one (means over firms), binomial "
          "logit contrast with SEs clustered by firm",
    population="shares", population_reason=MARKET_REASON,
    data=shares.function_data, fit=shares.fit_function,
    published=PublishedSample(200, "firms", cluster="firm", count_clusters=True),
    findings=(
        Finding("R11", "A dedicated alliance function raises alliance success",
                "Kale, Dyer & Singh 2002 (SMJ)", "about 63% success with a function, about 50% without", "medium",
                "function_difference",
                All((Significant("function", 1), Between("success_with_function", *shares.R11_WITH),
                     Between("success_without_function", *shares.R11_WITHOUT))), "inert_function"),
    ),
)

BASE_RATES = Design(
    id="base_rates",
    study="practitioner surveys summarised by Hoang & Rothaermel (2016, MIT Sloan Management Review): Harrigan (1988), "
          "Kale & Singh (2009), Gomes-Casseres (2015), the 2012 ASAP survey",
    model="shares: failure among ended alliances; break-up (ended within ten years neither by reaching the goal nor by "
          "an agreed exit) among alliances observed for ten years; firms whose portfolio returned less than expected",
    population="shares", population_reason=MARKET_REASON,
    data=shares.base_rate_data, fit=shares.fit_base_rates, tables=("alliances", "firms"),
    findings=(
        Finding("R12", "About half of alliances fail", "surveys in H&R 2016; Harrigan 1988; Kale & Singh 2009",
                "failure share 0.30-0.70", "high", "failure_share", Between("failure_share", *shares.R12_RANGE),
                "null_market", kind=CALIBRATION, metric="failure_share"),
        Finding("R13", "A third to two thirds of alliances break up within ten years", "H&R 2016 (Gomes-Casseres 2015)",
                "break-up share 0.33-0.66", "high", "breakup_share", Between("breakup_share", *shares.R13_RANGE),
                "null_market", kind=CALIBRATION, caveat=_r13_caveat,
                metric="breakup_within_10y"),
        Finding("R14", "About half of alliance portfolios underperform", "H&R 2016 (2012 ASAP survey)",
                "share about 0.5 (0.35-0.65)", "medium", "underperforming_share",
                Between("underperforming_share", *shares.R14_RANGE), "null_market", kind=CALIBRATION,
                metric="underperforming_share"),
    ),
)

DEPRECIATION = Design(
    id="depreciation",
    study="Sampson (2005), Strategic Management Journal: 464 R&D alliances in telecommunications equipment",
    model="OLS of each small firm's benefit from a new alliance (log(1 + its new products in the four years from the "
          "start)) on log(1 + its discounted experience): prior completed alliances weighted by retention^age; the "
          "annual retention rate by profile likelihood (Argote, Beckman & Epple 1990), tested against no depreciation "
          "by likelihood ratio; controls: the firm's new products in the four years before (the study's pre-alliance "
          "patents), partner, portfolio and deal, start year; SEs clustered by firm",
    population="shares", population_reason=MARKET_REASON,
    data=depreciation.data, fit=depreciation.fit, tables=("alliances", "firms"),
    published=PublishedSample(464, "alliances", cluster="firm"),
    findings=(
        Finding("R15", "Only recent alliance experience counts: experience depreciates", "Sampson 2005 (SMJ)",
                "experience depreciates: older alliances add less than recent ones", "low", "annual_depreciation",
                All((Significant("annual_depreciation", 1), Sign("experience_slope", 1))), "no_forgetting"),
    ),
)

LEARNING_SPEED = Design(
    id="learning_speed",
    study="Hoang & Rothaermel (2016), MIT Sloan Management Review",
    model="firm-year binomial logit of the success of the firm's alliances ended that year on log(1 + experience), "
          "size, experience x small, load (mean simultaneous alliances) and year; SEs clustered by firm",
    population="shares", population_reason=MARKET_REASON,
    data=shares.learning_data, fit=shares.fit_learning, tables=("firms",),
    findings=(
        # the claim is a difference in learning speed, so the placebo takes the difference away (large firms capture
        # and learn as small ones do) rather than all learning, which would only remove the small firms' slope
        Finding("R16", "Small firms learn faster from their alliances than large firms", "Hoang & Rothaermel 2016",
                "small firms' learning slope positive and larger than large firms'", "medium", "experience_x_small",
                All((Significant("small_slope", 1), Significant("experience_x_small", 1))), "large_firms_learn"),
    ),
)

DESIGNS: tuple[Design, ...] = (PROJECTS, FIRM_PANEL, COMPETING_RISKS, ALLIANCE_FUNCTION, BASE_RATES, DEPRECIATION, LEARNING_SPEED)
FINDINGS: tuple[Finding, ...] = tuple(sorted((f for d in DESIGNS for f in d.findings), key=lambda f: int(f.id[1:])))
FINDING_BY_ID = {f.id: f for f in FINDINGS}
DESIGN_BY_ID = {d.id: d for d in DESIGNS}
DESIGN_OF = {f.id: d for d in DESIGNS for f in d.findings}
POPULATIONS: tuple[str, ...] = tuple(dict.fromkeys(d.population for d in DESIGNS))

assert all(f.placebo in PLACEBOS for f in FINDINGS), "every finding's placebo is declared in placebos.PLACEBOS"
assert all(f.metric in (None, *NAMES) for f in FINDINGS), "a finding's metric is a run metric of sim.metrics"


def population_config(population: str, overrides: dict[str, Any] | None = None, base: str | Path | None = None) -> Config:
    """A study population's config: its file in configs/studies (or ``base`` for every population), then ``overrides``."""
    path = Path(base) if base is not None else STUDY_DIR / f"{population}.yaml"
    return load_config(path if path.is_file() else None, overrides=overrides)


def population_configs(overrides: dict[str, Any] | None = None, base: str | Path | None = None) -> dict[str, Config]:
    return {p: population_config(p, overrides, base) for p in POPULATIONS}


def reference() -> str:
    """docs/targets.md's generated part: findings, sources, published sizes, rules, placebos, kinds."""
    lines = ["| id | finding | published | source | published sample | rule (each run) | placebo: mechanism switched off | kind |",
             "|---|---|---|---|---|---|---|---|"]
    for f in FINDINGS:
        d, p = DESIGN_OF[f.id], PLACEBOS[f.placebo]
        size = d.published.describe() if d.published else "none given"
        rule = f.rule.describe() + (f"; over runs: 95% interval of `{f.across_runs}` above 0" if f.across_runs else "")
        kind = f.kind.name + (f" ({f.kind.why})" if f.kind.why else "")
        lines.append(f"| {f.id} | {f.claim} | {f.published} | {f.source} | {size} | {rule} | "
                     f"`{p.name}`: {p.mechanism} ({p.describe()}) | {kind} |")
    lines += ["", "| design | study | model | population | why this size |", "|---|---|---|---|---|"]
    for d in DESIGNS:
        lines.append(f"| `{d.id}` ({', '.join(f.id for f in d.findings)}) | {d.study} | {d.model} | "
                     f"`configs/studies/{d.population}.yaml` | {d.population_reason} |")
    return "\n".join(lines) + "\n"
