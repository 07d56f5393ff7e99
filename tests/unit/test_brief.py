"""The printable brief (creative_dash.brief): A4 PDFs whose text reads back in the reader's
language, with the demo mark, the sources and the page number on every page, nothing drawn in
the margins, charts as vector paths. Every page is rendered to PNG in test-artifacts/brief/."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader

from creative_dash import queries
from creative_dash import store as store_mod
from creative_dash.brief import gather_national, gather_region, national_brief, region_brief
from creative_dash.brief.paper import FONT_DIR, FONT_FILES, MARGIN, PAGE_H, PAGE_W, Paper, Running
from creative_dash.i18n import KAZAKH_LETTERS, LANGS, Translator
from creative_dash.store.bootstrap import ensure_store
from creative_dash.views.overview import kpi_cards

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "brief"
ULYTAU = "KZ-62"
NAMES = {"kk": "Ұлытау облысы", "ru": "Улытауская область", "en": "Ulytau Region"}
YEARS = (2024, 2026)  # a period with an earlier one to compare with: the cards show changes


def _runner(path: Path):
    s = store_mod.Store(str(path))
    return s, lambda name, **kw: queries.run(s, name, **kw)


@pytest.fixture(scope="module")
def demo_briefs(demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every language's region and national brief of the demo store, built once."""
    path = tmp_path_factory.mktemp("brief") / "demo.duckdb"
    shutil.copy(demo_db_template, path)
    s, run = _runner(path)
    try:
        region = gather_region(run, ULYTAU, YEARS)
        national = gather_national(run, YEARS)
        out = {"inputs": region}
        for lang in LANGS:
            t = Translator(lang)
            out[("region", lang)] = region_brief(region, t)
            out[("national", lang)] = national_brief(national, t)
        return out
    finally:
        s.close()


