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
* Filters: an empty list means "all". The sector filter keeps an initiative whose main sector or
  one of its further sectors is selected (a hub: one of its sectors); funding and status filters
  apply to initiatives only; indicators take the region filter only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash import vocab
from creative_dash.metrics import KPI_METRICS, METRICS
from creative_dash.queries.metric_sql import metrics_sql
from creative_dash.queries.registry import query
from creative_dash.store import Store

Years = tuple[int, int] | Sequence[int] | None

# Year bounds when none are given: wide enough for any store.
ALL_YEARS = (1900, 2999)

# How the SQL is built. Each query scans the initiatives table (1.5 million rows in the largest
# store we plan for), so it is composed of this module's constant fragments: a filter's
# condition is in the SQL only when that filter is set (an empty list means "all"), and every
# value is a bound parameter. (A condition written as "empty list OR value in list" makes DuckDB
# plan the filter's work, a join with initiative_sectors for the sector filter, on every query,
# set or not; and a shared CTE of the filtered rows gets materialised with all their columns.)
#
# The fragments call the initiatives ``i``, the hubs ``h`` and the participants ``pa``.
_SECTOR = """(list_contains($sectors::VARCHAR[], i.sector_code)
              OR i.initiative_id IN (SELECT x.initiative_id FROM initiative_sectors x
                                     WHERE list_contains($sectors::VARCHAR[], x.sector_code)))"""
_FUNDING = "list_contains($funding::VARCHAR[], i.funding_source)"
_STATUS = "list_contains($statuses::VARCHAR[], i.status)"
_REGION = "i.region_iso = $region::VARCHAR"
_HUB_SECTOR = """h.hub_id IN (SELECT hs.hub_id FROM hub_sectors hs
                              WHERE list_contains($sectors::VARCHAR[], hs.sector_code))"""
_HUB_REGION = "h.region_iso = $region::VARCHAR"
_PARTICIPANT_REGION = "pa.region_iso = $region::VARCHAR"
_INDICATOR_REGION = "ind.region_iso = $region::VARCHAR"
_POPULATION_REGION = "p.iso_code = $region::VARCHAR"

# The period: 1 January of its first year $y0 to 31 December of its last year $y1.
_D0 = "make_date(CAST($y0 AS INTEGER), 1, 1)"
_D1 = "make_date(CAST($y1 AS INTEGER), 12, 31)"
# Started in the period.
_STARTED = f"i.start_date BETWEEN {_D0} AND {_D1}"
# Active in the period. coalesce(end_date, d0) >= d0 is "end_date IS NULL OR end_date >= d0"
# and list_contains(...) is "status IN (...)": DuckDB evaluates these forms 2-3 times faster.
_ACTIVE = (
    "list_contains(['approved', 'in_progress'], i.status) "
    f"AND i.start_date <= {_D1} AND coalesce(i.end_date, {_D0}) >= {_D0}"
)
# A hub counts in the period.
_HUB_KEPT = f"h.status = 'operating' AND (h.opened_on IS NULL OR h.opened_on <= {_D1})"
# A programme runs in the period.
_PROGRAMME_RUNS = f"pr.start_date <= {_D1} AND pr.end_date >= {_D0}"
# An indicator's year lies in the period (the other filters do not apply to official figures).
_INDICATOR_YEARS = "ind.year BETWEEN CAST($y0 AS INTEGER) AND CAST($y1 AS INTEGER)"


def _years(years: Years) -> tuple[int, int]:
    if years is None:
        return ALL_YEARS
    a, b = (int(y) for y in years)
    return (a, b) if a <= b else (b, a)


def previous_period(years: tuple[int, int]) -> tuple[int, int]:
    """The period of equal length just before ``years``: (2023, 2024) -> (2021, 2022)."""
    a, b = years
    n = b - a + 1
    return a - n, a - 1


def _and(conditions: Sequence[str]) -> str:
    return " AND ".join(conditions) if conditions else "TRUE"


