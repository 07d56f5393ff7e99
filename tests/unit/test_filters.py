"""The filter model: Filters is a normalised, hashable value; the builder emits a condition per
set filter (and none for an empty one), binds every value and takes identifiers only from its
tables. The conditions are run against a small DuckDB table to check they select what they say."""

from __future__ import annotations

import dataclasses
import re

import duckdb
import pytest

from creative_dash import filters as fl
from creative_dash.filters import (
    HUBS,
    INITIATIVES,
    INITIATIVES_ACTIVE,
    NO_FILTERS,
    Filters,
    In,
    Table,
    Where,
    where,
)


def test_empty_filters_put_nothing_in_the_sql():
    for table in (INITIATIVES, INITIATIVES_ACTIVE, HUBS, fl.PROGRAMMES, fl.RECOMMENDATIONS):
        w = where(NO_FILTERS, table)
        assert (w.sql, dict(w.params)) == ("TRUE", {})
    assert NO_FILTERS.set_fields() == ()
    w = where(NO_FILTERS, HUBS, "h.status = 'operating'")
    assert (w.sql, dict(w.params)) == ("h.status = 'operating'", {})


# (filter value, the condition's SQL, the parameters it binds)
CASES = [
    (
        {"regions": ["KZ-75", "KZ-71"]},
        "list_contains($f_regions::VARCHAR[], i.region_iso)",
        {"f_regions": ["KZ-71", "KZ-75"]},
    ),
    (
        {"sectors": ["music"]},
        "(list_contains($f_sectors::VARCHAR[], i.sector_code) OR i.initiative_id IN "
        "(SELECT x.initiative_id FROM initiative_sectors x "
        "WHERE list_contains($f_sectors::VARCHAR[], x.sector_code)))",
        {"f_sectors": ["music"]},
    ),
    (
        {"funding": ["grant"]},
        "list_contains($f_funding::VARCHAR[], i.funding_source)",
        {"f_funding": ["grant"]},
    ),
    (
        {"statuses": ["completed"]},
        "list_contains($f_statuses::VARCHAR[], i.status)",
        {"f_statuses": ["completed"]},
    ),
    (
        {"sdgs": [8, 4, 8]},
        "i.initiative_id IN (SELECT x.initiative_id FROM initiative_sdgs x "
        "WHERE list_contains($f_sdgs::INTEGER[], x.sdg))",
        {"f_sdgs": [4, 8]},
    ),
    (
        {"years": (2021, 2024)},
        "i.start_date BETWEEN make_date(CAST($f_years_0 AS INTEGER), 1, 1) "
        "AND make_date(CAST($f_years_1 AS INTEGER), 12, 31)",
        {"f_years_0": 2021, "f_years_1": 2024},
    ),
    ({"origin": "programme"}, "i.from_programme", {}),
    ({"origin": "other"}, "NOT i.from_programme", {}),
    ({"search": "  Фест "}, "regexp_matches(i.title, $f_search)", {"f_search": "(?i)\\QФест\\E"}),
]


@pytest.mark.parametrize(("value", "sql", "params"), CASES, ids=lambda c: str(c)[:30])
def test_each_filter_on_initiatives(value, sql, params):
    w = where(Filters(**value), INITIATIVES)
    assert w.sql == sql
    assert dict(w.params) == params


def test_each_filter_on_hubs():
    f = Filters(
        years=(2019, 2022),
        regions=["KZ-79"],
        sectors=["design"],
        hub_types=["cluster"],
        hub_statuses=["planned"],
        opened=(2016, 2018),
        funding=["grant"],  # says nothing about hubs
        statuses=["completed"],  # initiatives' statuses, not hubs'
    )
    w = where(f, HUBS)
    assert w.sql.split(" AND ", 1)[0] == (
        "(h.opened_on IS NULL OR h.opened_on <= make_date(CAST($f_years_1 AS INTEGER), 12, 31))"
    )
    assert "list_contains($f_regions::VARCHAR[], h.region_iso)" in w.sql
    assert "h.hub_id IN (SELECT x.hub_id FROM hub_sectors x" in w.sql
    assert "list_contains($f_hub_types::VARCHAR[], h.hub_type)" in w.sql
    assert "list_contains($f_hub_statuses::VARCHAR[], h.status)" in w.sql
    assert "h.opened_on BETWEEN make_date(CAST($f_opened_0" in w.sql
    assert dict(w.params) == {
        "f_years_1": 2022,
        "f_regions": ["KZ-79"],
        "f_sectors": ["design"],
        "f_hub_types": ["cluster"],
        "f_hub_statuses": ["planned"],
        "f_opened_0": 2016,
        "f_opened_1": 2018,
    }


def test_a_table_applies_only_the_filters_it_names():
    f = Filters(regions=["KZ-71"], funding=["grant"], years=(2020, 2020))
    assert where(f, HUBS.only("regions")).params == {"f_regions": ["KZ-71"]}
    assert where(f, fl.PARTICIPANTS).params == {"f_regions": ["KZ-71"]}
    active = where(f, INITIATIVES_ACTIVE)
    assert "i.start_date <= make_date(CAST($f_years_1 AS INTEGER), 12, 31)" in active.sql
    assert "coalesce(i.end_date, make_date(CAST($f_years_0 AS INTEGER), 1, 1))" in active.sql


