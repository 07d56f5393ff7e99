"""National overview: KPIs, per-region metrics and the mixes the overview and region pages chart.

Definitions shared by every query here (the pages' captions repeat them):

* An initiative is *in the period* when it started in one of the selected years; counts, budgets,
  jobs and beneficiaries add up those initiatives.
* An initiative is *active* in the period when its status is approved or in progress and its run
  (start date to end date, open-ended when there is none) overlaps the selected years.
* A hub counts when it is operating and opened before the end of the period (or has no opening
  date): the store keeps no closing dates, so closed hubs are left out of every period.
* Programme outcomes (participants, competency gain) count programmes running in the period.
* Filters: an empty list means "all". The sector filter keeps an initiative whose main sector or
  one of its further sectors is selected (a hub: one of its sectors); funding and status filters
  apply to initiatives only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash import vocab
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
    return _Filters(tuple(ini), tuple(hubs), tuple(people), params)


# One period's headline figures: a scan of the initiatives started in it (grouped by funding
# source, which DuckDB does faster than sum(...) FILTER (WHERE funding_source = ...)), one of
# those active in it (an initiative that started before the period may be active in it), and
# the small hubs and participants tables.
_KPI_SQL = """
    WITH by_source AS (
        SELECT i.funding_source, count(*) AS n,
               sum(i.budget_planned_kzt) AS planned, sum(i.budget_spent_kzt) AS spent,
               sum(i.jobs_created) AS jobs, sum(i.beneficiaries_youth) AS youth,
               sum(i.beneficiaries_women) AS women
        FROM initiatives i WHERE {started} GROUP BY i.funding_source
    ),
    sums AS (
        SELECT CAST(coalesce(sum(n), 0) AS BIGINT) AS initiatives,
               CAST(coalesce(sum(planned), 0) AS BIGINT) AS budget_planned,
               CAST(coalesce(sum(spent), 0) AS BIGINT) AS budget_spent,
               CAST(coalesce(sum(planned) FILTER (WHERE funding_source = 'private'), 0) AS BIGINT)
                   AS budget_private,
               CAST(coalesce(sum(planned) FILTER (WHERE funding_source = 'impact'), 0) AS BIGINT)
                   AS budget_impact,
               CAST(coalesce(sum(jobs), 0) AS BIGINT) AS jobs,
               CAST(coalesce(sum(youth), 0) AS BIGINT) AS youth,
               CAST(coalesce(sum(women), 0) AS BIGINT) AS women
        FROM by_source
    )
    SELECT $label AS period, CAST($y0 AS INTEGER) AS first_year, CAST($y1 AS INTEGER) AS last_year,
           (SELECT count(*) FROM hubs h WHERE {hubs}) AS hubs,
           s.initiatives,
           (SELECT count(*) FROM initiatives i WHERE {active}) AS active,
           s.budget_planned, s.budget_spent, s.budget_private, s.budget_impact,
           CASE WHEN s.budget_planned > 0
                THEN (s.budget_private + s.budget_impact) / s.budget_planned END
               AS private_impact_share,
           s.jobs, s.youth, s.women,
           (SELECT count(*) FROM participants pa JOIN programmes pr USING (programme_id)
            WHERE {participants}) AS participants
    FROM sums s