@pytest.fixture(scope="module")
def plain_briefs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Briefs of a store with reference data only: no demo rows (and no activity at all)."""
    path = tmp_path_factory.mktemp("plain") / "plain.duckdb"
    s, run = _runner(path)
    try:
        ensure_store(s, with_demo=False)
        t = Translator("en")
        return {
            "region": region_brief(gather_region(run, ULYTAU, YEARS), t),
            "national": national_brief(gather_national(run, YEARS), t),
        }
    finally:
        s.close()


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, white space collapsed (no-break spaces too)."""
    return [re.sub(r"\s+", " ", p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("lang", LANGS)
def test_region_brief_reads_back_in_its_language(demo_briefs, lang):
    t = Translator(lang)
    pages = _pages(demo_briefs[("region", lang)])
    text = " ".join(pages)
    assert 2 <= len(pages) <= 4
    assert NAMES[lang] in text
    assert pages[0].count(NAMES[lang]) >= 2  # the title, and the running head
    cards = kpi_cards(t, demo_briefs["inputs"].common.kpis, demo_briefs["inputs"].common.data_from)
    assert len(cards) >= 10
    for card in cards:  # every KPI, formatted in this language, with its change where it has one
        assert _flat(card.value) in pages[0], card.key
        if card.delta:
            assert _flat(card.delta) in pages[0], card.key
    assert any(c.delta for c in cards)
    for heading in ("brief.peers_title", "region.training_title", "brief.sources_title"):
        assert _flat(t(heading)) in text, heading
    for i, page in enumerate(pages, start=1):  # sources, data version and number on every page
        assert _flat(t("brief.page_of", page=i, pages=len(pages))) in page
        version = demo_briefs["inputs"].common.data_version
        assert (
            f" {version}," in page
            and _flat(t("brief.foot_store", version=version, loaded=""))[:30] in page
        )


def test_kazakh_letters_of_the_region_name_come_back_intact(demo_briefs):
    pages = _pages(demo_briefs[("region", "kk")])
    assert set(NAMES["kk"]) & KAZAKH_LETTERS == {"Ұ"}
    assert all(NAMES["kk"] in p for p in pages)  # the running head: on every page, intact
    assert "Улытау облысы" not in " ".join(pages)  # not a Russian-letter stand-in


def test_every_kazakh_letter_prints_in_regular_and_bold():
    """The shipped font has every Kazakh letter (and ₸) in both weights, and the text of a page
    set in them reads back letter for letter."""
    letters = "".join(sorted(KAZAKH_LETTERS)) + "₸"
    running = Running("head", ["source"], None, "{page}/{pages}", datetime(2026, 1, 1))
    pdf = Paper(running, title="test", lang="kk")
    pdf.add_page()
    for style in ("", "B"):
        pdf.para(f"[{style or 'R'}] {letters}", style=style)
    text = _pages(bytes(pdf.output()))[0]
    assert f"[R] {letters}" in text and f"[B] {letters}" in text
    for name in FONT_FILES.values():
        cmap = TTFont(FONT_DIR / name).getBestCmap()
        assert all(ord(c) in cmap for c in letters), name
    assert (FONT_DIR / "LICENSE-DejaVu.txt").exists()


@pytest.mark.parametrize("kind", ["region", "national"])
@pytest.mark.parametrize("lang", LANGS)
def test_demo_mark_is_on_every_page(demo_briefs, kind, lang):
    mark = Translator(lang)("brief.demo_mark")
    pages = _pages(demo_briefs[(kind, lang)])
    assert all(mark in p for p in pages), [i for i, p in enumerate(pages) if mark not in p]


@pytest.mark.parametrize("kind", ["region", "national"])
def test_no_demo_mark_without_demo_rows(plain_briefs, kind):
    t = Translator("en")
    pages = _pages(plain_briefs[kind])
    assert pages
    for page in pages:
        assert t("brief.demo_mark") not in page
        assert "demo" not in page.lower()
        assert _flat(t("brief.foot_store", version="", loaded=""))[:30] in page


def test_national_brief_names_every_region(demo_briefs):
    for lang in LANGS:
        pages = _pages(demo_briefs[("national", lang)])
        assert 2 <= len(pages) <= 4
        text = " ".join(pages)
        assert _flat(Translator(lang)("brief.national_title")) in text
        assert NAMES[lang] in text  # in the ranking


def test_a4_fonts_embedded_and_charts_as_vectors(demo_briefs):
    reader = PdfReader(io.BytesIO(demo_briefs[("region", "kk")]))
    fonts = set()
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (
            round(PAGE_W),
            round(PAGE_H),
        )
        resources = page["/Resources"]
        assert "/XObject" not in resources or not any(
            x.get_object()["/Subtype"] == "/Image" for x in resources["/XObject"].values()
        )  # no raster image: charts and maps are paths and text
        for font in resources["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]  # embedded (subset)
    assert {f.split("+")[-1] for f in fonts} == {"DejaVuSansBook", "DejaVuSansBold"}, fonts


# -- on paper -----------------------------------------------------------------------------------
DPI = 60
WHITE = 250


def _render(pdf: bytes, name: str) -> list[Path]:
    """Every page as PNG (pdftoppm, poppler-utils) in test-artifacts/brief/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(source), str(ARTIFACTS / name)], check=True
    )
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def _inked_margin(path: Path) -> list[str]:
    """Where a page has ink within its margins (MARGIN mm less half a millimetre)."""
    img = Image.open(path).convert("L")
    w, h = img.size
    band = int((MARGIN - 0.5) / 25.4 * DPI)
    px = img.load()
    found = []
    for name, xs, ys in (
        ("left", range(band), range(h)),
        ("right", range(w - band, w), range(h)),
        ("top", range(w), range(band)),
        ("bottom", range(w), range(h - band, h)),
    ):
        if any(px[x, y] < WHITE for x in xs for y in ys):
            found.append(name)
    return found


@pytest.mark.parametrize("kind", ["region", "national"])
@pytest.mark.parametrize("lang", LANGS)
def test_pages_render_with_nothing_in_the_margins(demo_briefs, kind, lang):
    pngs = _render(
        demo_briefs[(kind, lang)], f"{kind}_{ULYTAU if kind == 'region' else 'KZ'}_{lang}"
    )
    assert 2 <= len(pngs) <= 4
    for png in pngs:
        img = Image.open(png).convert("L")
        assert (
            abs(img.size[0] - PAGE_W / 25.4 * DPI) < 2
            and abs(img.size[1] - PAGE_H / 25.4 * DPI) < 2
        )
        assert img.getextrema()[0] < 100  # something is drawn
        assert _inked_margin(png) == [], png.name


def test_the_margin_check_sees_ink(tmp_path):
    """A control: a page with a mark in its margin fails the check."""
    img = Image.new("L", (round(PAGE_W / 25.4 * DPI), round(PAGE_H / 25.4 * DPI)), 255)
    img.putpixel((img.size[0] - 3, 200), 0)
    path = tmp_path / "page-1.png"
    img.save(path)
    assert _inked_margin(path) == ["right"]


@pytest.mark.parametrize("kind", ["region", "national"])
def test_a_reference_only_brief_says_what_is_missing_instead_of_empty_figures(plain_briefs, kind):
    """No initiatives, hubs, programme records or indicators: each is named with who fills it
    (the page's note, plain text), and no card, ranking or mix of zeros is drawn."""
    t = Translator("en")
    text = " ".join(_pages(plain_briefs[kind]))
    for what in ("initiatives", "hubs", "programme", "recommendations", "indicators"):
        assert _flat(t(f"empty.{what}").replace("**", "")) in text, what
    assert "python -m creative_dash import initiatives FILE" in text
    assert _flat(t("brief.kpi_title", period="2024–2026")) not in text  # no cards of zeros
    assert _flat(t("brief.mixes_title", period="2024–2026")) not in text
    assert _flat(t("brief.peers_title")) not in text
    if kind == "region":  # the region's outline still drawn: it is reference data
        assert _flat(t("region.map_title")) in text
