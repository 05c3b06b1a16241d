"""Pattern-oriented calibration (method: findings): declared roles, choice, leave-one-finding-out, seeds, resume."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from sim.calibration import load_calibration_spec, spec_from_dict
from sim.calibration.patterns import OUTPUTS, choose
from sim.calibration.roles import ROLES, default_roles
from sim.calibration.spec import PatternSpec, Target
from sim.cli import main
from sim.config import load_config
from sim.replication.registry import FINDINGS
from sim.replication.seeds import evaluation_seeds, in_ranges
from sim.sweep import read_runs
from tests.calibration.helpers import write

ROOT = Path(__file__).resolve().parent.parent.parent
KEYS = ["learning.general_returns", "execution.health_check_detection"]
# the market population only (R11-R16 share it), small: a run is a fraction of a second
GOOD = {
    "name": "tiny-patterns",
    "method": "findings",
    "set": {"firms.n": 60, "run.ticks": 32, "run.burn_in": 16},
    "fitted": ["R14", "R11", "R12"],
    "held_out": ["R13", "R16"],
    "targets": {"R12": {"value": 0.5, "scale": 0.2}, "R14": {"value": 0.5, "scale": 0.15}},
    "design": {"method": "lhs", "samples": 4, "parameters": {KEYS[0]: {"low": 1.0, "high": 8.0}, KEYS[1]: {"low": 0.0, "high": 1.0}}},
    "replications": 2,
    "seed": 9,
    "calibration_seeds": [100000, 200000],
    "evaluation": {"seed": 42, "runs": 2},
}


def with_(**changes) -> dict:
    data = {**GOOD, **changes}
    return {k: v for k, v in data.items() if v is not None}


def test_spec_declares_roles_in_registry_order_and_the_installed_configs_load():
    spec = spec_from_dict(GOOD)
    assert isinstance(spec, PatternSpec)
    assert spec.fitted == ("R11", "R12", "R14") and spec.held_out == ("R13", "R16") and spec.judged == ("R11", "R12", "R13", "R14", "R16")
    roles = spec.roles()
    assert set(roles.values()) <= set(ROLES) and list(roles) == [f.id for f in FINDINGS]
    assert (roles["R11"], roles["R12"], roles["R14"], roles["R13"], roles["R16"], roles["R1"]) == (
        "fitted", "base_rate", "base_rate", "held_out", "held_out", "held_out")
    assert spec.search.findings == spec.fitted and spec.search.seed_range == (100000, 200000)  # the search judges fitted only
    assert spec_from_dict(with_(held_out=["R13", "R15"])).fingerprint() != spec.fingerprint()
    for path in sorted((ROOT / "configs" / "calibration").glob("patterns*.yaml")):
        loaded = load_calibration_spec(path)
        directional_held_out = [f for f in loaded.held_out if loaded.roles()[f] == "held_out"]
        assert isinstance(loaded, PatternSpec) and directional_held_out, path
    full = load_calibration_spec(ROOT / "configs" / "calibration" / "defaults.yaml")  # the defaults' calibration
    assert len(full.keys) >= 10 and full.search.samples * full.search.replications >= 400
    assert len([f for f in full.held_out if full.roles()[f] == "held_out" and f not in ("R12", "R13", "R14")]) >= 4


BAD = [
    (with_(held_out=["R13", "R12"]), "R12 is also fitted"),
    (with_(fitted=["R11", "R99"]), "R99"),
    (with_(held_out=None), "'held_out'"),
    (with_(fitted=[]), "'fitted'"),
    (with_(targets={"R13": {"value": 0.45, "scale": 0.1}}), "'R13' is not a fitted base rate"),
    (with_(targets={"R11": 0.6}), "'R11' is not a fitted base rate"),
    (with_(targets={"R12": {"value": 0.5, "scale": -1}}), "targets.R12.scale"),
    (with_(calibration_seeds=[5, 500]), "calibration_seeds"),
    (with_(evaluation=None), "'evaluation'"),
    (with_(method="bayes"), "bayes"),
    (with_(particles=30), "particles"),
    (with_(design={"method": "lhs", "samples": 4, "parameters": {"firms.small.capture_rate": {"low": 0.2, "high": 1.7}}}), "firms.small.capture_rate"),
    (with_(design={"method": "grid", "parameters": {}}), "at least one config key"),
    (with_(design={"method": "cubes", "parameters": {KEYS[0]: [1.0]}}), "calibration config key 'design.method'"),
]


@pytest.mark.parametrize("data,needle", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_config_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, data, needle):
    out = tmp_path / "out"
    assert main(["calibrate", str(write(tmp_path, data)), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and err.startswith("alliancesim: error:"), err
    assert not out.exists()


def test_validate_does_not_apply(tmp_path, capsys):
    assert main(["calibrate", str(write(tmp_path, GOOD)), "--out", str(tmp_path / "out"), "--validate"]) == 2
    assert "--validate" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_choice_maximises_the_fitted_share_then_the_base_rates_closeness():
    from sim.sweep.findings import estimate_column, holds_column

    def runs(rows):
        frame = pd.DataFrame(rows, columns=["point", "status", "R11", "R12", "R12_value"])
        return pd.DataFrame({"point": frame["point"], "status": frame["status"],
                             holds_column("R11"): pd.array(frame["R11"], dtype="boolean"),
                             holds_column("R12"): pd.array(frame["R12"], dtype="boolean"),
                             estimate_column("R12"): frame["R12_value"]})

    table = runs([(0, "ok", True, True, 0.62), (0, "ok", True, True, 0.62),
                  (1, "ok", True, True, 0.52), (1, "ok", True, True, 0.48),
                  (2, "ok", True, True, 0.50), (2, "failed", None, None, math.nan),  # a failed run holds nothing
                  (3, "ok", False, True, 0.50), (3, "ok", False, True, 0.50)])
    target = {"R12": Target(0.5, 0.2)}
    point, scores = choose(table, ["R11", "R12"], target)
    assert point == 1  # 0 and 1 both hold everywhere; 1's failure share is closer to 0.5
    s = scores.set_index("point")
    assert s.loc[2, "score"] == 0.5 and s.loc[2, "joint_share"] == 0.5 and s.loc[3, "score"] == 0.5
    assert s.loc[0, "base_rate_distance"] == pytest.approx(0.6)
    assert choose(table, ["R11", "R12"], {})[0] == 0  # no targets: the lowest point among the best
    assert choose(table, ["R12"], target)[0] == 1
    assert choose(table, [], {})[0] == 0


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("patterns")
    cfg = write(folder, GOOD)
    assert main(["calibrate", str(cfg), "--out", str(folder / "out"), "--workers", "1", "--quiet"]) == 0
    return cfg, folder / "out"


def test_outputs_hold_the_roles_the_choice_and_leave_one_finding_out(calibrated):
    cfg, out = calibrated
    spec = load_calibration_spec(cfg)
    search = read_runs(out / "search")
    assert [c for c in search.columns if c.endswith("_holds")] == ["R11_holds", "R12_holds", "R14_holds"]  # held out: never in the search
    assert search["seed"].between(100000, 199999).all() and len(search) == 4 * 2
    chosen, _ = choose(search, spec.fitted, spec.targets)
    findings = pd.read_csv(out / "findings.csv")
    assert list(findings.columns) == OUTPUTS["findings.csv"] and list(findings["finding"]) == list(spec.judged)
    assert dict(zip(findings["finding"], findings["role"])) == {f: spec.roles()[f] for f in spec.judged}
    assert findings.loc[findings["role"] == "held_out", "calibration_share"].isna().all()
    lofo = pd.read_csv(out / "lofo.csv")
    assert list(lofo.columns) == [*OUTPUTS["lofo.csv"], *KEYS] and list(lofo["finding"]) == list(spec.fitted)
    assert lofo["holds_share"].between(0, 1).all()
    for row in lofo.itertuples():
        without = [f for f in spec.fitted if f != row.finding]
        assert row.point == choose(search, without, {k: t for k, t in spec.targets.items() if k != row.finding})[0]
    evaluation = read_runs(out / "evaluation")
    seeds = evaluation_seeds(42, 2)
    assert sorted(set(evaluation["seed"])) == sorted(seeds) and not any(in_ranges(s) for s in seeds)
    assert not set(evaluation["seed"]) & set(search["seed"])
    assert len(evaluation) == 2 * len({chosen, *lofo["point"]})
    ev_chosen = evaluation[evaluation["point"] == 0]  # the chosen point is evaluated first
    assert findings.set_index("finding").loc["R13", "holds_share"] == pytest.approx(ev_chosen["R13_holds"].astype(bool).mean())
    design = pd.read_parquet(out / "search" / "design.parquet").set_index("point")
    config = load_config(out / "calibrated.yaml")
    assert config.learning.general_returns == design.loc[chosen, KEYS[0]] and config.firms.n == 60
    points = pd.read_csv(out / "points.csv")
    assert points["chosen"].sum() == 1 and int(points.loc[points["chosen"], "point"].iloc[0]) == chosen
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["roles"] == spec.roles() and manifest["chosen_point"] == chosen and "commit" in manifest["git"]
    assert json.loads((out / "calibration.json").read_text())["roles"] == spec.roles()
    report = (out / "report.md").read_text()
    assert "Fitted (declared before anything ran): R11, R12, R14. Held out: R13, R16." in report
    assert (out / "plots" / "findings.png").stat().st_size > 10_000


def test_the_same_command_resumes_without_rerunning_and_another_calibration_is_refused(calibrated, capsys):
    cfg, out = calibrated
    before = {name: (out / name).read_text() for name in ("findings.csv", "lofo.csv", "points.csv")}
    parts = sorted(p.name for p in (out / "search" / "runs").iterdir())
    assert main(["calibrate", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert sorted(p.name for p in (out / "search" / "runs").iterdir()) == parts
    assert {name: (out / name).read_text() for name in before} == before
    capsys.readouterr()
    other = write(cfg.parent, with_(held_out=["R13"]), name="other")
    assert main(["calibrate", str(other), "--out", str(out), "--quiet"]) == 2
    assert "different calibration" in capsys.readouterr().err


def test_the_replication_table_shows_each_findings_role_in_the_defaults_calibration():
    from sim.config import CONFIGS_DIR, DEFAULTS_CALIBRATION
    from sim.replication.registry import population_configs
    from sim.replication.registry import FINDING_BY_ID
    from sim.replication.summary import FINDINGS_COLUMNS, findings_table

    roles = default_roles()
    assert roles == load_calibration_spec(CONFIGS_DIR / DEFAULTS_CALIBRATION).roles()
    spec = load_calibration_spec(CONFIGS_DIR / DEFAULTS_CALIBRATION)
    assert {f for f, r in roles.items() if r == "base_rate"} == {"R12", "R13", "R14"}  # fitted as levels
    assert {f for f, r in roles.items() if r == "fitted"} == set(spec.fitted) - {"R12", "R13", "R14"}
    assert {f for f, r in roles.items() if r == "held_out"} == set(spec.held_out)
    assert len([f for f in spec.held_out if FINDING_BY_ID[f].kind.name == "emergent"]) >= 4  # issue 23: at least four
    v = pd.DataFrame([{"finding": f.id, "run": 0, "seed": 1, "arm": "baseline", "sample": "study", "holds": True,
                       "estimate": 0.1, "std_error": 0.1, "p_value": 0.01, "success_rate": 0.5, "approval_rate": 0.5,
                       "error": ""} for f in FINDINGS])
    table = findings_table(v, population_configs())
    assert "role" in FINDINGS_COLUMNS and dict(zip(table["finding"], table["role"])) == roles



def test_the_confirmation_race_reruns_each_choices_best_points_on_fresh_calibration_seeds(tmp_path):
    """confirm: {points, replications}: the best points of the choice and of every leave-one-out choice run again on
    shared calibration seeds no search run used, and each choice is made among its points on the pooled runs."""
    from sim.calibration.patterns import confirmation_seeds
    from sim.config import ConfigError

    with pytest.raises(ConfigError, match="confirm"):
        spec_from_dict(with_(confirm={"points": 2}))
    with pytest.raises(ConfigError, match="confirm.replications"):
        spec_from_dict(with_(confirm={"points": 2, "replications": 0}))
    spec = spec_from_dict(with_(confirm={"points": 2, "replications": 2}))
    assert spec.confirm.points == 2 and spec.fingerprint() != spec_from_dict(GOOD).fingerprint()
    seeds = confirmation_seeds(spec, taken={100001})
    assert len(seeds) == 2 and len(set(seeds)) == 2 and 100001 not in seeds
    assert all(100000 <= s < 200000 for s in seeds) and seeds == confirmation_seeds(spec, taken={100001})

    cfg = write(tmp_path, with_(confirm={"points": 2, "replications": 2}))
    out = tmp_path / "out"
    assert main(["calibrate", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    search, confirmed = read_runs(out / "search"), read_runs(out / "confirm")
    assert set(confirmed["seed"]).isdisjoint(set(search["seed"])) and confirmed.groupby("point")["seed"].nunique().eq(2).all()
    points = pd.read_csv(out / "points.csv")
    raced = points[points["confirmed_score"].notna()]
    assert 2 <= len(raced) <= 2 * (1 + len(spec.fitted))  # each choice's 2 best points, overlapping
    assert bool(points.loc[points["chosen"], "confirmed_score"].notna().all())  # the choice is among the raced points


def test_the_placebo_race_counts_findings_reproduced_and_breaks_ties_by_the_search_order():
    from sim.calibration.patterns import race_choice

    def rows(point, statuses):
        return [{"point": point, "rank": 0, "finding": f, "status": s, "reproduced_share": 1.0, "placebo_share": 0.0}
                for f, s in statuses.items()]

    race = pd.DataFrame(rows(7, {"R1": "reproduced", "R3": "not reproduced", "R4": "reproduced"})
                        + rows(3, {"R1": "reproduced", "R3": "reproduced", "R4": "reproduced"})
                        + rows(5, {"R1": "not reproduced", "R3": "reproduced", "R4": "reproduced"}))
    assert race_choice(race, ["R1", "R3", "R4"], [7, 3, 5]) == 3  # three reproduced beat two
    assert race_choice(race, ["R1", "R4"], [7, 3, 5]) == 7  # two each at 7 and 3: the better search rank
    assert race_choice(race, ["R3"], [7, 5, 3]) == 5
    assert race_choice(race, [], [5, 3]) == 5  # nothing to count: the search's order alone
    from sim.calibration.patterns import finalists

    assert finalists(race, ["R1", "R3", "R4"], [7, 3, 5], 2) == [3, 7]  # three reproduced first, then the search order
    assert finalists(race, ["R3"], [7, 3, 5], 3) == [3, 5, 7]
    assert finalists(race, [], [5, 3, 7], 2) == [5, 3]


def test_the_placebo_race_is_declared_with_its_points_and_runs_and_draws_fresh_calibration_seeds():
    from sim.calibration.patterns import race_seeds
    from sim.config import ConfigError

    with pytest.raises(ConfigError, match="placebos"):
        spec_from_dict(with_(placebos={"points": 2}))
    with pytest.raises(ConfigError, match="placebos.runs"):
        spec_from_dict(with_(placebos={"points": 2, "runs": 0}))
    spec = spec_from_dict(with_(placebos={"points": 2, "runs": 3}, confirm={"points": 2, "replications": 2}))
    assert spec.placebos.runs == 3 and spec.fingerprint() != spec_from_dict(with_(confirm={"points": 2, "replications": 2})).fingerprint()
    from sim.calibration.patterns import confirmation_seeds

    confirm = confirmation_seeds(spec, taken=set())
    seeds = race_seeds(spec, taken={100001, *confirm})
    assert len(set(seeds)) == 3 and not set(seeds) & {100001, *confirm}
    assert all(100000 <= s < 200000 for s in seeds) and seeds == race_seeds(spec, taken={100001, *confirm})


def test_the_second_race_needs_a_first_no_more_points_than_it_and_draws_seeds_no_earlier_stage_used():
    from sim.calibration.patterns import race_seeds, rerace_seeds
    from sim.config import ConfigError

    with pytest.raises(ConfigError, match="rerace"):
        spec_from_dict(with_(rerace={"points": 2, "runs": 2}))  # no first race
    with pytest.raises(ConfigError, match="rerace.points"):
        spec_from_dict(with_(placebos={"points": 2, "runs": 2}, rerace={"points": 3, "runs": 2}))
    with pytest.raises(ConfigError, match="rerace.runs"):
        spec_from_dict(with_(placebos={"points": 2, "runs": 2}, rerace={"points": 2, "runs": 0}))
    first = spec_from_dict(with_(placebos={"points": 3, "runs": 2}))
    spec = spec_from_dict(with_(placebos={"points": 3, "runs": 2}, rerace={"points": 2, "runs": 3}))
    assert spec.rerace.points == 2 and spec.fingerprint() != first.fingerprint()
    raced = race_seeds(spec, taken={100001})
    seeds = rerace_seeds(spec, taken={100001, *raced})
    assert len(set(seeds)) == 3 and not set(seeds) & {100001, *raced} and all(100000 <= s < 200000 for s in seeds)


@pytest.mark.slow
def test_the_placebo_race_runs_the_protocol_at_the_best_points_and_chooses_among_them(tmp_path):
    """placebos: {points, runs}: the best points run every population with its placebos on fresh calibration seeds;
    placebos.csv holds each fitted finding's verdict there, and the choice is one of the raced points."""
    cfg = write(tmp_path, with_(placebos={"points": 2, "runs": 2}))
    out = tmp_path / "out"
    assert main(["calibrate", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    race = pd.read_csv(out / "placebos.csv")
    assert list(race.columns) == OUTPUTS["placebos.csv"]
    assert race["point"].nunique() == 2 and set(race["finding"]) == set(GOOD["fitted"])
    assert set(race["rank"]) == {0, 1} and race["status"].isin(["reproduced", "not reproduced", "calibrated", "off target"]).all()
    points = pd.read_csv(out / "points.csv")
    raced = points[points["race_reproduced"].notna()]
    assert set(raced["point"]) == set(race["point"])
    assert int(points.loc[points["chosen"], "point"].iloc[0]) in set(race["point"])
    search = set(read_runs(out / "search")["seed"])
    for point in race["point"].unique():
        manifest = json.loads((out / "placebos" / f"point-{point}" / "manifest.json").read_text())
        assert len(manifest["seeds"]) == 2 and not set(manifest["seeds"]) & search
        assert all(100000 <= s < 200000 for s in manifest["seeds"])
    assert "Placebo race" in (out / "report.md").read_text()
    assert main(["calibrate", str(cfg), "--out", str(out), "--workers", "1", "--quiet"]) == 0  # resumes: nothing new
    assert pd.read_csv(out / "placebos.csv").equals(race)


@pytest.mark.slow
def test_the_second_race_runs_the_first_races_best_points_again_and_chooses_among_them(tmp_path):
    """rerace: {points, runs}: the first race's best points run the protocol again on seeds no earlier stage used;
    rerace.csv holds their verdicts, the choice is one of them, and the report and calibrated.yaml say so."""
    cfg = write(tmp_path, with_(placebos={"points": 3, "runs": 2}, rerace={"points": 2, "runs": 2}))
    out = tmp_path / "out"
    assert main(["calibrate", str(cfg), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    race, again = pd.read_csv(out / "placebos.csv"), pd.read_csv(out / "rerace.csv")
    assert list(again.columns) == OUTPUTS["rerace.csv"] and race["point"].nunique() == 3
    assert again["point"].nunique() == 2 and set(again["point"]) <= set(race["point"]) and set(again["rank"]) == {0, 1}
    points = pd.read_csv(out / "points.csv")
    assert set(points.loc[points["rerace_reproduced"].notna(), "point"]) == set(again["point"])
    assert int(points.loc[points["chosen"], "point"].iloc[0]) in set(again["point"])
    earlier = set(read_runs(out / "search")["seed"])
    for point in race["point"].unique():
        earlier |= set(json.loads((out / "placebos" / f"point-{point}" / "manifest.json").read_text())["seeds"])
    for point in again["point"].unique():
        seeds = json.loads((out / "rerace" / f"point-{point}" / "manifest.json").read_text())["seeds"]
        assert len(seeds) == 2 and not set(seeds) & earlier
    assert "Second race" in (out / "report.md").read_text() and "# Second race" in (out / "calibrated.yaml").read_text()
