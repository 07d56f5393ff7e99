"""Figures of the overview and the region dashboard: traces, values, titles in each language,
escaping of user text, and ranks in words."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from creative_dash import geo
from creative_dash.charts import maps
from creative_dash.charts import overview as ov
from creative_dash.charts import region as rg
from creative_dash.charts.base import HUB_TYPE_SYMBOLS, SDG_COLORS
from creative_dash.i18n import LANGS, Translator
from creative_dash.metrics import (
    METRIC_BY_CODE,
    METRICS,
    compare_with_peers,
    en_ordinal,
    format_value,
    group_noun,
    kk_possessive,
    peer_codes,
    rank_words,
)
from creative_dash.views.overview import kpi_cards

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def metrics() -> pd.DataFrame:
    """A region_metrics-shaped frame built by hand from the reference regions."""
    regions = pd.read_csv(geo.settings.ROOT / "data" / "reference" / "regions.csv")
    rows = []
    for i, r in enumerate(regions.sort_values("iso_code").itertuples()):
        population = 500_000 + 100_000 * i
        rows.append(
            {
                "iso_code": r.iso_code,
                "kind": r.kind,
                "name_kk": r.name_kk,
                "name_ru": r.name_ru,
                "name_en": r.name_en,
                "admin_center_lat": r.admin_center_lat,
                "admin_center_lon": r.admin_center_lon,
                "population": population,
                "population_as_of": pd.Timestamp("2026-01-01")
                if i % 3
                else pd.Timestamp("2024-01-01"),
                "initiatives": 10 + i,
                "active": i % 4,
                "hubs": 1 + i % 5,
                "budget_planned": 1e9 + i * 1e8,
                "budget_spent": 5e8,
                "jobs": 30 + i,
                "participants": 4,
                "competency_gain": float("nan") if i == 0 else 0.5 + i / 10,
                "initiatives_per_100k": (10 + i) * 1e5 / population,
                "active_per_100k": (i % 4) * 1e5 / population,
                "hubs_per_100k": (1 + i % 5) * 1e5 / population,
                "jobs_per_100k": (30 + i) * 1e5 / population,
                "budget_per_capita": (1e9 + i * 1e8) / population,
                "creative_exports_per_capita": 1000.0 + 250 * (i % 7),
            }
        )
    return pd.DataFrame(rows)


def _json(fig) -> dict:
    return json.loads(fig.to_json())


def _title(spec: dict) -> str:
    """The figure's title as one line (long titles are wrapped with <br>)."""
    return spec["layout"]["title"]["text"].replace("<br>", " ")


# -- the national map ---------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_national_map_draws_every_region_offline(metrics, lang):
    t = Translator(lang)
    metric = METRIC_BY_CODE["initiatives_per_100k"]
    fig = maps.national_map(metrics, metric, t, geojson=geo.STATIC_URL_PATH, title="T")
    spec = _json(fig)
    types = [tr["type"] for tr in spec["data"]]
    # SVG (d3-geo), not MapLibre: redrawn in a third of the time, nothing fetched
    assert types == ["choropleth", "scattergeo"]
    assert spec["layout"]["geo"]["visible"] is False  # no world base layers
    trace = spec["data"][0]
    assert trace["locationmode"] == "geojson-id" and trace["featureidkey"] == "id"
    assert trace["geojson"] == geo.STATIC_URL_PATH
    assert len(trace["locations"]) == 20
    values = dict(zip(trace["locations"], trace["z"]))
    expected = dict(zip(metrics["iso_code"], metrics["initiatives_per_100k"]))
    assert values == pytest.approx(expected)
    # hover: the name in the UI language, the formatted value and the rank in words
    custom = dict((row[0], row) for row in trace["customdata"])
    astana = metrics[metrics["iso_code"] == "KZ-71"].iloc[0]
    assert custom["KZ-71"][1] == astana[t.name_col()]
    assert custom["KZ-71"][2] == format_value(t, metric, astana["initiatives_per_100k"])
    assert str(20) in custom["KZ-71"][3]
    assert "customdata[2]" in trace["hovertemplate"] and metric.label(t) in trace["hovertemplate"]
    # per-capita hover says which population it divides by
    assert t.num(astana["population"]) in custom["KZ-71"][4]
    # the cities: three dots carrying their ISO codes, named in the legend
    dots = spec["data"][1]
    assert [c[0] for c in dots["customdata"]] == ["KZ-71", "KZ-75", "KZ-79"]
    assert dots["name"] == t("overview.map_cities")
    # a ring that stands out on any fill
    assert dots["marker"]["line"]["color"] == maps.OUTLINE_COLOR


