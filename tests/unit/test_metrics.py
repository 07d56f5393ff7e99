"""The metric catalogue (creative_dash/metrics.py): its entries are consistent, every metric has
its messages in the three languages, and the SQL built from it computes, on the demo store,
what a hand-written pandas computation on the raw tables gives."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from creative_dash import metrics as M
from creative_dash import queries
from creative_dash.filters import Filters
from creative_dash.i18n import LANGS, Translator, catalog
from creative_dash.metrics import METRIC_BY_CODE, METRICS
from creative_dash.queries.metric_sql import (
    RESERVED,
    SOURCE_CONDITION,
    SOURCE_SQL,
    metrics_sql,
    used_params,
)
from creative_dash.queries.overview import _conditions


def _filters(years, statuses=(), region=None):
    """The overview's conditions on each source, for the period and filters."""
    return _conditions(Filters(years=years, statuses=statuses, regions=(region,) if region else ()))


CODE = re.compile(r"^[a-z][a-z0-9_]*$")
YEARS = (2023, 2024)


# -- the catalogue's entries -------------------------------------------------------------------
def test_codes_are_unique_identifiers_free_for_the_frames():
    codes = [m.code for m in METRICS]
    assert len(codes) == len(set(codes)) == len(METRIC_BY_CODE)
    for code in codes:
        assert CODE.match(code), code  # codes are put in SQL as column names
        assert code not in RESERVED, code


@pytest.mark.parametrize("m", METRICS, ids=lambda m: m.code)
def test_each_entry_is_consistent(m):
    assert m.kind in M.KINDS and m.unit in M.UNITS
    assert set(m.places) <= set(M.PLACES) and len(set(m.places)) == len(m.places)
    assert (M.KPI in m.places) == (m.kpi_row is not None)
    assert m.kpi_row is None or m.kpi_row in M.KPI_ROWS
    assert m.comparable or M.KPI in m.places
    if set(m.places) & {M.MAP, M.PEERS, M.LIVE}:
        assert m.by_region, "shown by region, so computed by region"
    # computed from a source, or from other metrics, never both for a non-per-capita figure
    assert m.source is None or m.source in M.SOURCES
    for code in m.of:
        parent = METRIC_BY_CODE[code]
        assert parent.source and parent.kind in ("count", "money"), code
        assert parent.by_region or not m.by_region, code
    if m.per_capita:
        assert m.population in M.POPULATIONS and m.per >= 1
        assert bool(m.source) != bool(m.of) and len(m.of) <= 1
        assert m.unit in ("per_100k", "kzt_per_inhabitant")
    else:
        assert m.population is None and m.per == 1
        assert bool(m.source) != bool(m.of)
    if m.kind == "share":
        assert set(re.findall(r"[a-z_]+", m.sql)) <= {*m.of, "nullif"}
    if m.source:
        # the SQL reads only its own source's alias, and is one expression
        alias = M.SOURCES[m.source].alias
        assert set(re.findall(r"\b([a-z_]+)\.[a-z_]", m.sql)) <= {alias}, m.sql
        assert ";" not in m.sql and "--" not in m.sql
    if m.money:
        assert m.kind in ("money", "per_capita")


def test_each_place_lists_metrics():
    for place in M.PLACES:
        assert M.shown_in(place), place
    assert M.DEFAULT_METRIC in M.MAP_METRICS
    assert {m.kpi_row for m in METRICS if m.kpi_row} == set(M.KPI_ROWS)


def test_the_sql_sources_are_the_catalogues():
    assert set(SOURCE_SQL) == set(M.SOURCES) == set(SOURCE_CONDITION)
    for name, (rows, region) in SOURCE_SQL.items():
        alias = M.SOURCES[name].alias
        assert re.search(rf"(\) | ){alias}( WHERE|$)", rows) or f" {alias} JOIN" in rows, name
        assert region.startswith(f"{alias}."), name


