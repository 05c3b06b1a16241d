"""The configuration schema: one section per concept, validated on load.

Every mechanism parameter of the model lives here, with its default (the
baseline calibration) and a one-line reason.  ``configs/baseline.yaml`` is
generated from them (``python -m sim.reference``).  Keys are addressed with dots
(``firms.n``, ``learning.partner_specific_effect``, ``firms.small.capture_rate``)
both in ``--set`` overrides and in sweep designs.

Bad input raises :class:`ConfigError`, whose message is one line naming the key
and the offending value; the command line turns it into exit status 2.
"""

from __future__ import annotations

import copy
import reprlib
import textwrap
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = [
    "Config",
    "ConfigError",
    "load_config",
    "flatten",
    "parse_override",
    "apply_overrides",
    "DEFAULT_CONFIG_PATH",
    "to_yaml",
    "show",
    "show_path",
    "parse_overrides",
    "check_value",
    "MAX_MAGNITUDE",
    "CONFIGS_DIR",
    "resolve_config_path",
]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]

PACKAGE_ROOT = Path(__file__).resolve().parent
# configs/ ships in the package (sim/configs links to it in a clone), so a wheel install has them too
CONFIGS_DIR = PACKAGE_ROOT / "configs"
DEFAULT_CONFIG_PATH = CONFIGS_DIR / "baseline.yaml"


# No parameter of the model means anything beyond this magnitude (logit
# scales, values, rates); a bigger float is a typo, and nan/inf are refused.
MAX_MAGNITUDE = 1e6
# What a message may quote of a value, and the longest message.
_QUOTE = reprlib.Repr(maxlevel=2, maxdict=4, maxlist=5, maxtuple=5, maxset=5, maxstring=60, maxother=40, maxlong=30)
MAX_MESSAGE = 300
# A YAML document that expands (through anchors and aliases) past this many
# values is refused: a config or sweep file holds a few hundred.
MAX_YAML_VALUES = 100_000


def show(value: Any) -> str:
    """A short repr of a value for an error message (long strings and lists elided)."""
    return _QUOTE.repr(value)


def show_path(path: str | Path) -> str:
    """A path for an error message: quoted, elided in the middle only if very long."""
    text = str(path)
    return repr(text if len(text) <= 160 else f"{text[:60]}...{text[-97:]}")


class ConfigError(ValueError):
    """A config, override or input file that cannot be used; message is one line."""

    def __init__(self, message: str):
        text = " ".join(str(message).split())
        if len(text) > MAX_MESSAGE:
            text = text[: MAX_MESSAGE - 3] + "..."
        super().__init__(text)