def test_national_map_puts_regions_without_value_in_grey(metrics):
    t = Translator("ru")
    fig = maps.national_map(metrics, METRIC_BY_CODE["competency_gain"], t, geojson={}, title="T")
    spec = _json(fig)
    assert len(spec["data"][0]["locations"]) == 19
    grey = spec["data"][1]
    assert grey["type"] == "choropleth" and grey["locations"] == ["KZ-10"]
    assert grey["customdata"][0][2] == t("overview.no_data")


def test_national_map_highlights_the_selected_region(metrics):
    fig = maps.national_map(
        metrics, METRIC_BY_CODE["hubs"], Translator("en"), geojson={}, title="T", highlight="KZ-62"
    )
    outline = [tr for tr in fig.data if tr.type == "choropleth" and tr.hoverinfo == "skip"]
    assert len(outline) == 1 and list(outline[0].locations) == ["KZ-62"]


def test_a_fresh_figure_every_call(metrics):
    t = Translator("kk")
    a = maps.national_map(metrics, METRIC_BY_CODE["jobs"], t, geojson={}, title="T")
    b = maps.national_map(metrics, METRIC_BY_CODE["jobs"], t, geojson={}, title="T")
    assert a is not b and a.to_json() == b.to_json()
    assert len(a.data) == len(b.data) == 2


def test_the_national_view_fits_kazakhstan(metrics):
    fig = maps.national_map(
        metrics, METRIC_BY_CODE["jobs"], Translator("kk"), geojson={}, title="T"
    )
    lon, lat = fig.layout.geo.lonaxis.range, fig.layout.geo.lataxis.range
    # 46.5-87.3 E, 40.6-55.4 N with a small margin
    assert 44.5 < lon[0] < 46.5 and 87.3 < lon[1] < 89.5
    assert 39 < lat[0] < 40.6 and 55.4 < lat[1] < 56.5
    assert fig.layout.geo.projection.type == "mercator"


def test_geojson_source_is_the_static_url_for_the_shipped_file():
    assert maps.geojson_source() == geo.STATIC_URL_PATH


def test_another_boundary_file_is_sent_inline_wound_for_d3(tmp_path, monkeypatch):
    fc = json.loads(json.dumps(geo.boundaries()))
    fc["features"][0]["properties"]["name_en"] = "Changed"  # not the served file any more
    path = tmp_path / "official.geojson"
    path.write_text(json.dumps(fc), encoding="utf-8")
    monkeypatch.setenv("CREATIVE_DASH_BOUNDARIES", str(path))
    source = maps.geojson_source()
    assert isinstance(source, dict)
    assert source["features"][0]["properties"]["name_en"] == "Changed"
    assert source == geo.wound_for_d3(fc)
    ring = source["features"][0]["geometry"]["coordinates"][0]
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))
    assert area2 < 0  # exterior clockwise, as d3-geo reads it


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        ({"points": [{"customdata": ["KZ-71", "Astana"], "point_index": 0}]}, "KZ-71"),
        ({"points": [{"location": "KZ-62"}]}, "KZ-62"),
        ({"points": []}, None),
        (None, None),
    ],
)
def test_clicked_region(selection, expected):
    assert maps.clicked_region(selection) == expected


