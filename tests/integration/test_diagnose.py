"""experiments/diagnose.py: the diagnostics docs/replication.md cites run, and the fact R16's reading rests on holds."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "experiments"))

import diagnose  # noqa: E402


@pytest.mark.slow
def test_r16s_size_classes_have_no_common_support_of_experience():
    """replication.md reads R16's contrast as two segments of one curve because large and small firms' experience
    ranges do not overlap: the large firms' 5th percentile lies above the small firms' 95th."""
    ranges = diagnose.experience_ranges(diagnose.DEV_SEED)
    assert ranges["large"][0] > ranges["small"][-1]


@pytest.mark.slow
def test_r16s_large_slope_is_imprecise_and_partly_function_adoption():
    """replication.md's R16 reading: a run's contrast has a standard error so large that even a flat large-firm slope
    would leave it at about two standard errors, and large firms' slope falls when functions stay as drawn (no set-up
    as the portfolio grows)."""
    seeds = diagnose._seeds(4)
    defaults = diagnose._fits("learning_speed", {}, seeds)
    as_drawn = diagnose._fits("learning_speed", {"portfolio.function_review_probability": 0.0}, seeds)
    small = np.mean([e["small_slope"] for e in defaults])
    assert small / np.mean([e["experience_x_small.se"] for e in defaults]) < 3
    assert np.mean([e["large_slope"] for e in as_drawn]) < np.mean([e["large_slope"] for e in defaults])


@pytest.mark.slow
def test_r10s_positive_interaction_comes_with_the_absorptive_capacity_gain():
    """replication.md's R10 reading: without the absorptive-capacity gain (R9's mechanism) the interaction falls,
    and rigidity then lowers it as the finding names."""
    seeds = diagnose._seeds(6)

    def interaction(overrides):
        return np.mean([e["internal_exploitation_x_external_exploration"]
                        for e in diagnose._fits("competing_risks", overrides, seeds)])

    no_gain = interaction({"learning.absorptive_capacity_gain": 0.0})
    assert no_gain < interaction({})
    assert no_gain < interaction({"learning.absorptive_capacity_gain": 0.0, "learning.exploitation_rigidity": 0.0})


@pytest.mark.slow
def test_under_r2s_placebo_large_partners_counts_move_their_standing_little():
    """replication.md reads R2's placebo null as saturation and forgetting: under the placebo large firms sit high on
    the general curve, with less spread than small firms, and their count follows their standing less closely."""
    stats = diagnose.standing_by_size(diagnose.r2_arms()["placebo"], diagnose.DEV_SEED)
    large, small = stats["large"], stats["small"]
    assert large["standing"] > 0.7 > small["standing"]
    assert large["standing_sd"] < small["standing_sd"] and large["corr"] < small["corr"]


@pytest.mark.slow
def test_r6s_placebo_leaves_a_small_residue_that_equal_redundancy_raises():
    """replication.md reads R6's placebo residue at these defaults: equal attention takes most of the turning-point
    gap away (under a fifth of it is left), and weighing redundancy alike as well raises the gap instead of closing
    it."""
    variants = diagnose.r6_variants()
    seeds = diagnose._seeds(12)

    def gap(name):
        return np.mean([e["turning_point_gain_exploitation"] for e in diagnose._fits("firm_panel", variants[name], seeds)])

    placebo = gap("placebo")
    assert placebo < gap("defaults") / 5
    assert gap("+ equal redundancy") > placebo


@pytest.mark.slow
def test_under_r15s_placebo_the_design_finds_no_depreciation_and_firm_fixed_effects_find_some():
    """replication.md's R15 reading: without forgetting, the design (pre-alliance products controlled) rejects no
    depreciation in at most one of six dev runs, while the same model with firm fixed effects rejects it in most:
    the fixed effects, not the model, make a rate there."""
    from sim.replication import depreciation as dp
    from sim.runner import simulate

    cfg = diagnose.population_config("shares", diagnose.placebo("shares", "no_forgetting"))
    design, fixed = [], []
    for seed in diagnose._seeds(6):
        data = dp.data(simulate(cfg, seed, tables=("alliances", "firms")).frames, cfg)
        design.append(dp.fit(data)["annual_depreciation.p"] < 0.05)
        fixed.append(dp.fit(data, fixed_effects=True)["annual_depreciation.p"] < 0.05)
    assert sum(design) <= 1 and sum(fixed) >= 4


def test_the_diagnostics_run_from_the_command_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["diagnose.py", "competing-risks", "--seeds", "1",
                                      "small:firms.n=300,learning.exploitation_rigidity=0"])
    diagnose.main()
    out = capsys.readouterr().out
    assert "defaults" in out and "small" in out and "R9" in out
    monkeypatch.setattr(sys, "argv", ["diagnose.py", "r16-slopes", "--seeds", "2", "drawn:portfolio.function_review_probability=0"])
    diagnose.main()
    out = capsys.readouterr().out
    assert "drawn" in out and "large_slope" in out and "R16" in out
    for what, expect in (("r5-lag", "no_coordination_costs"), ("r10-absorption", "rigidity_position"),
                         ("r1-within", "within ventures"), ("r15-designs", "firm fixed effects")):
        monkeypatch.setattr(sys, "argv", ["diagnose.py", what, "--seeds", "1"])
        diagnose.main()
        assert expect in capsys.readouterr().out


@pytest.mark.slow
def test_r4_survives_last_years_alliances_and_its_placebo_holds_with_neither():
    """replication.md's R4 reading: with each year's products set against the year before's alliances the squared
    term stays negative and significant in every run and the rule holds as with the same year's; without
    coordination costs it holds with neither."""
    from sim.replication.registry import FINDING_BY_ID

    fits = diagnose.lag_fits({}, diagnose._seeds(6), only=("baseline", "no_coordination_costs"))

    def holds(arm, measure):
        return sum(bool(FINDING_BY_ID["R4"].rule.holds(e)) for e in fits[arm][measure])

    assert all(e["alliances_sq"] < 0 and e["alliances_sq.p"] < 0.05 for e in fits["baseline"]["year before"])
    assert holds("baseline", "same year") >= 5 and holds("baseline", "year before") >= 5
    assert holds("no_coordination_costs", "same year") == 0 and holds("no_coordination_costs", "year before") == 0


@pytest.mark.slow
def test_at_a_small_venture_overconfidence_spread_the_year_mean_curvature_needs_no_coordination_costs():
    """replication.md's R4 reading: with ventures alike in overconfidence the placebo without coordination costs keeps
    most of the curvature in the year's mean count (an alliance that reaches its goal ends and lowers the year's
    mean), and last year's alliances take most of it away."""
    fits = diagnose.lag_fits({"firms.small.overconfidence_sd": 0.1}, diagnose._seeds(6),
                             only=("baseline", "no_coordination_costs"))

    def sq(arm, measure):
        return np.mean([e["alliances_sq"] for e in fits[arm][measure]])

    assert sq("no_coordination_costs", "year's mean") / sq("baseline", "year's mean") > 0.75
    assert sq("no_coordination_costs", "year before") / sq("no_coordination_costs", "year's mean") < 0.5


