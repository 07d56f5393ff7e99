"""The browser's Print of the print view (``?print=1``) of the overview and region pages: A4,
no sidebar, every chart within the print area (none cut at the edge), nothing in the margins;
each sheet rendered to PNG in test-artifacts/print/."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.e2e.browser import ROOT, AppTab, page_path

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "test-artifacts" / "print"
PRINT_AREA_PX = (210 - 2 * 12) / 25.4 * 96  # A4 less @page's 12 mm margins, in CSS pixels
DPI = 40


def _inked_margins(png: Path, margin_mm: float) -> list[str]:
    img = Image.open(png).convert("L")
    w, h = img.size
    band = int(margin_mm / 25.4 * DPI)
    px = img.load()
    sides = {
        "left": (range(band), range(h)),
        "right": (range(w - band, w), range(h)),
    }
    return [s for s, (xs, ys) in sides.items() if any(px[x, y] < 245 for x in xs for y in ys)]


@pytest.mark.parametrize(
    ("page", "params"),
    [("region", {"region": "KZ-10"}), ("overview", {})],
    ids=["region", "overview"],
)
def test_print_view_fits_a4(tab: AppTab, page: str, params: dict) -> None:
    tab.open(page_path(page), lang="ru", print="1", **params)
    tab.page.emulate_media(media="print")
    try:
        assert not tab.page.locator("[data-testid='stSidebar']").is_visible()
        charts = tab.page.evaluate(
            """() => [...document.querySelectorAll('.js-plotly-plot')].map((g) => {
                 const r = g.getBoundingClientRect(); return {w: r.width, h: r.height}; })"""
        )
        assert len(charts) >= 5
        for chart in charts:  # laid out at the width they are printed at
            assert 0 < chart["w"] <= PRINT_AREA_PX, charts
        pdf = tab.page.pdf(format="A4", print_background=True)
    finally:
        tab.page.emulate_media(media="screen")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    box = reader.pages[0].mediabox
    assert (
        round(float(box.width) * 25.4 / 72) == 210 and round(float(box.height) * 25.4 / 72) == 297
    )
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Демо-данные" in text  # the demo badge prints too
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{page}-*.png"):
        old.unlink()
    source = ARTIFACTS / f"{page}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(source), str(ARTIFACTS / page)], check=True
    )
    pngs = sorted(ARTIFACTS.glob(f"{page}-*.png"))
    assert len(pngs) == len(reader.pages)
    for png in pngs:  # nothing crosses the 12 mm side margins (a cut chart would)
        assert _inked_margins(png, 11) == [], png.name
    tab.assert_healthy("ru")
