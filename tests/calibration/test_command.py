"""``alliancesim calibrate``'s refusals: bad configs and command lines exit 2 with one line, before any run."""

from __future__ import annotations

import pytest

from sim.calibration import spec_from_dict
from sim.cli import main
from tests.calibration.helpers import GOOD, with_, write

BAD = [
    (with_(parameters={"execution.no_such_key": {"low": 0, "high": 1}}), "execution.no_such_key"),
    (with_(parameters={"exit.conflict_hazard": {"low": 0.001, "high": 1.5}}), "1.5"),
    (with_(parameters={"firms.share_large": {"low": -0.2, "high": 0.5}}), "-0.2"),
    (with_(parameters={"execution.base_logit_exploration": {"low": 1.0, "high": 1.0}}), "low=1.0"),
    (with_(parameters={"execution.base_logit_exploration": {"low": 2.0, "high": -1.0}}), "low=2.0"),
    (with_(parameters={"exit.conflict_hazard": {"low": 0.0, "high": 0.1, "scale": "log"}}), "low=0.0"),
    (with_(parameters={"exit.conflict_hazard": {"low": 0.01, "high": 0.1, "scale": "cubic"}}), "cubic"),
    (with_(parameters={"selection.search_breadth": {"low": 2.5, "high": 8}}), "2.5"),
    (with_(parameters={"output.format": {"low": 0, "high": 1}}), "output.format"),
    (with_(targets={"no_such_metric": 0.5}), "no_such_metric"),
    (with_(targets={"failure_share": "half"}), "half"),
    (with_(targets={"repeat_share": 0.0}), "repeat_share"),
    (with_(targets={"failure_share": {"value": 0.5, "scale": -1}}), "-1"),
    (with_(populations=None), "populations"),
    (with_(populations=0), "populations"),
    (with_(epsilon=-0.1), "epsilon"),
    (with_(particles=None), "particles"),
    (with_(calibration_seeds=[5, 5]), "calibration_seeds"),
    (with_(calibration_seeds=[0, 1]), "calibration_seeds"),  # fewer seeds than replications
    (with_(evaluation=[42, 44]), "evaluation"),  # the old seed range: seeds are spawned from a root now
    (with_(evaluation={"seed": 42}), "evaluation"),
    (with_(evaluation={"seed": -1, "runs": 2}), "evaluation.seed"),
    (with_(evaluation={"seed": 4.5, "runs": 2}), "4.5"),
    (with_(evaluation={"seed": 42, "runs": 0}), "evaluation.runs"),
    (with_(tolerance=0.1), "tolerance"),
    (with_(set={"firms.nn": 3}), "firms.nn"),
]


@pytest.mark.parametrize("data,needle", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_config_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, data, needle):
    out = tmp_path / "out"
    assert main(["calibrate", str(write(tmp_path, data)), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and err.startswith("alliancesim: error:")
    assert not out.exists()


def test_bad_command_line_exits_2_before_any_run(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    out = tmp_path / "out"
    for argv, needle in [
        (["--set", "run.ticks=-3"], "run.ticks"),
        (["--set", "execution.base_logit_exploration=0.3"], "calibrated"),
        (["--workers", "0"], "--workers"),
    ]:
        assert main(["calibrate", str(cfg), "--out", str(out), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err
        assert not out.exists()
    no_eval = write(tmp_path, with_(evaluation=None), "noeval")
    assert main(["calibrate", str(no_eval), "--out", str(out), "--validate"]) == 2
    assert "evaluation" in capsys.readouterr().err and not out.exists()


def test_refuses_a_folder_that_holds_something_else(tmp_path, capsys):
    cfg = write(tmp_path, GOOD)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "file.txt").write_text("x")
    assert main(["calibrate", str(cfg), "--out", str(busy)]) == 2
    assert "not empty" in capsys.readouterr().err
    other = tmp_path / "other"
    other.mkdir()
    spec = spec_from_dict(with_(seed=99))
    (other / "calibration.json").write_text(f'{{"name": "x", "fingerprint": "{spec.fingerprint()}"}}')
    assert main(["calibrate", str(cfg), "--out", str(other)]) == 2
    assert "different calibration" in capsys.readouterr().err


def test_subcommand_is_registered(capsys):
    assert main(["calibrate", "--help"]) == 0
    assert "--scheduler" in capsys.readouterr().out
