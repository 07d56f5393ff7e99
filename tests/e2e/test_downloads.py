"""Files people carry away: a chart saved as PNG from Plotly's toolbar (drawn in the browser,
no network), and the initiatives CSV/XLSX downloads in the UI language."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from creative_dash.i18n import t
from tests.e2e.browser import DOWNLOAD_TIMEOUT_MS, AppTab, page_path
from tests.e2e.conftest import LOG_KEY, running_app

pytestmark = pytest.mark.e2e


def test_chart_saves_as_png_from_its_toolbar(tab: AppTab) -> None:
    tab.open(page_path("initiatives"), lang="en")
    chart = tab.page.locator(".st-key-in_chart_status .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    chart.hover()
    button = tab.page.locator(".st-key-in_chart_status button[aria-label='Download plot as a PNG']")
    with tab.page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        button.click()
    path = Path(info.value.path())
    assert info.value.suggested_filename.endswith(".png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5_000  # a drawn chart, not an empty canvas
    tab.assert_healthy("en")  # no request left localhost on the way


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_initiatives_download_in_kazakh(tab: AppTab, kind: str) -> None:
    tab.open(page_path("initiatives"), lang="kk", in_status="completed")
    button = tab.page.locator(f".st-key-in_dl_{kind} button").first
    button.scroll_into_view_if_needed()
    with tab.page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        button.click()
    name = info.value.suggested_filename
    data = Path(info.value.path()).read_bytes()
    assert name.startswith("initiatives_all_") and name.endswith(f".{kind}")
    if kind == "csv":
        assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Kazakh letters
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    else:
        frame = pd.read_excel(io.BytesIO(data))
    headers = " ".join(frame.columns)
    assert any(ch in headers for ch in "әғқңөұүһі"), headers  # headers in the UI language
    status_col = next(
        c for c in frame.columns if set(frame[c].astype(str)) == {t("kk", "status.completed")}
    )  # the URL's status filter reached the export
    assert status_col
    assert 0 < len(frame) < 1500
    tab.assert_healthy("kk")


@pytest.fixture
def no_slots_tab(
    browser_context: Any, store_template: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[AppTab]:
    """A tab on a server of its own whose downloads are off (CREATIVE_DASH_EXPORT_SLOTS=0):
    every build is refused, as when all slots are taken."""
    settings = {"CREATIVE_DASH_EXPORT_SLOTS": "0"}
    with running_app(store_template, tmp_path, "streamlit-no-slots", env=settings) as (url, log):
        request.node.stash[LOG_KEY] = (log, 0)
        page = browser_context.new_page()
        try:
            yield AppTab(page, url)
        finally:
            page.close()


def test_download_without_a_free_slot_says_busy_in_kazakh(no_slots_tab: AppTab) -> None:
    tab = no_slots_tab
    tab.open(page_path("initiatives"), lang="kk")
    busy = tab.page.locator("[data-testid='stAlertContentWarning']").filter(
        has_text=t("kk", "export.busy")
    )
    assert busy.count() == 0
    button = tab.page.locator(".st-key-in_dl_xlsx button").first
    button.scroll_into_view_if_needed()
    button.click()
    busy.wait_for()  # the click's rerun waited for the refused build and says so
    tab.wait_idle()
    assert tab.page.locator("[data-testid='stException']").count() == 0


@pytest.mark.parametrize(
    ("page", "params", "lang", "name"),
    [
        ("region", {"region": "KZ-62"}, "kk", "Ұлытау облысы"),
        ("overview", {}, "ru", "Улытауская область"),
    ],
)
def test_one_click_gives_the_brief_in_the_users_language(
    tab: AppTab, page: str, params: dict, lang: str, name: str
) -> None:
    """An akimat head of Ulytau, in Kazakh, clicks once on the region page and gets the brief;
    the same from the overview (the national brief names every region)."""
    from pypdf import PdfReader

    tab.open(page_path(page), lang=lang, **params)
    button = tab.page.locator(".st-key-brief_pdf button").first
    assert t(lang, "brief.download_national" if page == "overview" else "brief.download") in (
        button.inner_text()
    )
    with tab.page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        button.click()
    assert info.value.suggested_filename.endswith(f"_{lang}_demo_{date.today().isoformat()}.pdf")
    reader = PdfReader(Path(info.value.path()))
    assert 2 <= len(reader.pages) <= 4
    texts = [p.extract_text() for p in reader.pages]
    assert name in " ".join(texts)
    assert all(t(lang, "brief.demo_mark") in text for text in texts)
    tab.assert_healthy(lang)