def test_filters_are_normalised_and_hashable():
    a = Filters(regions=["KZ-75", "KZ-71", "KZ-75"], years=[2024, 2021], search=" x ", sdgs=["8"])
    b = Filters(regions=("KZ-71", "KZ-75"), years=(2021, 2024), search="x", sdgs=(8,))
    assert a == b and hash(a) == hash(b)
    assert a.regions == ("KZ-71", "KZ-75") and a.years == (2021, 2024) and a.sdgs == (8,)
    assert {a: 1}[b] == 1
    assert a.set_fields() == ("years", "regions", "sdgs", "search")
    assert a.everywhere().regions == () and a.everywhere().years == (2021, 2024)
    assert Filters(regions=["KZ-71"]).region == "KZ-71" and a.region is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.regions = ()  # type: ignore[misc]


def test_unknown_origin_and_field_are_refused():
    with pytest.raises(ValueError):
        Filters(origin="everything")
    with pytest.raises(TypeError):
        Filters(colour=["red"])  # type: ignore[call-arg]


def test_tables_refuse_identifiers_outside_the_allow_list():
    with pytest.raises(ValueError):
        Table("i; DROP TABLE hubs", {})
    with pytest.raises(ValueError):
        Table("i", {"regions": In("region_iso) OR (1=1")})
    with pytest.raises(ValueError):
        Table("i", {"regions": In("region_iso", type="VARCHAR[]); --")})
    with pytest.raises(ValueError):
        Table("i", {"colour": In("colour")})


HOSTILE = ["'", "' OR 1=1 --", "x'); DROP TABLE t; --", "$f_regions", "%", "_", "\\E.*", '"']


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_values_are_bound_not_spliced(text):
    f = Filters(regions=[text], sectors=[text], funding=[text], search=text, hub_types=[text])
    for table in (INITIATIVES, HUBS):
        w = where(f, table)
        for value in (text, text.strip()):
            if value and not re.fullmatch(r"[$\w]+", value):
                assert value not in w.sql
        assert all(name.startswith(fl.PARAM_PREFIX) for name in w.params)


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute(
        """
        CREATE TABLE initiatives AS SELECT * FROM (VALUES
            (1, 'KZ-71', 'music', 'grant', 'completed', DATE '2021-03-01', NULL,
             TRUE, 'Фестиваль «Өнер»'),
            (2, 'KZ-75', 'design', 'local', 'approved', DATE '2023-06-30', DATE '2024-01-01',
             FALSE, 'O''Brien 100% studio'),
            (3, 'KZ-75', 'music', 'private', 'cancelled', DATE '2025-12-31', NULL,
             FALSE, 'plain')
        ) t(initiative_id, region_iso, sector_code, funding_source, status, start_date,
            end_date, from_programme, title);
        CREATE TABLE initiative_sectors AS
            SELECT * FROM (VALUES (2, 'music')) t(initiative_id, sector_code);
        CREATE TABLE initiative_sdgs AS
            SELECT * FROM (VALUES (1, 4), (3, 8)) t(initiative_id, sdg);
        """
    )
    return c


def ids(con, f: Filters, table=INITIATIVES) -> list[int]:
    w = where(f, table)
    rows = con.execute(
        f"SELECT i.initiative_id FROM initiatives i WHERE {w.sql} ORDER BY 1", dict(w.params)
    ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, [1, 2, 3]),
        ({"regions": ["KZ-75"]}, [2, 3]),
        ({"sectors": ["music"]}, [1, 2, 3]),  # 2's further sector
        ({"sectors": ["design"]}, [2]),
        ({"funding": ["grant", "local"]}, [1, 2]),
        ({"statuses": ["cancelled"]}, [3]),
        ({"sdgs": [4]}, [1]),
        ({"years": (2023, 2025)}, [2, 3]),  # 31 December counts
        ({"years": (2022, 2022)}, []),
        ({"origin": "programme"}, [1]),
        ({"origin": "other"}, [2, 3]),
        ({"search": "ӨНЕР"}, [1]),
        ({"search": "100%"}, [2]),
        ({"search": "o'brien"}, [2]),
        ({"search": "%"}, [2]),
        ({"search": "_"}, []),
        ({"search": "' OR 1=1 --"}, []),
        ({"regions": ["KZ-75"], "sectors": ["music"], "years": (2025, 2025)}, [3]),
    ],
)
def test_conditions_select_what_they_say(con, value, expected):
    assert ids(con, Filters(**value)) == expected


def test_active_in_the_period(con):
    # 1 runs open-ended from 2021, 2 ran 2023-06-30 .. 2024-01-01, 3 starts at the end of 2025
    assert ids(con, Filters(years=(2024, 2024)), INITIATIVES_ACTIVE) == [1, 2]
    assert ids(con, Filters(years=(2019, 2020)), INITIATIVES_ACTIVE) == []


def test_hostile_region_matches_nothing_and_changes_nothing(con):
    for text in HOSTILE:
        assert ids(con, Filters(regions=[text])) == []
    assert con.execute("SELECT count(*) FROM initiatives").fetchone() == (3,)


def test_where_combines_two_tables():
    f = Filters(years=(2021, 2022), regions=["KZ-71"])
    both = where(f, INITIATIVES) & where(f, HUBS.only("years", "regions"))
    assert both.sql.count(" AND ") >= 3
    assert dict(both.params) == {"f_years_0": 2021, "f_years_1": 2022, "f_regions": ["KZ-71"]}
    assert (Where() & Where()).sql == "TRUE"
    with pytest.raises(ValueError):
        where(f, INITIATIVES) & where(f.but(regions=["KZ-75"]), HUBS)


def test_search_regex_quotes_everything():
    assert fl.search_regex("a.b") == "(?i)\\Qa.b\\E"
    assert fl.search_regex("x\\Ey") == "(?i)\\Qx\\E\\\\E\\Qy\\E"
