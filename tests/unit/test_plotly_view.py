"""The chart component's Python side: what it sends, and the browser files it points at."""

from __future__ import annotations

import hashlib
import json
import re

import plotly.graph_objects as go
import pytest

from creative_dash import geo
from creative_dash.charts.base import esc
from creative_dash.i18n import Translator, t
from creative_dash.ui import plotly_view, render

LABELS = {"fullscreen": "Толық экран", "exit_fullscreen": "Шығу", "failed": "Қате"}


def test_the_payload_is_utf8_json_with_the_figure_inline() -> None:
    fig = go.Figure(go.Bar(x=["Ұлытау облысы", "Астана"], y=[1, 2], name="Қазақ"))
    spec = plotly_view.to_spec(fig)
    data = plotly_view.payload(spec, lang="kk", labels=LABELS, name="Қазақ", select=True)
    sent = plotly_view.decode(data)
    assert sent["spec"] == json.loads(spec)  # the figure itself, not a string in a string
    assert sent["labels"] == LABELS
    assert sent["name"] == "Қазақ"
    assert sent["select"] is True
    assert sent["config"]["locale"] == "kk"
    assert sent["bundle"] == plotly_view.BUNDLE_URL
    # Kazakh letters travel as UTF-8 (2 bytes each), not as \\u escapes (6 bytes each)
    assert "Ұлытау".encode() in data and b"\\u" not in data
    assert len(data) < len(spec.encode()) + 1000


def test_english_has_no_plotly_locale_and_maps_stay_offline() -> None:
    for lang in ("kk", "ru", "en"):
        assert plotly_view.config(lang).get("locale") == (None if lang == "en" else lang)
    # chart.js points Plotly's world base map at the app's own copy, never at cdn.plot.ly
    module = plotly_view.MODULE_FILE.read_text(encoding="utf-8")
    assert f'const TOPOJSON_URL = "{geo.STATIC_TOPOJSON_URL}";' in module
    assert "topojsonURL: TOPOJSON_URL" in module


def test_each_chart_element_carries_little_besides_its_figure() -> None:
    """Streamlit sends the component's JS with every chart of every rerun: only the loader."""
    assert len(plotly_view._LOADER_JS.encode()) < 400
    data = plotly_view.payload("{}", lang="kk", labels={k: t("kk", f"chart.{k}") for k in LABELS})
    assert len(data) < 500


def test_served_urls_carry_the_files_content_hash() -> None:
    for url, path in (
        (plotly_view.BUNDLE_URL, plotly_view.BUNDLE_FILE),
        (plotly_view.MODULE_URL, plotly_view.MODULE_FILE),
    ):
        name, _, version = url.partition("?v=")
        assert name == "app/static/" + path.relative_to(plotly_view.STATIC).as_posix()
        assert version == hashlib.sha256(path.read_bytes()).hexdigest()[: len(version)]
        assert len(version) >= 12
    assert plotly_view.MODULE_URL in plotly_view._LOADER_JS


def test_the_kazakh_toolbar_translates_plotly_texts() -> None:
    """chart.js's kk locale is keyed by plotly.js's English texts: every key must be one plotly.js
    translates in its own ru locale (a typo would leave that text in English), and every value
    must be Kazakh."""
    module = plotly_view.MODULE_FILE.read_text(encoding="utf-8")
    kk = module[module.index("const KK_LOCALE") :]
    kk = kk[kk.index("dictionary: {") : kk.index("format: {")]
    entries = re.findall(r'(?:"([^"]+)"|([A-Za-z]\w*)):\s*"([^"]*)"', kk)
    assert len(entries) >= 20
    bundle = plotly_view.BUNDLE_FILE.read_text(encoding="utf-8")
    ru = bundle[bundle.index('name:"ru",dictionary:{') :]
    ru = ru[: ru.index("},format:")]
    for quoted, bare, value in entries:
        key = quoted or bare
        assert f'"{key}":' in ru or f"{key}:" in ru, key
        assert re.search("[\u0400-\u04ff]", value), (key, value)


def test_the_toolbar_words_exist_in_every_language() -> None:
    for lang in ("kk", "ru", "en"):
        for key in ("chart.fullscreen", "chart.exit_fullscreen", "chart.failed", "chart.untitled"):
            assert t(lang, key) != key


def test_a_click_is_read_from_the_components_state(monkeypatch) -> None:
    """Streamlit presents a v2 component's state as a dict of its state and trigger values."""
    state = {"ov_map": {"select": {"points": [{"location": "KZ-71", "customdata": ["KZ-71"]}]}}}
    monkeypatch.setattr(plotly_view.st, "session_state", state)
    assert plotly_view.clicked("ov_map") == {
        "points": [{"location": "KZ-71", "customdata": ["KZ-71"]}]
    }
    state["ov_map"] = {"select": None}  # a rerun without a click
    assert plotly_view.clicked("ov_map") == {"points": []}
    assert plotly_view.clicked("never_drawn") == {"points": []}


def test_the_charts_name_is_its_title_as_the_reader_sees_it() -> None:
    """A screen reader names the chart by its title: Plotly's markup dropped (a line break a
    space), escaped user text read back as the text the title shows."""
    fig = go.Figure(layout={"title": {"text": "<b>Ұлытау</b> &amp; «Арт»,<br>2020–2024"}})
    assert plotly_view.accessible_name(fig) == "Ұлытау & «Арт», 2020–2024"
    # user text escaped by the builders (charts.base.esc) comes back as that text, not markup
    typed = '<img src=x onerror="alert(1)"> Алматы'
    fig = go.Figure(layout={"title": {"text": esc(typed)}})
    assert plotly_view.accessible_name(fig) == typed
    sent = plotly_view.decode(plotly_view.payload("{}", lang="kk", labels={}, name=typed))
    assert sent["name"] == typed  # a JSON string; chart.js sets it with setAttribute
    assert plotly_view.accessible_name(go.Figure()) == ""
    assert plotly_view.plain_text("a<BR/>b<br >c") == "a b c"


def test_the_browser_sets_the_name_and_the_buttons_text_as_text() -> None:
    """chart.js never parses the name or the labels as HTML: an attribute and textContent."""
    module = plotly_view.MODULE_FILE.read_text(encoding="utf-8")
    assert "innerHTML" not in module and "insertAdjacentHTML" not in module
    assert 'svg.setAttribute("aria-label", name || "")' in module
    assert 'svg.setAttribute("role", "img")' in module
    assert 'button.type = "button"' in module and ".textContent = text" in module


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_chart_without_a_title_is_named_in_the_users_language(
    monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    shown = {}
    monkeypatch.setattr(render, "tr", lambda: Translator(lang))
    monkeypatch.setattr(plotly_view, "show", lambda spec, **kw: shown.update(kw))
    render.plotly(go.Figure(go.Bar(x=[1], y=[2])), "k")
    assert shown["name"] == t(lang, "chart.untitled") != "chart.untitled"
    assert shown["labels"]["fullscreen"] == t(lang, "chart.fullscreen")
    render.plotly(go.Figure(layout={"title": {"text": "Ақмола &amp; Астана"}}), "k")
    assert shown["name"] == "Ақмола & Астана"
