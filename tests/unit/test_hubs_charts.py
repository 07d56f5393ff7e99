"""The hub map builder and the hub tables: trace types, values, offline settings, titles in
each language, escaped user text."""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd
import pytest

from creative_dash import geo, queries
from creative_dash.charts.base import HUB_TYPE_COLORS, HUB_TYPE_SYMBOLS
from creative_dash.charts.hubs import (
    COUNTRY_MAX_PX,
    MAX_PX,
    MIN_PX,
    hub_map,
    marker_sizes,
)
from creative_dash.i18n import LANGS, Translator, t
from creative_dash.views.hubs import hub_totals, hubs_table, without_coordinates

EVIL = "<img src=x onerror=alert(1)>"
CODES = [f["id"] for f in geo.boundaries()["features"]]


def hub_rows(**over) -> pd.DataFrame:
    base = {
        "hub_id": [1, 2, 3],
        "name": ["«Шабыт» хабы", EVIL, "Дала"],
        "hub_type": ["cluster", "makerspace", "cluster"],
        "status": ["operating", "planned", "closed"],
        "region_iso": ["KZ-71", "KZ-75", "KZ-75"],
        "region_name": ["Астана", "Алматы", "Алматы"],
        "city": ["Астана", "Алматы", EVIL],
        "opened_on": [date(2020, 5, 1), None, date(2018, 1, 2)],
        "lat": [51.1, 43.2, 43.3],
        "lon": [71.4, 76.9, 77.0],
        "residents": [40, 10, None],
        "floor_area_m2": [500.0, 120.0, 900.0],
        "sectors": ["Музыка; Дизайн", "", "Музыка"],
        "is_demo": [True, False, False],
    }
    base.update(over)
    return pd.DataFrame(base)


def names(lang: str) -> dict[str, str]:
    return {c: c for c in CODES}


def spec(fig) -> dict:
    return json.loads(fig.to_json())


def test_traces_outlines_then_one_marker_layer_per_type() -> None:
    fig = hub_map(hub_rows(), Translator("en"), region_codes=CODES, region_names=names("en"))
    kinds = [tr.type for tr in fig.data]
    assert kinds == ["choropleth", "scattergeo", "scattergeo"]
    outline = fig.data[0]
    assert outline.geojson == geo.STATIC_URL_PATH  # the served file, not 150 KB inline
    assert list(outline.locations) == CODES and outline.showscale is False
    cluster, maker = fig.data[1], fig.data[2]
    assert cluster.marker.color == HUB_TYPE_COLORS["cluster"]
    assert maker.marker.color == HUB_TYPE_COLORS["makerspace"]
    assert list(cluster.lat) == [51.1, 43.3] and list(maker.lon) == [76.9]
    # only our shapes: the world base map's layers are all off
    assert fig.layout.geo.visible is False


def test_type_is_shape_and_colour_and_nothing_is_fetched() -> None:
    """SVG markers take any symbol offline (a MapLibre map would fetch icons from a CDN)."""
    fig = hub_map(hub_rows(), Translator("kk"), region_codes=CODES, region_names=names("kk"))
    assert [tr.marker.symbol for tr in fig.data[1:]] == [
        HUB_TYPE_SYMBOLS["cluster"],
        HUB_TYPE_SYMBOLS["makerspace"],
    ]
    assert len(set(HUB_TYPE_SYMBOLS.values())) == len(HUB_TYPE_SYMBOLS)
    text = fig.to_json()
    assert "http://" not in text and "https://" not in text
    assert not any(tr.type.endswith("map") for tr in fig.data)  # no MapLibre traces


def test_legend_names_type_and_count() -> None:
    tr = Translator("ru")
    fig = hub_map(
        hub_rows(),
        tr,
        region_codes=CODES,
        region_names=names("ru"),
        counts={"cluster": 7, "makerspace": 1},
    )
    assert fig.data[1].name == t("ru", "hubs.legend_entry", type=t("ru", "hub_type.cluster"), n="7")
    assert fig.data[2].name.startswith(t("ru", "hub_type.makerspace"))


