"""The Creative hubs page under AppTest: renders in every language, filters by widget key and
URL change the map's data, the sidebar region narrows and zooms the map."""

from __future__ import annotations

import pytest

from creative_dash import geo
from creative_dash.i18n import KAZAKH_LETTERS, t
from tests.app.apptest import charts, open_page, page_text


def map_spec(at) -> dict:
    drawn = charts(at)
    assert len(drawn) == 1
    return drawn[0].figure


def points(spec: dict) -> int:
    return sum(len(tr["lat"]) for tr in spec["data"] if tr["type"] == "scattergeo")


def types_on_map(spec: dict) -> set[str]:
    return {tr["legendgroup"] for tr in spec["data"] if tr["type"] == "scattergeo"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_renders_in_each_language(demo_db, lang):
    at = open_page("hubs", lang)
    assert not at.exception
    assert at.title[0].value == t(lang, "hubs.title")
    spec = map_spec(at)
    assert [tr["type"] for tr in spec["data"]][0] == "choropleth"
    assert points(spec) == 200
    assert spec["layout"]["geo"]["visible"] is False
    # the served file with its version (creative_dash.web keeps it a year), not 150 KB inline
    assert spec["data"][0]["geojson"] == geo.STATIC_URL_PATH
    assert geo.STATIC_URL_PATH.startswith("app/static/kz_regions.geojson?v=")
    assert spec["layout"]["title"]["text"] == t(lang, "hubs.map_title")
    assert spec["layout"]["title"]["subtitle"]["text"] == t(lang, "hubs.map_subtitle_residents")
    # the table shows a page of 40 rows; the downloads hold all 200
    assert len(at.dataframe[0].value) == 40
    assert t(lang, "initiatives.rows", first="1", last="40", total="200") in page_text(at)
    assert t(lang, "hubs.col_name") in at.dataframe[0].value.columns
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t(lang, "export.csv"), t(lang, "export.xlsx")]
    assert t(lang, "hubs.showing_all") in page_text(at)
    if lang == "kk":
        text = page_text(at) + " ".join(tr.get("name", "") for tr in spec["data"])
        assert set(text) & KAZAKH_LETTERS
        assert "Makerspace" not in text and "Hubs" not in text


def test_type_filter_by_widget_key_changes_the_map(demo_store):
    expected = demo_store.scalar("SELECT count(*) FROM hubs WHERE hub_type = 'makerspace'")
    at = open_page("hubs", "en")
    at.multiselect(key="hubs_type").set_value(["makerspace"]).run()
    assert not at.exception
    spec = map_spec(at)
    assert types_on_map(spec) == {"makerspace"}
    assert points(spec) == expected
    assert len(at.dataframe[0].value) == min(expected, 40)
    assert at.query_params["hubs_type"] in ("makerspace", ["makerspace"])


def test_table_pages_through_every_hub_and_restarts_on_new_filters(demo_store):
    at = open_page("hubs", "en")
    seen = []
    for page in range(1, 6):
        at.number_input(key="hubs_page").set_value(page).run()
        assert not at.exception
        seen += at.dataframe[0].value[t("en", "hubs.col_name")].tolist()
    names = [r[0] for r in demo_store.query("SELECT name FROM hubs").itertuples(index=False)]
    assert len(seen) == 200 and sorted(seen) == sorted(names)
    assert at.query_params["hubs_page"] in ("5", ["5"])
    at.multiselect(key="hubs_type").set_value(["makerspace"]).run()
    assert at.number_input(key="hubs_page").value == 1


def test_sector_status_and_years_by_widget_key(demo_store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM hubs h WHERE status = 'operating' "
        "AND year(opened_on) BETWEEN 2019 AND 2022 AND EXISTS (SELECT 1 FROM hub_sectors s "
        "WHERE s.hub_id = h.hub_id AND s.sector_code = 'music')"
    )
    at = open_page("hubs", "ru")
    at.multiselect(key="hubs_sector").set_value(["music"]).run()
    at.multiselect(key="hubs_status").set_value(["operating"]).run()
    at.slider(key="hubs_years").set_value((2019, 2022)).run()
    assert not at.exception
    assert 0 < points(map_spec(at)) == expected
    assert at.query_params["hubs_years"] in ("2019-2022", ["2019-2022"])


def test_size_selector_changes_title_and_sizes(demo_db):
    at = open_page("hubs", "en")
    before = map_spec(at)
    at.selectbox(key="hubs_size").set_value("floor_area_m2").run()
    after = map_spec(at)
    assert after["layout"]["title"]["subtitle"]["text"] == t(
        "en", "hubs.map_subtitle_floor_area_m2"
    )
    assert before["data"][1]["marker"]["size"] != after["data"][1]["marker"]["size"]


def test_filters_are_read_from_the_url(demo_store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM hubs WHERE hub_type IN ('incubator', 'art_centre') "
        "AND region_iso = 'KZ-79'"
    )
    at = open_page("hubs", "kk", hubs_type="incubator,art_centre", hubs_region="KZ-79")
    assert not at.exception
    spec = map_spec(at)
    assert types_on_map(spec) <= {"incubator", "art_centre"}
    assert points(spec) == expected


def test_sidebar_region_narrows_and_zooms(demo_store):
    expected = demo_store.scalar("SELECT count(*) FROM hubs WHERE region_iso = 'KZ-75'")
    country = map_spec(open_page("hubs", "en"))
    at = open_page("hubs", "en", region="KZ-75")
    assert not at.exception
    spec = map_spec(at)
    assert points(spec) == expected < 200
    lon, lat = spec["layout"]["geo"]["lonaxis"]["range"], spec["layout"]["geo"]["lataxis"]["range"]
    whole = country["layout"]["geo"]["lonaxis"]["range"]
    assert (whole[1] - whole[0]) > 30 * (lon[1] - lon[0])  # zoomed to the city
    assert 43.0 < (lat[0] + lat[1]) / 2 < 43.5 and 76.5 < (lon[0] + lon[1]) / 2 < 77.2
    name = demo_store.scalar("SELECT name_en FROM regions WHERE iso_code = 'KZ-75'")
    assert t("en", "hubs.showing_regions", regions=name) in page_text(at)
    # the page's own region filter takes over from the sidebar
    at.multiselect(key="hubs_region").set_value(["KZ-71", "KZ-79"]).run()
    both = demo_store.scalar("SELECT count(*) FROM hubs WHERE region_iso IN ('KZ-71', 'KZ-79')")
    assert points(map_spec(at)) == both


def test_escaped_hub_name_in_the_map(demo_store):
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET name = '<img src=x onerror=alert(1)>' WHERE hub_id = 5")
    at = open_page("hubs", "en")
    raw = charts(at)[0].spec
    assert "<img src=x" not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw


def test_no_hub_matches(demo_db):
    at = open_page("hubs", "en", hubs_region="KZ-75", hubs_type="incubator", hubs_status="closed")
    assert not at.exception
    spec = map_spec(at)
    assert points(spec) == 0
    assert spec["layout"]["annotations"][0]["text"] == t("en", "app.empty")
