"""The registry: every finding once, names that match what the fits return, kinds from the config,
docs/targets.md in sync."""

from pathlib import Path

import pytest

from sim.replication import DESIGNS, FINDINGS
from sim.replication.design import KINDS
from sim.replication.placebos import PLACEBOS
from sim.replication.registry import FINDING_BY_ID, POPULATIONS, population_config, reference
from sim.replication.rules import All
from sim.runner import simulate

SMALL = {"firms.n": 300, "run.ticks": 60, "run.burn_in": 20}  # 60 large firms: R11 compares large firms
ROOT = Path(__file__).resolve().parents[2]


def rule_terms(rule) -> set[str]:
    parts = rule.parts if isinstance(rule, All) else (rule,)
    names = set()
    for p in parts:
        names |= {getattr(p, a) for a in ("term", "lower", "upper") if hasattr(p, a)}
    return names


def test_findings_r1_to_r16_each_in_one_design():
    assert [f.id for f in FINDINGS] == [f"R{i}" for i in range(1, 17)]
    assert sum(len(d.findings) for d in DESIGNS) == 16
    assert {d.population for d in DESIGNS} == set(POPULATIONS)
    for f in FINDINGS:
        assert f.kind.name in KINDS and f.placebo in PLACEBOS and f.confidence in {"high", "medium", "low"}


@pytest.mark.slow
def test_registry_round_trip_fit_returns_every_name_the_rules_read():
    """Each design's data(frames) -> fit(data) gives every estimate its findings' rules and headlines name."""
    frames = {}
    for design in DESIGNS:
        cfg = population_config(design.population, SMALL)
        if design.population not in frames:
            frames[design.population] = simulate(cfg, 3).frames
        est = design.fit(design.data(frames[design.population], cfg))
        for f in design.findings:
            wanted = rule_terms(f.rule) | {f.estimate} | ({f.across_runs} if f.across_runs else set())
            assert wanted <= set(est), (f.id, wanted - set(est))
            # each headline carries its uncertainty: a standard error, or (a profile likelihood, R15) its test's p
            assert {f"{f.estimate}.se", f"{f.estimate}.p"} & set(est), f.id
            assert isinstance(f.rule.holds(est), bool)


def test_kind_of_r3_follows_the_coded_term():
    r3 = FINDING_BY_ID["R3"]
    assert r3.kind.of(population_config("projects", {"learning.partner_specific_effect": -1.0})) == "assumed"
    assert r3.kind.of(population_config("projects", {"learning.partner_specific_effect": 0.0})) == "emergent"
    assert {FINDING_BY_ID[f].kind.of(population_config("competing_risks")) for f in ("R7", "R8", "R9", "R10")} == {"emergent"}
    assert {FINDING_BY_ID[f].kind.name for f in ("R12", "R13", "R14")} == {"calibration"}


def test_r13_is_flagged_indistinguishable_only_while_no_alliance_outlives_the_window():
    caveat = FINDING_BY_ID["R13"].caveat
    assert "indistinguishable from R12" in caveat(population_config("shares", {"exit.max_duration": 40}))  # 10 years
    assert caveat(population_config("shares", {"exit.max_duration": 60})) is None
    assert caveat(population_config("shares")) is None  # at the defaults alliances can outlive the window


def test_docs_targets_holds_the_registry_reference():
    text = (ROOT / "docs" / "targets.md").read_text()
    assert reference() in text, "regenerate docs/targets.md's tables from sim.replication.registry.reference()"
    assert "shared" not in text.lower() and "/work" not in text
