"""Bad input, damaged folders and signals (issue 12): every case one short stderr line, exit 2, nothing written.

Most cases run the command in process (``main``), with the working directory
in a temporary folder, so a default ``results/`` would show up there too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from annotated_types import Ge, Gt, Le, Lt
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim import ConfigError, load_config
from sim.cli import main
from sim.config import MAX_MAGNITUDE, MAX_MESSAGE, Config
from sim.outputs import atomic_dir
from sim.sweep import load_runs, load_sweep_spec, run_sweep
from tests.strategies import inside, outside
from tests.sweep.helpers import write_sweep

ROOT = Path(__file__).resolve().parents[2]
FAST = ["--set", "firms.n=20", "--set", "run.ticks=2", "--set", "run.burn_in=4", "--quiet"]
LINE_LIMIT = MAX_MESSAGE + len("alliancesim: error: ") + 50  # "a few hundred characters"


def call(args: list[str], capsys) -> tuple[int, str, str]:
    """Run the command in process: (exit status, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_refused(code: int, err: str, *fragments: str, status: int = 2) -> str:
    assert code == status, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err[:2000]
    assert len(lines[0]) < LINE_LIMIT, lines[0][:500]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def here(tmp_path, monkeypatch):
    """An empty working directory (inputs go beside it, in tmp_path); the test asserts nothing was written into it."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


def nothing_written(folder: Path) -> bool:
    return not any(folder.iterdir())


# ------------------------------------------------------------- config values
BAD_SETS = [
    ("learning.partner_specific_effect=nan", "nan"),
    ("learning.partner_specific_effect=.nan", "nan"),
    ("learning.partner_specific_effect=inf", "inf"),
    ("learning.partner_specific_effect=-inf", "-inf"),
    ("negotiation.value_sd=inf", "inf"),
    ("negotiation.value_sd=.inf", "inf"),
    ("learning.general_returns=1e308", "1e308"),
    ("learning.general_returns=1.0e+308", "1e+308"),
    ("portfolio.overconfidence=inf", "inf"),
    ("selection.search_probability=1.5", "1.5"),
]


@pytest.mark.parametrize(("setting", "shown"), BAD_SETS)
@pytest.mark.parametrize("command", ["run", "validate"])
def test_non_finite_and_huge_floats_are_refused(here, capsys, command, setting, shown):
    config = [] if command == "run" else [ROOT / "configs" / "baseline.yaml"]
    code, out, err = call([command, *config, "--set", setting, *(FAST if command == "run" else [])], capsys)
    assert_refused(code, err, setting.split("=")[0], shown)
    assert "valid" not in out and nothing_written(here)


def _float_fields(model: type[BaseModel] = Config, prefix: str = "") -> dict[str, tuple[float, float, bool, bool]]:
    """Every float field of the schema: (low, high, low excluded, high excluded), within MAX_MAGNITUDE."""
    fields = {}
    for name, info in model.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            fields.update(_float_fields(info.annotation, f"{prefix}{name}."))
        elif info.annotation is float:
            low, high, open_low, open_high = -MAX_MAGNITUDE, MAX_MAGNITUDE, False, False
            for m in info.metadata:
                if isinstance(m, Ge):
                    low, open_low = m.ge, False
                elif isinstance(m, Gt):
                    low, open_low = m.gt, True
                elif isinstance(m, Le):
                    high, open_high = m.le, False
                elif isinstance(m, Lt):
                    high, open_high = m.lt, True
            fields[f"{prefix}{name}"] = (low, high, open_low, open_high)
    return fields


FLOAT_FIELDS = _float_fields()


def test_the_schema_has_float_fields_to_test():
    assert len(FLOAT_FIELDS) > 50 and "learning.partner_specific_effect" in FLOAT_FIELDS


@pytest.mark.parametrize("key", sorted(FLOAT_FIELDS))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_every_float_field_takes_finite_values_in_bounds_and_refuses_the_rest(key, data):
    low, high, open_low, open_high = FLOAT_FIELDS[key]
    value = data.draw(inside(low, high, open_low, open_high), "inside")
    assert load_config(overrides={key: value}).flat()[key] == value
    bad = data.draw(outside(MAX_MAGNITUDE), "outside")
    with pytest.raises(ConfigError) as err:
        load_config(overrides={key: bad})
    assert key in str(err.value) and "\n" not in str(err.value)


# --------------------------------------------------------------- config files
def _bomb() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join([*lines, "firms:", "  n: *i"]) + "\n"


CONFIG_FILES = {
    "non-utf8": (b"firms:\n  n: 10\n# caf\xe9\n", ["l.yaml", "UTF-8", "0xe9"]),
    "binary": (bytes(range(256)) * 4, ["l.yaml", "UTF-8"]),
    "nul bytes": (b"firms:\n  n: 10\x00\n", ["l.yaml", "YAML"]),
    "empty": (b"", ["l.yaml", "empty"]),
    "only comments": (b"# nothing here\n", ["l.yaml", "empty"]),
    "duplicate key": (b"firms:\n  n: 10\n  n: 20\n", ["l.yaml", "'n'", "twice", "lines 2 and 3"]),
    "duplicate section": (b"firms:\n  n: 10\nrun:\n  ticks: 2\nfirms:\n  n: 20\n", ["'firms'", "twice"]),
    "anchor bomb": (_bomb().encode(), ["l.yaml", "expands"]),
    "self reference": (b"firms: &r\n  n: [*r]\n", ["l.yaml", "expands"]),
    "deep nesting": (b"firms: " + b"[" * 5000 + b"]" * 5000 + b"\n", ["l.yaml", "nested too deeply"]),
    "list, not mapping": (b"- 1\n- 2\n", ["l.yaml", "mapping"]),
    "huge bad value": (b'selection:\n  search_probability: "' + b"x" * 1_000_000 + b'"\n', ["selection.search_probability", "xxx..."]),
}


@pytest.mark.parametrize("case", sorted(CONFIG_FILES))
@pytest.mark.parametrize("command", ["run", "validate"])
def test_bad_config_files_are_one_line_errors(here, capsys, command, case):
    content, fragments = CONFIG_FILES[case]
    (here.parent / "l.yaml").write_bytes(content)
    code, _, err = call([command, here.parent / "l.yaml", *(FAST if command == "run" else [])], capsys)
    assert_refused(code, err, *fragments)
    assert nothing_written(here)


def test_a_config_path_that_is_a_folder_is_named_as_one(here, capsys):
    code, _, err = call(["validate", here], capsys)
    assert_refused(code, err, str(here), "is a folder")


def test_a_key_given_twice_with_set_is_refused(here, capsys):
    code, _, err = call(["run", "--set", "selection.search_breadth=3", *FAST, "--set", "selection__search_breadth=4"], capsys)
    assert_refused(code, err, "search_breadth", "twice", "3", "4")
    assert nothing_written(here)


# ---------------------------------------------------------------- arguments
@pytest.mark.parametrize(("args", "fragments"), [
    (["run", "--seed", "-1"], ["--seed", "'-1'"]),
    (["run", "--seed", "abc"], ["--seed", "'abc'"]),
    (["run", "--seed", "1.5"], ["--seed", "'1.5'"]),
    (["validate"], ["required", "CONFIG"]),
    ([], ["required", "COMMAND"]),
    (["run", "--no-such-flag"], ["--no-such-flag"]),
    (["replicate", "--runs", "0"], ["--runs", "'0'"]),
    (["replicate", "--seed", "-3"], ["--seed", "'-3'"]),
    (["sweep", "x.yaml", "--out", "o", "--workers", "0"], ["--workers", "'0'"]),
    (["dashboard", "--port", "70000"], ["--port", "'70000'"]),
    (["dashboard", "--port", "-1"], ["--port", "'-1'"]),
    (["dashboard", "--port", "abc"], ["--port", "'abc'"]),
])
def test_argument_errors_are_one_line_exit_2(here, capsys, args, fragments):
    code, out, err = call(args, capsys)
    assert_refused(code, err, *fragments)
    assert out == "" and nothing_written(here)


# ------------------------------------------------------------------- --out
def _unwritable_outs(tmp: Path) -> dict[str, Path]:
    (tmp / "a-file").write_text("x")
    cases = {"under a file": tmp / "a-file" / "out", "in /sys": Path("/sys/alliancesim-out/x")}
    if os.geteuid() != 0:  # root writes into read-only folders anyway
        (tmp / "ro").mkdir()
        (tmp / "ro").chmod(0o500)
        cases["read-only folder"] = tmp / "ro" / "out"
    return cases


@pytest.mark.parametrize("case", ["under a file", "in /sys", "read-only folder"])
@pytest.mark.parametrize("command", ["run", "replicate", "sweep"])
def test_an_unwritable_out_is_refused_before_any_work(tmp_path, capsys, monkeypatch, command, case):
    outs = _unwritable_outs(tmp_path)
    if case not in outs:
        pytest.skip("running as root: permissions do not stop writes")
    simulated = []
    monkeypatch.setattr("sim.runner.AllianceModel.run", lambda *a, **k: simulated.append(1))
    monkeypatch.setattr("sim.replication.study.replicate", lambda *a, **k: simulated.append(1))
    args = {"run": ["run", *FAST], "replicate": ["replicate", "--quiet"],
            "sweep": ["sweep", write_sweep(tmp_path), "--workers", "1", "--quiet"]}[command]
    before = sorted(tmp_path.rglob("*"))
    code, _, err = call([*args, "--out", outs[case]], capsys)
    assert_refused(code, err, "--out", str(outs[case]))
    assert simulated == [] and sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("command", ["run", "analyze"])
def test_a_non_empty_out_is_refused_by_every_command(tmp_path, capsys, command):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    if command == "analyze":
        cfg = write_sweep(tmp_path, design={"method": "grid", "parameters": {"firms.n": [20]}}, replications=1, fixed={"run.ticks": 2})
        run_sweep(load_sweep_spec(cfg), tmp_path / "sweep", workers=1, progress=False)
        args = ["analyze", tmp_path / "sweep"]
    else:
        args = ["run", *FAST]
    code, _, err = call([*args, "--out", out], capsys)
    assert_refused(code, err, "--out", str(out), "not empty")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_default_run_folder_is_under_the_working_directory_and_unique(here, capsys, monkeypatch):
    from datetime import datetime

    class SameSecond(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 1, 2, 3, 4, 5, tzinfo=tz)

    monkeypatch.setattr("sim.outputs.datetime", SameSecond)
    for _ in range(2):  # same second, same seed
        code, out, err = call(["run", *FAST, "--set", "output.plots=false"], capsys)
        assert code == 0, err
    folders = sorted(p.name for p in (here / "results").iterdir())
    assert folders == ["run-20260102-030405-seed42", "run-20260102-030405-seed42-2"]
    assert all((here / "results" / f / "summary.json").is_file() for f in folders)


def test_a_name_taken_meanwhile_gets_the_next_suffix(tmp_path):
    target = tmp_path / "run-x"
    first, second = atomic_dir(target, unique=True), atomic_dir(target, unique=True)
    with first as a, second as b:  # both started before either finished; the second finishes first
        (a / "who").write_text("first")
        (b / "who").write_text("second")
    assert (second.path, first.path) == (target, tmp_path / "run-x-2")
    assert (first.path / "who").read_text() == "first" and (second.path / "who").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-x", "run-x-2"]


@pytest.mark.slow
def test_three_parallel_default_runs_all_keep_their_results(tmp_path):
    cmd = [sys.executable, "-m", "sim", "run", *FAST]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [r[1] for r in results]
    folders = sorted((tmp_path / "results").iterdir())
    assert len(folders) == 3 and all((f / "alliances.parquet").is_file() for f in folders)
    assert sorted(r[0].split("wrote ")[1].strip() for r in results) == [str(f) for f in folders]


def test_summary_json_is_strict_json_with_null_for_undefined(tmp_path, capsys):
    # No search, so no alliance in the table (the burn-in's are never output): the success rate is undefined.
    code, _, err = call(["run", *FAST, "--set", "selection.search_probability=0", "--out", tmp_path / "r"], capsys)
    assert code == 0, err
    text = (tmp_path / "r" / "summary.json").read_text()
    summary = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    assert summary["success_rate"] is None and summary["alliances"] >= 0


# --------------------------------------------------------------- dashboard
def test_a_busy_dashboard_port_is_refused_before_serving(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "sim", "dashboard", "--host", "127.0.0.1", "--port", str(port)],
                              capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert_refused(proc.returncode, proc.stderr, "--port", str(port), "in use")
    assert "serving" not in proc.stdout


def test_dashboard_port_0_is_a_real_free_port():
    from sim.viz.command import check_port

    port = check_port("127.0.0.1", 0)
    assert 0 < port <= 65535
    with socket.create_server(("127.0.0.1", port)):
        pass  # it was free


# ----------------------------------------------------------------- sweeps
def _sweep_case(tmp: Path, parameters: dict | None = None, design: dict | None = None) -> Path:
    return write_sweep(tmp, design=design or {"method": "grid", "parameters": parameters})


SWEEP_CASES = {
    "quoted int": ({"firms.n": ["20", "30"]}, ["firms.n", "'20'"]),
    "quoted bool": ({"output.plots": ["yes", "no"]}, ["output.plots", "'yes'"]),
    "nan in a grid": ({"learning.partner_specific_effect": [float("nan"), 0.0]}, ["learning.partner_specific_effect", "nan"]),
    "inf in a grid": ({"negotiation.value_sd": [0.3, float("inf")]}, ["negotiation.value_sd", "inf"]),
    "huge in a grid": ({"learning.general_returns": [1e308]}, ["learning.general_returns", "1e+308"]),
    "inf LHS bound": ({"method": "lhs", "samples": 4, "parameters": {"learning.general_returns": {"low": 0, "high": float("inf")}}},
                      ["learning.general_returns", "inf"]),
    "nan LHS bound": ({"method": "lhs", "samples": 4, "parameters": {"learning.general_returns": {"low": float("nan"), "high": 1}}},
                      ["learning.general_returns", "nan"]),
}


@pytest.mark.parametrize("case", sorted(SWEEP_CASES))
def test_bad_sweep_values_are_refused_before_any_folder(tmp_path, capsys, case):
    spec, fragments = SWEEP_CASES[case]
    cfg = _sweep_case(tmp_path, design=spec) if "method" in spec else _sweep_case(tmp_path, parameters=spec)
    code, _, err = call(["sweep", cfg, "--out", tmp_path / "out", "--workers", "1", "--quiet"], capsys)
    assert_refused(code, err, *fragments)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content", [b"name: x\n# caf\xe9\n", bytes(range(256))])
def test_a_binary_sweep_config_is_refused(tmp_path, capsys, content):
    (tmp_path / "s.yaml").write_bytes(content)
    code, _, err = call(["sweep", tmp_path / "s.yaml", "--out", tmp_path / "out", "--quiet"], capsys)
    assert_refused(code, err, "s.yaml", "UTF-8")
    assert not (tmp_path / "out").exists()


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["wall_time"]).sort_values(["point", "replication"], ignore_index=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny 2x2x2 sweep, undamaged, written as four parts of two runs (with alliance tables)."""
    folder = tmp_path_factory.mktemp("reference")
    cfg = write_sweep(folder, outputs={"alliances": True})
    run_sweep(load_sweep_spec(cfg), folder / "out", workers=1, progress=False, flush_rows=2)
    assert len(list((folder / "out" / "runs").glob("part-*.parquet"))) == 4
    return cfg, folder / "out"


def _damage(out: Path, how: str) -> Path:
    parts = sorted((out / "runs").glob("part-*.parquet"))
    if how == "truncated runs part":
        parts[0].write_bytes(parts[0].read_bytes()[: parts[0].stat().st_size // 2])
        return parts[0]
    if how == "0-byte runs part":
        parts[1].write_bytes(b"")
        return parts[1]
    if how == "foreign parquet named like a part":
        path = out / "runs" / "part-foreign.parquet"
        pd.DataFrame({"x": [1, 2]}).to_parquet(path)
        return path
    if how == "foreign file":
        path = out / "runs" / "notes.parquet"
        path.write_text("my notes")
        return path
    if how == "part copied twice":
        path = out / "runs" / "part-copy.parquet"
        shutil.copy(parts[2], path)
        return path
    if how == "truncated alliances part":
        path = sorted((out / "alliances").glob("part-*.parquet"))[3]
        path.write_bytes(path.read_bytes()[:100])
        return path
    raise AssertionError(how)


DAMAGE = ["truncated runs part", "0-byte runs part", "foreign parquet named like a part", "foreign file", "part copied twice", "truncated alliances part"]


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_part_is_named_by_analyze_and_set_aside_on_resume(reference, tmp_path, capsys, how):
    cfg, clean = reference
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    damaged = _damage(out, how)

    code, _, err = call(["analyze", out], capsys)
    assert_refused(code, err, damaged.name, "damaged", "alliancesim sweep")
    assert not (out / "analysis").exists()

    code, _, err = call(["sweep", cfg, "--out", out, "--workers", "1", "--quiet"], capsys)
    assert code == 0, err
    assert damaged.name in err and "rerun" in err
    assert (out / "damaged" / damaged.parent.name / damaged.name).exists() and not damaged.exists()
    pd.testing.assert_frame_equal(comparable(load_runs(out)), comparable(load_runs(clean)))
    key = ["point", "replication", "alliance_id"]
    pd.testing.assert_frame_equal(pd.read_parquet(out / "alliances").sort_values(key, ignore_index=True),
                                  pd.read_parquet(clean / "alliances").sort_values(key, ignore_index=True))
    assert call(["analyze", out], capsys)[0] == 0


@pytest.mark.parametrize("how", ["corrupted", "not a mapping", "deleted"])
def test_a_damaged_or_deleted_sweep_json_is_named(reference, tmp_path, capsys, how):
    cfg, clean = reference
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    manifest = out / "sweep.json"
    {"corrupted": lambda: manifest.write_text(manifest.read_text()[:200]),
     "not a mapping": lambda: manifest.write_text("[1, 2]"),
     "deleted": manifest.unlink}[how]()
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    for args in (["analyze", out], ["sweep", cfg, "--out", out, "--workers", "1", "--quiet"]):
        code, _, err = call(args, capsys)
        line = assert_refused(code, err, "sweep.json")
        assert ("deleted" if how == "deleted" else "damaged") in line
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before


# ----------------------------------------------------------------- signals
def _group(pgid: int) -> list[str]:
    import psutil

    alive = []
    for p in psutil.process_iter(["cmdline", "status"]):
        try:
            if os.getpgid(p.pid) == pgid and p.info["status"] != psutil.STATUS_ZOMBIE:
                alive.append(f"{p.pid} {' '.join(p.info['cmdline'] or [])[:80]}")
        except (ProcessLookupError, psutil.Error):
            continue
    return alive


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)
    return result


@pytest.mark.slow
def test_sigterm_mid_sweep_stops_every_process_and_keeps_finished_runs(tmp_path):
    psutil = pytest.importorskip("psutil")
    # 800 runs: far longer than the first part's flush (5 s), so SIGTERM lands mid-sweep however fast the workers are
    cfg = write_sweep(tmp_path, name="term", replications=200, fixed={"firms.n": 150, "run.ticks": 40})
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(cfg), "--out", str(out), "--workers", "2", "--quiet"],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # workers busy and a first part flushed (every 5 s): there is finished work to keep
        # (workers fork straight from the sweep when it has no other thread, else from a forkserver: >= 2 children either way)
        _wait(lambda: len(psutil.Process(proc.pid).children(recursive=True)) >= 2 and any((out / "runs").glob("part-*.parquet")),
              240, "sweep workers and a first part")
        assert len(_group(proc.pid)) >= 3, _group(proc.pid)  # the sweep and its two workers (and any forkserver, resource tracker)
        os.kill(proc.pid, signal.SIGTERM)  # only the main process, as a scheduler or `kill` would
        _, err = proc.communicate(timeout=120)
        assert_refused(proc.returncode, err, "interrupted", str(out), status=128 + signal.SIGTERM)
        assert _wait(lambda: not _group(proc.pid), 30, f"the sweep's processes to end: {_group(proc.pid)}")
        runs = load_runs(out)
        assert 1 <= len(runs) < 800 and (runs["status"] == "ok").all()
    finally:
        if proc.poll() is None or _group(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