# -- the region map -------------------------------------------------------------------------------
def _hubs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "hub_id": [1, 2, 3],
            "name": [HOSTILE, "«Шабыт» арт", "Nur"],
            "city": ["Жезқазған", "Жезқазған", "Сәтбаев"],
            "hub_type": ["cluster", "makerspace", "cluster"],
            "status": ["operating", "planned", "closed"],
            "opened_on": [None] * 3,
            "lat": [47.8, 47.7, 47.9],
            "lon": [67.7, 67.6, 67.5],
            "residents": [1, 2, 3],
            "sectors_kk": ["Музыка", None, "Дизайн"],
            "sectors_ru": ["Музыка", None, "Дизайн"],
            "sectors_en": ["Music", None, "Design"],
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_region_map_shapes_and_colours_hubs_by_type(lang):
    t = Translator(lang)
    feature = geo.region_feature("KZ-62")
    fig = maps.region_map(
        feature,
        _hubs(),
        t,
        title="M",
        region_name="Ulytau",
        neighbours=[geo.region_feature("KZ-35")],
    )
    spec = _json(fig)
    hub_traces = [tr for tr in spec["data"] if tr.get("mode") == "markers"]
    assert [tr["name"] for tr in hub_traces] == [
        t.enum("hub_type", "cluster"),
        t.enum("hub_type", "makerspace"),
    ]
    assert [tr["marker"]["symbol"] for tr in hub_traces] == [
        HUB_TYPE_SYMBOLS["cluster"],
        HUB_TYPE_SYMBOLS["makerspace"],
    ]
    assert len(hub_traces[0]["x"]) == 2
    west, south, east, north = geo.bbox(feature)
    x0, x1 = spec["layout"]["xaxis"]["range"]
    assert x0 < west < east < x1 and x1 - x0 < (east - west) * 1.5
    assert spec["layout"]["yaxis"]["scaleratio"] == pytest.approx(
        1 / math.cos(math.radians((north + south) / 2))
    )
    assert t("region.hub_sectors") in hub_traces[0]["hovertemplate"]


def test_a_hostile_hub_name_is_escaped_in_the_hover():
    fig = maps.region_map(
        geo.region_feature("KZ-62"), _hubs(), Translator("en"), title="M", region_name="Ulytau"
    )
    text = fig.to_json()
    assert HOSTILE not in text
    names = [row[0] for tr in fig.data if tr.customdata is not None for row in tr.customdata]
    assert "&lt;img src=x onerror=alert(1)&gt;" in names


def test_a_hostile_region_name_is_escaped_on_the_national_map(metrics):
    df = metrics.copy()
    df.loc[df["iso_code"] == "KZ-71", "name_en"] = HOSTILE
    fig = maps.national_map(df, METRIC_BY_CODE["hubs"], Translator("en"), geojson={}, title="T")
    assert HOSTILE not in fig.to_json()
    fig = ov.ranking_bars(df, METRIC_BY_CODE["hubs"], Translator("en"), title="T")
    assert HOSTILE not in fig.to_json()


# -- overview charts --------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_ranking_labels_every_bar(metrics, lang):
    t = Translator(lang)
    metric = METRIC_BY_CODE["budget_per_capita"]
    fig = ov.ranking_bars(
        metrics,
        metric,
        t,
        title=t("overview.ranking_title", metric=metric.label(t)),
        highlight="KZ-71",
    )
    spec = _json(fig)
    assert _title(spec) == t("overview.ranking_title", metric=metric.label(t))
    assert "<br>" in spec["layout"]["title"]["text"]  # wrapped: Plotly titles never wrap
    bars = [tr for tr in spec["data"] if tr["type"] == "bar"]
    assert [b["name"] for b in bars] == [
        t("overview.kind_legend.oblast"),
        t("overview.kind_legend.city"),
    ]
    assert sum(len(b["y"]) for b in bars) == 20
    assert all(len(b["text"]) == len(b["x"]) and all(b["text"]) for b in bars)
    order = spec["layout"]["yaxis"]["categoryarray"]
    top = metrics.sort_values("budget_per_capita").iloc[-1][t.name_col()]
    assert order[-1].endswith(top) or top in order[-1]
    assert any(label.startswith("<b>▶") for label in order)


@pytest.mark.parametrize("lang", LANGS)
def test_sector_names_are_translated(lang):
    t = Translator(lang)
    df = pd.DataFrame(
        {
            "code": ["music", "crafts"],
            "name_kk": ["Музыка", "Қолөнер"],
            "name_ru": ["Музыка", "Ремёсла"],
            "name_en": ["Music", "Crafts"],
            "unctad_group": ["arts", "heritage"],
            "sort_order": [1, 5],
            "initiatives": [3, 7],
            "budget_planned": [1e6, 2e6],
        }
    )
    spec = _json(ov.sector_bars(df, t, title=t("overview.sector_title")))
    assert _title(spec) == t("overview.sector_title")
    names = {tr["name"]: tr["y"] for tr in spec["data"]}
    assert names[t.enum("unctad", "heritage")] == [df.loc[1, t.name_col()]]
    assert spec["layout"]["yaxis"]["categoryarray"][-1] == df.loc[1, t.name_col()]


