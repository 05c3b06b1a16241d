"""The dashboard in a real browser: `alliancesim dashboard` served, opened in headless Chromium.

Proves what a classroom needs: the page renders with no internet (every
request stays on the local server; the CDN is pointed at a closed local port
so a missing offline asset fails loudly), a slider moves and Reset applies it,
Step advances the model and the panels redraw, the tabs are named for what
they show, and no error is shown.  Leaves a screenshot in
results/dashboard.png (results/dashboard-failed.png and the server's log when
it fails).

Without Chromium or Playwright the test is skipped, except on CI (CI=true),
where a missing browser is a failure.

Every wait is on a condition the page signals, never on the clock: the app's
hidden ``#dashboard-status`` says which model (``data-model``, new on every
Reset) the panels were drawn for and at which tick (``data-tick``), and a
button is clicked only once the page shows it enabled and the previous action
has landed (so no click queues behind another or meets a button that changed).
The timeouts are only hang guards, generous so that a loaded machine is slow
but not failing.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",  # runs as root on CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 180_000  # hang guard for every wait and expect (Playwright's expect defaults to 5 s)

pytestmark = pytest.mark.browser


def _chromium() -> str | None:
    for cand in (shutil.which("chromium"), "/usr/bin/chromium"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def _require(ok: bool, what: str) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing on CI (scripts/test.sh installs it)")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser_path() -> str:
    _require(importlib.util.find_spec("playwright") is not None, "Playwright (the browser extra)")
    _require(importlib.util.find_spec("solara") is not None and importlib.util.find_spec("solara_assets") is not None, "solara and solara-assets (the viz extra)")
    path = _chromium()
    _require(path is not None, "Chromium (bash scripts/install_browser.sh)")
    return path


@pytest.fixture(scope="module")
def server(browser_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("dashboard") / "server.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        # Offline proof: any asset not shipped by solara-assets would be fetched
        # from here, a closed local port, and the browser would get an error.
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/",
    }
    # --port 0: the command picks a free port and prints it (no race for a port chosen here)
    cmd = [sys.executable, "-m", "sim", "dashboard", "--host", "127.0.0.1", "--port", "0", "--set", "firms.n=150"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        port = None
        while True:
            if proc.poll() is not None:
                pytest.fail(f"dashboard server exited with {proc.returncode}:\n{log.read_text()}")
            if port is None and (found := re.search(r"serving on http://127\.0\.0\.1:(\d+)", log.read_text())):
                port = int(found.group(1))
            if port is not None:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    pass
            if time.monotonic() > deadline:
                pytest.fail(f"dashboard server did not listen within {TIMEOUT_MS // 1000} s:\n{log.read_text()}")
            time.sleep(0.2)  # polling interval of the wait above
        yield SimpleNamespace(url=f"http://127.0.0.1:{port}/", log=log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _status(page):
    return page.locator("#dashboard-status")


def _press(page, name: str, role: str = "button") -> None:
    """Click a button (or tab) once the page shows it enabled (Playwright's click then has nothing to wait for)."""
    from playwright.sync_api import expect

    button = page.get_by_role(role, name=name, exact=True)
    expect(button).to_be_enabled()
    button.click()


def _reset(page) -> None:
    """Press Reset and wait until the panels show the new model (at tick 0)."""
    from playwright.sync_api import expect

    status = _status(page)
    before = status.get_attribute("data-model")
    _press(page, "Reset")
    expect(status).not_to_have_attribute("data-model", before)
    expect(status).to_have_attribute("data-tick", "0")


def _reset_until(page, text: re.Pattern) -> None:
    """Reset until the key-figures panel shows ``text`` (hang guard: TIMEOUT_MS).

    A moved slider's value reaches the server on its own message, which the
    page does not acknowledge: a Reset processed before it rebuilds the old
    model, so the loop resets again, each time after the previous Reset landed.
    """
    panel = page.locator(".vue-grid-item").first
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while True:
        _reset(page)
        if text.search(panel.inner_text()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no Reset brought {text.pattern!r}: {panel.inner_text()}")


def _step(page, tick: int) -> None:
    """Press Step and wait until the panels are drawn for ``tick``."""
    from playwright.sync_api import expect

    _press(page, "Step")
    expect(_status(page)).to_have_attribute("data-tick", str(tick))
    expect(page.get_by_text(f"Time: {tick}.0")).to_be_visible()


def _image_sources(page) -> list[str]:
    return page.locator(".vue-grid-item img").evaluate_all("els => els.map(e => e.src)")


def test_missing_browser_skips_locally_but_fails_on_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        _require(False, "Chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        _require(False, "Chromium")
    _require(True, "Chromium")  # present: no-op


@pytest.mark.slow
def test_dashboard_renders_offline_and_updates(server, browser_path):
    from playwright.sync_api import expect, sync_playwright

    outside, failures, page_errors = [], [], []
    host = urlparse(server.url).netloc
    results = ROOT / "results"
    results.mkdir(exist_ok=True)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1400})
            try:
                page.set_default_timeout(TIMEOUT_MS)
                expect.set_options(timeout=TIMEOUT_MS)

                def only_local(route):
                    if urlparse(route.request.url).netloc == host or route.request.url.startswith(("data:", "blob:")):
                        route.continue_()
                    else:
                        outside.append(route.request.url)
                        route.abort()

                page.route("**/*", only_local)
                page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.status} {r.url}"))
                page.on("requestfailed", lambda r: failures.append(f"failed {r.url}: {r.failure}"))
                page.on("pageerror", lambda e: page_errors.append(str(e)))

                page.goto(server.url)
                # The app rendered: controls, the step counter, named tabs and the four panels as images.
                status = _status(page)
                expect(status).to_have_attribute("data-tick", "0")
                expect(page.get_by_text("Time: 0.0")).to_be_visible()
                expect(page.get_by_role("button", name="Step")).to_be_enabled()
                expect(page.get_by_role("tab")).to_have_text(["Network and outcomes", "Series over time"])
                expect(page.locator(".vue-grid-item img")).to_have_count(4)
                expect(page.locator(".vue-grid-item").first).to_contain_text(re.compile(r"firms\s*150 \("))  # --set firms.n=150 reached the app
                # Alliances begun in the burn-in are running at tick 0 (test_app: the network counts the same).
                shown = re.search(r"active alliances\s*(\d+) ", page.locator(".vue-grid-item").first.inner_text()).group(1)
                assert int(shown) > 0

                # Move the "Number of firms" slider one notch down (one key press,
                # one value sent), then Reset until the new model has that many firms.
                slider = page.locator(".v-input", has_text="Number of firms").locator("[role=slider]")
                target = int(slider.get_attribute("aria-valuenow")) - 10
                slider.focus()
                slider.press("ArrowLeft")
                expect(slider).to_have_attribute("aria-valuenow", str(target))
                _reset_until(page, re.compile(rf"firms\s*{target} \("))
                expect(slider).to_have_attribute("aria-valuenow", str(target))

                # Step: the counter advances and the network panel is redrawn each time.
                start_images = _image_sources(page)
                previous = start_images
                for tick in (1, 2, 3):
                    _step(page, tick)
                    page.wait_for_function("old => document.querySelector('.vue-grid-item img').src !== old", arg=previous[0])
                    previous = _image_sources(page)
                expect(page.locator(".vue-grid-item").first).to_contain_text("Tick 3 of")

                # Play on to tick 10, pause: every panel has new content
                # (learning curves, portfolio and exits need ended alliances and a yearly panel).
                _press(page, "▶")
                page.wait_for_function("() => +document.getElementById('dashboard-status').dataset.tick >= 10")
                _press(page, "❚❚")
                expect(page.get_by_role("button", name="Step")).to_be_enabled()  # paused
                page.wait_for_function(
                    "old => { const now = [...document.querySelectorAll('.vue-grid-item img')].map(e => e.src);"
                    " return now.length === old.length && now.every((s, i) => s !== old[i]); }",
                    arg=start_images,
                )
                expect(page.locator(".vue-grid-item").first).not_to_contain_text(re.compile(r"alliances ended\s*0;"))
                network = page.locator(".vue-grid-item img").first
                assert network.evaluate("e => e.complete && e.naturalWidth > 100")

                page.screenshot(path=str(results / "dashboard.png"), full_page=True)

                # The second tab: the three time series.
                _press(page, "Series over time", role="tab")
                expect(page.locator(".vue-grid-item img")).to_have_count(3)

                # No error or traceback anywhere on the page.
                body = page.locator("body").inner_text()
                assert not re.search(r"Traceback|Error:|error in step", body), body[:2000]
                expect(page.locator(".v-alert.error")).to_have_count(0)
            except BaseException:
                page.screenshot(path=str(results / "dashboard-failed.png"), full_page=True, timeout=30_000)
                print(f"--- page text:\n{page.locator('body').inner_text(timeout=10_000)}\n--- server log:\n{server.log.read_text()}")
                raise
        finally:
            browser.close()

    assert outside == [], f"the page tried to reach the internet: {outside}"
    assert failures == [], f"requests failed (an asset missing offline?): {failures}"
    assert page_errors == [], f"JavaScript errors: {page_errors}"
