"""A link to a page (the poll's QR code, a region dashboard sent by e-mail) must work as the
very first request after the server starts.

Streamlit treats an app whose script has a ``pages/`` folder beside it as a v1 multipage app
until the script has called ``st.navigation`` once in the process: before that, a deep link runs
the page file alone, without app.py (no sidebar, no language selector, no error handling).
creative_dash.ui switches that mode off; this test runs on a server of its own so that no
earlier test has opened the root page first."""

from __future__ import annotations

import pytest

from creative_dash.navigation import DEFAULT_PAGE, PAGES
from tests.e2e.browser import AppTab

pytestmark = pytest.mark.e2e
FIRST = next(spec for spec in PAGES if spec.key != DEFAULT_PAGE)


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