def test_funding_bars_show_amount_and_share():
    t = Translator("en")
    df = pd.DataFrame(
        {
            "funding_source": ["republican", "local", "private", "impact", "grant"],
            "initiatives": [1, 2, 3, 4, 5],
            "budget_planned": [1e9, 3e9, 0, 0, 0],
            "budget_spent": [1, 2, 3, 4, 5],
            "share": [0.25, 0.75, 0, 0, 0],
        }
    )
    bar = _json(ov.funding_bars(df, t, title="F"))["data"][0]
    assert bar["y"][0] == "Republican budget"
    assert bar["text"][1] == "₸3B (75%)"


def test_sdg_bars_use_the_official_colours_and_goal_numbers():
    t = Translator("kk")
    df = pd.DataFrame({"sdg": list(range(1, 18)), "initiatives": list(range(17))})
    bar = _json(ov.sdg_bars(df, t, title="S"))["data"][0]
    assert bar["x"] == [str(g) for g in range(1, 18)]
    assert bar["marker"]["color"] == [SDG_COLORS[g] for g in range(1, 18)]
    assert bar["customdata"][7] == [t("overview.sdg_label", goal=8), t("overview.sdg.g8")]
    assert "ТДМ" in bar["customdata"][0][0]


def test_started_per_year_stacks_statuses_with_totals():
    t = Translator("ru")
    df = pd.DataFrame(
        {
            "year": [2023, 2023, 2025],
            "status": ["completed", "cancelled", "approved"],
            "initiatives": [5, 2, 4],
        }
    )
    spec = _json(ov.started_per_year(df, t, title="Y", years=(2023, 2025)))
    bars = [tr for tr in spec["data"] if tr["type"] == "bar"]
    assert [b["name"] for b in bars] == [
        t.enum("status", s) for s in ("approved", "completed", "cancelled")
    ]
    totals = [tr for tr in spec["data"] if tr["type"] == "scatter"][0]
    assert totals["x"] == ["2023", "2024", "2025"] and totals["text"] == ["7", "0", "4"]


def test_empty_data_gives_a_translated_empty_figure():
    t = Translator("kk")
    df = pd.DataFrame({"sdg": list(range(1, 18)), "initiatives": [0] * 17})
    spec = _json(ov.sdg_bars(df, t, title="S"))
    assert spec["layout"]["annotations"][0]["text"] == t("app.empty")


# -- region charts ----------------------------------------------------------------------------------
def test_pipeline_orders_statuses_and_puts_cancelled_apart():
    t = Translator("en")
    df = pd.DataFrame(
        {
            "status": ["proposed", "approved", "in_progress", "completed", "cancelled"],
            "initiatives": [1, 2, 3, 4, 5],
            "budget_planned": [0] * 5,
        }
    )
    spec = _json(rg.status_pipeline(df, t, title="P"))
    main, apart = spec["data"]
    assert main["y"] == ["Proposed", "Approved", "In progress", "Completed"]
    assert main["x"] == [1, 2, 3, 4] and main["text"] == ["1", "2", "3", "4"]
    assert apart["y"] == ["Cancelled"] and apart["yaxis"] == "y2"


def test_timeline_labels_quarters_in_each_language():
    df = pd.DataFrame({"year": [2024], "quarter": [2], "status": ["completed"], "initiatives": [3]})
    for lang, label in (("kk", "2024 ж. 2-тоқсан"), ("ru", "2 кв. 2024"), ("en", "Q2 2024")):
        spec = _json(rg.timeline_quarters(df, Translator(lang), title="T", years=(2024, 2024)))
        assert spec["data"][0]["x"][1] == label
        assert spec["data"][0]["y"] == [0, 3, 0, 0]


def test_competency_chart_labels_before_and_after():
    t = Translator("ru")
    df = pd.DataFrame(
        {
            "code": ["a"],
            "name_kk": ["Басқару"],
            "name_ru": ["Управление"],
            "name_en": ["Management"],
            "participants": [5],
            "pre_mean": [4.2],
            "post_mean": [6.8],
            "gain": [2.6],
        }
    )
    spec = _json(rg.competency_chart(df, t, title="C"))
    pre, post = spec["data"][1], spec["data"][2]
    assert (pre["name"], post["name"]) == (t("region.score_pre"), t("region.score_post"))
    assert pre["text"] == ["4,2"] and post["text"] == ["6,8"] and post["y"] == ["Управление"]


