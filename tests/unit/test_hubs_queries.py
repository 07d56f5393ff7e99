"""The hub queries against independent SQL/pandas on the demo store."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from creative_dash import queries
from creative_dash.filters import Filters
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
        "is_demo",
    ]


@pytest.mark.parametrize(
    ("lang", "column"), [("kk", "name_kk"), ("ru", "name_ru"), ("en", "name_en")]
)
def test_names_come_in_the_language(demo_store, lang: str, column: str) -> None:
    df = queries.run(demo_store, "hubs_for_map", lang=lang, filters=Filters(regions=["KZ-71"]))
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
    f = Filters(
        regions=regions,
        hub_types=types,
        sectors=sectors,
        hub_statuses=["operating"],
        opened=(2018, 2023),
    )
    df = queries.run(demo_store, "hubs_for_map", lang="kk", filters=f)
    assert len(expected) > 0
    assert sorted(df["hub_id"]) == sorted(expected["hub_id"])


def test_each_filter_narrows(demo_store) -> None:
    total = len(queries.run(demo_store, "hubs_for_map"))
    for kw in (
        {"regions": ["KZ-75"]},
        {"hub_types": ["makerspace"]},
        {"sectors": ["music"]},
        {"hub_statuses": ["planned"]},
        {"opened": (2020, 2021)},
        {"years": (2019, 2020)},
    ):
        n = len(queries.run(demo_store, "hubs_for_map", filters=Filters(**kw)))
        assert 0 < n < total, kw


def test_empty_lists_mean_all(demo_store) -> None:
    f = Filters(regions=[], hub_types=[], sectors=[], hub_statuses=[], years=None, opened=None)
    a = queries.run(demo_store, "hubs_for_map", filters=f)
    assert len(a) == 200


def test_undated_hubs_only_while_the_opening_years_are_open(demo_store) -> None:
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET opened_on = NULL WHERE hub_id = 1")
    wide = queries.run(demo_store, "hubs_for_map")
    narrow = queries.run(demo_store, "hubs_for_map", filters=Filters(opened=(2015, 2026)))
    assert 1 in set(wide["hub_id"]) and 1 not in set(narrow["hub_id"])
    assert len(wide) == len(narrow) + 1
    # the period keeps undated hubs: they may have opened at any time
    period = queries.run(demo_store, "hubs_for_map", filters=Filters(years=(2019, 2019)))
    assert 1 in set(period["hub_id"])


def test_the_period_keeps_the_hubs_opened_by_its_end(demo_store) -> None:
    hubs = raw(demo_store, "SELECT hub_id, opened_on FROM hubs")
    for years in [(2019, 2020), (2015, 2015), (2019, 2026)]:
        end = pd.Timestamp(years[1], 12, 31)
        expected = hubs[hubs["opened_on"].isna() | (pd.to_datetime(hubs["opened_on"]) <= end)]
        df = queries.run(demo_store, "hubs_for_map", filters=Filters(years=years))
        assert sorted(df["hub_id"]) == sorted(expected["hub_id"]), years
    # the first year does not narrow hubs: one opened before the period still works in it
    a = queries.run(demo_store, "hubs_for_map", filters=Filters(years=(2015, 2022)))
    b = queries.run(demo_store, "hubs_for_map", filters=Filters(years=(2022, 2022)))
    assert a["hub_id"].tolist() == b["hub_id"].tolist()


def test_a_city_that_is_not_the_centre_stays_as_entered(demo_store) -> None:
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET city = 'Қонаев' WHERE hub_id = 2")
    df = queries.run(demo_store, "hubs_for_map", lang="en").set_index("hub_id")
    assert df.loc[2, "city"] == "Қонаев"


def test_hubs_by_type_sums_the_same_selection(demo_store) -> None:
    kw = {"filters": Filters(regions=["KZ-75", "KZ-19"], hub_statuses=["operating", "planned"])}
    rows = queries.run(demo_store, "hubs_for_map", **kw)
    by_type = queries.run(demo_store, "hubs_by_type", **kw).set_index("hub_type")
    expected = (
        rows.assign(op=rows["status"] == "operating")
        .groupby("hub_type")
        .agg(
            hubs=("hub_id", "size"),
            operating=("op", "sum"),
            residents=("residents", "sum"),
            floor_area_m2=("floor_area_m2", "sum"),
        )
    )
    assert set(by_type.index) == set(expected.index) <= set(HUB_TYPES)
    for hub_type, row in expected.iterrows():
        assert by_type.loc[hub_type, "hubs"] == row["hubs"]
        assert by_type.loc[hub_type, "operating"] == row["operating"]
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
