"""The findings that emerge from the mechanisms, on seeds other than the default, and mechanism flips.

Each check simulates only the design it needs (a study population, 20-25
simulated years) and fits the study's model, so a failure names the finding.
Seeds 7 and 8 are not the default seed (42) and were not used to calibrate.
"""

import pytest

from sim.replication import competing_risks, depreciation, firm_panel, projects, shares
from sim.replication.study import replicate_seed, study_configs
from sim.replication.targets import TARGETS
from sim.runner import simulate

pytestmark = pytest.mark.slow  # every check simulates study populations of 550-1,200 firms

SEEDS = (7, 8)


def _rows(design, seed, overrides=None):
    cfg = study_configs(overrides)[design]
    frames = simulate(cfg, seed).frames
    ticks, tpy = cfg.run.ticks, cfg.run.ticks_per_year
    rows = {
        "projects": lambda: projects.findings(frames["alliances"], tpy),
        "firm_panel": lambda: firm_panel.findings(frames, ticks, tpy),
        "competing_risks": lambda: competing_risks.findings(frames["projects"], ticks, tpy),
        "shares": lambda: shares.findings(frames, ticks, tpy),
        "depreciation": lambda: depreciation.findings(frames["alliances"], tpy),
    }[design]()
    return {(r.finding, r.variable): r for r in rows}


def _reproduced(rows, finding):
    mine = [r for (f, _), r in rows.items() if f == finding]
    assert mine, f"{finding} has no row"
    return all(r.matches for r in mine), mine


# Findings the mechanisms reproduce in >= 90% of seeds 42-51 and on both test seeds
# (docs/replication.md lists the measured shares; R2 and R6 reach 0.9 there but
# fail on seed 7, so they are reported, not asserted here).
ROBUST = {
    "projects": ["R3"],
    "shares": ["R11", "R12", "R13", "R16"],
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("design", list(ROBUST))
def test_default_calibration_reproduces_robust_findings(design, seed):
    rows = _rows(design, seed)
    for finding in ROBUST[design]:
        ok, mine = _reproduced(rows, finding)
        assert ok, f"{finding} not reproduced with seed {seed}: " + "; ".join(
            f"{r.variable}={r.estimate:.3g} (p={r.p_value:.3g}) {r.note}" for r in mine)


def test_every_finding_appears_in_one_seed_table():
    table, _ = replicate_seed(study_configs(), 9)
    assert list(table["finding"].unique()) == [t.id for t in TARGETS]


@pytest.mark.parametrize("seed", SEEDS)
def test_without_knowledge_redundancy_r3_flips(seed):
    """R3's sign is the net of routines and redundancy: take redundancy away and repeat partners do better."""
    base = _rows("projects", seed)[("R3", "partner_specific")]
    flipped = _rows("projects", seed, {"learning.knowledge_redundancy": 0.0})[("R3", "partner_specific")]
    assert base.estimate < 0 and base.matches
    assert flipped.estimate > 0 and not flipped.matches


@pytest.mark.parametrize("seed", SEEDS)
def test_without_small_firm_learning_causes_the_asymmetry_shrinks(seed):
    # every modelled cause of the small-firm advantage off: same base capture, no dilution across units,
    # no incentive difference, no key people leaving
    same = {"firms.small.capture_rate": study_configs()["projects"].firms.large.capture_rate,
            "learning.complexity_dilution": 0.0, "learning.incentive_weight": 0.0, "learning.key_person_hazard": 0.0}
    on, off = _rows("projects", seed), _rows("projects", seed, same)
    # The small partner's experience helps less (it still learns at the common capture rate).
    assert on[("R1", "small_experience")].estimate > off[("R1", "small_experience")].estimate
    assert off[("R2", "large_experience")].matches
    # R16 (small firms learn faster per alliance) shrinks without its causes.
    r16_on, r16_off = _rows("shares", seed)[("R16", "experience_x_small")], _rows("shares", seed, same)[("R16", "experience_x_small")]
    assert r16_on.matches
    assert r16_off.estimate < r16_on.estimate


def test_without_forgetting_recent_experience_loses_its_edge():
    """Switched off, organisational forgetting no longer favours recent experience: the recent-minus-older
    contrast shrinks, and at equal total experience older experience does less badly."""
    seeds = (7, 8, 9, 10)
    on = [_rows("depreciation", s)[("R15", "recent - older")] for s in seeds]
    off = [_rows("depreciation", s, {"learning.forgetting_rate": 0.0})[("R15", "recent - older")] for s in seeds]
    assert sum(r.estimate for r in off) < sum(r.estimate for r in on)

    def composition(overrides):
        cfg = study_configs(overrides)["depreciation"]
        return sum(depreciation.composition_t(depreciation.dataset(simulate(cfg, s, tables=("alliances",)).frames["alliances"]))
                   for s in seeds)

    assert composition({}) < composition({"learning.forgetting_rate": 0.0})
