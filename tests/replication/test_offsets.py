"""Placebo offsets (sim.replication.offsets): the recorded file covers every placebo where a finding uses it."""

from sim.replication.offsets import OFFSETS_PATH, config_hash, load_offsets
from sim.replication.placebos import PLACEBOS
from sim.replication.registry import DESIGN_OF, FINDINGS, population_config


def test_recorded_offsets_hold_every_rate_of_every_placebo_a_finding_uses():
    recorded = load_offsets()["offsets"]
    for f in FINDINGS:
        population = DESIGN_OF[f.id].population
        entry = recorded[f.placebo][population]
        for hold in PLACEBOS[f.placebo].holds:
            assert entry[hold.rate]["keys"] == list(hold.keys), (f.id, hold.rate)
            assert isinstance(entry[hold.rate]["offset"], float)


def test_the_file_names_the_command_that_writes_it():
    assert "python -m sim.replication.offsets" in OFFSETS_PATH.read_text().splitlines()[1]


def test_missing_file_means_no_offsets_and_the_hash_follows_the_config(tmp_path):
    assert load_offsets(tmp_path / "none.yaml") == {"offsets": {}}
    base = population_config("shares")
    assert config_hash(base) == config_hash(population_config("shares"))
    assert config_hash(base) != config_hash(population_config("shares", {"learning.forgetting_rate": 0.0}))


def test_offsets_found_for_another_config_are_stale_and_found_afresh_on_the_calibration_seeds():
    """A --set that changes a population's config makes its recorded offsets stale (an offset found for another
    config would not hold the rate); refresh finds exactly the stale ones and leaves the rest as recorded."""
    from sim.replication.offsets import placebo_populations, refresh, stale
    from sim.replication.registry import population_configs
    from sim.sweep.executors import SerialExecutor

    recorded = load_offsets()
    assert stale(recorded, population_configs()) == []  # the recorded offsets were found at the defaults
    tiny = {"firms.n": 60, "run.ticks": 20, "run.burn_in": 10}
    configs = population_configs(tiny)
    pairs = stale(recorded, configs)
    assert set(pairs) == {(name, pop) for name, pops in placebo_populations().items() for pop in pops}
    only = [p for p in pairs if p[0] == "no_forgetting"]
    with SerialExecutor() as ex:
        found = refresh(recorded, configs, only, ex, seeds=(42,))
    assert stale(found, configs) == [p for p in pairs if p not in only]
    for name, pop in only:
        entry = found["offsets"][name][pop]["success_rate"]
        assert entry["config_hash"] == config_hash(configs[pop]) and abs(entry["offset"]) <= 16
    assert found["offsets"]["no_general_learning"] == recorded["offsets"]["no_general_learning"]
