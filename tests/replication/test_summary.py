"""The findings table's status rule."""

import pytest

from sim.replication.design import STATUSES
from sim.replication.summary import status


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


def test_pooled_z_is_the_mean_over_its_between_run_standard_error_and_the_placebo_difference_its_own():
    import math

    import pandas as pd

    from sim.replication.summary import _difference_z, _z

    base, placebo = pd.Series([1.0, 2.0, 3.0, 2.0]), pd.Series([0.0, 0.5, -0.5, 0.0])
    assert _z(base) == pytest.approx(2.0 / (base.std() / 2.0))
    assert _difference_z(base, placebo) == pytest.approx(2.0 / math.sqrt(base.var() / 4 + placebo.var() / 4))
    assert math.isnan(_z(pd.Series([1.0]))) and math.isnan(_difference_z(base, pd.Series([1.0])))
