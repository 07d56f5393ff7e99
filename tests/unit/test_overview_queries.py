"""The overview's and region dashboard's queries, checked against an independent pandas
computation on the raw tables of the demo store."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from creative_dash import queries
from creative_dash.filters import Filters
from creative_dash.queries.overview import FUNDING_ORDER, STATUS_ORDER, previous_period

YEARS = (2023, 2024)
SECTORS = ["music", "design", "crafts"]
FUNDING = ["local", "impact", "private"]
STATUSES = ["completed", "in_progress", "approved", "cancelled"]


def run(store, name: str, *, region: str | None = None, **filters) -> pd.DataFrame:
    """The query with these filters (``region``: the one region of ``Filters.regions``)."""
    return queries.run(store, name, filters=Filters(regions=[region] if region else (), **filters))


@pytest.fixture
def raw(demo_store):
    def table(name: str) -> pd.DataFrame:
        return demo_store.query(f"SELECT * FROM {name}")

    return {
        name: table(name)
        for name in (
            "initiatives",
            "initiative_sectors",
            "hubs",
            "hub_sectors",
            "participants",
            "programmes",
            "assessments",
            "regions",
            "region_population_latest",
            "initiative_sdgs",
        )
    }


def _filtered(raw, sectors=(), funding=(), statuses=(), region=None) -> pd.DataFrame:
    ini = raw["initiatives"].copy()
    if sectors:
        further = raw["initiative_sectors"]
        extra = set(further.loc[further["sector_code"].isin(sectors), "initiative_id"])
        ini = ini[ini["sector_code"].isin(sectors) | ini["initiative_id"].isin(extra)]
    if funding:
        ini = ini[ini["funding_source"].isin(funding)]
    if statuses:
        ini = ini[ini["status"].isin(statuses)]
    if region:
        ini = ini[ini["region_iso"] == region]
    return ini


def _expected_kpis(raw, years, sectors=(), funding=(), statuses=(), region=None) -> dict:
    a, b = years
    d0, d1 = pd.Timestamp(date(a, 1, 1)), pd.Timestamp(date(b, 12, 31))
    ini = _filtered(raw, sectors, funding, statuses, region)
    started = ini[(ini["start_date"] >= d0) & (ini["start_date"] <= d1)]
    active = ini[
        ini["status"].isin(["approved", "in_progress"])
        & (ini["start_date"] <= d1)
        & (ini["end_date"].isna() | (ini["end_date"] >= d0))
    ]
    hubs = raw["hubs"]
    hubs = hubs[
        (hubs["status"] == "operating") & (hubs["opened_on"].isna() | (hubs["opened_on"] <= d1))
    ]
    if region:
        hubs = hubs[hubs["region_iso"] == region]
    if sectors:
        hs = raw["hub_sectors"]
        hubs = hubs[hubs["hub_id"].isin(hs.loc[hs["sector_code"].isin(sectors), "hub_id"])]
    progs = raw["programmes"]
    progs = progs[(progs["start_date"] <= d1) & (progs["end_date"] >= d0)]
    people = raw["participants"][raw["participants"]["programme_id"].isin(progs["programme_id"])]
    if region:
        people = people[people["region_iso"] == region]
    planned = started["budget_planned_kzt"].sum()
    private_impact = started.loc[
        started["funding_source"].isin(["private", "impact"]), "budget_planned_kzt"
    ].sum()
    return {
        "hubs": len(hubs),
        "initiatives": len(started),
        "active": len(active),
        "budget_planned": planned,
        "budget_spent": started["budget_spent_kzt"].sum(),
        "private_impact_share": private_impact / planned if planned else None,
        "jobs": started["jobs_created"].sum(),
        "youth": started["beneficiaries_youth"].sum(),
        "women": started["beneficiaries_women"].sum(),
        "participants": len(people),
    }


def _check(row: pd.Series, expected: dict) -> None:
    for key, value in expected.items():
        if value is None:
            assert pd.isna(row[key]), key
        else:
            assert row[key] == pytest.approx(float(value)), key


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"sectors": SECTORS},
        {"funding": FUNDING, "statuses": STATUSES},
        {"sectors": SECTORS, "funding": FUNDING, "statuses": STATUSES},
        {"region": "KZ-71"},
    ],
)
def test_kpis_match_pandas(demo_store, raw, filters):
    got = run(demo_store, "overview_kpis", years=YEARS, **filters)
    assert got["period"].tolist() == ["current", "previous"]
    _check(got.iloc[0], _expected_kpis(raw, YEARS, **filters))
    _check(got.iloc[1], _expected_kpis(raw, previous_period(YEARS), **filters))
    assert (got.iloc[1]["first_year"], got.iloc[1]["last_year"]) == (2021, 2022)


def test_kpis_are_not_trivial(demo_store):
    got = run(demo_store, "overview_kpis", years=YEARS).iloc[0]
    assert got["initiatives"] > 100 and got["hubs"] > 50 and got["active"] > 0
    assert 0 < got["private_impact_share"] < 1


def test_empty_filters_mean_all(demo_store):
    a = run(demo_store, "overview_kpis", years=YEARS)
    b = run(demo_store, "overview_kpis", years=YEARS, sectors=[], funding=(), statuses=[])
    pd.testing.assert_frame_equal(a, b)


def test_previous_period_has_the_same_length():
    assert previous_period((2023, 2024)) == (2021, 2022)
    assert previous_period((2025, 2025)) == (2024, 2024)
    assert previous_period((2019, 2026)) == (2011, 2018)


def test_region_metrics_per_capita_match_pandas(demo_store, raw):
    got = run(demo_store, "region_metrics", years=YEARS, funding=FUNDING).set_index("iso_code")
    assert len(got) == 20
    pop = raw["region_population_latest"].set_index("iso_code")
    for iso in raw["regions"]["iso_code"]:
        exp = _expected_kpis(raw, YEARS, funding=FUNDING, region=iso)
        row = got.loc[iso]
        population = pop.loc[iso, "population"]
        assert row["population"] == population
        assert row["population_as_of"] == pop.loc[iso, "as_of"]
        assert row["initiatives"] == exp["initiatives"]
        assert row["hubs"] == exp["hubs"]
        assert row["initiatives_per_100k"] == pytest.approx(exp["initiatives"] * 1e5 / population)
        assert row["hubs_per_100k"] == pytest.approx(exp["hubs"] * 1e5 / population)
        assert row["jobs_per_100k"] == pytest.approx(exp["jobs"] * 1e5 / population)
        assert row["budget_per_capita"] == pytest.approx(exp["budget_planned"] / population)
        assert row["active"] == exp["active"]
        assert row["participants"] == exp["participants"]


def test_competency_gain_matches_pandas(demo_store, raw):
    got = run(demo_store, "region_metrics", years=(2025, 2025)).set_index("iso_code")
    a = raw["assessments"]
    pre = a[a["phase"] == "pre"].set_index(["participant_id", "competency"])["score"]
    post = a[a["phase"] == "post"].set_index(["participant_id", "competency"])["score"]
    diff = (post - pre).dropna().reset_index(name="gain")
    diff = diff.merge(raw["participants"][["participant_id", "region_iso"]])
    expected = diff.groupby("region_iso")["gain"].mean()
    assert len(expected) == 20
    for iso, value in expected.items():
        assert got.loc[iso, "competency_gain"] == pytest.approx(value)
    # no programme in 2019-2020: no gain, and no participants
    early = run(demo_store, "region_metrics", years=(2019, 2020))
    assert early["competency_gain"].isna().all() and (early["participants"] == 0).all()


def test_mixes_add_up_to_the_kpis(demo_store, raw):
    filters = {"years": YEARS, "sectors": SECTORS}
    k = run(demo_store, "overview_kpis", **filters).iloc[0]
    funding = run(demo_store, "overview_funding_mix", **filters)
    assert funding["funding_source"].tolist() == [
        "republican",
        "local",
        "private",
        "impact",
        "grant",
    ]
    assert funding["budget_planned"].sum() == k["budget_planned"]
    assert funding["share"].sum() == pytest.approx(1.0)
    sectors = run(demo_store, "overview_sector_mix", **filters)
    assert len(sectors) == 13 and sectors["initiatives"].sum() == k["initiatives"]
    by_year = run(demo_store, "overview_started_by_year", **filters)
    assert set(by_year["year"]) == {2023, 2024}
    assert by_year["initiatives"].sum() == k["initiatives"]
    by_quarter = run(demo_store, "overview_started_by_quarter", **filters)
    assert by_quarter["initiatives"].sum() == k["initiatives"]
    pipeline = run(demo_store, "overview_status_pipeline", **filters)
    assert pipeline["status"].tolist() == [
        "proposed",
        "approved",
        "in_progress",
        "completed",
        "cancelled",
    ]
    assert pipeline["initiatives"].sum() == k["initiatives"]


def test_sdg_counts_match_pandas(demo_store, raw):
    got = run(demo_store, "overview_sdg_counts", years=YEARS, region="KZ-75")
    assert got["sdg"].tolist() == list(range(1, 18))
    started = _filtered(raw, region="KZ-75")
    started = started[started["start_date"].dt.year.between(*YEARS)]
    links = raw["initiative_sdgs"]
    expected = links[links["initiative_id"].isin(started["initiative_id"])]["sdg"].value_counts()
    for goal, n in zip(got["sdg"], got["initiatives"]):
        assert n == expected.get(goal, 0)


def test_region_queries(demo_store, raw):
    hubs = run(demo_store, "region_hubs", region="KZ-62")
    expected = raw["hubs"][(raw["hubs"]["region_iso"] == "KZ-62") & raw["hubs"]["lat"].notna()]
    assert sorted(hubs["hub_id"]) == sorted(expected["hub_id"])
    assert hubs["sectors_en"].notna().any()
    comp = run(demo_store, "region_competencies", region="KZ-62", years=(2025, 2025))
    assert (
        len(comp) == 5 and (comp["post_mean"] - comp["pre_mean"] - comp["gain"]).abs().max() < 1e-9
    )
    training = run(demo_store, "region_training", region="KZ-62", years=(2025, 2025))
    assert training.iloc[0]["participants"] == (raw["participants"]["region_iso"] == "KZ-62").sum()
    recs = run(demo_store, "region_recommendations", region="KZ-62", years=(2025, 2025))
    assert training.iloc[0]["recommendations"] == len(recs) > 0
    none = run(demo_store, "region_recommendations", region="KZ-62", years=(2019, 2020))
    assert none.empty


def test_region_hubs_are_those_open_by_the_end_of_the_period(demo_store, raw):
    hubs = raw["hubs"]
    placed = hubs[(hubs["region_iso"] == "KZ-75") & hubs["lat"].notna()]
    for years in [(2019, 2020), (2023, 2024)]:
        end = pd.Timestamp(date(years[1], 12, 31))
        expected = placed[placed["opened_on"].isna() | (placed["opened_on"] <= end)]
        got = run(demo_store, "region_hubs", region="KZ-75", years=years)
        assert 0 < len(got) < len(placed)
        assert sorted(got["hub_id"]) == sorted(expected["hub_id"])


def test_the_hub_count_of_the_overview_is_the_operating_hubs_of_the_hubs_page(demo_store):
    """Both pages count hubs with the same filters: the overview's card is the hubs page's
    operating hubs, for any period and region."""
    for region, years in [(None, (2019, 2026)), ("KZ-75", (2021, 2024)), ("KZ-71", (2019, 2019))]:
        kpi = run(demo_store, "overview_kpis", region=region, years=years).iloc[0]["hubs"]
        by_type = run(demo_store, "hubs_by_type", region=region, years=years)
        assert kpi == by_type["operating"].sum() > 0
        assert by_type["hubs"].sum() > kpi  # the hubs page shows planned and closed ones too


MIX_FILTERS = [
    {},
    {"sectors": SECTORS},
    {"sectors": ["music"], "funding": FUNDING},
    {"funding": FUNDING, "statuses": STATUSES, "region": "KZ-71"},
    {"sectors": SECTORS, "statuses": ["approved", "in_progress"], "region": "KZ-62"},
]


def _started(raw, years, **filters) -> pd.DataFrame:
    ini = _filtered(raw, **filters)
    return ini[ini["start_date"].dt.year.between(*years)]


@pytest.mark.parametrize("years", [YEARS, (2019, 2026), (2030, 2031)])
@pytest.mark.parametrize("filters", MIX_FILTERS)
def test_every_mix_matches_pandas(demo_store, raw, years, filters):
    started = _started(raw, years, **filters)
    args = {"years": years, **filters}

    sectors = run(demo_store, "overview_sector_mix", **args).set_index("code")
    by_sector = started.groupby("sector_code")["budget_planned_kzt"].agg(["size", "sum"])
    assert len(sectors) == 13
    for code, row in sectors.iterrows():
        n, planned = by_sector.loc[code] if code in by_sector.index else (0, 0)
        assert (row["initiatives"], row["budget_planned"]) == (n, planned), code

    funding = run(demo_store, "overview_funding_mix", **args)
    assert funding["funding_source"].tolist() == list(FUNDING_ORDER)
    total = started["budget_planned_kzt"].sum()
    for row in funding.itertuples():
        rows = started[started["funding_source"] == row.funding_source]
        assert row.initiatives == len(rows)
        assert row.budget_planned == rows["budget_planned_kzt"].sum()
        assert row.budget_spent == rows["budget_spent_kzt"].sum()
        if total:
            assert row.share == pytest.approx(rows["budget_planned_kzt"].sum() / total)
        else:
            assert pd.isna(row.share)

    pipeline = run(demo_store, "overview_status_pipeline", **args)
    assert pipeline["status"].tolist() == list(STATUS_ORDER)
    for row in pipeline.itertuples():
        rows = started[started["status"] == row.status]
        assert (row.initiatives, row.budget_planned) == (
            len(rows),
            rows["budget_planned_kzt"].sum(),
        )

    by_year = run(demo_store, "overview_started_by_year", **args)
    expected = (
        started.assign(year=started["start_date"].dt.year)
        .groupby(["year", "status"])
        .size()
        .reset_index(name="initiatives")
    )
    assert by_year.astype({"year": int}).values.tolist() == expected.values.tolist()

    by_quarter = run(demo_store, "overview_started_by_quarter", **args)
    expected = (
        started.assign(year=started["start_date"].dt.year, quarter=started["start_date"].dt.quarter)
        .groupby(["year", "quarter", "status"])
        .size()
        .reset_index(name="initiatives")
    )
    assert by_quarter.astype({"year": int, "quarter": int}).values.tolist() == (
        expected.values.tolist()
    )

    sdgs = run(demo_store, "overview_sdg_counts", **args)
    links = raw["initiative_sdgs"]
    counts = links[links["initiative_id"].isin(started["initiative_id"])]["sdg"].value_counts()
    assert sdgs["sdg"].tolist() == list(range(1, 18))
    assert sdgs["initiatives"].tolist() == [int(counts.get(g, 0)) for g in range(1, 18)]


def test_sdg_counts_by_bitmap_and_by_join_agree(demo_store, monkeypatch):
    from creative_dash.queries import overview

    cases = [{"years": YEARS}, {"years": (2019, 2026), **MIX_FILTERS[3]}, {"years": (2030, 2031)}]
    by_bitmap = [run(demo_store, "overview_sdg_counts", **c) for c in cases]
    monkeypatch.setattr(overview, "_SDG_BITMAP_MAX_IDS", 0)
    for case, expected in zip(cases, by_bitmap, strict=True):
        pd.testing.assert_frame_equal(run(demo_store, "overview_sdg_counts", **case), expected)


@pytest.mark.parametrize("far_id", [-5, 2_000_000_000])
def test_sdg_counts_with_spread_ids_and_orphan_links(demo_store, far_id):
    """Ids are the writer's: one far from the others (the join instead of the bitmap), and
    links to initiatives that do not exist (never counted, never an error)."""
    with demo_store.transaction() as cur:
        cur.execute(
            "INSERT INTO initiatives SELECT * REPLACE ($id AS initiative_id) "
            "FROM initiatives WHERE initiative_id = 1",
            {"id": far_id},
        )
        cur.execute("INSERT INTO initiative_sdgs VALUES ($id, 4), ($id, 17)", {"id": far_id})
        cur.execute("INSERT INTO initiative_sdgs VALUES (1500001, 4), (-7, 5), (0, 6)")
    start = demo_store.scalar("SELECT start_date FROM initiatives WHERE initiative_id = 1")
    years = (start.year, start.year)
    raw = {
        "initiatives": demo_store.query("SELECT * FROM initiatives"),
        "initiative_sdgs": demo_store.query("SELECT * FROM initiative_sdgs"),
    }
    started = _started(raw, years)
    links = raw["initiative_sdgs"]
    counts = links[links["initiative_id"].isin(started["initiative_id"])]["sdg"].value_counts()
    got = run(demo_store, "overview_sdg_counts", years=years)
    assert got["initiatives"].tolist() == [int(counts.get(g, 0)) for g in range(1, 18)]
    assert counts.get(17, 0) >= 1
