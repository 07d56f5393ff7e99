"""A live session as the room sees it: the presenter's chart takes a vote cast on a phone while
it is shown, updated in place (no new chart), and can go full screen."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creative_dash import store as store_mod
from creative_dash.i18n import t
from tests.app.test_live import make_deck, make_poll
from tests.e2e.browser import AppTab, page_path
from tests.e2e.conftest import running_app

pytestmark = pytest.mark.e2e
CHART = ".st-key-live_chart_0 .js-plotly-plot"


@pytest.fixture
def live_app(store_template: Path, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(base URL, poll id, deck id) of a server whose store has an open poll in a deck."""
    template = tmp_path / "live.duckdb"
    shutil.copy(store_template, template)
    s = store_mod.open_store(str(template))
    pid = make_poll(s)
    deck = make_deck(s, pid)
    store_mod.close_all()  # the server opens the file next
    with running_app(template, tmp_path, "streamlit-live") as (url, _log):
        yield url, pid, deck


def test_a_vote_reaches_the_presenters_chart_in_place(browser_context: Any, live_app) -> None:
    url, pid, deck = live_app
    presenter = AppTab(browser_context.new_page(), url)
    voter = AppTab(browser_context.new_page(), url)
    try:
        presenter.open(page_path("live"), deck=deck, lang="ru")
        presenter.page.locator(CHART).wait_for()
        presenter.wait_for_plots()
        presenter.page.evaluate(
            f"""() => {{ const gd = document.querySelector('{CHART}');
                 window.__svg = gd.querySelector('.main-svg');
                 window.__x = JSON.stringify(Array.from(gd.data[0].x)); }}"""
        )
        assert presenter.page.evaluate("window.__x") == "[0,0,0]"
        # static/css/presenter.css: the slide has the screen, the clickers' buttons are hidden
        for hidden in ('[data-testid="stSidebar"]', ".st-key-live_next_clicker"):
            assert presenter.page.locator(hidden).is_hidden(), hidden
        assert presenter.page.locator(".st-key-live_next").is_visible()

        voter.open(page_path("vote"), poll=pid, lang="ru")
        # static/css/vote.css: the question in large type on a phone
        size = voter.page.locator(".st-key-vote_question [data-testid='stText']").evaluate(
            "(el) => parseFloat(getComputedStyle(el).fontSize)"
        )
        assert size >= 24
        voter.page.get_by_role("button", name="Налоги").click()
        voter.wait_idle()

        # the presenter's page re-reads the poll on its own (a timed fragment): wait for it
        presenter.page.wait_for_function(
            f"() => JSON.stringify(Array.from(document.querySelector('{CHART}').data[0].x))"
            " !== window.__x",
            timeout=30_000,
        )
        x = presenter.page.evaluate(
            f"() => Array.from(document.querySelector('{CHART}').data[0].x)"
        )
        assert x == [0, 1, 0]
        assert presenter.page.evaluate(
            f"() => window.__svg === document.querySelector('{CHART} .main-svg')"
        ), "the chart was drawn anew instead of updated"
        titles = presenter.page.evaluate(
            f"() => [...document.querySelectorAll('{CHART} .modebar-btn')]"
            ".map((b) => b.getAttribute('data-title'))"
        )
        assert t("ru", "chart.fullscreen") in titles
        presenter.assert_healthy("ru")
        voter.assert_healthy("ru")
    finally:
        presenter.page.close()
        voter.page.close()