def test_peer_bars_mark_the_region_and_the_median(metrics):
    t = Translator("en")
    metric = METRIC_BY_CODE["hubs_per_100k"]
    peers = peer_codes(metrics, "KZ-79", "kind")
    spec = _json(
        rg.peer_bars(
            metrics, metric, t, iso="KZ-79", peers=peers, title="P", median_label="Peer median"
        )
    )
    bar = spec["data"][0]
    assert len(bar["y"]) == 3 and sum("▶" in y for y in bar["y"]) == 1
    assert spec["layout"]["shapes"][0]["type"] == "line"
    assert spec["layout"]["annotations"][0]["text"].startswith("Peer median")


# -- ranks, peers and KPI cards -----------------------------------------------------------------------
def _plain(text: str) -> str:
    return text.replace("\u2011", "-")  # ranks use a non-breaking hyphen


def test_rank_words_in_each_language():
    assert "\u2011" in rank_words(Translator("kk"), 7, 17, "oblasts")
    assert rank_words(Translator("en"), 7, 17, "oblasts") == "7th of 17 oblasts"
    assert _plain(rank_words(Translator("kk"), 7, 17, "oblasts")) == "17 облыстың 7-сі"
    assert _plain(rank_words(Translator("ru"), 7, 17, "oblasts")) == "7-е место из 17 областей"
    assert _plain(rank_words(Translator("ru"), 1, 21, "regions")) == "1-е место из 21 региона"
    assert _plain(rank_words(Translator("en"), 2, 3, "cities")) == "2nd of 3 cities"
    assert _plain(rank_words(Translator("kk"), 20, 20)) == "20 өңірдің 20-сы"


def test_ordinals():
    assert [en_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "102nd",
    ]
    assert [_plain(kk_possessive(n)) for n in (1, 2, 6, 9, 10, 17, 20, 40, 50, 100)] == [
        "1-і",
        "2-сі",
        "6-сы",
        "9-ы",
        "10-ы",
        "17-сі",
        "20-сы",
        "40-ы",
        "50-сі",
        "100-і",
    ]


def test_peer_groups(metrics):
    neighbours = pd.DataFrame(
        {"iso_code": ["KZ-71", "KZ-11", "KZ-11"], "neighbour_iso_code": ["KZ-11", "KZ-35", "KZ-71"]}
    )
    assert len(peer_codes(metrics, "KZ-35", "all")) == 19
    assert peer_codes(metrics, "KZ-71", "kind") == ["KZ-75", "KZ-79"]
    assert len(peer_codes(metrics, "KZ-35", "kind")) == 16
    assert peer_codes(metrics, "KZ-11", "neighbours", neighbours) == ["KZ-35", "KZ-71"]
    similar = peer_codes(metrics, "KZ-35", "population")
    pop = metrics.set_index("iso_code")["population"]
    gaps = (pop.drop("KZ-35") - pop["KZ-35"]).abs().sort_values()
    assert len(similar) == 5 and set(similar) == set(gaps.index[:5])
    assert group_noun(metrics, "KZ-71", "kind") == "cities"
    assert group_noun(metrics, "KZ-35", "kind") == "oblasts"
    assert group_noun(metrics, "KZ-35", "population") == "regions"


def test_compare_with_peers(metrics):
    peers = ["KZ-75", "KZ-79"]
    rows = {r.metric.code: r for r in compare_with_peers(metrics, "KZ-71", peers)}
    row = rows["initiatives_per_100k"]
    values = metrics.set_index("iso_code")["initiatives_per_100k"]
    assert row.value == pytest.approx(values["KZ-71"])
    assert row.peer_median == pytest.approx(values[peers].median())
    assert row.national_median == pytest.approx(values.median())
    assert row.rank == 1 + int((values[["KZ-75", "KZ-79"]] > values["KZ-71"]).sum())
    assert row.group_size == 3
    assert row.gap == pytest.approx((row.value - row.peer_median) / row.peer_median)