class Section(BaseModel):
    """Base for every section: unknown keys are errors, assignments are validated,
    floats must be finite and at most ``MAX_MAGNITUDE`` in size."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _not_absurd(cls, value: Any) -> Any:
        if isinstance(value, float) and abs(value) > MAX_MAGNITUDE:
            raise ValueError(f"must be between -{MAX_MAGNITUDE:,.0f} and {MAX_MAGNITUDE:,.0f}")
        return value


# --------------------------------------------------------------------- firms
class SizeClass(Section):
    """Parameters that differ between large incumbents and small ventures."""

    resources: NonNegative = Field(description="Starting resources (value units).")
    income: NonNegative = Field(description="Resources earned per tick from the core business.")
    explore_capability: Probability = Field(description="Mean internal exploration (research) capability.")
    exploit_capability: Probability = Field(description="Mean internal exploitation (development, commercialisation) capability.")
    capture_rate: Probability = Field(description="Share of an alliance's lessons the firm captures as know-how.")
    alliance_function_prob: Probability = Field(description="Probability that a firm has a dedicated alliance function.")
    base_capacity: NonNegative = Field(description="Alliance-management capacity (attention units) before experience.")
    initial_experience: NonNegative = Field(description="Mean count of alliances done before the simulation starts.")
    units: PositiveInt = Field(1, description="Organisational units that run alliances: a lesson learned in one unit reaches the others diluted (internal complexity).")
    key_people: PositiveInt = Field(3, description="People who hold the firm's alliance know-how; one leaving takes 1/key_people of it.")
    overconfidence_sd: NonNegative = Field(0.6, description="Log-normal spread of overconfidence (portfolio.overconfidence) across firms of this class: some underestimate coordination costs far more than others.")


class Firms(Section):
    n: Annotated[int, Field(ge=2)] = Field(300, description="Number of firms.")
    share_large: Probability = Field(0.2, description="Share of large incumbents in the population.")
    capability_sd: NonNegative = Field(0.12, description="Spread of capabilities around the size-class mean.")
    large: SizeClass = SizeClass(
        resources=100.0, income=4.0, explore_capability=0.35, exploit_capability=0.75,
        capture_rate=0.0261, alliance_function_prob=0.5, base_capacity=4.0, initial_experience=12.0,
        units=8, key_people=30, overconfidence_sd=0.02157,
    )
    small: SizeClass = SizeClass(
        resources=10.0, income=0.2, explore_capability=0.7, exploit_capability=0.3,
        capture_rate=0.6962, alliance_function_prob=0.15, base_capacity=1.5, initial_experience=0.5,
        units=1, key_people=3, overconfidence_sd=0.3735,
    )
    entry_rate: Probability = Field(0.02, description="New ventures entering per tick, as a share of firms.n (they fill the slots of firms that exited; the population never exceeds firms.n).")
    exit_threshold: float = Field(0.0, description="A firm whose resources fall below this exits (its alliances are dissolved, its projects stopped).")
    acquisition_hazard: Probability = Field(0.01, description="Per-tick chance a venture (small firm) leaves the market whatever its resources (acquired, merged, closed by its investors); its alliances end as partner_exit. 0 = ventures leave only when their resources run out.")


# ------------------------------------------------------------------ learning
class Learning(Section):
    general_returns: NonNegative = Field(1.844, description="Logit gain at saturation from general alliance know-how.")
    general_saturation: Annotated[float, Field(gt=0.0)] = Field(2.5, description="Know-how at which ~63% of the general gain is reached (diminishing returns).")
    partner_specific_effect: float = Field(0.0, description="Optional direct logit term of partner-specific experience (default 0: the net effect comes from the two mechanisms below; > 0 repeat partners help).")
    partner_specific_saturation: Annotated[float, Field(gt=0.0)] = Field(1.0, description="Joint history (depreciating count of prior joint alliances) at which ~63% of relational routines (and of the direct term) is reached.")
    relational_routines: Probability = Field(0.4, description="Strength of relational routines: share of a repeat alliance's attention need and conflict hazard removed at saturated joint history (0 = off).")
    knowledge_redundancy: Probability = Field(0.5439, description="Strength of knowledge redundancy and complacency: share of the novelty a pair can still create and teach lost at full knowledge overlap (0 = off).")
    overlap_per_alliance: Probability = Field(0.5, description="Share of the remaining knowledge distance between two partners closed by each joint alliance (overlap = 1 - (1 - this)^joint alliances).")
    redundancy_exploitation_weight: Probability = Field(0.5, description="How much redundancy hurts exploitation relative to exploration (1 = as much; exploitation builds on shared knowledge).")
    complexity_dilution: NonNegative = Field(0.5, description="Dilution of a captured lesson per extra organisational unit: firm-level gain = lesson / (1 + this x (units - 1)).")
    incentive_weight: Probability = Field(0.5, description="Weight of the incentive to capture lessons: capture effort = 1 - this + this x dependence on alliances (share of its recent spending its core income does not cover).")
    key_person_hazard: Probability = Field(0.02, description="Per-tick chance that one of a firm's key people leaves, taking 1/key_people of its alliance know-how (0 = off).")
    function_capture_bonus: NonNegative = Field(1.3, description="Relative rise of the capture rate with a dedicated alliance function (rate x (1 + bonus)): a function spreads the lessons the firm's structure lets it capture, it cannot undo a large firm's internal complexity.")
    lesson_per_alliance: NonNegative = Field(1.0, description="Raw know-how an ended alliance offers (before capture).")
    forgetting_rate: Probability = Field(0.04623, description="Share of know-how lost per tick (organisational forgetting); 0 = none.")
    internal_forgetting_rate: Probability = Field(0.02, description="Share of internal R&D know-how lost per tick.")
    internal_capture_rate: Probability = Field(0.6, description="Mean capture of the lesson of an ended internal R&D project.")
    internal_capture_noise: NonNegative = Field(0.8, description="Log-normal spread of what each internal project teaches (lessons are uneven; know-how is not a multiple of the project count).")
    absorb_exploitation: Probability = Field(0.1, description="Usable share of the technical knowledge an exploitation partner brings home, with no overlapping internal research knowledge.")
    absorb_exploration: Probability = Field(0.1675, description="Usable share of the technical knowledge an exploration partner brings home, with no exploitation routines crowding it out.")
    absorptive_capacity_gain: Probability = Field(0.9821, description="Rise of the usable share of exploitation partners' knowledge at saturated internal research (exploration) know-how: overlapping knowledge lets the firm use what they bring.")
    exploration_absorbed_as_exploitation: bool = Field(False, description="Absorb exploration partners' knowledge by the exploitation partners' rule (learning.absorb_exploitation, raised by absorptive capacity; no rigidity): its distance costs nothing (the placebo of R8's mechanism; false = exploration knowledge has its own usable share).")
    exploitation_rigidity: Probability = Field(0.6955, description="Share of exploration partners' (distant) knowledge crowded out at saturated internal exploitation know-how (routines).")
    technical_returns: NonNegative = Field(3.708, description="Logit gain of internal R&D approval at saturated absorbed technical knowledge.")
    technical_saturation: Annotated[float, Field(gt=0.0)] = Field(3.5, description="Absorbed technical knowledge (depreciating) at which ~63% of its use in internal R&D is reached.")
    absorptive_saturation: Annotated[float, Field(gt=0.0)] = Field(1.1, description="Internal know-how at which ~63% of its shift in absorption (capacity or rigidity) is reached.")


# ----------------------------------------------------------------- selection
class Selection(Section):
    search_probability: Probability = Field(0.25, description="Chance per tick that a firm with spare capacity searches for a partner.")
    search_breadth: PositiveInt = Field(8, description="Candidates a searching firm screens (bounded search).")
    observation_noise: NonNegative = Field(0.6, description="Std. dev. of the noise on every partner evaluation (incomplete information).")
    weight_experience: float = Field(0.4, description="Weight of the candidate's (observed) alliance experience.")
    weight_complementarity: float = Field(1.5, description="Weight of complementarity of capabilities with the firm's own.")
    weight_reputation: float = Field(1.0, description="Weight of the candidate's reputation as a partner.")
    weight_fit: float = Field(1.0, description="Penalty weight on redundancy with the firm's existing partners.")
    repeat_partner_probability: Probability = Field(0.35, description="Chance a past partner is among the screened candidates.")
    repeat_partner_bonus: float = Field(0.6, description="Score bonus for a familiar partner (trust, lower search cost).")
    exploration_target: Probability = Field(0.5, description="Target share of exploration alliances in a firm's portfolio.")
    reservation_score: float = Field(-0.5, description="A proposal is accepted only if the target's noisy score of the proposer exceeds this.")
    weight_partner_size: float = Field(0.5, description="Score weight of a firm's (adaptive) preference for large over small partners.")
    adaptation_rate: Probability = Field(0.3, description="Reinforcement rate of partner-search preferences (type mix, repeat partners, partner size) on each ended alliance's realised return against the firm's aspiration (0 = fixed preferences).")
    aspiration_rate: Probability = Field(0.2, description="Rate at which a firm's aspiration (the return it takes as normal) follows its realised returns.")


# --------------------------------------------------------------- negotiation
class Negotiation(Section):
    value_exploration: NonNegative = Field(12.0, description="Mean value at stake of an exploration alliance.")
    value_exploitation: NonNegative = Field(10.0, description="Mean value at stake of an exploitation alliance.")
    value_sd: NonNegative = Field(0.35, description="Log-normal spread of the value at stake.")
    resource_power: NonNegative = Field(0.5, description="Elasticity of bargaining power to resources.")
    reputation_power: NonNegative = Field(1.0, description="Weight of reputation in bargaining power.")
    outside_option_power: NonNegative = Field(0.5, description="Weight of outside options (spare capacity) in bargaining power.")
    rushed_deal_probability: Probability = Field(0.2, description="Chance the weaker side rushes and concedes extra share.")
    rushed_concession: Probability = Field(0.15, description="Share conceded in a rushed deal.")
    protective_base: Probability = Field(0.3, description="Base chance of protective (equity-like, tightly specified) governance.")
    protective_new_partner: Probability = Field(0.3, description="Extra chance of protective governance with an unfamiliar partner.")
    exit_trigger_probability: Probability = Field(0.3, description="Chance exit triggers are agreed up front.")
    exit_trigger_function_bonus: Probability = Field(0.4, description="Extra chance of agreed triggers when a partner has an alliance function.")
    prior_return: float = Field(0.04252, description="Net return per unit of stake a firm expects before it has its own track record.")
    handoff_loss: Probability = Field(0.45, description="Share of the know-how benefit lost in the hand-off from negotiators to execution.")
    handoff_function_reduction: Probability = Field(1.0, description="Share of the hand-off loss an alliance function avoids.")


# ----------------------------------------------------------------- execution
class Execution(Section):
    milestones_exploration: PositiveInt = Field(5, description="Milestones an exploration alliance must meet.")
    milestones_exploitation: PositiveInt = Field(4, description="Milestones an exploitation alliance must meet.")
    ticks_per_milestone: PositiveInt = Field(3, description="Median ticks between milestone reviews of an alliance's plan.")
    plan_sd: NonNegative = Field(0.8, description="Log-normal spread of the review interval across alliances (some plans run over many years).")
    stale_penalty: NonNegative = Field(1.0, description="Milestone logit lost per planned duration an alliance has overrun its plan (stale alliances drag).")
    base_logit_exploration: float = Field(1.584, description="Milestone success logit of an exploration alliance, before the terms below.")
    base_logit_exploitation: float = Field(2.322, description="Milestone success logit of an exploitation alliance, before the terms below.")
    capability_weight: float = Field(1.5, description="Logit per unit of the partners' mean relevant capability (centred at 0.5).")
    coordination_penalty: NonNegative = Field(2.054, description="Logit loss per unit of squared coordination load (attention used / capacity).")
    coordination_exponent: Annotated[float, Field(ge=1.0)] = Field(2.0, description="Convexity of the coordination penalty in load.")
    attention_exploration: NonNegative = Field(1.226, description="Attention an exploration alliance needs (upstream, tacit, open-ended).")
    attention_exploitation: NonNegative = Field(0.8, description="Attention an exploitation alliance needs (downstream, codified).")
    protective_attention: NonNegative = Field(0.2, description="Extra attention protective governance takes (monitoring).")
    lopsided_effort_penalty: NonNegative = Field(2.0, description="Milestone logit loss per unit of lopsidedness (|share - 0.5|) from the weaker side's defensiveness.")
    governance_fit: NonNegative = Field(0.3, description="Logit bonus when governance fits the type (adaptive-exploration, protective-exploitation), loss otherwise.")
    health_check_detection: Probability = Field(0.7, description="Chance an alliance function's health assessment catches a missed milestone early.")
    cost_rate: NonNegative = Field(0.35, description="Budgeted running cost over the whole plan as a share of the value at stake (spread evenly over the planned ticks).")
    cost_sd: NonNegative = Field(0.6, description="Log-normal error of the budget: actual running cost per tick = budget per tick x this error.")
    novelty_weight: NonNegative = Field(3.0, description="Milestone logit of the novelty a pair can still create; redundancy removes up to learning.knowledge_redundancy of it.")


# ---------------------------------------------------------------------- exit
class Exit(Section):
    trigger_misses: PositiveInt = Field(2, description="Missed milestones that fire an agreed exit trigger (planned exit).")
    tolerance_misses: PositiveInt = Field(3, description="Missed milestones after which an alliance without triggers is dissolved (unplanned).")
    overrun_limit: Annotated[float, Field(gt=0.0)] = Field(1.0, description="Costs above this share of the value at stake end the alliance (cost overrun).")
    conflict_hazard: Probability = Field(0.01065, description="Per-tick chance of dissolution through conflict.")
    lopsided_conflict: NonNegative = Field(0.07, description="Extra conflict hazard per unit of lopsidedness.")
    protective_conflict_reduction: Probability = Field(0.5, description="Share of the conflict hazard protective governance removes.")
    knowhow_conflict_reduction: Probability = Field(0.599, description="Share of the conflict hazard removed when the team commands saturated general alliance know-how (conflict-resolution routines; 0 = know-how does not damp conflict).")
    function_conflict_reduction: Probability = Field(0.3951, description="Share of the conflict hazard removed when a partner has a dedicated alliance function (it manages the relationship; 0 = off).")
    max_duration: PositiveInt = Field(44, description="Ticks after which an unfinished alliance is closed (expired).")
    salvage_share: Probability = Field(0.3, description="Share of the value at stake realised per met milestone share when an alliance ends short of its goal.")
    planned_exit_cost: NonNegative = Field(0.05, description="Value lost (share of value at stake) in a planned exit.")
    unplanned_exit_cost: NonNegative = Field(0.3, description="Value lost (share of value at stake) in an unplanned exit.")
    reputation_loss: NonNegative = Field(0.1, description="Reputation each partner loses in an unplanned exit.")
    reputation_gain: NonNegative = Field(0.05, description="Reputation each partner gains when an alliance reaches its goal.")


# ----------------------------------------------------------------- portfolio
class Portfolio(Section):
    capacity_learning: NonNegative = Field(1.06, description="Relative rise of alliance-management capacity at saturated general know-how: capacity = base x (1 + this x (1 - exp(-know-how / learning.general_saturation))), the diminishing-returns curve of general know-how (0 = experience adds no capacity).")
    cap_follows_capacity: Probability = Field(0.2044, description="Share of the capacity experience added that a firm's appetite for alliances follows (1: it takes on more alliances as it learns; 0: its cap stays at overconfidence x base capacity and what it learned lowers its load).")
    overconfidence: Annotated[float, Field(ge=1.0)] = Field(1.6, description="Firms take on up to this multiple of their capacity (coordination costs underestimated).")
    overconfidence_persistence: Probability = Field(0.8712, description="Per-tick autocorrelation of a firm's log overconfidence around its size class's mean: 1 = a trait fixed at entry; below 1 it drifts (an AR(1) with the class's log-normal spread, firms.<class>.overconfidence_sd, as its stationary spread), so a firm's appetite for alliances is a passing state rather than a type.")
    reputation_reversion: Probability = Field(0.02, description="Per-tick pull of reputation back towards 0.5.")
    function_cost: NonNegative = Field(0.4, description="Running cost per tick of a dedicated alliance function (also paid while it is being set up).")
    function_setup_ticks: NonNegativeInt = Field(4, description="Ticks from the decision to set up an alliance function until it works.")
    function_review_probability: Probability = Field(0.1, description="Per-tick chance a firm reviews whether an alliance function pays (0 = functions stay as drawn).")
    function_value_per_alliance: NonNegative = Field(0.08, description="Value per tick a firm expects a function to add per active alliance; it sets one up when this x its portfolio exceeds the cost, and drops it below half the cost.")
    function_value_sd: NonNegative = Field(0.4, description="Log-normal noise on a firm's estimate of what a function would add.")


# ---------------------------------------------------------------- innovation
class Innovation(Section):
    project_probability: Probability = Field(0.15, description="Chance per tick a firm starts an internal R&D project (if it has room).")
    max_projects: NonNegativeInt = Field(3, description="Internal R&D projects a firm runs at once.")
    base_logit: float = Field(-3.3, description="Per-tick approval (success) logit of an internal project, before the terms below.")
    termination_hazard: Probability = Field(0.06, description="Per-tick chance an internal project is terminated.")
    capability_weight: float = Field(1.5, description="Logit per unit of the relevant capability (centred at 0.5).")
    experience_returns: NonNegative = Field(0.8, description="Logit gain at saturation from internal know-how of the project's kind.")
    experience_saturation: Annotated[float, Field(gt=0.0)] = Field(5.415, description="Internal know-how (depreciating) of the project's kind at which ~63% of its approval gain is reached (diminishing returns).")
    load_penalty: NonNegative = Field(1.0, description="Logit loss per unit of alliance coordination load (attention diverted from R&D).")
    max_duration: PositiveInt = Field(24, description="Ticks after which an unfinished project is terminated.")
    project_cost: NonNegative = Field(0.5, description="Cost per tick of an active internal R&D project.")
    product_value: NonNegative = Field(3.0, description="Resources a new product from internal R&D earns.")


# ----------------------------------------------------------------------- run
class Run(Section):
    ticks: NonNegativeInt = Field(80, description="Ticks per run (80 quarters = 20 years).")
    ticks_per_year: PositiveInt = Field(4, description="Ticks in a year: one tick is a quarter by default.")
    seed: NonNegativeInt = Field(42, description="Root seed when none is given on the command line.")
    burn_in: NonNegativeInt = Field(120, description="Ticks simulated before tick 1 and left out of every output (the population and the success rate settle to their steady state).")


class Output(Section):
    firm_interval: PositiveInt = Field(4, description="Ticks between rows of the firm panel (4 = yearly).")
    csv: bool = Field(False, description="Also write CSV copies of the tables.")
    plots: bool = Field(True, description="Write the summary plot set.")
    format: Literal["parquet"] = Field("parquet", description="File format of the tables (Parquet only).")


class Config(Section):
    """The whole configuration; ``Config()`` is the baseline calibration."""

    firms: Firms = Firms()
    learning: Learning = Learning()
    selection: Selection = Selection()
    negotiation: Negotiation = Negotiation()
    execution: Execution = Execution()
    exit: Exit = Exit()
    portfolio: Portfolio = Portfolio()
    innovation: Innovation = Innovation()
    run: Run = Run()
    output: Output = Output()

    def flat(self) -> dict[str, Any]:
        """The config as ``{"dotted.key": value}``, the form sweeps and tables use."""
        return flatten(self.model_dump())


# ------------------------------------------------------------------- helpers
YAML_HEADER = """\
# alliancesim configuration, written by `alliancesim config` from the schema in sim/config.py.
# configs/baseline.yaml is generated: the defaults live in sim/config.py (a run without a
# config file uses them, not this file); after changing them, regenerate it with
# `python -m sim.reference` (or `alliancesim config > configs/baseline.yaml`); a test
# checks they agree.  One tick is a quarter by default (run.ticks_per_year = 4):
# 80 ticks = 20 years, the 10-year break-up window is 40 ticks.  Each key's comment is
# its description in sim/config.py; the mechanisms are in docs/model.md.
"""
DEFAULTS_CALIBRATION = "calibration/defaults_during.yaml"  # under CONFIGS_DIR: the calibration behind the defaults


def defaults_header() -> str:
    """configs/baseline.yaml's header: :data:`YAML_HEADER` and which calibration produced which defaults."""
    calib = read_yaml_mapping(CONFIGS_DIR / DEFAULTS_CALIBRATION, "calibration config", "a calibration")
    if calib.get("method") == "findings":  # pattern-oriented: a design over the keys, fitted findings declared
        keys = ", ".join(calib["design"]["parameters"])
        how = (f"the point of `alliancesim calibrate configs/{DEFAULTS_CALIBRATION}` where the fitted findings\n"
               f"# ({', '.join(calib['fitted'])}) hold, chosen on calibration seeds only; the held-out findings\n"
               f"# ({', '.join(calib['held_out'])}) were never used to choose")
    else:  # ABC-SMC on run metrics
        keys = ", ".join(calib["parameters"])
        how = (f"the weighted posterior medians of\n# `alliancesim calibrate configs/{DEFAULTS_CALIBRATION}` (ABC-SMC on "
               "the published base rates\n# R12-R14, on calibration seeds only)")
    text = (f"Calibrated defaults: {keys} are {how.replace(chr(10) + '# ', ' ')}; the run and its held-out check "
            "are in docs/calibration.md.  Every other default is set by hand.")
    return YAML_HEADER + textwrap.fill(text, width=100, initial_indent="# ", subsequent_indent="# ") + "\n"


