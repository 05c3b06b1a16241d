"""Internal R&D: approval uses internal know-how and absorbed technical knowledge."""

import numpy as np
import pytest

from sim.state import EXPLOITATION, EXPLORATION
from sim.steps import innovation
from tests.steps.helpers import fresh_state


def test_internal_rnd_uses_know_how_and_absorbed_knowledge():
    cfg, state = fresh_state(4, 0)
    firms, types = np.array([0, 1, 2, 3]), np.array([EXPLORATION] * 4)
    cap = np.full(4, 0.5)
    state.technical[:] = 0.0
    state.internal_knowhow[1, EXPLORATION] = 3.0
    state.technical[2, EXPLOITATION] = 3.0
    logit = innovation.approval_logit(state, firms, types, cap, cfg.innovation, cfg.learning)
    assert logit[1] > logit[0]  # internal know-how helps
    assert logit[2] > logit[0]  # technical knowledge absorbed from alliances helps
    unused = cfg.learning.model_copy(update={"technical_returns": 0.0})
    assert innovation.approval_logit(state, firms, types, cap, cfg.innovation, unused)[2] == pytest.approx(logit[0])
