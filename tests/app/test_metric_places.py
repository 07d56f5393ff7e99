"""A metric of the catalogue shows up everywhere it says: the worked example, creative exports
per inhabitant (one catalogue entry), on the overview's cards, map selector, map and ranking, and
in the region page's cards and comparison with its peers. (The presenter's ranking scene:
tests/unit/test_metrics.py.)"""

from __future__ import annotations

import html

import pytest

from creative_dash import queries
from creative_dash import store as store_mod
from creative_dash.filters import Filters
from creative_dash.i18n import Translator
from creative_dash.metrics import METRIC_BY_CODE, format_value
from creative_dash.views.overview import population_caption
from tests.app.apptest import charts, open_page, page_text

CODE = "creative_exports_per_capita"
METRIC = METRIC_BY_CODE[CODE]


def _chart(at, key: str) -> dict:
    for el in charts(at):
        if el.id and key in el.id:
            return el.figure
    raise AssertionError(f"no chart {key}")


def _title(spec: dict) -> str:
    return spec["layout"]["title"]["text"].replace("<br>", " ")


def _bounds(demo_db) -> tuple[int, int]:
    """The page's default years: the store's first and last start years."""
    bounds = queries.run(store_mod.open_store(str(demo_db)), "year_bounds").iloc[0]
    return int(bounds["min_year"]), int(bounds["max_year"])


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_overview_card(demo_db, lang):
    t = Translator(lang)
    kpis = queries.run(
        store_mod.open_store(str(demo_db)), "overview_kpis", filters=Filters(years=_bounds(demo_db))
    )
    at = open_page("overview", lang)
    assert not at.exception
    cards = {m.label: m for m in at.metric}
    card = cards[METRIC.label(t)]
    assert card.value == format_value(t, METRIC, kpis.iloc[0][CODE])
    assert METRIC.help(t) in card.proto.help
    # official statistics: the last row, of its own (the initiatives' filters do not apply)
    assert [m.label for m in at.metric][-1] == card.label


def test_the_map_selector_map_and_ranking(demo_db):
    t = Translator("ru")
    at = open_page("overview", "ru")
    selector = at.selectbox(key="ov_metric")
    assert METRIC.label(t) in selector.options
    selector.set_value(CODE).run()
    assert not at.exception
    assert at.query_params["ov_metric"] in (CODE, [CODE])
    frame = queries.run(
        store_mod.open_store(str(demo_db)),
        "region_metrics",
        filters=Filters(years=_bounds(demo_db)),
    )
    regions = frame.set_index("iso_code")[CODE]
    spec = _chart(at, "ov_map")
    assert METRIC.label(t) in _title(spec)
    shown = dict(zip(spec["data"][0]["locations"], spec["data"][0]["z"]))
    assert shown == pytest.approx(regions.to_dict())
    # the caption says what the metric counts and which population it divides by
    text = page_text(at)
    assert METRIC.help(t) in text
    assert population_caption(t, frame) in text
    # the ranking under the map follows the selector, best first
    ranking = _chart(at, "ov_ranking")
    assert METRIC.label(t) in _title(ranking)
    bars = sorted(x for trace in ranking["data"] for x in trace["x"])
    assert bars == pytest.approx(sorted(regions))
    best = regions.idxmax()
    assert any(format_value(t, METRIC, regions[best]) in trace["text"] for trace in ranking["data"])


def test_a_link_opens_the_map_on_exports(demo_db):
    at = open_page("overview", "en", ov_metric=CODE)
    assert not at.exception
    assert METRIC.label(Translator("en")) in _title(_chart(at, "ov_map"))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_region_page_compares_exports_with_the_peers(demo_db, lang):
    t = Translator(lang)
    at = open_page("region", lang, region="KZ-75", rg_peers="all", rg_metric=CODE)
    assert not at.exception
    regions = queries.run(
        store_mod.open_store(str(demo_db)),
        "region_metrics",
        filters=Filters(years=_bounds(demo_db)),
    ).set_index("iso_code")[CODE]
    table = at.table[0].value.map(html.unescape)  # cells are inert Markdown: as shown
    table.columns = [html.unescape(c) for c in table.columns]
    row = table[table[t("region.col_metric")] == METRIC.label(t)].iloc[0]
    assert row[t("region.col_region")] == format_value(t, METRIC, regions["KZ-75"])
    assert row[t("region.col_national")] == format_value(t, METRIC, regions.median())
    others = regions.drop("KZ-75")
    assert row[t("region.col_peers")] == format_value(t, METRIC, others.median())
    # the chart of the chosen metric: the region and its 19 peers
    spec = _chart(at, "rg_peer_chart")
    assert METRIC.label(t) in _title(spec)
    assert sorted(spec["data"][0]["x"]) == pytest.approx(sorted(regions))
    # and the region's own headline figure
    assert METRIC.label(t) in [m.label for m in at.metric]
