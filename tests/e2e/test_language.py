"""The language a user gets: from the link, else the browser's locale, else Kazakh; and it stays
with them (and in the URL) as they move between pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from creative_dash.i18n import t
from creative_dash.navigation import PAGES
from tests.e2e.browser import AppTab, page_path

pytestmark = pytest.mark.e2e


@pytest.fixture
def tab_in_locale(browser: Any, app_server: tuple[str, Any]) -> Iterator[Any]:
    contexts = []

    def open_tab(locale: str) -> AppTab:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
        contexts.append(context)
        return AppTab(context.new_page(), app_server[0])

    yield open_tab
    for context in contexts:
        context.close()


@pytest.mark.parametrize(
    ("locale", "lang"), [("ru-RU", "ru"), ("en-GB", "en"), ("kk-KZ", "kk"), ("de-DE", "kk")]
)
def test_browser_locale_chooses_the_language(tab_in_locale, locale: str, lang: str) -> None:
    tab = tab_in_locale(locale)
    tab.open(page_path("about"))
    title = tab.page.locator("[data-testid='stMain'] h1").first.inner_text()
    assert title == t(lang, "about.title")
    assert tab.query().get("lang") == [lang]  # the choice is in the link from now on
    tab.assert_healthy(lang)


def test_language_region_and_years_survive_page_switches(tab: AppTab) -> None:
    tab.open(page_path("about"), lang="ru", region="KZ-62", years="2021-2025")
    for spec in (s for s in PAGES if not s.hidden and s.key in ("initiatives", "hubs")):
        tab.page.get_by_role("link", name=t("ru", spec.title_key)).click()
        tab.page.wait_for_function(
            f"() => location.pathname.replace(/\\/$/, '').endsWith('/{spec.key}')"
        )
        tab.wait_idle()
        query = tab.query()
        assert query.get("lang") == ["ru"], query
        assert query.get("region") == ["KZ-62"], query
        assert query.get("years") == ["2021-2025"], query
        shown = tab.page.locator(".st-key-region input").first.input_value() or tab.text(
            ".st-key-region"
        )
        assert "Улытауская область" in shown, shown
    tab.assert_healthy("ru")