@dataclass(frozen=True)
class _Filters:
    """The conditions of the filters that are set (constant fragments of this module) and the
    values they bind, with the period's $y0 and $y1. ``params`` holds exactly the parameters
    the fragments use (DuckDB refuses a parameter its SQL does not mention)."""

    initiatives: tuple[str, ...]
    hubs: tuple[str, ...]
    participants: tuple[str, ...]
    regional: tuple[str, ...]  # the region filter on indicators ``ind``
    population: tuple[str, ...]  # the region filter on population rows ``p``
    params: dict[str, Any]

    def started(self) -> str:
        """Conditions on initiatives ``i``: started in the period, kept by the filters."""
        return _and((_STARTED, *self.initiatives))

    def active(self) -> str:
        """Conditions on initiatives ``i``: active in the period, kept by the filters."""
        return _and((_ACTIVE, *self.initiatives))

    def hubs_kept(self) -> str:
        """Conditions on hubs ``h``: counted in the period, kept by the sector/region filters."""
        return _and((_HUB_KEPT, *self.hubs))

    def participants_kept(self) -> str:
        """Conditions on participants ``pa`` joined to programmes ``pr``."""
        return _and((_PROGRAMME_RUNS, *self.participants))

    def indicators_kept(self) -> str:
        """Conditions on indicators ``ind``: a year of the period, the region filter."""
        return _and((_INDICATOR_YEARS, *self.regional))

    def sources(self) -> dict[str, str]:
        """The condition of each source of the metric catalogue (``metric_sql.metrics_sql``)."""
        return {
            "started": self.started(),
            "active": self.active(),
            "hubs": self.hubs_kept(),
            "participants": self.participants_kept(),
            "indicators": self.indicators_kept(),
            "population": _and(self.population),
        }