def to_yaml(config: Config, header: str | None = None) -> str:
    """The config as commented YAML: every key with its description (``header``: :func:`defaults_header`)."""
    lines = [defaults_header() if header is None else header]

    def emit(model: BaseModel, indent: int) -> None:
        for name, field in type(model).model_fields.items():
            value = getattr(model, name)
            pad = "  " * indent
            if isinstance(value, BaseModel):
                lines.append(f"{pad}{name}:")
                emit(value, indent + 1)
                if indent == 0:
                    lines.append("")
            else:
                text = yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()
                note = f"  # {field.description}" if field.description else ""
                lines.append(f"{pad}{name}: {text}{note}")

    emit(config, 0)
    return "\n".join(lines).rstrip() + "\n"


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> ``{"a.b.c": value}``."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (the last would silently win)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key {show(key_node.value)} appears twice (lines {seen[key_node.value]} and {line})")
                seen[key_node.value] = line
        return super().construct_mapping(node, deep)


def _expanded_size(data: Any, limit: int) -> int:
    """Values ``data`` holds once every alias is expanded (stops counting past ``limit``)."""
    sizes: dict[int, int | None] = {}

    def size(node: Any) -> int:
        if not isinstance(node, (dict, list)):
            return 1
        known = sizes.get(id(node), 0)
        if known is None:  # a node that contains itself
            return limit + 1
        if known:
            return known
        sizes[id(node)] = None
        total = 1
        for item in (node.values() if isinstance(node, dict) else node):
            total += size(item)
            if total > limit:
                break
        sizes[id(node)] = min(total, limit + 1)
        return sizes[id(node)]

    return size(data)