@pytest.mark.parametrize("lang", LANGS)
def test_every_metric_has_its_messages(lang):
    keys = catalog(lang)
    for m in METRICS:
        for key in (f"metric.{m.code}", f"metric_help.{m.code}", f"metric_unit.{m.unit}"):
            assert keys.get(key, "").strip(), f"{key} missing in {lang}"
    # and no message of a metric that left the catalogue
    for key in keys:
        if key.startswith(("metric.", "metric_help.")):
            assert key.split(".", 1)[1] in METRIC_BY_CODE, key
        if key.startswith("metric_unit."):
            assert key.split(".", 1)[1] in M.UNITS, key


def test_labels_differ_between_metrics():
    for lang in LANGS:
        t = Translator(lang)
        labels = [m.label(t) for m in METRICS]
        assert len(labels) == len(set(labels)), lang


def test_unknown_codes_are_refused():
    with pytest.raises(ValueError):
        M.by_code("jobs); DROP TABLE initiatives; --")
    with pytest.raises(ValueError):
        metrics_sql(["jobs", "nope"], _filters(YEARS).sources(), by_region=True)


def test_derived_metrics_bring_their_inputs():
    assert [m.code for m in M.with_inputs(["private_impact_share"])] == [
        "budget_planned",
        "budget_private",
        "budget_impact",
        "private_impact_share",
    ]


def test_only_the_parameters_a_statement_uses_are_bound():
    """A statement of one metric reads one source: the other filters' parameters must go (DuckDB
    refuses a parameter its SQL does not mention)."""
    f = _filters(YEARS, statuses=["completed"], region="KZ-71")
    hubs_only = metrics_sql(["hubs"], f.sources(), by_region=True)
    assert used_params(hubs_only, {**f.params, "y": 1}) == {
        "f_years_1": 2024,
        "f_regions": ["KZ-71"],
    }
    started = metrics_sql(["jobs"], f.sources(), by_region=True)
    assert set(used_params(started, f.params)) == {
        "f_years_0",
        "f_years_1",
        "f_statuses",
        "f_regions",
    }


# -- ranks and formatting ----------------------------------------------------------------------
def test_ranks_follow_the_direction_of_the_metric():
    values = pd.Series([3.0, 1.0, None, 3.0, 2.0])
    assert M.ranks(values).tolist() == [1, 4, pd.NA, 1, 3]
    assert M.ranks(values, higher_is_better=False).tolist() == [3, 1, pd.NA, 3, 2]
    lower = M.Metric("x", kind="count", unit="number", source="started", higher_is_better=False)
    df = pd.DataFrame({"x": [3, 1, None, 2], "name": ["c", "a", "d", "b"]})
    assert M.best_first(df, lower, "name")["name"].tolist() == ["a", "b", "c", "d"]
    higher = METRIC_BY_CODE["jobs"]
    df = df.rename(columns={"x": "jobs"})
    assert M.best_first(df, higher, "name")["name"].tolist() == ["c", "b", "a", "d"]


@pytest.mark.parametrize(
    ("code", "value", "en", "ru"),
    [
        ("initiatives", 12345, "12,345", "12\xa0345"),
        ("initiatives_per_100k", 12.345, "12.3", "12,3"),
        ("budget_planned", 2.5e9, "₸2.5B", "2,5\xa0млрд\xa0₸"),
        ("budget_per_capita", 1234.4, "₸1,234", "1\xa0234\xa0₸"),
        ("private_impact_share", 0.256, "25.6%", "25,6%"),
        ("competency_gain", -0.5, "−0.50", "−0,50"),
        ("jobs", None, "no data", "нет данных"),
    ],
)
def test_values_read_by_kind_and_unit(code, value, en, ru):
    m = METRIC_BY_CODE[code]
    assert M.format_value(Translator("en"), m, value) == en
    assert M.format_value(Translator("ru"), m, value) == ru


# -- the SQL built from the catalogue, against pandas ------------------------------------------
@pytest.fixture
def raw(demo_store):
    tables = ("initiatives", "hubs", "indicators", "region_population_latest", "regions")
    return {name: demo_store.query(f"SELECT * FROM {name}") for name in tables}  # noqa: S608


def _started(raw, years, region=None) -> pd.DataFrame:
    ini = raw["initiatives"]
    ini = ini[ini["start_date"].dt.year.between(*years)]
    return ini if region is None else ini[ini["region_iso"] == region]