def test_kpi_cards_show_change_against_the_previous_period():
    t = Translator("en")
    base = {
        "hubs": 10,
        "initiatives": 100,
        "active": 5,
        "budget_planned": 2e9,
        "budget_spent": 1e9,
        "budget_private": 2e8,
        "budget_impact": 3e8,
        "private_impact_share": 0.25,
        "jobs": 50,
        "youth": 0,
        "women": 10,
        "participants": 4,
        "creative_exports_per_capita": 5000.0,
    }
    prev = {
        **base,
        "hubs": 8,
        "initiatives": 125,
        "private_impact_share": 0.2,
        "youth": 0,
        "women": 0,
        "creative_exports_per_capita": 4000.0,
    }
    df = pd.DataFrame(
        [
            {"period": "current", "first_year": 2023, "last_year": 2024, **base},
            {"period": "previous", "first_year": 2021, "last_year": 2022, **prev},
        ]
    )
    cards = {c.key: c for c in kpi_cards(t, df)}
    assert len(cards) == 11
    assert (cards["hubs"].delta, cards["hubs"].delta_color, cards["hubs"].delta_arrow) == (
        "+25.0%",
        "green",
        "up",
    )
    assert (cards["initiatives"].delta, cards["initiatives"].delta_arrow) == ("−20.0%", "down")
    assert cards["private_impact_share"].delta == "+5.0 pp"
    assert cards["youth"].delta == "±0" and cards["youth"].delta_color == "gray"
    assert cards["women"].delta == "+10"  # no percentage from zero
    assert cards["active"].delta is None
    assert "2021–2022" in cards["hubs"].help
    assert cards["budget_planned"].value == "₸2B"
    exports = cards["creative_exports_per_capita"]
    assert (exports.value, exports.delta, exports.delta_color) == ("₸5,000", "+25.0%", "green")


def test_every_metric_has_labels_in_every_language():
    for lang in LANGS:
        t = Translator(lang)
        for m in METRICS:
            assert t.has(f"metric.{m.code}") and t.has(f"metric_unit.{m.unit}")


@pytest.mark.parametrize("code", ["budget_per_capita", "competency_gain", "jobs"])
def test_a_metric_no_region_has_a_value_for_draws_empty_bars(metrics, code):
    """An official figure not yet published for the years chosen: every region "no data"."""
    df = metrics.assign(**{code: float("nan")})
    metric = METRIC_BY_CODE[code]
    t = Translator("ru")
    fig = ov.ranking_bars(df, metric, t, title="T")
    assert {x for tr in fig.data for x in tr.x} == {0}
    assert {x for tr in fig.data for x in tr.text} == {t("overview.no_data")}
    peers = rg.peer_bars(df, metric, t, iso="KZ-71", peers=["KZ-75"], title="T", median_label="M")
    assert not peers.data
    assert maps.national_map(df, metric, t, geojson={}, title="T").data


def test_ranking_sorts_by_value_not_by_code(metrics):
    df = metrics.copy()
    df["jobs"] = [(i * 7) % 20 for i in range(20)]  # a permutation of 0..19
    fig = ov.ranking_bars(df, METRIC_BY_CODE["jobs"], Translator("en"), title="T")
    expected = df.sort_values("jobs", ascending=False)["name_en"].tolist()
    assert list(fig.layout.yaxis.categoryarray)[::-1] == expected
    # the value axis leaves room for the label of the longest bar
    assert fig.layout.xaxis.range[1] > 19


def test_no_change_against_a_period_before_any_data():
    t = Translator("kk")
    row = {
        "hubs": 10,
        "initiatives": 100,
        "active": 5,
        "budget_planned": 2e9,
        "budget_spent": 1e9,
        "budget_private": 0,
        "budget_impact": 0,
        "private_impact_share": 0.0,
        "jobs": 50,
        "youth": 1,
        "women": 1,
        "participants": 4,
        "creative_exports_per_capita": 3000.0,
    }
    df = pd.DataFrame(
        [
            {"period": "current", "first_year": 2019, "last_year": 2026, **row},
            {
                "period": "previous",
                "first_year": 2011,
                "last_year": 2018,
                **{k: 0 for k in row},
                "hubs": 5,
                "private_impact_share": None,
                "creative_exports_per_capita": None,
            },
        ]
    )
    cards = {c.key: c for c in kpi_cards(t, df, data_from=2019)}
    assert cards["initiatives"].delta is None
    assert t("overview.kpi_no_earlier", year=2019) in cards["initiatives"].help
    assert cards["hubs"].delta == "+100,0%"
    # official figures carry their own years: none for the previous period says so
    exports = cards["creative_exports_per_capita"]
    assert exports.delta is None
    assert t("overview.kpi_no_previous", period="2011–2018") in exports.help
    with_data = {c.key: c for c in kpi_cards(t, df, data_from=2010)}
    assert with_data["initiatives"].delta == "+100"


