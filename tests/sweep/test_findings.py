"""Findings sweeps (evaluate: findings): the runs table, executors, SIGKILL and resume, bad ids, the findings map."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.config import ConfigError
from sim.replication.registry import FINDINGS
from sim.sweep import load_sweep_spec, read_runs, run_sweep, spec_from_dict
from sim.sweep.analyze import FINDINGS_FILES, changed_keys, cooccurrence, findings_map, findings_points
from sim.sweep.findings import populations_of
from tests.sweep.helpers import comparable, kill_sweep_after, same_rows_on_pool_and_dask, write_sweep

SMALL = {"firms.n": 40, "run.ticks": 24, "run.burn_in": 12}  # every study population this small: ~0.4 s a run
KEYS = ["learning.general_returns", "learning.knowledge_redundancy", "execution.coordination_penalty"]
DESIGN = {"method": "grid", "parameters": {KEYS[0]: [2.0, 8.0], KEYS[1]: [0.0, 0.5, 1.0], KEYS[2]: [0.5]}}  # 3 keys, 6 points
IDS = [f.id for f in FINDINGS]


def findings_sweep(folder: Path, name: str = "findings", **extra) -> Path:
    return write_sweep(folder, name=name, design=DESIGN, replications=1, seed=5, fixed=SMALL, evaluate="findings", **extra)


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The reference: the 3-key, 6-point findings sweep run in process, then analysed."""
    folder = tmp_path_factory.mktemp("findings")
    cfg = findings_sweep(folder)
    assert main(["sweep", str(cfg), "--out", str(folder / "out"), "--workers", "1", "--quiet"]) == 0
    # two outcomes for the effect plots (drawing all sixteen panels per key costs seconds); the map covers every finding
    assert main(["analyze", str(folder / "out"), "--metrics", "R4_holds", "R12_estimate"]) == 0
    return cfg, folder / "out"


def test_runs_table_has_a_holds_and_an_estimate_column_per_finding(serial):
    cfg, out = serial
    runs = read_runs(out)
    assert len(runs) == 6 and (runs["status"] == "ok").all()
    assert runs[KEYS].drop_duplicates().shape[0] == 6
    for f in IDS:
        assert runs[f"{f}_holds"].dtype == "boolean" and runs[f"{f}_estimate"].dtype == "float64"
    assert list(runs.columns[:7]) == ["point", "replication", "seed", "status", *KEYS]
    holds = runs[[f"{f}_holds" for f in IDS]]
    assert holds.any().any() and not holds.all().all()  # some findings hold somewhere, not all everywhere
    # at this size some designs cannot be fitted: recorded, and their findings do not hold
    failed_fits = runs["fit_errors"].fillna("")
    assert failed_fits.str.contains("projects: not estimable").all()
    assert not runs.loc[failed_fits.str.contains("projects"), ["R1_holds", "R2_holds", "R3_holds"]].any().any()
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["evaluate"] == "findings" and manifest["findings"] == IDS
    assert set(manifest["spec"]["evaluate"]["populations"]) == {"projects", "firm_panel", "competing_risks", "shares"}


def test_findings_map_shares_equal_a_recomputation_from_read_runs(serial):
    cfg, out = serial
    runs = read_runs(out)
    table = pd.read_csv(out / "analysis" / "findings_map.csv")
    assert list(table.columns) == FINDINGS_FILES["findings_map.csv"] and list(table["finding"]) == IDS
    for row in table.itertuples():
        holds = runs[f"{row.finding}_holds"].astype(bool)
        assert row.share_holds == pytest.approx(holds.mean())
        assert row.points == 6 and row.runs == 6
        assert row.points_always == int(holds.sum()) and row.points_never == int((~holds).sum())  # one run a point
    pairs = pd.read_csv(out / "analysis" / "findings_cooccurrence.csv")
    assert list(pairs.columns) == FINDINGS_FILES["findings_cooccurrence.csv"] and len(pairs) == 16 * 16
    pair = pairs.set_index(["finding", "with"])
    for a, b in [("R4", "R7"), ("R12", "R14"), ("R5", "R6")]:
        x, y = runs[f"{a}_holds"].astype(bool), runs[f"{b}_holds"].astype(bool)
        assert pair.loc[(a, b), "share_both"] == pytest.approx((x & y).mean())
        if x.any():
            assert pair.loc[(a, b), "share_given"] == pytest.approx((x & y).sum() / x.sum())
    boxes = pd.read_csv(out / "analysis" / "findings_boxes.csv")
    assert list(boxes.columns) == FINDINGS_FILES["findings_boxes.csv"] and set(boxes["key"]) == set(KEYS)
    varying = [f for f in IDS if 0 < runs[f"{f}_holds"].astype(bool).mean() < 1]
    assert varying and boxes[boxes["finding"].isin(varying)]["density"].gt(0).all()
    never = [f for f in IDS if not runs[f"{f}_holds"].any()]
    assert (boxes[boxes["finding"].isin(never)]["note"] == "holds in no run: no box").all()
    per_point = pd.read_csv(out / "analysis" / "findings_points.csv")
    assert list(per_point.columns) == FINDINGS_FILES["findings_points.csv"] and len(per_point) == 6 * 16
    cell = per_point.set_index(["point", "finding"])
    for (point, f), row in cell.iterrows():  # one run a point: its share is that run's verdict
        assert row["share_holds"] == float(runs.loc[runs["point"] == point, f"{f}_holds"].astype(bool).iloc[0])
        assert row["estimate_mean"] == pytest.approx(runs.loc[runs["point"] == point, f"{f}_estimate"].iloc[0], nan_ok=True)
    plots = {p.name for p in (out / "analysis" / "plots").iterdir()}
    assert {"findings_shares.png", "findings_cooccurrence.png", "findings_points.png", f"effect_{KEYS[0]}.png"} <= plots
    points = pd.read_csv(out / "analysis" / "points.csv").set_index(["point", "metric"])
    assert points.loc[(0, "R4_holds"), "mean"] == float(runs.loc[0, "R4_holds"])  # a holds column's mean is a share


