"""Browser tests: Playwright (sync API) driving Debian's Chromium against a real
``streamlit run asgi.py`` (the server ``make run`` starts: app.py behind creative_dash.web) on a
free port, with a demo store built by the command line.

Without /usr/bin/chromium the tests are skipped, except in CI (CI set), where that is a failure.
The server's log is attached to every failing test and kept in test-artifacts/streamlit*.log.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import monotonic
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"
START_TIMEOUT_S = 90
LOG_KEY = pytest.StashKey[tuple[Path, int]]()


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (required in CI)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: apt-get install chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def store_template(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built the way the README says (``python -m creative_dash init --demo``).
    No server opens it: each server gets its own copy (a DuckDB file has one writer)."""
    path = tmp_path_factory.mktemp("e2e-template") / "demo.duckdb"
    result = subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--db", str(path), "--demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _start(
    db: Path, log_path: Path, env: dict[str, str], secrets: Path | None
) -> tuple[subprocess.Popen[bytes], str] | None:
    """Start streamlit on a free port; None if it died before answering (port taken)."""
    env = {
        **os.environ,
        "CREATIVE_DASH_DB": str(db),
        "CREATIVE_DASH_DEMO_ON_START": "0",
        **env,
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # A test's secrets come from its own file only, never from a developer's secrets.toml.
    secrets_args = ["--secrets.files", str(secrets)] if secrets else []
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "asgi.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                *secrets_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = monotonic() + START_TIMEOUT_S
    while monotonic() < deadline:
        if _healthy(url):
            return proc, url
        try:
            proc.wait(timeout=0.25)  # returns at once if streamlit exited
            return None
        except subprocess.TimeoutExpired:
            continue
    _stop(proc)
    return None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


@contextmanager
def running_app(
    template: Path,
    workdir: Path,
    name: str,
    *,
    env: dict[str, str] | None = None,
    secrets: str | None = None,
) -> Iterator[tuple[str, Path]]:
    """(base URL, log file) of ``streamlit run asgi.py`` on a copy of the template store, with
    more environment variables (settings) and the text of a ``secrets.toml`` (``{port}`` in its
    ``redirect_uri`` is the server's port, as Streamlit reads it)."""
    db = workdir / f"{name}.duckdb"
    shutil.copy(template, db)
    log = workdir / f"{name}.log"
    log.touch()
    secrets_file = None
    if secrets is not None:
        secrets_file = workdir / f"{name}.secrets.toml"
        secrets_file.write_text(secrets, encoding="utf-8")
    started = None
    for _attempt in range(3):  # another process may take the free port before streamlit does
        started = _start(db, log, env or {}, secrets_file)
        if started:
            break
    if started is None:
        pytest.fail(
            "streamlit did not start\n--- streamlit log ---\n"
            + log.read_text(encoding="utf-8", errors="replace"),
            pytrace=False,
        )
    proc, url = started
    try:
        yield url, log
    finally:
        _stop(proc)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"{name}.log")


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    with sync_playwright() as pw:
        # launch() gives every run a fresh temporary profile
        browser = pw.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def browser_context(browser: Any) -> Iterator[Any]:
    """One context for the page tests: each test opens its own page (its own Streamlit session),
    and the context's HTTP cache spares every test reloading Streamlit's and Plotly's code."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    yield context
    context.close()


@pytest.fixture(scope="session")
def app_server(
    store_template: Path, browser_context: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """The app shared by the page tests, stopped after the session. Opening the root page once
    loads the frontend's code into the shared context's cache."""
    from tests.e2e.browser import AppTab

    with running_app(store_template, tmp_path_factory.mktemp("e2e-app"), "streamlit") as (url, log):
        page = browser_context.new_page()
        try:
            AppTab(page, url).open("")
        finally:
            page.close()
        yield url, log


@pytest.fixture
def fresh_app(store_template: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A server of its own that no browser has opened yet."""
    with running_app(store_template, tmp_path, "streamlit-fresh") as server:
        yield server


@pytest.fixture
def tab(
    browser_context: Any, app_server: tuple[str, Path], request: pytest.FixtureRequest
) -> Iterator[Any]:
    """A new page (a new Streamlit session) on the shared app."""
    from tests.e2e.browser import AppTab

    url, log = app_server
    request.node.stash[LOG_KEY] = (log, log.stat().st_size)
    page = browser_context.new_page()
    try:
        yield AppTab(page, url)
    finally:
        page.close()


@pytest.fixture
def fresh_tab(
    browser: Any, fresh_app: tuple[str, Path], request: pytest.FixtureRequest
) -> Iterator[Any]:
    """The first page ever opened on a freshly started app, in a context of its own."""
    from tests.e2e.browser import AppTab

    url, log = fresh_app
    request.node.stash[LOG_KEY] = (log, log.stat().st_size)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    try:
        yield AppTab(context.new_page(), url)
    finally:
        context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and LOG_KEY in item.stash:
        path, offset = item.stash[LOG_KEY]
        with path.open("rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", errors="replace")
        report.sections.append(("streamlit log during this test", text or "(empty)"))
    return report