"""


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
    """The headline figures of the period and of the period of equal length before it.

    Two rows, ``period`` 'current' then 'previous'. Columns: period, first_year, last_year,
    hubs, initiatives, active, budget_planned, budget_spent, budget_private, budget_impact
    (planned ₸ by source), private_impact_share (share of the planned budget from private money
    and impact investment, NULL without budget), jobs, youth, women, participants.
    """
    current = _years(years)
    frames = []
    for label, period in (("current", current), ("previous", previous_period(current))):
        f = _filters(period, sectors, funding, statuses, region)
        sql = _KPI_SQL.format(
            started=f.started(),
            active=f.active(),
            hubs=f.hubs_kept(),
            participants=f.participants_kept(),
        )
        frames.append(store.query(sql, {**f.params, "label": label}))
    return pd.concat(frames, ignore_index=True)


_REGION_METRICS_SQL = """
    WITH ini AS (
        SELECT i.region_iso, count(*) AS initiatives,
               CAST(sum(i.budget_planned_kzt) AS BIGINT) AS budget_planned,
               CAST(sum(i.budget_spent_kzt) AS BIGINT) AS budget_spent,
               CAST(sum(i.jobs_created) AS BIGINT) AS jobs
        FROM initiatives i WHERE {started} GROUP BY i.region_iso
    ),
    act AS (
        SELECT i.region_iso, count(*) AS active FROM initiatives i WHERE {active}
        GROUP BY i.region_iso
    ),
    hub AS (
        SELECT h.region_iso, count(*) AS hubs FROM hubs h WHERE {hubs} GROUP BY h.region_iso
    ),
    prog AS (
        SELECT pa.participant_id, pa.region_iso FROM participants pa
        JOIN programmes pr USING (programme_id)
        WHERE {participants}
    ),
    people AS (SELECT region_iso, count(*) AS participants FROM prog GROUP BY region_iso),
    gain AS (
        SELECT prog.region_iso, avg(post.score - pre.score) AS competency_gain
        FROM prog
        JOIN assessments pre ON pre.participant_id = prog.participant_id
             AND pre.phase = 'pre'
        JOIN assessments post ON post.participant_id = prog.participant_id
             AND post.phase = 'post' AND post.competency = pre.competency
        GROUP BY prog.region_iso
    )
    SELECT r.iso_code, r.kind, r.name_kk, r.name_ru, r.name_en,
           r.admin_center_lat, r.admin_center_lon,
           pop.population, pop.as_of AS population_as_of,
           coalesce(ini.initiatives, 0) AS initiatives,
           coalesce(act.active, 0) AS active,
           coalesce(hub.hubs, 0) AS hubs,
           coalesce(ini.budget_planned, 0) AS budget_planned,
           coalesce(ini.budget_spent, 0) AS budget_spent,
           coalesce(ini.jobs, 0) AS jobs,
           coalesce(people.participants, 0) AS participants,
           gain.competency_gain,
           coalesce(ini.initiatives, 0) * 100000.0 / nullif(pop.population, 0)
               AS initiatives_per_100k,
           coalesce(act.active, 0) * 100000.0 / nullif(pop.population, 0) AS active_per_100k,
           coalesce(hub.hubs, 0) * 100000.0 / nullif(pop.population, 0) AS hubs_per_100k,
           coalesce(ini.jobs, 0) * 100000.0 / nullif(pop.population, 0) AS jobs_per_100k,
           coalesce(ini.budget_planned, 0) * 1.0 / nullif(pop.population, 0)
               AS budget_per_capita
    FROM regions r
    LEFT JOIN region_population_latest pop USING (iso_code)
    LEFT JOIN ini ON ini.region_iso = r.iso_code
    LEFT JOIN act ON act.region_iso = r.iso_code
    LEFT JOIN hub ON hub.region_iso = r.iso_code
    LEFT JOIN people ON people.region_iso = r.iso_code
    LEFT JOIN gain ON gain.region_iso = r.iso_code
    ORDER BY r.iso_code
"""


@query
def region_metrics(
    store: Store,
    *,
    years: Years = None,
    sectors: Sequence[str] = (),
    funding: Sequence[str] = (),
    statuses: Sequence[str] = (),
) -> pd.DataFrame:
    """Every region's figures for the period, with its latest population, one row per region.

    Columns: iso_code, kind, name_kk, name_ru, name_en, admin_center_lat, admin_center_lon,
    population, population_as_of, initiatives, active, hubs, budget_planned, budget_spent,
    jobs, participants, competency_gain (mean post - pre self-assessment over the region's
    participants and competencies; NULL without assessments), initiatives_per_100k,
    active_per_100k, hubs_per_100k, jobs_per_100k, budget_per_capita (planned ₸ per inhabitant).
    Per-capita columns are NULL where the population is unknown.
    """
    f = _filters(years, sectors, funding, statuses)
    sql = _REGION_METRICS_SQL.format(
        started=f.started(),
        active=f.active(),
        hubs=f.hubs_kept(),
        participants=f.participants_kept(),
    )
    return store.query(sql, f.params)


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