@pytest.mark.parametrize("years", [YEARS, (2019, 2026)])
def test_region_sums_match_pandas(demo_store, raw, years):
    got = queries.run(demo_store, "region_metrics", filters=Filters(years=years)).set_index(
        "iso_code"
    )
    started = _started(raw, years)
    by_region = started.groupby("region_iso")
    pop = raw["region_population_latest"].set_index("iso_code")["population"]
    columns = {
        "budget_spent": "budget_spent_kzt",
        "youth": "beneficiaries_youth",
        "women": "beneficiaries_women",
        "jobs": "jobs_created",
    }
    for code, column in columns.items():
        expected = by_region[column].sum().reindex(got.index, fill_value=0)
        assert got[code].tolist() == expected.tolist(), code
    jobs = by_region["jobs_created"].sum().reindex(got.index, fill_value=0)
    assert got["jobs_per_100k"].tolist() == pytest.approx((jobs * 1e5 / pop[got.index]).tolist())


@pytest.mark.parametrize("region", [None, "KZ-75"])
def test_the_countrys_figures_add_up_the_regions(demo_store, region):
    """Every metric at both grains: the country's sums are the regions' sums, its per-capita
    figures divide by the summed population, and the funding split matches pandas."""
    f = _filters(YEARS, region=region)
    codes = [m.code for m in METRICS]
    country_sql = metrics_sql(codes, f.sources(), by_region=False)
    regions_sql = metrics_sql(codes, f.sources(), by_region=True)
    country = demo_store.query(country_sql, used_params(country_sql, f.params))
    regions = demo_store.query(regions_sql, used_params(regions_sql, f.params))
    assert len(country) == 1 and len(regions) == 20
    row = country.iloc[0]
    if region:
        regions = regions[regions["iso_code"] == region]
    assert row["population"] == regions["population"].sum()
    for m in METRICS:
        if m.kind in ("count", "money"):
            assert row[m.code] == regions[m.code].sum(), m.code
        elif m.per_capita and m.of:
            expected = regions[m.of[0]].sum() * m.per / regions["population"].sum()
            assert row[m.code] == pytest.approx(expected), m.code
    planned = row["budget_planned"]
    assert row["private_impact_share"] == pytest.approx(
        (row["budget_private"] + row["budget_impact"]) / planned
    )


def test_kpis_and_regions_compute_what_their_places_need(demo_store):
    kpis = queries.run(demo_store, "overview_kpis", filters=Filters(years=YEARS))
    for code in M.KPI_METRICS:
        assert code in kpis.columns, code
    regions = queries.run(demo_store, "region_metrics", filters=Filters(years=YEARS))
    for code in (*M.MAP_METRICS, *M.PEER_METRICS):
        assert code in regions.columns, code
    # the funding split is left out by region (its FILTER clauses cost on a large store)
    assert "budget_private" not in regions.columns


def test_live_ranking_reads_the_catalogue(demo_store):
    for code in M.LIVE_METRICS:
        df = queries.run(
            demo_store, "live_region_ranking", metric=code, filters=Filters(years=(2024, 2024))
        )
        assert len(df) == 20 and df["rank"].min() == 1, code
    with pytest.raises(ValueError):  # in the catalogue, but not one of the presenter's
        queries.run(demo_store, "live_region_ranking", metric="competency_gain")


# -- the worked example: creative exports per inhabitant ---------------------------------------
EXPORTS = "creative_exports_per_capita"


def _exports_per_capita(raw, years, regions=None) -> pd.Series:
    """Exports (mln ₸) of the years, by region, per inhabitant in ₸: pandas on the raw rows."""
    ind = raw["indicators"]
    ind = ind[(ind["indicator_code"] == "creative_exports") & ind["year"].between(*years)]
    pop = raw["region_population_latest"].set_index("iso_code")["population"]
    if regions is not None:
        ind, pop = ind[ind["region_iso"].isin(regions)], pop[list(regions)]
    return ind.groupby("region_iso")["value"].sum() * 1e6 / pop


