"""Evaluation seeds are spawned from the root, deterministic, and never a calibration seed."""

import numpy as np

from sim.replication import seeds
from sim.replication.seeds import CALIBRATION_SEED_RANGES, CALIBRATION_SEEDS, evaluation_seeds, in_ranges, skipped


def test_calibration_seeds_are_the_ones_the_defaults_were_tuned_on():
    assert set(range(42, 122)) | {7, 8} == set(CALIBRATION_SEEDS)


def test_evaluation_seeds_are_disjoint_from_calibration_seeds_and_distinct():
    for root in (*range(0, 60), *CALIBRATION_SEEDS):
        s = evaluation_seeds(root, 25)
        assert len(s) == len(set(s)) == 25
        assert not set(s) & set(CALIBRATION_SEEDS)
        assert not any(in_ranges(x) for x in s)


def test_evaluation_seeds_are_deterministic_and_a_prefix_of_longer_lists():
    assert evaluation_seeds(42, 5) == evaluation_seeds(42, 5)
    assert evaluation_seeds(42, 10)[:5] == evaluation_seeds(42, 5)
    assert evaluation_seeds(42, 5) != evaluation_seeds(43, 5)


def test_a_spawned_seed_that_is_a_calibration_seed_is_skipped():
    first_two = evaluation_seeds(5, 2, exclude=())
    s = evaluation_seeds(5, 2, exclude=(first_two[0],))
    assert first_two[0] not in s and s[0] == first_two[1] and len(s) == 2


def test_a_spawned_seed_inside_a_calibration_seed_range_is_skipped():
    first_two = evaluation_seeds(5, 2, exclude=(), ranges=())
    s = evaluation_seeds(5, 2, exclude=(), ranges=((first_two[0] - 1, first_two[0] + 1),))
    assert first_two[0] not in s and s[0] == first_two[1] and len(s) == 2
    assert in_ranges(first_two[0], ((first_two[0], first_two[0] + 1),))
    assert not in_ranges(first_two[0] + 1, ((first_two[0], first_two[0] + 1),))  # [start, stop)


def test_evaluation_seeds_skip_the_declared_calibration_ranges_by_default():
    import inspect

    assert inspect.signature(evaluation_seeds).parameters["ranges"].default == CALIBRATION_SEED_RANGES
    assert all(in_ranges(start) and in_ranges(stop - 1) and not in_ranges(stop) for start, stop in CALIBRATION_SEED_RANGES)
    start, stop = CALIBRATION_SEED_RANGES[0]
    assert skipped(start, stop) and skipped(start + 1, stop - 1)
    assert not skipped(start - 1, stop) and not skipped(start, stop + 1)


def test_seeds_come_from_seed_sequence_spawn():
    child = np.random.SeedSequence(9).spawn(1)[0]
    assert evaluation_seeds(9, 1, exclude=())[0] == int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert "spawn" in seeds.SEEDING