def load_yaml(text: str, what: str) -> Any:
    """Parse YAML text: duplicate keys, absurd alias expansion and deep nesting are ConfigErrors."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        if _expanded_size(data, MAX_YAML_VALUES) > MAX_YAML_VALUES:
            raise ConfigError(f"{what} expands to more than {MAX_YAML_VALUES:,} values (anchors and aliases); refused")
    except yaml.YAMLError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "invalid YAML"
        raise ConfigError(f"{what} is not valid YAML: {first}") from None
    except RecursionError:
        raise ConfigError(f"{what} is nested too deeply") from None
    return data


def parse_override(text: str) -> tuple[str, Any]:
    """``"firms.n=500"`` -> ``("firms.n", 500)``; the value is read as YAML."""
    if "=" not in text:
        raise ConfigError(f"--set {show(text)}: expected KEY=VALUE, e.g. firms.n=500")
    key, raw = text.split("=", 1)
    key = key.strip()
    try:
        value = load_yaml(raw, f"--set {key}") if raw.strip() else raw
    except ConfigError as err:
        if "is not valid YAML" not in str(err):
            raise
        value = raw  # not YAML: the text itself (the schema then says what is wrong)
    return key, value


def parse_overrides(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """Every ``--set KEY=VALUE`` as a dict; a key given twice is an error (the last would silently win)."""
    overrides: dict[str, Any] = {}
    for item in items:
        key, value = parse_override(item)
        same = next((k for k in overrides if k.replace("__", ".") == key.replace("__", ".")), None)
        if same is not None:
            raise ConfigError(f"--set {key} given twice ({show(overrides[same])} and {show(value)}); give it once")
        overrides[key] = value
    return overrides


def _set_dotted(tree: dict[str, Any], key: str, value: Any) -> None:
    parts = key.replace("__", ".").split(".")
    node: Any = tree
    for depth, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
            raise ConfigError(f"unknown config key {show(key)} (no section {show('.'.join(parts[: depth + 1]))})")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ConfigError(f"unknown config key {show(key)} (value {show(value)})")
    if isinstance(node[parts[-1]], dict):
        raise ConfigError(f"config key {show(key)} is a section; set one of its keys, e.g. {key}.{next(iter(node[parts[-1]]))}")
    node[parts[-1]] = value


def apply_overrides(tree: dict[str, Any], overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Return a copy of a nested config dict with dotted-key overrides applied."""
    tree = copy.deepcopy(tree)
    for key, value in (overrides or {}).items():
        _set_dotted(tree, key, value)
    return tree