def test_user_text_is_escaped_in_hover() -> None:
    fig = hub_map(hub_rows(), Translator("en"), region_codes=CODES, region_names=names("en"))
    raw = fig.to_json()
    assert EVIL not in raw
    maker = fig.data[2]
    assert maker.customdata[0][0] == "&lt;img src=x onerror=alert(1)&gt;"
    cluster = fig.data[1]
    # the city, with its region
    assert cluster.customdata[1][2] == "&lt;img src=x onerror=alert(1)&gt; (Алматы)"


def test_hover_is_formatted_in_the_language() -> None:
    fig = hub_map(hub_rows(), Translator("ru"), region_codes=CODES, region_names=names("ru"))
    row = list(fig.data[1].customdata[0])
    # an operating hub's hover names no status, any other status follows the type
    assert row[1] == ""
    assert t("ru", "hub_type.cluster") + "%{customdata[1]}<br>" in fig.data[1].hovertemplate
    planned = hub_rows().assign(status="planned")
    other = hub_map(planned, Translator("ru"), region_codes=CODES, region_names=names("ru"))
    assert other.data[1].customdata[0][1] == " · " + t("ru", "hub_status.planned")
    assert row[3] == "40" and row[4] == "500 м²"
    missing = list(fig.data[1].customdata[1])
    assert missing[3] == "—"  # residents unknown
    assert t("ru", "hubs.col_residents") in fig.data[1].hovertemplate


@pytest.mark.parametrize("lang", LANGS)
def test_title_follows_language_and_size_measure(lang: str) -> None:
    tr = Translator(lang)
    a = hub_map(hub_rows(), tr, region_codes=CODES, region_names=names(lang))
    b = hub_map(
        hub_rows(), tr, region_codes=CODES, region_names=names(lang), size_by="floor_area_m2"
    )
    assert a.layout.title.text == b.layout.title.text == t(lang, "hubs.map_title")
    assert a.layout.title.subtitle.text == t(lang, "hubs.map_subtitle_residents")
    assert b.layout.title.subtitle.text == t(lang, "hubs.map_subtitle_floor_area_m2")
    assert a.layout.separators == tr.plotly_separators()


def test_size_follows_the_chosen_measure() -> None:
    df = hub_rows()
    tr = Translator("en")
    by_res = hub_map(df, tr, region_codes=CODES, region_names=names("en"), focus=["KZ-75"])
    by_area = hub_map(
        df,
        tr,
        region_codes=CODES,
        region_names=names("en"),
        focus=["KZ-75"],
        size_by="floor_area_m2",
    )
    # hub 1 has the most residents, hub 3 the largest floor area
    assert by_res.data[1].marker.size[0] == MAX_PX
    assert by_area.data[1].marker.size[1] == MAX_PX
    assert by_res.data[1].marker.size[1] == MIN_PX  # residents unknown


def test_marker_sizes_are_area_proportional() -> None:
    sizes = marker_sizes([100, 25, 0, None, float("nan")])
    assert sizes[0] == MAX_PX and sizes[2:] == [MIN_PX] * 3
    assert sizes[1] == pytest.approx(MIN_PX + (MAX_PX - MIN_PX) * 0.5)
    assert marker_sizes([]) == [] and marker_sizes([None, 0]) == [MIN_PX, MIN_PX]
    assert max(marker_sizes([1, 5], COUNTRY_MAX_PX)) == COUNTRY_MAX_PX


def test_focus_zooms_in_and_shades_the_region() -> None:
    tr = Translator("en")
    country = hub_map(hub_rows(), tr, region_codes=CODES, region_names=names("en"))
    almaty = hub_map(hub_rows(), tr, region_codes=CODES, region_names=names("en"), focus=["KZ-75"])
    lon0, lat0, lon1, lat1 = geo.regions_bbox(["KZ-75"])
    lon_range = almaty.layout.geo.lonaxis.range
    lat_range = almaty.layout.geo.lataxis.range
    # the view is the city's box with a small margin, not the country's
    assert lon_range[0] < lon0 < lon1 < lon_range[1] and lat_range[0] < lat0 < lat1 < lat_range[1]
    assert (lon_range[1] - lon_range[0]) < (lon1 - lon0) * 1.2
    whole = country.layout.geo.lonaxis.range
    assert (whole[1] - whole[0]) > 30 * (lon_range[1] - lon_range[0])
    z = dict(zip(almaty.data[0].locations, almaty.data[0].z))
    assert z["KZ-75"] == 1 and sum(z.values()) == 1
    assert country.layout.uirevision != almaty.layout.uirevision
    # bigger circles once the hubs spread out
    assert max(almaty.data[1].marker.size) == MAX_PX
    assert max(country.data[1].marker.size) == COUNTRY_MAX_PX