def _filters(
    years: Years,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> _Filters:
    y0, y1 = _years(years)
    params: dict[str, Any] = {"y0": y0, "y1": y1}
    ini: list[str] = []
    hubs: list[str] = []
    people: list[str] = []
    regional: list[str] = []
    population: list[str] = []
    if sectors:
        params["sectors"] = list(sectors)
        ini.append(_SECTOR)
        hubs.append(_HUB_SECTOR)
    if funding:
        params["funding"] = list(funding)
        ini.append(_FUNDING)
    if statuses:
        params["statuses"] = list(statuses)
        ini.append(_STATUS)
    if region:
        params["region"] = region
        ini.append(_REGION)
        hubs.append(_HUB_REGION)
        people.append(_PARTICIPANT_REGION)
        regional.append(_INDICATOR_REGION)
        population.append(_POPULATION_REGION)
    return _Filters(
        tuple(ini), tuple(hubs), tuple(people), tuple(regional), tuple(population), params
    )


# The headline figures and the regions' figures are the metric catalogue's (creative_dash
# .metrics), in SQL that metric_sql builds from its entries, each source (the initiatives started
# in the period, those active in it, the hubs...) scanned once: the KPIs (and the metrics they
# are derived from) for the country, every metric computed by region for the regions.
REGION_CODES = tuple(m.code for m in METRICS if m.by_region)
_KPI_LEAD = (
    "$label AS period, CAST($y0 AS INTEGER) AS first_year, CAST($y1 AS INTEGER) AS last_year"
)


@query
def overview_kpis(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> pd.DataFrame:
    """The KPIs of the catalogue for the country (or ``region``), in the period and in the
    period of equal length before it.

    Two rows, ``period`` 'current' then 'previous'. Columns: period, first_year, last_year,
    population (the sum of the latest figures), then a column per metric shown as a card and
    per metric those are derived from, named by its code (``creative_dash.metrics.METRICS``;
    e.g. hubs, initiatives, budget_planned, budget_private, budget_impact,
    private_impact_share: NULL without budget).
    """
    current = _years(years)
    frames = []
    for label, period in (("current", current), ("previous", previous_period(current))):
        f = _filters(period, sectors, funding, statuses, region)
        sql = metrics_sql(KPI_METRICS, f.sources(), by_region=False, lead=_KPI_LEAD)
        frames.append(store.query(sql, {**f.params, "label": label}))
    return pd.concat(frames, ignore_index=True)


@query
def region_metrics(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> pd.DataFrame:
    """Every region's metrics for the period, with its latest population, one row per region.

    Columns: iso_code, kind, name_kk, name_ru, name_en, admin_center_lat, admin_center_lon,
    population, population_as_of, then a column per metric the catalogue computes by region
    (``by_region``), named by its code (``creative_dash.metrics.METRICS``). Per-capita
    columns are NULL where the population is unknown; a mean or an indicator is NULL where the
    region has no figures.
    """
    f = _filters(years, sectors, funding, statuses)
    return store.query(metrics_sql(REGION_CODES, f.sources(), by_region=True), f.params)


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
def overview_sector_mix(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> pd.DataFrame:
    """Initiatives of the period by main sector, every sector listed (zero when none).

    Columns: code, name_kk, name_ru, name_en, unctad_group, sort_order, initiatives,
    budget_planned."""
    f = _filters(years, sectors, funding, statuses, region)
    return store.query(_SECTOR_MIX_SQL.format(started=f.started()), f.params)


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
def overview_funding_mix(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> pd.DataFrame:
    """Initiatives of the period by funding source, the five sources always listed in order.

    Columns: funding_source, initiatives, budget_planned, budget_spent, share (of the planned
    budget; NULL without budget)."""
    f = _filters(years, sectors, funding, statuses, region)
    return store.query(
        _FUNDING_MIX_SQL.format(started=f.started()), {**f.params, "order": list(FUNDING_ORDER)}
    )


_STARTED_BY_YEAR_SQL = """
    SELECT CAST(year(i.start_date) AS INTEGER) AS year, i.status, count(*) AS initiatives
    FROM initiatives i WHERE {started}
    GROUP BY ALL ORDER BY year, status
"""


@query
def overview_started_by_year(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> pd.DataFrame:
    """Initiatives started per year of the period, by status (only non-empty cells).

    Columns: year, status, initiatives."""
    f = _filters(years, sectors, funding, statuses, region)
    return store.query(_STARTED_BY_YEAR_SQL.format(started=f.started()), f.params)


_STARTED_BY_QUARTER_SQL = """
    SELECT CAST(year(i.start_date) AS INTEGER) AS year,
           CAST(quarter(i.start_date) AS INTEGER) AS quarter, i.status, count(*) AS initiatives
    FROM initiatives i WHERE {started}
    GROUP BY ALL ORDER BY year, quarter, status
"""


@query
def overview_started_by_quarter(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> pd.DataFrame:
    """Initiatives started per quarter of the period, by status (only non-empty cells).

    Columns: year, quarter (1-4), status, initiatives."""
    f = _filters(years, sectors, funding, statuses, region)
    return store.query(_STARTED_BY_QUARTER_SQL.format(started=f.started()), f.params)


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
def overview_status_pipeline(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> pd.DataFrame:
    """Initiatives of the period by status, the five statuses always listed in pipeline order.

    Columns: status, initiatives, budget_planned."""
    f = _filters(years, sectors, funding, statuses, region)
    return store.query(
        _STATUS_PIPELINE_SQL.format(started=f.started()), {**f.params, "order": list(STATUS_ORDER)}
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
def overview_sdg_counts(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
    region: str | None = None,
) -> pd.DataFrame:
    """How many initiatives of the period serve each of the 17 SDGs (every goal listed).

    Columns: sdg (1-17), initiatives."""
    f = _filters(years, sectors, funding, statuses, region)
    started = f.started()
    with store.snapshot() as cur:  # the id range and the counts see the same rows
        lo, hi = cur.execute(
            "SELECT min(initiative_id), max(initiative_id) FROM initiatives"
        ).fetchone()
        if lo is not None and hi - lo < _SDG_BITMAP_MAX_IDS:
            sql, params = _SDG_BITMAP_SQL.format(started=started), {**f.params, "lo": lo, "hi": hi}
        else:
            sql, params = _SDG_JOIN_SQL.format(started=started), f.params
        return cur.execute(sql, params).df()
