"""The region dashboard under AppTest: opened by ?region=, in every language, peers by URL,
an unknown or missing code explained without a traceback."""

from __future__ import annotations

import pytest

from creative_dash.i18n import KAZAKH_LETTERS, t
from creative_dash.text import inert
from tests.app.apptest import charts, open_page, page_text


def _peer_table(at) -> str:
    """The comparison table's cells, joined."""
    return " ".join(str(v) for v in at.table[0].value.to_numpy().ravel())


def _chart(at, key: str) -> dict:
    for el in charts(at):
        if el.id and key in el.id:
            return el.figure
    raise AssertionError(f"no chart {key}")


@pytest.mark.parametrize(
    ("lang", "name"),
    [("kk", "Ұлытау облысы"), ("ru", "Улытауская область"), ("en", "Ulytau Region")],
)
def test_region_renders_in_each_language(demo_db, lang, name):
    at = open_page("region", lang, region="KZ-62")
    assert not at.exception
    assert at.title[0].value == name
    text = page_text(at)
    assert t(lang, "region.peers_title") in text
    assert not [e.value for e in at.error]
    for key in ("rg_peer_chart", "rg_map", "rg_pipeline", "rg_funding", "rg_competencies"):
        assert _chart(at, key)["data"], key
    # the mixes are lazy tabs: the funding mix is open, sectors and the timeline wait for a click
    assert len(charts(at)) == 6
    if lang == "kk":
        assert set(text) & KAZAKH_LETTERS


@pytest.mark.parametrize(("tab", "key"), [("sectors", "rg_sectors"), ("timeline", "rg_timeline")])
def test_a_mix_tab_opens_from_the_url(demo_db, tab, key):
    at = open_page("region", "ru", region="KZ-62", rg_mix=tab)
    assert not at.exception
    assert _chart(at, key)["data"]
    assert len(charts(at)) == 6


def test_the_print_view_shows_every_section_and_links_back(demo_db):
    at = open_page("region", "en", region="KZ-62")
    links = [el.proto for el in at.get("page_link")]
    to_print = [p for p in links if p.label == t("en", "region.print_view_open")]
    assert to_print and "print=1" in to_print[0].query_string
    assert "region=KZ-62" in to_print[0].query_string
    at = open_page("region", "en", region="KZ-62", print="1")
    assert not at.exception
    for key in ("rg_funding", "rg_sectors", "rg_timeline"):
        assert _chart(at, key)["data"], key
    assert len(charts(at)) == 8
    assert not at.tabs
    text = page_text(at)
    for code in ("funding", "sectors", "timeline"):
        assert t("en", f"region.mix_tab_{code}") in text
    assert t("en", "region.print_view_hint") in text
    back = [
        el.proto
        for el in at.get("page_link")
        if el.proto.label == t("en", "region.print_view_close")
    ]
    assert back and "print" not in back[0].query_string


def test_shymkent_in_kazakh_from_the_url(demo_db):
    at = open_page("region", "kk", region="KZ-79")
    assert not at.exception
    assert "Шымкент" in at.title[0].value
    # the default peer group is the same kind: Shymkent is ranked among the 3 cities
    assert "3 қаланың" in _peer_table(at)


def test_rank_in_words_follows_the_peer_group(demo_db):
    at = open_page("region", "ru", region="KZ-35", rg_peers="all")
    assert not at.exception
    assert at.selectbox(key="rg_peers").value == "all"
    assert "из 20 регионов" in _peer_table(at)
    at.selectbox(key="rg_peers").set_value("kind").run()
    assert not at.exception
    assert "из 17 областей" in _peer_table(at)
    assert "из 20 регионов" not in _peer_table(at)
    assert at.query_params.get("rg_peers") in (None, "kind", ["kind"])


def test_neighbours_are_the_bordering_regions(demo_db):
    at = open_page("region", "en", region="KZ-71", rg_peers="neighbours")
    assert not at.exception
    spec = _chart(at, "rg_peer_chart")
    labels = spec["data"][0]["y"]
    assert len(labels) == 2 and any("Akmola" in label for label in labels)


def test_no_region_asks_to_pick_one(demo_db):
    at = open_page("region", "en")
    assert not at.exception
    assert t("en", "region.pick_prompt") in page_text(at)
    at.selectbox(key="rg_pick").set_value("KZ-75").run()
    assert not at.exception
    assert at.title[0].value == "Almaty"


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_unknown_code_is_explained(demo_db, lang):
    # opened straight on the region page, as a browser does with /region?region=KZ-99
    at = open_page("region", lang, region="KZ-99")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors == [t(lang, "region.unknown_code", code=inert("KZ-99"))]
    assert at.selectbox(key="rg_pick")


def test_a_hostile_code_is_not_echoed(demo_db):
    at = open_page("region", "en", region="<img src=x onerror=alert(1)>")
    assert not at.exception
    assert [e.value for e in at.error] == [t("en", "region.unknown_code", code=inert("?"))]


@pytest.mark.parametrize(("page", "query"), [("region", {"region": "KZ-62"}), ("overview", {})])
@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_brief_button_is_labelled_in_the_users_language(demo_db, page, query, lang):
    at = open_page(page, lang, **query)
    assert not at.exception
    button = next(b for b in at.get("download_button") if b.key == "brief_pdf")
    label = "brief.download" if page == "region" else "brief.download_national"
    assert button.proto.label == t(lang, label)
    assert button.proto.deferred_file_id  # built on the click, not on every run of the page
