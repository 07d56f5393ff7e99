"""Files people carry away: a chart saved as PNG from Plotly's toolbar (drawn in the browser,
no network), and the initiatives CSV/XLSX downloads in the UI language."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from creative_dash.i18n import t
from tests.e2e.browser import AppTab, page_path

pytestmark = pytest.mark.e2e


def test_chart_saves_as_png_from_its_toolbar(tab: AppTab) -> None:
    tab.open(page_path("initiatives"), lang="en")
    chart = tab.page.locator(".st-key-in_chart_status .js-plotly-plot")
    chart.scroll_into_view_if_needed()
    chart.hover()
    button = tab.page.locator(".st-key-in_chart_status button[aria-label='Download plot as a PNG']")
    with tab.page.expect_download() as info:
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
    with tab.page.expect_download() as info:
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
