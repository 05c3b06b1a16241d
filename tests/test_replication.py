"""The registry: every finding once, names that match what the fits return, kinds from the config,
placebos that change the simulated data, the findings table's status rule, docs/targets.md in sync."""

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.replication import DESIGNS, FINDINGS
from sim.replication.design import KINDS, STATUSES
from sim.replication.placebos import PLACEBOS, placebo_overrides
from sim.replication.registry import DESIGN_OF, FINDING_BY_ID, POPULATIONS, population_config, reference
from sim.replication.rules import All
from sim.replication.summary import status
from sim.runner import simulate
from tests.strategies import alliance_spans

SMALL = {"firms.n": 150, "run.ticks": 60, "run.burn_in": 20}
ROOT = Path(__file__).resolve().parent.parent


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
            wanted = rule_terms(f.rule) | {f.estimate, f"{f.estimate}.se"} | ({f.across_runs} if f.across_runs else set())
            assert wanted <= set(est), (f.id, wanted - set(est))
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


@pytest.mark.parametrize("name", sorted(PLACEBOS))
def test_switching_a_mechanism_off_changes_the_data(name):
    placebo = PLACEBOS[name]
    population = next(DESIGN_OF[f.id].population for f in FINDINGS if f.placebo == name)
    base = population_config(population, {"firms.n": 60, "run.ticks": 32})
    overrides = placebo_overrides(placebo, population, base, {"offsets": {}})
    assert any(base.flat()[k] != v for k, v in overrides.items())
    a = simulate(base, 5).frames
    b = simulate(base, 5, overrides=overrides).frames
    table = "projects" if all(h.rate == "approval_rate" for h in placebo.holds) else "alliances"
    assert not a[table].equals(b[table])


def test_recorded_offsets_shift_the_held_base_logits():
    placebo = PLACEBOS["no_forgetting"]
    base = population_config("shares")
    offsets = {"offsets": {"no_forgetting": {"shares": {"success_rate": {"offset": -0.4}}}}}
    o = placebo_overrides(placebo, "shares", base, offsets)
    assert o["learning.forgetting_rate"] == 0.0
    assert o["execution.base_logit_exploration"] == pytest.approx(base.execution.base_logit_exploration - 0.4)
    assert o["execution.base_logit_exploitation"] == pytest.approx(base.execution.base_logit_exploitation - 0.4)


@pytest.mark.parametrize("kind, rep, plac, across, expected", [
    ("emergent", 0.95, 0.1, True, "reproduced"),
    ("emergent", 0.95, 0.3, True, "not reproduced"),  # the placebo shows it as often: not evidence of its mechanism
    ("emergent", 0.8, 0.0, True, "not reproduced"),
    ("emergent", 1.0, 0.0, False, "not reproduced"),  # interval over runs not above 0
    ("assumed", 1.0, 0.0, True, "assumed"),
    ("calibration", 0.9, 1.0, True, "calibrated"),
    ("calibration", 0.5, 1.0, True, "off target"),
])
def test_status(kind, rep, plac, across, expected):
    assert status(kind, rep, plac, across) == expected and expected in STATUSES


def test_docs_targets_holds_the_registry_reference():
    text = (ROOT / "docs" / "targets.md").read_text()
    assert reference() in text, "regenerate docs/targets.md's tables from sim.replication.registry.reference()"
    assert "shared" not in text.lower() and "/work" not in text


@settings(max_examples=60, deadline=None)
@given(alliance_spans, st.integers(1, 12))
def test_completed_experience_counts_ends_before_the_start(rows, window):
    """R15's regressors, against a brute-force count: completions strictly before the start, split at start - window."""
    from sim.replication.depreciation import completed_experience

    a = pd.DataFrame([{"firm_a": fa, "firm_b": fb, "start_tick": s, "end_tick": None if d is None else s + d}
                      for fa, fb, s, d in rows])
    a["end_tick"] = a["end_tick"].astype(float)
    recent, older = completed_experience(a, "firm_b", window)
    for i, (firm, start) in enumerate(zip(a["firm_b"], a["start_tick"])):
        ends = pd.concat([a.loc[a["firm_a"] == firm, "end_tick"], a.loc[a["firm_b"] == firm, "end_tick"]]).dropna()
        assert recent[i] == ((ends < start) & (ends >= start - window)).sum()
        assert older[i] == (ends < start - window).sum()
