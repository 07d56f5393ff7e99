"""Every page of navigation.PAGES renders under AppTest in every language: no exception, no
generic error message, no missing message; the Kazakh render is Kazakh. Hidden pages are opened
without parameters too (they must explain themselves, not crash). The list grows with PAGES."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from creative_dash.i18n import KAZAKH_LETTERS, LANGS, catalog, t
from creative_dash.navigation import PAGES
from creative_dash.store import MESSAGE_KEYS as STORE_MESSAGES
from creative_dash.ui import plotly_view
from tests.app.apptest import ROOT, charts, open_page, page_text

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# Page titles and section names in English: none may show up in a Kazakh or Russian render.
EN_NAV = sorted(
    {v for k, v in catalog("en").items() if k.startswith("nav.")}, key=len, reverse=True
)


def all_text(at: AppTest) -> str:
    """Markdown, titles, captions, alerts, and the labels of widgets, metrics, tabs,
    expanders, and Plotly titles/axis titles/trace names."""
    parts = [page_text(at)]
    for kind in (
        "selectbox",
        "multiselect",
        "slider",
        "select_slider",
        "radio",
        "checkbox",
        "toggle",
        "text_input",
        "text_area",
        "number_input",
        "date_input",
        "button",
        "download_button",
        "metric",
        "tabs",
        "expander",
        "success",
        "toast",
    ):
        for el in getattr(at, kind, []):
            label = getattr(el, "label", None)
            if label:
                parts.append(str(label))
            value = getattr(el, "value", None) if kind in ("success", "toast") else None
            if value:
                parts.append(str(value))
    for el in charts(at):
        spec = el.figure
        layout = spec.get("layout", {})
        parts.append(_title(layout.get("title")))
        for key, value in layout.items():
            if re.fullmatch(r"[xy]axis\d*", key) and isinstance(value, dict):
                parts.append(_title(value.get("title")))
        parts.extend(str(tr.get("name", "")) for tr in spec.get("data", []))
    return "\n".join(p for p in parts if p)


def _title(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("text", ""))
    return str(value or "")


def english_titles_in(text: str) -> list[str]:
    return [title for title in EN_NAV if re.search(rf"(?<!\w){re.escape(title)}(?!\w)", text)]


CASES = [pytest.param(spec, lang, id=f"{spec.key}-{lang}") for spec in PAGES for lang in LANGS]


@pytest.mark.parametrize(("spec", "lang"), CASES)
def test_page_renders(demo_db, caplog: pytest.LogCaptureFixture, spec, lang: str) -> None:
    caplog.set_level(logging.WARNING)
    at = open_page(Path(spec.path).stem, lang)
    logged = "\n".join(
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("creative_dash")
    )
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    for key in ("app.error", *STORE_MESSAGES):
        assert t(lang, key) not in errors, f"{spec.path} failed in {lang}:\n{logged}"
    missing = [r.getMessage() for r in caplog.records if "missing message" in r.getMessage()]
    assert not missing, missing

    text = all_text(at)
    assert text.strip(), f"{spec.path} shows nothing in {lang}"
    assert at.title, f"{spec.path} has no title in {lang}"  # every page has one
    if lang == "kk":
        assert set(text) & KAZAKH_LETTERS, f"{spec.path}: no Kazakh letters in the kk render"
    if lang in ("kk", "ru"):
        assert CYRILLIC.search(text)
        found = english_titles_in(text)
        assert not found, f"{spec.path} in {lang} shows English titles {found}"
    # a key shown instead of its text means a message missing from every catalogue
    shown_keys = [
        k for k in catalog("en") if re.search(rf"(?<![\w.]){re.escape(k)}(?![\w.])", text)
    ]
    assert not shown_keys, shown_keys
    for chart in charts(at):
        check_chart_sent(chart, lang)


# Streamlit's own Plotly template uses these stand-ins for theme colours, replaced only by
# st.plotly_chart's frontend: a figure drawn by the app's component must not carry them.
THEME_STAND_IN = re.compile(r"#0000[0-4][0-9]\b")


def check_chart_sent(chart, lang: str) -> None:
    """What a chart sends the browser: the app's template (no Streamlit stand-in colours), the
    served Plotly bundle, the toolbar's words and Plotly's locale for the page's language, its
    name for screen readers, trace types the bundle draws."""
    assert chart.key, "every chart has a key (it is what keeps the chart across reruns)"
    assert not THEME_STAND_IN.search(chart.spec), f"{chart.key} has Streamlit's template colours"
    layout = chart.figure["layout"]
    assert "Source Sans" in layout["template"]["layout"]["font"]["family"], chart.key
    sent = chart.sent
    assert sent["bundle"] == plotly_view.BUNDLE_URL
    served = ROOT / sent["bundle"].removeprefix("app/").partition("?")[0]  # static serving
    assert served == plotly_view.BUNDLE_FILE and served.is_file()
    assert sent["labels"]["fullscreen"] == t(lang, "chart.fullscreen")
    assert sent["labels"]["exit_fullscreen"] == t(lang, "chart.exit_fullscreen")
    # Plotly's toolbar in the page's language: "ru" from plotly.js, "kk" from static/plotly/chart.js
    assert sent["config"].get("locale") == (None if lang == "en" else lang)
    assert sent["select"] is (chart.key == "ov_map")  # only a click on the national map opens
    # named for screen readers by its title as shown, in the page's language
    name = plotly_view.plain_text(_title(layout.get("title")))
    assert sent["name"] == (name or t(lang, "chart.untitled")), chart.key
    # every trace is of a type the partial Plotly bundle draws (another is silently not drawn)
    types = {tr.get("type", "scatter") for tr in chart.figure["data"]}
    assert types <= plotly_view.bundle_trace_types(), (chart.key, types)


def test_every_page_is_covered() -> None:
    assert {c.values[0].key for c in CASES} == {spec.key for spec in PAGES}
    assert len(CASES) == 3 * len(PAGES)


def test_english_title_check_can_fail() -> None:
    assert set(english_titles_in("Бет: About — Data")) == {"About", "Data"}
    assert english_titles_in("Database, Aboutness") == []
