"""National overview: KPIs, per-region metrics and the mixes the overview and region pages chart.

Definitions shared by every query here (the pages' captions repeat them):

* An initiative is *in the period* when it started in one of the selected years; counts, budgets,
  jobs and beneficiaries add up those initiatives.
* An initiative is *active* in the period when its status is approved or in progress and its run
  (start date to end date, open-ended when there is none) overlaps the selected years.
* A hub counts when it is operating and opened before the end of the period (or has no opening
  date): the store keeps no closing dates, so closed hubs are left out of every period.
* Programme outcomes (participants, competency gain) count programmes running in the period.
* Official indicators (creative exports...) count the years of the period.
* Filters: every query takes ``filters`` (:class:`creative_dash.filters.Filters`; empty means
  "all") and honours its years, regions, sectors, funding and statuses. The sector filter keeps
  an initiative whose main sector or one of its further sectors is selected (a hub: one of its
  sectors); funding and status filters apply to initiatives only; indicators and the population
  take the years and regions only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash import vocab
from creative_dash.filters import (
    HUBS,
    INDICATORS,
    INITIATIVES,
    INITIATIVES_ACTIVE,
    NO_FILTERS,
    PARTICIPANTS,
    POPULATION,
    PROGRAMMES,
    Filters,
    Where,
    where,
)
from creative_dash.metrics import KPI_METRICS, METRICS
from creative_dash.queries.metric_sql import metrics_sql, used_params
from creative_dash.queries.registry import query
from creative_dash.store import Store

# Year bounds when none are given: wide enough for any store.
ALL_YEARS = (1900, 2999)

# How the SQL is built. Each query scans the initiatives table (1.5 million rows in the largest
# store we plan for), so its conditions come from the filter builder (creative_dash.filters): a
# filter's condition is in the SQL only when that filter is set, and every value is a bound
# parameter. (A shared CTE of the filtered rows would get materialised with all its columns.)
#
# The queries call the initiatives ``i``, the hubs ``h``, the participants ``pa`` and the
# programmes ``pr``. The region filter applies to every query here but ``region_metrics``,
# which lists every region.
_IS_ACTIVE = "list_contains(['approved', 'in_progress'], i.status)"
_IS_OPERATING = "h.status = 'operating'"
_HUB_FILTERS = ("years", "regions", "sectors")  # funding and status apply to initiatives only


def _years(years: tuple[int, int] | None) -> tuple[int, int]:
    return ALL_YEARS if years is None else years


def previous_period(years: tuple[int, int]) -> tuple[int, int]:
    """The period of equal length just before ``years``: (2023, 2024) -> (2021, 2022)."""
    a, b = years
    n = b - a + 1
    return a - n, a - 1


@dataclass(frozen=True)
class _Conditions:
    """The conditions of one period on each table the overview reads."""

    started: Where  # initiatives i started in the period, kept by the filters
    active: Where  # initiatives i active in the period, kept by the filters
    hubs: Where  # hubs h counted in the period (operating), kept by the sector/region filters
    participants: Where  # participants pa of programmes pr running in the period
    indicators: Where  # indicators ind of the period's years, kept by the region filter
    population: Where  # population rows p (region_population_latest), kept by the region filter

    @property
    def params(self) -> dict[str, Any]:
        every = (
            self.started
            & self.active
            & self.hubs
            & self.participants
            & self.indicators
            & self.population
        )
        return dict(every.params)

    def sources(self) -> dict[str, str]:
        """The condition of each source of the metric catalogue (``metric_sql.metrics_sql``)."""
        return {
            "started": self.started.sql,
            "active": self.active.sql,
            "hubs": self.hubs.sql,
            "participants": self.participants.sql,
            "indicators": self.indicators.sql,
            "population": self.population.sql,
        }


def _conditions(filters: Filters) -> _Conditions:
    """The period always bound (all years when none is given)."""
    f = filters.but(years=_years(filters.years))
    return _Conditions(
        started=where(f, INITIATIVES),
        active=where(f, INITIATIVES_ACTIVE, _IS_ACTIVE),
        hubs=where(f, HUBS.only(*_HUB_FILTERS), _IS_OPERATING),
        participants=where(f, PROGRAMMES) & where(f, PARTICIPANTS),
        indicators=where(f, INDICATORS),
        population=where(f, POPULATION),
    )


# The headline figures and the regions' figures are the metric catalogue's (creative_dash
# .metrics), in SQL that metric_sql builds from its entries, each source (the initiatives started
# in the period, those active in it, the hubs...) scanned once: the KPIs (and the metrics they
# are derived from) for the country, every metric computed by region for the regions.
REGION_CODES = tuple(m.code for m in METRICS if m.by_region)
_KPI_LEAD = (
    "$label AS period, CAST($first AS INTEGER) AS first_year, CAST($last AS INTEGER) AS last_year"
)


@query
def overview_kpis(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """The KPIs of the catalogue for the country (or the filters' regions), in the period and in
    the period of equal length before it.

    Two rows, ``period`` 'current' then 'previous'. Columns: period, first_year, last_year,
    population (the sum of the latest figures), then a column per metric shown as a card and
    per metric those are derived from, named by its code (``creative_dash.metrics.METRICS``;
    e.g. hubs, initiatives, budget_planned, budget_private, budget_impact,
    private_impact_share: NULL without budget).
    """
    current = _years(filters.years)
    frames = []
    for label, period in (("current", current), ("previous", previous_period(current))):
        c = _conditions(filters.but(years=period))
        sql = metrics_sql(KPI_METRICS, c.sources(), by_region=False, lead=_KPI_LEAD)
        own = {"label": label, "first": period[0], "last": period[1]}
        frames.append(store.query(sql, used_params(sql, {**c.params, **own})))
    return pd.concat(frames, ignore_index=True)


@query
def region_metrics(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Every region's metrics for the period, with its latest population, one row per region.

    Columns: iso_code, kind, name_kk, name_ru, name_en, admin_center_lat, admin_center_lon,
    population, population_as_of, then a column per metric the catalogue computes by region
    (``by_region``), named by its code (``creative_dash.metrics.METRICS``). Per-capita
    columns are NULL where the population is unknown; a mean or an indicator is NULL where the
    region has no figures. Every region is listed: the filters' regions do not apply.
    """
    c = _conditions(filters.everywhere())
    sql = metrics_sql(REGION_CODES, c.sources(), by_region=True)
    return store.query(sql, used_params(sql, c.params))


_SECTOR_MIX_SQL = """
    WITH st AS (
        SELECT i.sector_code, count(*) AS initiatives,
               CAST(sum(i.budget_planned_kzt) AS BIGINT) AS budget_planned
        FROM initiatives i WHERE {started} GROUP BY i.sector_code
    )
    SELECT s.code, s.name_kk, s.name_ru, s.name_en, s.unctad_group, s.sort_order,
           coalesce(st.initiatives, 0) AS initiatives,
           coalesce(st.budget_planned, 0) AS budget_planned
    FROM sectors s LEFT JOIN st ON st.sector_code = s.code
    ORDER BY s.sort_order
"""


@query
def overview_sector_mix(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Initiatives of the period by main sector, every sector listed (zero when none).

    Columns: code, name_kk, name_ru, name_en, unctad_group, sort_order, initiatives,
    budget_planned."""
    c = _conditions(filters)
    return store.query(_SECTOR_MIX_SQL.format(started=c.started.sql), dict(c.started.params))


FUNDING_ORDER = vocab.FUNDING_SOURCES
STATUS_ORDER = vocab.INITIATIVE_STATUSES

# (The share divides by a subquery's total: sum(...) OVER () over this LEFT JOIN fails now and
# then in DuckDB 1.5.5 with "INTERNAL Error: Attempted to access index 0 within vector of size
# 0", which invalidates the connection.)
_FUNDING_MIX_SQL = """
    WITH src AS (SELECT unnest($order::VARCHAR[]) AS funding_source,
                        generate_subscripts($order::VARCHAR[], 1) AS ord),
    st AS (
        SELECT i.funding_source, count(*) AS initiatives,
               CAST(sum(i.budget_planned_kzt) AS BIGINT) AS budget_planned,
               CAST(sum(i.budget_spent_kzt) AS BIGINT) AS budget_spent
        FROM initiatives i WHERE {started} GROUP BY i.funding_source
    ),
    listed AS (
        SELECT src.funding_source, src.ord, coalesce(st.initiatives, 0) AS initiatives,
               coalesce(st.budget_planned, 0) AS budget_planned,
               coalesce(st.budget_spent, 0) AS budget_spent
        FROM src LEFT JOIN st ON st.funding_source = src.funding_source
    )
    SELECT l.funding_source, l.initiatives, l.budget_planned, l.budget_spent,
           l.budget_planned / nullif((SELECT sum(budget_planned) FROM listed), 0) AS share
    FROM listed l
    ORDER BY l.ord
"""


@query
def overview_funding_mix(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Initiatives of the period by funding source, the five sources always listed in order.

    Columns: funding_source, initiatives, budget_planned, budget_spent, share (of the planned
    budget; NULL without budget)."""
    c = _conditions(filters)
    return store.query(
        _FUNDING_MIX_SQL.format(started=c.started.sql),
        {**c.started.params, "order": list(FUNDING_ORDER)},
    )


_STARTED_BY_YEAR_SQL = """
    SELECT CAST(year(i.start_date) AS INTEGER) AS year, i.status, count(*) AS initiatives
    FROM initiatives i WHERE {started}
    GROUP BY ALL ORDER BY year, status
"""


@query
def overview_started_by_year(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Initiatives started per year of the period, by status (only non-empty cells).

    Columns: year, status, initiatives."""
    c = _conditions(filters)
    return store.query(_STARTED_BY_YEAR_SQL.format(started=c.started.sql), dict(c.started.params))


_STARTED_BY_QUARTER_SQL = """
    SELECT CAST(year(i.start_date) AS INTEGER) AS year,
           CAST(quarter(i.start_date) AS INTEGER) AS quarter, i.status, count(*) AS initiatives
    FROM initiatives i WHERE {started}
    GROUP BY ALL ORDER BY year, quarter, status
"""


@query
def overview_started_by_quarter(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Initiatives started per quarter of the period, by status (only non-empty cells).

    Columns: year, quarter (1-4), status, initiatives."""
    c = _conditions(filters)
    return store.query(
        _STARTED_BY_QUARTER_SQL.format(started=c.started.sql), dict(c.started.params)
    )


_STATUS_PIPELINE_SQL = """
    WITH st_order AS (SELECT unnest($order::VARCHAR[]) AS status,
                             generate_subscripts($order::VARCHAR[], 1) AS ord),
    st AS (
        SELECT i.status, count(*) AS initiatives,
               CAST(sum(i.budget_planned_kzt) AS BIGINT) AS budget_planned
        FROM initiatives i WHERE {started} GROUP BY i.status
    )
    SELECT o.status, coalesce(st.initiatives, 0) AS initiatives,
           coalesce(st.budget_planned, 0) AS budget_planned
    FROM st_order o LEFT JOIN st ON st.status = o.status
    ORDER BY o.ord
"""


@query
def overview_status_pipeline(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Initiatives of the period by status, the five statuses always listed in pipeline order.

    Columns: status, initiatives, budget_planned."""
    c = _conditions(filters)
    return store.query(
        _STATUS_PIPELINE_SQL.format(started=c.started.sql),
        {**c.started.params, "order": list(STATUS_ORDER)},
    )


# Which initiatives of initiative_sdgs (2.3 million rows in the largest store) started in the
# period: a hash join with the initiatives table costs 70-180 ms there, so the kept initiatives
# become a bitmap over the range of ids instead (bitstring_agg: bit id - $lo set; 1.5 million
# ids are 190 KB) that each link row looks up. Ids are given by the writer, so a store whose
# ids spread over more than _SDG_BITMAP_MAX_IDS falls back to the join. Both forms count the
# same rows; the CASE keeps get_bit away from a link whose id lies outside the range.
_SDG_BITMAP_MAX_IDS = 1 << 26  # an 8 MB bitmap
_SDG_BITMAP_SQL = """
    WITH kept AS (
        SELECT bitstring_agg(i.initiative_id, $lo, $hi) AS ids FROM initiatives i WHERE {started}
    ),
    counts AS (
        SELECT s.sdg, count(*) AS initiatives FROM initiative_sdgs s, kept
        WHERE CASE WHEN s.initiative_id BETWEEN $lo AND $hi
                   THEN get_bit(kept.ids, s.initiative_id - $lo) = 1 ELSE FALSE END
        GROUP BY s.sdg
    )
    SELECT g.sdg, coalesce(c.initiatives, 0) AS initiatives
    FROM (SELECT CAST(range AS INTEGER) AS sdg FROM range(1, 18)) g
    LEFT JOIN counts c ON c.sdg = g.sdg
    ORDER BY g.sdg
"""
_SDG_JOIN_SQL = """
    WITH kept AS (SELECT i.initiative_id FROM initiatives i WHERE {started}),
    counts AS (
        SELECT s.sdg, count(*) AS initiatives
        FROM initiative_sdgs s JOIN kept ON kept.initiative_id = s.initiative_id
        GROUP BY s.sdg
    )
    SELECT g.sdg, coalesce(c.initiatives, 0) AS initiatives
    FROM (SELECT CAST(range AS INTEGER) AS sdg FROM range(1, 18)) g
    LEFT JOIN counts c ON c.sdg = g.sdg
    ORDER BY g.sdg
"""


@query
def overview_sdg_counts(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """How many initiatives of the period serve each of the 17 SDGs (every goal listed).

    Columns: sdg (1-17), initiatives."""
    c = _conditions(filters)
    started, params = c.started.sql, dict(c.started.params)
    with store.snapshot() as cur:  # the id range and the counts see the same rows
        bounds = cur.execute(
            "SELECT min(initiative_id), max(initiative_id) FROM initiatives"
        ).fetchone()
        lo, hi = bounds if bounds else (None, None)
        if lo is not None and hi - lo < _SDG_BITMAP_MAX_IDS:
            sql, params = _SDG_BITMAP_SQL.format(started=started), {**params, "lo": lo, "hi": hi}
        else:
            sql = _SDG_JOIN_SQL.format(started=started)
        return cur.execute(sql, params).df()