@pytest.mark.parametrize("years", [YEARS, (2019, 2026), (2025, 2025)])
def test_exports_per_capita_by_region_match_pandas(demo_store, raw, years):
    got = queries.run(demo_store, "region_metrics", filters=Filters(years=years)).set_index(
        "iso_code"
    )[EXPORTS]
    expected = _exports_per_capita(raw, years)
    assert len(expected) == 20 and (expected > 0).all()
    assert got.to_dict() == pytest.approx(expected.to_dict())
    # official figures: the initiatives' filters leave them as they are
    filtered = queries.run(
        demo_store,
        "region_metrics",
        filters=Filters(years=years, sectors=["music"], funding=["grant"]),
    ).set_index("iso_code")[EXPORTS]
    assert filtered.to_dict() == pytest.approx(expected.to_dict())


def test_exports_per_capita_of_the_country_and_of_a_region(demo_store, raw):
    pop = raw["region_population_latest"].set_index("iso_code")["population"]
    ind = raw["indicators"]
    exports = ind[ind["indicator_code"] == "creative_exports"]
    kpis = queries.run(demo_store, "overview_kpis", filters=Filters(years=YEARS)).set_index(
        "period"
    )[EXPORTS]
    for period, years in (("current", YEARS), ("previous", (2021, 2022))):
        total = exports[exports["year"].between(*years)]["value"].sum() * 1e6
        assert kpis[period] == pytest.approx(total / pop.sum())
    one = queries.run(demo_store, "overview_kpis", filters=Filters(years=YEARS, regions=("KZ-75",)))
    assert one.iloc[0][EXPORTS] == pytest.approx(
        _exports_per_capita(raw, YEARS, ["KZ-75"])["KZ-75"]
    )


def test_no_exports_figures_is_no_value_not_zero(demo_store):
    """The demo has figures for 2019-2025: a later year has no value, shown as "no data"."""
    later = queries.run(demo_store, "region_metrics", filters=Filters(years=(2026, 2026)))
    assert later[EXPORTS].isna().all()
    kpis = queries.run(demo_store, "overview_kpis", filters=Filters(years=(2026, 2026))).set_index(
        "period"
    )
    assert pd.isna(kpis.loc["current", EXPORTS]) and kpis.loc["previous", EXPORTS] > 0
    t = Translator("en")
    assert M.format_value(t, METRIC_BY_CODE[EXPORTS], later[EXPORTS].iloc[0]) == "no data"


def test_exports_are_in_every_place():
    assert METRIC_BY_CODE[EXPORTS].places == (M.KPI, M.MAP, M.PEERS, M.LIVE)
    for codes in (M.KPI_METRICS, M.MAP_METRICS, M.PEER_METRICS, M.LIVE_METRICS):
        assert EXPORTS in codes


@pytest.mark.parametrize("lang", LANGS)
def test_the_presenter_ranks_the_regions_on_exports(demo_store, raw, lang):
    from creative_dash.live import SceneRef, scenes

    run = lambda name, **params: queries.run(demo_store, name, **params)  # noqa: E731
    t = Translator(lang)
    label = METRIC_BY_CODE[EXPORTS].label(t)
    ranking = scenes.SCENES["ranking"]
    metric_param = next(p for p in ranking.params if p.name == "metric")
    assert metric_param.options(run, t)[EXPORTS] == label
    ref = SceneRef("ranking", {"metric": EXPORTS, "period": "2024"})
    fig = scenes.figure(ref, run, t, presenter=True)
    assert fig.layout.title.text == t("live.ranking.title", metric=label)
    expected = _exports_per_capita(raw, (2024, 2024)).sort_values(ascending=False)
    bars = fig.data[0]
    assert list(bars.x) == pytest.approx(expected.tolist())  # best first
    names = raw["regions"].set_index("iso_code")[t.name_col()]
    assert list(fig.layout.yaxis.ticktext) == [
        f"{i}. {names[iso]}" for i, iso in enumerate(expected.index, 1)
    ]
    assert list(bars.text) == [M.format_value(t, METRIC_BY_CODE[EXPORTS], v) for v in expected]
    assert scenes.label(ref, run, t) == f"{t('live.scene.ranking')} — {label}, 2024"