def _first_error_line(err: ValidationError, tree: dict[str, Any]) -> str:
    e = err.errors()[0]
    key = ".".join(str(p) for p in e["loc"])
    if e["type"] == "extra_forbidden":
        return f"unknown config key {key!r} (value {show(e.get('input'))})"
    value = e.get("input")
    msg = e["msg"].replace("Input should be", "must be").replace("Value error, ", "")
    return f"config key {key!r}: {msg}, got {show(value)}"


def validate(tree: dict[str, Any]) -> Config:
    """Nested dict -> Config, or one-line ConfigError naming key and value."""
    if not isinstance(tree, dict):
        raise ConfigError(f"config must be a mapping of sections, got {type(tree).__name__}")
    try:
        return Config.model_validate(tree)
    except ValidationError as err:
        raise ConfigError(_first_error_line(err, tree)) from None


def check_value(key: str, value: Any) -> Any:
    """Validate one value for dotted ``key`` strictly (no ``"20"`` for 20, no ``"yes"`` for true).

    Returns the value as the schema holds it (an int given for a float key
    becomes a float).  For values that become table columns, such as sweep
    grid values, where a quoted number would otherwise slip through.
    """
    model: type[BaseModel] = Config
    *sections, name = key.replace("__", ".").split(".")
    for part in sections:
        field = model.model_fields.get(part)
        if field is None or not (isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)):
            raise ConfigError(f"unknown config key {show(key)} (value {show(value)})")
        model = field.annotation
    field = model.model_fields.get(name)
    if field is None:
        raise ConfigError(f"unknown config key {show(key)} (value {show(value)})")
    holder = model.model_construct()
    try:
        model.__pydantic_validator__.validate_assignment(holder, name, value, strict=True)
    except ValidationError as err:
        msg = err.errors()[0]["msg"].replace("Input should be", "must be").replace("Value error, ", "")
        raise ConfigError(f"config key {key!r}: {msg}, got {show(value)}") from None
    return getattr(holder, name)