def test_per_point_table_and_labels_on_a_known_runs_table():
    runs = pd.DataFrame({"point": [0, 0, 1, 1, 2, 2], "status": ["ok"] * 5 + ["failed"],
                         "a.x": [1.0, 1.0, 0.0, 0.0, 1.0, 1.0], "a.n": [8, 8, 8, 8, 3, 3],
                         "R1_holds": pd.array([True, False, False, False, True, None], dtype="boolean"),
                         "R1_estimate": [0.5, 0.3, -0.1, 0.1, 0.7, np.nan]})
    assert changed_keys(runs, ["a.x", "a.n"]).to_dict() == {0: "base", 1: "a.x=0", 2: "a.n=3"}
    table = findings_points(runs, ["R1"], ["a.x", "a.n"]).set_index("point")
    assert table["share_holds"].tolist() == [0.5, 0.0, 1.0] and table["runs"].tolist() == [2, 2, 1]  # a failed run is left out
    assert table.loc[0, "estimate_mean"] == pytest.approx(0.4) and table.loc[0, "estimate_sd"] == pytest.approx(np.std([0.5, 0.3], ddof=1))
    assert np.isnan(table.loc[2, "estimate_sd"]) and table.loc[1, "changed"] == "a.x=0"


def test_an_ablation_sweep_labels_each_point_by_the_key_it_switches(tmp_path):
    design = {"method": "ablate", "parameters": {"learning.general_returns": 0, "learning.partner_specific_effect": [1.5]}}
    cfg = write_sweep(tmp_path, name="ablate", design=design, replications=1, seed=5, fixed=SMALL, evaluate="findings",
                      findings=["R4", "R12"])
    out = tmp_path / "out"
    assert main(["sweep", str(cfg), "--out", str(out), "--workers", "1", "--quiet", "--analyze"]) == 0
    runs = read_runs(out)
    assert runs["learning.general_returns"].tolist()[1] == 0.0 and runs["learning.partner_specific_effect"].tolist() == [0.0, 0.0, 1.5]
    per_point = pd.read_csv(out / "analysis" / "findings_points.csv")
    assert per_point.drop_duplicates("point")["changed"].tolist() == ["base", "learning.general_returns=0",
                                                                       "learning.partner_specific_effect=1.5"]
    assert (out / "analysis" / "plots" / "findings_points.png").is_file()


def test_map_tables_on_a_known_runs_table():
    runs = pd.DataFrame({"point": [0, 0, 1, 1, 2], "status": ["ok"] * 4 + ["failed"],
                         "A_holds": pd.array([True, True, False, True, None], dtype="boolean"),
                         "B_holds": pd.array([True, False, False, False, None], dtype="boolean")})
    table = findings_map(runs.rename(columns={"A_holds": "R1_holds", "B_holds": "R2_holds"}), ["R1", "R2"]).set_index("finding")
    assert table.loc["R1", "share_holds"] == 0.75 and table.loc["R1", "runs"] == 4 and table.loc["R1", "points"] == 2
    assert table.loc["R1", "points_always"] == 1 and table.loc["R2", "points_never"] == 1
    pairs = cooccurrence(runs.rename(columns={"A_holds": "R1_holds", "B_holds": "R2_holds"}), ["R1", "R2"]).set_index(["finding", "with"])
    assert pairs.loc[("R1", "R2"), "share_both"] == 0.25 and pairs.loc[("R2", "R1"), "share_given"] == 1.0
    assert pairs.loc[("R1", "R2"), "share_given"] == pytest.approx(1 / 3)
    assert pairs.loc[("R1", "R2"), "phi"] == pytest.approx(np.corrcoef([1, 1, 0, 1], [1, 0, 0, 0])[0, 1])


@pytest.mark.slow
def test_same_rows_on_2_workers_and_on_dask(serial, tmp_path):
    cfg, out = serial
    same_rows_on_pool_and_dask(cfg, out, tmp_path)


