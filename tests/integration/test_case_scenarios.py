"""The classroom cases: valid configs with explainers, scripts that plot, contrasts from mechanisms."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

from sim.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "configs" / "cases").glob("*.yaml"))
sys.path.insert(0, str(ROOT / "experiments"))


def test_there_are_cases():
    assert {p.stem for p in CASES} >= {"tesla", "lego_licensing", "lego_selective"}


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case_is_a_valid_config_with_an_explainer(path, tmp_path, capsys):
    assert cli(["validate", str(path)]) == 0
    explainer = path.with_name(path.stem.split("_")[0] + ".md")
    assert explainer.is_file(), f"{path.name} needs {explainer.name}"
    assert path.name in explainer.read_text()
    assert cli(["run", str(path), "--out", str(tmp_path / "run"), "--quiet", "--seed", "3"]) == 0
    assert (tmp_path / "run" / "alliances.parquet").is_file()


def test_case_tesla_writes_its_contrast(tmp_path):
    tesla = importlib.import_module("case_tesla")
    assert tesla.main(["--seeds", "3", "--out", str(tmp_path / "t")]) == 0
    assert (tmp_path / "t" / "contrast.png").stat().st_size > 10_000
    summary = json.loads((tmp_path / "t" / "summary.json").read_text())
    assert len(summary) == 2


@pytest.mark.slow
def test_tesla_contrast_comes_from_learning_capture():
    """Same venture, same partners: only the capture rate differs; it carries the venture's know-how (far apart) and,
    through it, the success of the venture's alliances (a few points, pooled over the runs)."""
    tesla = importlib.import_module("case_tesla")
    from _case_runs import rate_with_ci, run_seeds

    fast, slow = tesla.scenarios().values()
    assert fast.flat().keys() == slow.flat().keys()
    assert [k for k in fast.flat() if fast.flat()[k] != slow.flat()[k]] == ["firms.small.capture_rate"]
    knowhow, success = [], []
    for cfg in (fast, slow):
        tables = run_seeds(cfg, range(40), tesla.collect, desc="tesla")
        last = tables["knowhow"].groupby("seed")["knowhow"].last()
        knowhow.append((last.mean(), 1.96 * last.std() / len(last) ** 0.5))
        a = tables["alliances"]
        success.append(rate_with_ci(a.loc[a["end_tick"].notna(), "success"])[0])
    (k_fast, h_fast), (k_slow, h_slow) = knowhow
    assert k_fast - h_fast > k_slow + h_slow
    assert success[0] > success[1]


def test_case_lego_writes_its_contrast_and_ingredients(tmp_path):
    lego = importlib.import_module("case_lego")
    licensing, selective = lego.worlds().values()
    variants = lego.one_at_a_time(licensing, selective)
    # every difference between the two worlds belongs to exactly one ingredient
    differ = {k for k, v in licensing.flat().items() if v != selective.flat()[k]}
    switched = [k for cfg in variants.values() for k, v in cfg.flat().items() if v != licensing.flat()[k]]
    assert sorted(switched) == sorted(differ)
    assert lego.main(["--seeds", "1", "--out", str(tmp_path / "l")]) == 0
    assert (tmp_path / "l" / "contrast.png").stat().st_size > 10_000


def test_lego_overload_is_what_sinks_the_licensing_world():
    lego = importlib.import_module("case_lego")
    from _case_runs import run_seeds

    licensing, selective = lego.worlds().values()
    capacity = lego.one_at_a_time(licensing, selective)["no more alliances than capacity"]
    rate = {name: run_seeds(cfg, range(2), lego.collect, desc=name)["runs"]["success_rate"].mean()
            for name, cfg in (("licensing", licensing), ("selective", selective), ("capacity", capacity))}
    assert rate["capacity"] > rate["licensing"] + 0.2  # one ingredient, most of the gap
    assert rate["selective"] - rate["licensing"] > 0.3