def resolve_config_path(path: str | Path) -> Path:
    """``path`` if it exists, else the installed copy of a bundled config it names.

    ``configs/sweeps/smoke.yaml`` (or ``sweeps/smoke.yaml``) finds the copy in
    :data:`CONFIGS_DIR` when the working directory has no such file, so the
    commands in the docs work from a wheel install as from a clone.  A path
    found nowhere is returned as given (the reader then says it is missing).
    """
    p = Path(path)
    if p.exists() or p.is_absolute():
        return p
    parts = p.parts[1:] if p.parts[:1] == ("configs",) else p.parts
    bundled = CONFIGS_DIR.joinpath(*parts) if parts else CONFIGS_DIR
    return bundled if bundled.is_file() else p


def read_yaml_mapping(path: str | Path, what: str = "config file", holds: str = "a mapping of sections") -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; one-line ConfigError otherwise (also when empty)."""
    p = resolve_config_path(path)
    name = f"{what} {show_path(path)}"
    if p.is_dir():
        raise ConfigError(f"{name} is a folder, not a file")
    if not p.is_file():
        raise ConfigError(f"{name} not found")
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{name} is not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start}); save it as UTF-8") from None
    except OSError as err:
        raise ConfigError(f"{name} cannot be read ({err.strerror})") from None
    data = load_yaml(text, name)
    if data is None:
        raise ConfigError(f"{name} is empty; it must hold {holds}")
    if not isinstance(data, dict):
        raise ConfigError(f"{name} must hold {holds}, got {type(data).__name__} {show(data)}")
    return data


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a nested dict."""
    return read_yaml_mapping(path)


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Load, override and validate a config.

    ``path=None`` gives the baseline (the schema defaults, which
    ``configs/baseline.yaml`` mirrors).  ``overrides`` maps dotted keys to values:
    ``load_config(overrides={"firms.n": 1000})``.
    """
    base = Config().model_dump()
    if path is not None:
        base = _merge(base, read_config_file(path), prefix="")
    return validate(apply_overrides(base, overrides))


def _merge(base: dict[str, Any], update: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Deep-merge ``update`` into ``base``; unknown keys are errors."""
    out = dict(base)
    for key, value in update.items():
        dotted = f"{prefix}{key}"
        if key not in out:
            raise ConfigError(f"unknown config key {show(dotted)} (value {show(value)})")
        if isinstance(out[key], dict):
            if not isinstance(value, dict):
                raise ConfigError(f"config key {show(dotted)} is a section, got {show(value)}")
            out[key] = _merge(out[key], value, dotted + ".")
        else:
            out[key] = value
    return out