def test_money_ticks_are_formatted_by_the_translator():
    assert ov.nice_ticks(27.9e9) == [0, 1e10, 2e10, 3e10]
    t = Translator("ru")
    df = pd.DataFrame(
        {
            "funding_source": ["republican", "local", "private", "impact", "grant"],
            "initiatives": [1] * 5,
            "budget_planned": [4e8, 1e8, 0, 0, 0],
            "budget_spent": [0] * 5,
            "share": [0.8, 0.2, 0, 0, 0],
        }
    )
    axis = _json(ov.funding_bars(df, t, title="F"))["layout"]["xaxis"]
    assert axis["ticktext"] == [t.kzt(v) for v in axis["tickvals"]]
    assert any("млн" in text for text in axis["ticktext"])


def test_a_phone_gets_the_whole_country(metrics):
    t = Translator("en")
    metric = METRIC_BY_CODE["hubs"]
    desk = maps.national_map(metrics, metric, t, geojson={}, title="T")
    phone = maps.national_map(
        metrics,
        metric,
        t,
        geojson={},
        title="T",
        height=maps.PHONE_HEIGHT,
    )
    # the view is the country's box at any width: the geo subplot fits it into the chart
    assert phone.layout.geo.lonaxis.range == desk.layout.geo.lonaxis.range
    assert phone.layout.geo.lataxis.range == desk.layout.geo.lataxis.range
    assert phone.layout.height == maps.PHONE_HEIGHT < desk.layout.height


def test_long_titles_are_wrapped_and_escaped():
    fig = ov.titled(ov.go.Figure(), "A rather long title that would be cut on a phone " + HOSTILE)
    text = fig.layout.title.text
    assert text.count("<br>") >= 1 and HOSTILE not in text and "&lt;img" in text
    assert fig.layout.margin.t > 50


def test_a_neighbours_outline_is_clipped_to_what_the_view_shows():
    """Far points go, the points next to the view stay (so every segment entering it is
    drawn), and the runs kept are separated by gaps."""
    xs = [0.0, 1.0, 5.0, 6.0, 20.0, 40.0, 21.0, 5.5, None, 30.0, 31.0, None]
    ys = [0.0, 0.0, 5.0, 5.0, 20.0, 40.0, 20.0, 5.5, None, 30.0, 30.0, None]
    cx, cy = maps._clipped(xs, ys, (4.0, 4.0, 7.0, 7.0))
    assert cx == [1.0, 5.0, 6.0, 20.0, None, 21.0, 5.5, None]
    assert cy == [0.0, 5.0, 5.0, 20.0, None, 20.0, 5.5, None]


def test_the_region_map_sends_its_outlines_as_typed_arrays_and_only_what_is_seen():
    """Astana's map with Akmola around it: Akmola's far outline is not sent, the coordinates
    go as float32 arrays (base64), and every sent point of Akmola is near Astana's view."""
    astana, akmola = geo.region_feature("KZ-71"), geo.region_feature("KZ-11")
    fig = maps.region_map(
        astana,
        _hubs().iloc[0:0],
        Translator("en"),
        title="M",
        region_name="Astana",
        neighbours=[akmola],
    )
    spec = json.loads(fig.to_json())
    outline = spec["data"][0]
    assert set(outline["x"]) == {"dtype", "bdata"} and outline["x"]["dtype"] == "f4"
    west, south, east, north = geo.bbox(astana)
    kept = fig.data[0].x[~np.isnan(fig.data[0].x)]
    akmola_points = sum(len(ring) for ring in maps._rings(akmola["geometry"]))
    assert 0 < len(kept) < akmola_points / 4
    span = east - west
    assert kept.min() > west - 2 * span and kept.max() < east + 2 * span
    assert len(fig.to_json()) < 6_000  # 12,164 characters before
