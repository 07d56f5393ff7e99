"""The hub queries against independent SQL/pandas on the demo store."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from creative_dash import queries
from creative_dash.queries.hubs import HUB_STATUSES, HUB_TYPES


def raw(store, sql: str) -> pd.DataFrame:
    return store.query(sql)


def test_no_filter_returns_every_hub_once(demo_store) -> None:
    df = queries.run(demo_store, "hubs_for_map", lang="en")
    assert len(df) == demo_store.scalar("SELECT count(*) FROM hubs") == 200
    assert df["hub_id"].is_unique
    assert list(df.columns) == [
        "hub_id",
        "name",
        "hub_type",
        "status",
        "region_iso",
        "region_name",
        "city",
        "opened_on",
        "lat",
        "lon",
        "residents",
        "floor_area_m2",
        "sectors",
    ]


@pytest.mark.parametrize(
    ("lang", "column"), [("kk", "name_kk"), ("ru", "name_ru"), ("en", "name_en")]
)
def test_names_come_in_the_language(demo_store, lang: str, column: str) -> None:
    df = queries.run(demo_store, "hubs_for_map", lang=lang, regions=["KZ-71"])
    expected = demo_store.scalar(f"SELECT {column} FROM regions WHERE iso_code = 'KZ-71'")
    assert set(df["region_name"]) == {expected}
    # Astana's hubs are in Astana: the city is the administrative centre, translated.
    centre = demo_store.scalar(f"SELECT admin_center_{lang} FROM regions WHERE iso_code = 'KZ-71'")
    assert set(df["city"]) == {centre}


def test_sectors_are_joined_in_sector_order(demo_store) -> None:
    df = queries.run(demo_store, "hubs_for_map", lang="ru").set_index("hub_id")
    links = raw(
        demo_store,
        "SELECT hs.hub_id, s.name_ru, s.sort_order FROM hub_sectors hs "
        "JOIN sectors s ON s.code = hs.sector_code ORDER BY hs.hub_id, s.sort_order",
    )
    expected = links.groupby("hub_id")["name_ru"].apply("; ".join)
    for hub_id, text in expected.items():
        assert df.loc[hub_id, "sectors"] == text


def test_filters_match_pandas(demo_store) -> None:
    hubs = raw(demo_store, "SELECT * FROM hubs")
    links = raw(demo_store, "SELECT * FROM hub_sectors")
    regions = ["KZ-75", "KZ-71", "KZ-55"]
    types = ["cluster", "art_centre"]
    sectors = ["music", "design", "it_games"]
    with_sector = set(links.loc[links["sector_code"].isin(sectors), "hub_id"])
    years = pd.to_datetime(hubs["opened_on"]).dt.year
    expected = hubs[
        hubs["region_iso"].isin(regions)
        & hubs["hub_type"].isin(types)
        & hubs["hub_id"].isin(with_sector)
        & (hubs["status"] == "operating")
        & years.between(2018, 2023)
    ]
    df = queries.run(
        demo_store,
        "hubs_for_map",
        lang="kk",
        regions=regions,
        types=types,
        sectors=sectors,
        statuses=["operating"],
        year_from=2018,
        year_to=2023,
        include_undated=False,
    )
    assert len(expected) > 0
    assert sorted(df["hub_id"]) == sorted(expected["hub_id"])


def test_each_filter_narrows(demo_store) -> None:
    total = len(queries.run(demo_store, "hubs_for_map"))
    for kw in (
        {"regions": ["KZ-75"]},
        {"types": ["makerspace"]},
        {"sectors": ["music"]},
        {"statuses": ["planned"]},
        {"year_from": 2020, "year_to": 2021},
    ):
        n = len(queries.run(demo_store, "hubs_for_map", **kw))
        assert 0 < n < total, kw


def test_empty_lists_mean_all(demo_store) -> None:
    a = queries.run(demo_store, "hubs_for_map", regions=[], types=[], sectors=[], statuses=[])
    assert len(a) == 200


def test_undated_hubs_only_while_the_year_range_is_open(demo_store) -> None:
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET opened_on = NULL WHERE hub_id = 1")
    wide = queries.run(demo_store, "hubs_for_map", year_from=2015, year_to=2026)
    narrow = queries.run(
        demo_store, "hubs_for_map", year_from=2015, year_to=2026, include_undated=False
    )
    assert 1 in set(wide["hub_id"]) and 1 not in set(narrow["hub_id"])
    assert len(wide) == len(narrow) + 1


def test_a_city_that_is_not_the_centre_stays_as_entered(demo_store) -> None:
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET city = 'Қонаев' WHERE hub_id = 2")
    df = queries.run(demo_store, "hubs_for_map", lang="en").set_index("hub_id")
    assert df.loc[2, "city"] == "Қонаев"


def test_hubs_by_type_sums_the_same_selection(demo_store) -> None:
    kw = {"regions": ["KZ-75", "KZ-19"], "statuses": ["operating", "planned"]}
    rows = queries.run(demo_store, "hubs_for_map", **kw)
    by_type = queries.run(demo_store, "hubs_by_type", **kw).set_index("hub_type")
    expected = rows.groupby("hub_type").agg(
        hubs=("hub_id", "size"),
        residents=("residents", "sum"),
        floor_area_m2=("floor_area_m2", "sum"),
    )
    assert set(by_type.index) == set(expected.index) <= set(HUB_TYPES)
    for hub_type, row in expected.iterrows():
        assert by_type.loc[hub_type, "hubs"] == row["hubs"]
        assert by_type.loc[hub_type, "residents"] == row["residents"]
        assert by_type.loc[hub_type, "floor_area_m2"] == pytest.approx(row["floor_area_m2"])


def test_year_bounds(demo_store) -> None:
    row = queries.run(demo_store, "hub_year_bounds").iloc[0]
    lo, hi = demo_store.query(
        "SELECT min(year(opened_on)) AS a, max(year(opened_on)) AS b FROM hubs"
    ).iloc[0]
    assert (row["min_year"], row["max_year"]) == (lo, hi)


def test_statuses_and_types_cover_the_store(demo_store) -> None:
    assert set(raw(demo_store, "SELECT DISTINCT status FROM hubs")["status"]) <= set(HUB_STATUSES)
    assert set(raw(demo_store, "SELECT DISTINCT hub_type FROM hubs")["hub_type"]) <= set(HUB_TYPES)


def test_user_text_comes_back_unchanged(demo_store) -> None:
    evil = "<img src=x onerror=alert(1)>"
    with demo_store.transaction() as cur:
        cur.execute(
            "UPDATE hubs SET name = $n, updated_at = $t WHERE hub_id = 3",
            {"n": evil, "t": datetime(2026, 1, 2)},
        )
    df = queries.run(demo_store, "hubs_for_map").set_index("hub_id")
    assert df.loc[3, "name"] == evil  # escaping is the chart's job, not the query's
