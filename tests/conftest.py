"""Suite-wide settings and options.

Hypothesis runs without its 200 ms per-example deadline: the property tests
test values, not speed, and on a loaded machine a deadline fails them at random.

``--cpu-durations=N`` lists the N tests that used the most CPU time.

On a shared machine wall-clock durations (``--durations``) swing with the load;
CPU seconds (this process and the subprocesses a test waits for) do not, so
they are what decides whether a test is over the ~5 s that earns ``slow``.
"""

from __future__ import annotations

import resource

import pytest
from hypothesis import settings

settings.register_profile("alliancesim", deadline=None)
settings.load_profile("alliancesim")

_cpu: dict[str, float] = {}


def _seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pytest_addoption(parser):
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="show the N tests with the most CPU time (0 = all)")


def _timed(item):
    start = _seconds()
    yield
    item.cpu_seconds = _seconds() - start


# Each phase is timed where it runs (an xdist worker, or this process) and the
# seconds ride on its report, which reaches the process that prints the summary.
pytest_runtest_setup = pytest.hookimpl(hookwrapper=True)(_timed)
pytest_runtest_call = pytest.hookimpl(hookwrapper=True)(_timed)
pytest_runtest_teardown = pytest.hookimpl(hookwrapper=True)(_timed)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    report.user_properties = [*report.user_properties, ("cpu_seconds", getattr(item, "cpu_seconds", 0.0))]


def pytest_runtest_logreport(report):
    cpu = dict(report.user_properties).get("cpu_seconds")
    if cpu is not None:
        _cpu[report.nodeid] = _cpu.get(report.nodeid, 0.0) + cpu


def pytest_terminal_summary(terminalreporter, config):
    n = config.getoption("--cpu-durations")
    if n is None:
        return
    ranked = sorted(_cpu.items(), key=lambda kv: -kv[1])
    terminalreporter.write_sep("=", f"CPU seconds per test (setup + call + teardown, with subprocesses), total {sum(_cpu.values()):.1f}")
    for nodeid, sec in ranked[: n or None]:
        terminalreporter.write_line(f"{sec:8.2f}s  {nodeid}")