@pytest.mark.slow
def test_sigkill_mid_sweep_then_resume_gives_the_uninterrupted_rows(serial, tmp_path):
    cfg, out = serial
    kill_sweep_after(cfg, tmp_path / "killed", parts=2)
    partial = read_runs(tmp_path / "killed")
    assert 2 <= len(partial) < 6
    report = run_sweep(load_sweep_spec(cfg), tmp_path / "killed", workers=2, progress=False)
    assert report.skipped == len(partial) and report.ran == 6 - len(partial)
    resumed = comparable(pd.read_parquet(tmp_path / "killed" / "runs"))
    assert not resumed.duplicated(["point", "replication"]).any()
    pd.testing.assert_frame_equal(comparable(read_runs(tmp_path / "killed")), comparable(read_runs(out)))


@pytest.mark.parametrize("findings,needle", [(["R4", "R99"], "R99"), (["R4", "R4"], "listed twice"), ([], "[]"), ("R4", "'R4'")])
def test_a_bad_finding_id_exits_2_with_one_line_naming_it(tmp_path, capsys, findings, needle):
    cfg = findings_sweep(tmp_path, findings=findings)
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "findings" in err and err.startswith("alliancesim: error:")
    assert not (tmp_path / "out").exists()


def test_other_refusals_name_the_key_before_anything_runs():
    base = {"set": SMALL, "design": DESIGN}
    for data, needle in [({**base, "evaluate": "outcomes"}, "'evaluate'"),
                         ({**base, "findings": ["R4"]}, "needs evaluate: findings"),
                         ({**base, "evaluate": "findings", "outputs": {"alliances": True}}, "outputs.alliances"),
                         ({"set": SMALL, "evaluate": "findings", "design": {"method": "grid", "parameters": {"firms.small.capture_rate": [0.2, 1.7]}}},
                          "1.7")]:
        with pytest.raises(ConfigError, match=needle.replace(".", r"\.")):
            spec = spec_from_dict(data)
            run_sweep(spec, Path("/nonexistent/never-made"), workers=1, progress=False)


def test_a_run_judges_only_the_listed_findings_on_the_populations_they_need(tmp_path, monkeypatch):
    """Two base rates need one population; a crashed run is a failed row and the sweep goes on."""
    import sim.replication.runs as runs_module

    assert populations_of(["R12", "R14"]) == {"shares": ["base_rates"]}
    real = runs_module.fit_designs

    def flaky(config, seed, designs, published=False):
        if config.learning.general_returns == 8.0 and config.learning.knowledge_redundancy == 1.0:
            raise RuntimeError("boom in a test")
        return real(config, seed, designs, published)

    monkeypatch.setattr(runs_module, "fit_designs", flaky)
    cfg = findings_sweep(tmp_path, findings=["R14", "R12"])
    assert main(["sweep", str(cfg), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 1
    runs = read_runs(tmp_path / "out")
    assert [c for c in runs.columns if c.startswith("R")] == ["R12_holds", "R12_estimate", "R14_holds", "R14_estimate"]
    failed = runs[runs["status"] == "failed"]
    assert len(failed) == 1 and failed["error"].str.contains("RuntimeError: boom in a test").all()
    assert failed["R12_holds"].isna().all() and runs.loc[runs["status"] == "ok", "R12_estimate"].between(0, 1).all()
    assert main(["analyze", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out" / "analysis" / "findings_map.csv").set_index("finding")
    assert table.loc["R12", "runs"] == 5 and table.loc["R12", "points"] == 5  # the failed run is left out
    points = pd.read_csv(tmp_path / "out" / "analysis" / "points.csv")  # by default: whether each finding holds
    assert set(points["metric"]) == {"R12_holds", "R14_holds"} and points["mean"].between(0, 1).all()


def test_populations_are_configured_as_replicate_configures_them(tmp_path):
    """Study file (or the sweep's base file instead), then set as given (even a value equal to the default), then the point."""
    from sim.config import Config
    from sim.sweep.findings import point_configs, population_identity

    default_n = Config().firms.n
    spec = spec_from_dict({"set": {"firms.n": default_n}, "evaluate": "findings", "findings": ["R1", "R12"], "design": DESIGN})
    populations = population_identity(spec)
    assert set(populations) == {"projects", "shares"}
    assert all(p["firms"]["n"] == default_n for p in populations.values())  # not the study files' 550 and 1,200
    at = point_configs(spec.findings, spec.study_overrides, {KEYS[0]: 3.0}, spec.study_base)
    assert at["projects"].learning.general_returns == 3.0 and at["shares"].firms.n == default_n
    (tmp_path / "mine.yaml").write_text("firms:\n  share_large: 0.3\n")
    mine = spec_from_dict({"base": "mine.yaml", "evaluate": "findings", "findings": ["R1", "R12"], "design": DESIGN},
                          file=tmp_path / "sweep.yaml")
    assert {p["firms"]["share_large"] for p in population_identity(mine).values()} == {0.3}
    assert mine.fingerprint() != spec.fingerprint()
