"""Every page of navigation.PAGES, in kk, ru and en, in a real browser: it loads, every Plotly
chart (maps included) draws, nothing fails, nothing leaves the machine; a full-page screenshot
of each goes to test-artifacts/screenshots/<page>_<lang>.png. The list grows with PAGES."""

from __future__ import annotations

import re

import pytest

from creative_dash.i18n import KAZAKH_LETTERS, LANGS, catalog
from creative_dash.navigation import PAGES
from tests.e2e.browser import AppTab, page_path

pytestmark = pytest.mark.e2e

EN_NAV = sorted(
    {v for k, v in catalog("en").items() if k.startswith("nav.")}, key=len, reverse=True
)
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
CASES = [pytest.param(spec, lang, id=f"{spec.key}-{lang}") for spec in PAGES for lang in LANGS]


@pytest.mark.parametrize(("spec", "lang"), CASES)
def test_page_in_browser(tab: AppTab, spec, lang: str) -> None:
    tab.open(page_path(spec.key), lang=lang)
    assert tab.path() == page_path(spec.key), "Streamlit did not find the page and ran another one"
    assert tab.query().get("lang") == [lang]
    tab.screenshot(f"{spec.key}_{lang}")
    found = tab.problems(lang)

    text = tab.text()
    title = catalog(lang).get(spec.title_key)
    if title is None:
        found.append(f"{spec.title_key} is missing from the {lang} catalogue")
    elif title not in text:
        found.append(f"the page's title {title!r} is neither in the menu nor on the page")
    if lang == "kk" and not set(text) & KAZAKH_LETTERS:
        found.append("no Kazakh letters in the Kazakh page")
    if lang in ("kk", "ru"):
        if not CYRILLIC.search(tab.main_text()):
            found.append("the main area has no Cyrillic text")
        shown = [title for title in EN_NAV if re.search(rf"(?<!\w){re.escape(title)}(?!\w)", text)]
        if shown:
            found.append(f"English page titles in the {lang} page: {shown}")
    assert not found, "\n".join(found)
