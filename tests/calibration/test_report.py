"""calibrated.yaml at the weighted median, and the held-out check that never counts a calibration target."""

from __future__ import annotations

import pandas as pd

from sim import metrics
from sim.calibration import spec_from_dict
from sim.config import load_config
from tests.calibration.helpers import GOOD, with_


def test_calibrated_yaml_is_a_loadable_config_at_the_weighted_median(tmp_path):
    from sim.calibration.report import Posterior, calibrated_yaml

    spec = spec_from_dict(with_(parameters={**GOOD["parameters"], "selection.search_breadth": {"low": 2, "high": 12}}))
    particles = pd.DataFrame({
        "execution.base_logit_exploration": [0.1, 0.2, 0.9],
        "exit.conflict_hazard": [0.004, 0.02, 0.03],
        "selection.search_breadth": [3.4, 6.6, 9.0],
        "weight": [0.25, 0.5, 0.25],  # pyabc interpolates the weighted median; here it lands on 0.2
    })
    pops = pd.DataFrame({"population": [0], "epsilon": [0.2], "particles": [3], "acceptance_rate": [0.5],
                         "simulations": [6], "wall_time": [1.0]})
    text = calibrated_yaml(spec, Posterior(particles, pops), "calib.yaml")
    path = tmp_path / "calibrated.yaml"
    path.write_text(text)
    cfg = load_config(path)
    assert cfg.execution.base_logit_exploration == 0.2 and cfg.exit.conflict_hazard == 0.02
    assert cfg.selection.search_breadth == 7  # an integer key: the median 6.6, rounded
    assert cfg.firms.n == 30 and cfg.run.ticks == 20  # the calibration's fixed overrides come along
    set_line = next(line for line in text.splitlines() if "--set" in line)
    assert "--set execution.base_logit_exploration=0.2" in set_line


def test_every_calibration_finding_names_the_metric_it_measures():
    from sim.replication import FINDINGS

    for f in FINDINGS:
        assert (f.metric is not None) == (f.kind.name == "calibration"), f.id
        assert f.metric is None or f.metric in metrics.NAMES, f.id


def fake_findings(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    """A findings table with the replication's real columns (sim.replication.summary.FINDINGS_COLUMNS)."""
    from sim.replication.summary import FINDINGS_COLUMNS

    table = pd.DataFrame(rows, columns=["finding", "kind", "status", "reproduced_share", "placebo_share"])
    return table.reindex(columns=FINDINGS_COLUMNS)


def test_held_out_check_lists_calibration_targets_and_never_counts_them(monkeypatch, tmp_path):
    import types

    import sim.replication
    from sim.calibration.report import NOT_A_TEST, held_out, held_out_figure

    calls = {}

    def fake_replicate(overrides, seed, runs, workers=1, scheduler=None, progress=False):
        calls.update(overrides=overrides, seed=seed, runs=runs, workers=workers)
        return types.SimpleNamespace(findings=fake_findings([
            ("R1", "emergent", "reproduced", 1.0, 0.0),
            ("R2", "emergent", "not reproduced", 0.5, 0.5),
            ("R12", "calibration", "calibrated", 1.0, 1.0),
            ("R13", "calibration", "calibrated", 1.0, 1.0),
            ("R14", "calibration", "off target", 0.0, 0.0),
        ]))

    monkeypatch.setattr(sim.replication, "replicate", fake_replicate)
    spec = spec_from_dict(GOOD)  # targets: failure_share (R12) and underperforming_share (R14)
    table = held_out(spec, {"execution.base_logit_exploration": 0.3}, workers=2)
    assert calls == {"overrides": {"execution.base_logit_exploration": 0.3}, "seed": 42, "runs": 2, "workers": 2}
    assert list(table.columns) == ["finding", "kind", "status", "reproduced_share", "placebo_share", "calibration_target"]
    t = table.set_index("finding")
    assert t.loc["R1", "status"] == "reproduced" and t.loc["R1", "calibration_target"] == ""
    assert t.loc["R2", "status"] == "not reproduced"
    # fitted, not predicted: listed as targets whatever the replication said, so never counted as reproduced
    assert t.loc["R12", "status"] == NOT_A_TEST and t.loc["R12", "calibration_target"] == "failure_share"
    assert t.loc["R14", "status"] == NOT_A_TEST and t.loc["R14", "calibration_target"] == "underperforming_share"
    # a calibration-kind finding this calibration did not fit keeps the replication's own status
    assert t.loc["R13", "status"] == "calibrated" and t.loc["R13", "calibration_target"] == ""
    held_out_figure(table).savefig(tmp_path / "held_out.png")
    assert (tmp_path / "held_out.png").stat().st_size > 0
