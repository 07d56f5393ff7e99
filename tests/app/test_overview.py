"""The national overview under AppTest: renders in every language, filters change the map,
and a click on the map (or the picker) opens the region's dashboard."""

from __future__ import annotations

import pytest

from creative_dash.i18n import KAZAKH_LETTERS, Translator, t
from creative_dash.metrics import METRIC_BY_CODE
from tests.app.apptest import charts, open_page, page_text


def _chart(at, key: str) -> dict:
    for el in charts(at):
        if el.id and key in el.id:
            return el.figure
    raise AssertionError(f"no chart {key}")


def _map_values(at) -> dict[str, float]:
    trace = _chart(at, "ov_map")["data"][0]
    return dict(zip(trace["locations"], trace["z"]))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_overview_renders_in_each_language(demo_db, lang):
    at = open_page("overview", lang)
    assert not at.exception
    assert at.title[0].value == t(lang, "overview.title")
    labels = [m.label for m in at.metric]
    assert t(lang, "metric.hubs") in labels and len(labels) == 11
    spec = _chart(at, "ov_map")
    types = [tr["type"] for tr in spec["data"]]
    assert types[0] == "choropleth" and "scattergeo" in types
    assert spec["layout"]["geo"]["visible"] is False
    located = [
        loc
        for tr in spec["data"]
        if tr["type"] == "choropleth"
        for loc in tr.get("locations", [])
        if tr.get("hoverinfo") != "skip"
    ]
    assert len(located) == 20
    title = spec["layout"]["title"]["text"].replace("<br>", " ")
    assert METRIC_BY_CODE["initiatives_per_100k"].label(Translator(lang)) in title
    text = page_text(at)
    if lang == "kk":
        assert set(text) & KAZAKH_LETTERS
    for key in ("ov_ranking", "ov_sector_mix"):
        assert _chart(at, key)["data"], key
    # the other mixes are in tabs that are computed only when opened
    assert len(charts(at)) == 3


@pytest.mark.parametrize(
    ("tab", "key"), [("funding", "ov_funding_mix"), ("years", "ov_started"), ("sdg", "ov_sdg")]
)
def test_each_mix_tab_opens_from_the_url(demo_db, tab, key):
    at = open_page("overview", "kk", ov_mix=tab)
    assert not at.exception
    assert _chart(at, key)["data"]
    keys = {el.id for el in charts(at)}
    assert len(keys) == 3  # the map, the ranking and the open mix


def _open_filters(at):
    """Open the filters' section (drawn only while open), as a click on it does."""
    at.session_state["ov_filters"] = True
    at.run()
    assert not at.exception
    return at


def test_a_filter_changes_the_map(demo_db):
    at = open_page("overview", "en")
    before = _map_values(at)
    assert not at.get("multiselect")  # closed: the filters are not drawn
    _open_filters(at)
    at.multiselect(key="ov_funding").set_value(["impact"]).run()
    assert not at.exception
    after = _map_values(at)
    assert set(after) <= set(before)
    assert sum(after.values()) < sum(before.values())
    assert at.query_params["ov_funding"] in ("impact", ["impact"])


def test_the_metric_selector_changes_the_map_and_the_url(demo_db):
    at = open_page("overview", "ru")
    at.selectbox(key="ov_metric").set_value("hubs").run()
    assert not at.exception
    spec = _chart(at, "ov_map")
    assert t("ru", "metric.hubs") in spec["layout"]["title"]["text"].replace("<br>", " ")
    assert all(float(z).is_integer() for z in spec["data"][0]["z"])
    assert at.query_params["ov_metric"] in ("hubs", ["hubs"])


def test_filters_are_read_from_the_url(demo_db):
    at = open_page("overview", "en", ov_status="completed", ov_metric="initiatives")
    assert not at.exception
    # the section is closed, yet the link's filter applies and the page says one is on
    assert t("en", "overview.filters_on", n=1) in page_text(at)
    values = _map_values(at)
    assert _open_filters(at).multiselect(key="ov_status").value == ["completed"]
    assert _map_values(at) == values
    everything = _map_values(open_page("overview", "en", ov_metric="initiatives"))
    assert sum(values.values()) < sum(everything.values())


def test_a_filter_set_then_closed_keeps_applying(demo_db):
    at = _open_filters(open_page("overview", "ru"))
    at.multiselect(key="ov_funding").set_value(["grant"]).run()
    filtered = _map_values(at)
    at.session_state["ov_filters"] = False
    at.run()
    assert not at.exception and not at.get("multiselect")
    assert _map_values(at) == filtered
    assert at.query_params["ov_funding"] in ("grant", ["grant"])
    assert _open_filters(at).multiselect(key="ov_funding").value == ["grant"]


def test_the_picker_opens_the_region_dashboard(demo_db):
    at = open_page("overview", "kk")
    at.selectbox(key="ov_pick").set_value("KZ-79").run()
    assert not at.exception
    assert at.session_state["region"] == "KZ-79"
    assert at.title[0].value == "Шымкент"
    assert at.query_params["region"] in ("KZ-79", ["KZ-79"])


def test_an_unknown_filter_value_in_a_link_is_ignored_while_the_section_is_closed(demo_db):
    at = open_page("overview", "en", ov_funding="bogus", ov_metric="initiatives")
    assert not at.exception
    assert t("en", "overview.filters_on", n=1) not in page_text(at)
    assert _map_values(at) == _map_values(open_page("overview", "en", ov_metric="initiatives"))