@pytest.mark.slow
def test_with_drifting_overconfidence_alliances_counted_whole_keep_r4_and_drop_its_placebo():
    """replication.md's R4 reading: with overconfidence a passing state the year's mean count gives the placebo
    without coordination costs an inverted U too; counted whole in each year they ran (the design), the alliances
    leave the placebo none in 6 runs while the model keeps R4 in most."""
    from sim.replication.registry import FINDING_BY_ID

    fits = diagnose.lag_fits({"portfolio.overconfidence_persistence": 0.9}, diagnose._seeds(6),
                             only=("baseline", "no_coordination_costs"))

    def holds(arm, measure):
        return sum(bool(FINDING_BY_ID["R4"].rule.holds(e)) for e in fits[arm][measure])

    assert holds("no_coordination_costs", "year's mean") >= 4
    assert holds("no_coordination_costs", "same year") == 0
    assert holds("baseline", "same year") >= 5


@pytest.mark.slow
def test_r10s_large_firms_sit_where_rigidity_barely_varies_and_exploration_knowledge_is_small():
    """replication.md's R10 reading: the study population's large firms stand high on the rigidity curve (most of
    its range used up by their internal exploitation know-how) and hold far less technical knowledge from
    exploration partners than from exploitation partners."""
    large = diagnose.absorption_positions({}, diagnose.DEV_SEED)["large"]
    median = diagnose.PERCENTILES.index(50)
    assert large["rigidity_position"][0] > 0.6 and large["rigidity_position"][median] > 0.85
    assert large["technical_exploration"][median] < 0.1 * large["technical_exploitation"][median]


@pytest.mark.slow
def test_r1s_placebo_leaves_no_pooled_residue_and_the_model_learns_within_ventures():
    """replication.md's R1 reading at the defaults (overconfidence a passing state): pooled, the small partner's
    slope under the placebo lies below the model's in every run; within ventures (venture fixed effects) the model's
    slope is positive on average."""
    seeds = diagnose._seeds(6)
    design = diagnose.DESIGN_BY_ID["projects"]

    def slopes(overrides):
        cfg = diagnose.population_config(design.population, overrides)
        data = [design.data(diagnose.simulate(cfg, seed, tables=design.tables).frames, cfg) for seed in seeds]
        return ([diagnose.small_partner_slope(d, within=False)["slope"] for d in data],
                [diagnose.small_partner_slope(d, within=True)["slope"] for d in data])

    arms = diagnose.r1_arms()
    model_pooled, model_within = slopes(arms["model"])
    placebo_pooled, _ = slopes(arms["placebo"])
    assert min(model_pooled) > max(placebo_pooled)
    assert np.mean(model_within) > 0