def test_view_of_the_country() -> None:
    lon0, lat0, lon1, lat1 = geo.regions_bbox(CODES)
    assert 46 < lon0 < 47 and 87 < lon1 < 88 and 40 < lat0 < 41 and 55 < lat1 < 56
    assert geo.regions_bbox(["XX-00"]) == geo.regions_bbox([])  # unknown codes: the whole country


def test_no_points_says_so() -> None:
    fig = hub_map(
        hub_rows().iloc[0:0], Translator("kk"), region_codes=CODES, region_names=names("kk")
    )
    assert [tr.type for tr in fig.data] == ["choropleth"]
    assert fig.layout.annotations[0].text == t("kk", "app.empty")


def test_hubs_without_coordinates_are_left_off_the_map() -> None:
    df = hub_rows(lat=[51.1, None, 43.3])
    fig = hub_map(df, Translator("en"), region_codes=CODES, region_names=names("en"))
    assert sum(len(tr.lat) for tr in fig.data[1:]) == 2
    assert without_coordinates(df) == 1


def test_same_input_same_figure() -> None:
    tr = Translator("kk")
    a = hub_map(hub_rows(), tr, region_codes=CODES, region_names=names("kk"))
    b = hub_map(hub_rows(), tr, region_codes=CODES, region_names=names("kk"))
    assert spec(a) == spec(b)


def test_size_by_is_checked() -> None:
    with pytest.raises(ValueError):
        hub_map(hub_rows(), Translator("en"), region_codes=CODES, region_names={}, size_by="name")


@pytest.mark.parametrize("lang", LANGS)
def test_hubs_table_headers_and_values(lang: str) -> None:
    tr = Translator(lang)
    view = hubs_table(hub_rows(), tr)
    assert list(view.columns)[0] == t(lang, "hubs.col_name")
    assert view.iloc[0][t(lang, "hubs.col_type")] == t(lang, "hub_type.cluster")
    assert view.iloc[1][t(lang, "hubs.col_opened")] == "—"
    assert view.iloc[0][t(lang, "hubs.col_floor_area_unit")] == tr.num(500)
    export = hubs_table(hub_rows(), tr, for_export=True)
    assert list(export.columns) == [*view.columns, "is_demo"]  # demo rows say so
    assert export["is_demo"].tolist() == [True, False, False]
    assert export.iloc[0][t(lang, "hubs.col_opened")] == date(2020, 5, 1)
    assert export[t(lang, "hubs.col_residents")].tolist()[:2] == [40, 10]
    assert pd.isna(export[t(lang, "hubs.col_residents")].iloc[2])


def test_totals() -> None:
    by_type = pd.DataFrame(
        {
            "hub_type": ["cluster", "incubator"],
            "hubs": [3, 2],
            "operating": [2, 0],
            "residents": [10.0, 5.0],
            "floor_area_m2": [100.0, 50.0],
        }
    )
    assert hub_totals(by_type) == {
        "hubs": 5,
        "operating": 2,
        "residents": 15.0,
        "floor_area_m2": 150.0,
    }
    assert hub_totals(by_type.iloc[0:0])["hubs"] == 0


def test_the_demo_store_on_the_map(demo_store) -> None:
    df = queries.run(demo_store, "hubs_for_map", lang="kk")
    fig = hub_map(df, Translator("kk"), region_codes=CODES, region_names=names("kk"))
    assert sum(len(tr.lat) for tr in fig.data[1:]) == len(df) == 200
    assert {tr.legendgroup for tr in fig.data[1:]} == set(df["hub_type"])
    # each circle is area-proportional to the residents of its hub
    top = df["residents"].max()
    for tr in fig.data[1:]:
        part = df[df["hub_type"] == tr.legendgroup]
        for size, residents in zip(tr.marker.size, part["residents"]):
            expected = MIN_PX + (COUNTRY_MAX_PX - MIN_PX) * math.sqrt(residents / top)
            assert size == pytest.approx(expected, abs=0.01)
