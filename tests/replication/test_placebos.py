"""Placebos: switching a finding's mechanism off changes the simulated data; recorded offsets shift the held base logits."""

import pytest

from sim.replication import FINDINGS
from sim.replication.placebos import PLACEBOS, placebo_overrides
from sim.replication.registry import DESIGN_OF, population_config
from sim.runner import simulate


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
