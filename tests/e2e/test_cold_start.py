"""A link to a page (the poll's QR code, a region dashboard sent by e-mail) must work as the
very first request after the server starts.

Streamlit treats an app whose script has a ``pages/`` folder beside it as a v1 multipage app
until the script has called ``st.navigation`` once in the process: before that, a deep link runs
the page file alone, without app.py (no sidebar, no language selector, no error handling).
creative_dash.ui switches that mode off; this test runs on a server of its own so that no
earlier test has opened the root page first."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from creative_dash.navigation import DEFAULT_PAGE, PAGES
from creative_dash.ui.lang import LANG_KEY
from tests.e2e.browser import AppTab
from tests.e2e.wsclient import Run, Session

pytestmark = pytest.mark.e2e
FIRST = next(spec for spec in PAGES if spec.key != DEFAULT_PAGE)
SESSIONS = 32


def test_deep_link_as_first_request_runs_the_frame(fresh_tab: AppTab) -> None:
    fresh_tab.open(FIRST.key, lang="ru")
    # The page may first run on its own and then rerun through app.py: wait for the frame
    # (the language selector app.py puts in the sidebar), then for that run to finish.
    try:
        fresh_tab.page.locator(".st-key-lang").wait_for(state="attached")
    except Exception as exc:  # playwright's TimeoutError
        sidebar = fresh_tab.text("[data-testid='stSidebar']").replace("\n", " ")[:200]
        raise AssertionError(
            f"/{FIRST.key}, the first request after a start, never ran "
            f"app.py; the sidebar shows: {sidebar}"
        ) from exc
    fresh_tab.wait_idle()
    assert fresh_tab.path() == FIRST.key
    assert fresh_tab.query().get("lang") == ["ru"]
    fresh_tab.assert_healthy("ru")


def test_many_deep_links_at_once_on_a_fresh_server(fresh_app: tuple[str, Path]) -> None:
    """A replica started (or restarted) while a room holds links: many sessions open deep
    links before any session has run app.py. Each must run through app.py (its sidebar's
    language selector drawn), none may fail (an ImportError was seen: the first run's rerun
    interrupted the import of creative_dash.ui that other sessions were waiting on)."""
    url, log = fresh_app
    links = [spec.key for spec in PAGES if spec.key not in ("sign_in", "users", "audit")]
    sessions = [Session(url, links[i % len(links)], "lang=ru") for i in range(SESSIONS)]
    start = threading.Barrier(SESSIONS)
    runs: list[Run | BaseException | None] = [None] * SESSIONS

    def open_link(i: int) -> None:
        start.wait()
        try:
            runs[i] = sessions[i].run()
        except BaseException as exc:  # noqa: BLE001 - reported below
            runs[i] = exc

    threads = [threading.Thread(target=open_link, args=(i,)) for i in range(SESSIONS)]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=300)
    finally:
        for s in sessions:
            s.close()
    failed = [(links[i % len(links)], r) for i, r in enumerate(runs) if not isinstance(r, Run)]
    assert not failed, failed[:3]
    broken = [(links[i % len(links)], r.exceptions) for i, r in enumerate(runs) if r.exceptions]
    assert not broken, broken[:3]
    alone = [links[i % len(links)] for i, r in enumerate(runs) if LANG_KEY not in r.keys]
    assert not alone, f"ran without app.py's frame: {alone}"
    problems = [line for line in log.read_text(errors="replace").splitlines() if "Error" in line]
    assert not problems, problems[:5]
