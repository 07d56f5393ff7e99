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
from typing import Any

import pandas as pd

from creative_dash import vocab
from creative_dash.queries import query
from creative_dash.store import Store

Years = tuple[int, int] | Sequence[int] | None

# Year bounds when none are given: wide enough for any store.
ALL_YEARS = (1900, 2999)

# The initiatives kept by the filters, with the period bounds as dates. Every value is bound.
_FILTERED = """
    params AS (
        SELECT make_date(CAST($y0 AS INTEGER), 1, 1) AS d0,
               make_date(CAST($y1 AS INTEGER), 12, 31) AS d1
    ),
    f AS (
        SELECT i.* FROM initiatives i
        WHERE (len($sectors::VARCHAR[]) = 0
               OR list_contains($sectors::VARCHAR[], i.sector_code)
               OR EXISTS (SELECT 1 FROM initiative_sectors s
                          WHERE s.initiative_id = i.initiative_id
                            AND list_contains($sectors::VARCHAR[], s.sector_code)))
          AND (len($funding::VARCHAR[]) = 0 OR list_contains($funding::VARCHAR[], i.funding_source))
          AND (len($statuses::VARCHAR[]) = 0 OR list_contains($statuses::VARCHAR[], i.status))
          AND ($region::VARCHAR IS NULL OR i.region_iso = $region::VARCHAR)
    ),
    started AS (
        SELECT f.* FROM f, params p WHERE f.start_date BETWEEN p.d0 AND p.d1
    )
"""


def _sql(tail: str) -> str:
    """The filtered-initiatives CTEs followed by ``tail`` (both constants of this module: every
    value is a bound parameter)."""
    return "WITH " + _FILTERED + tail


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


def _params(
    years: Years,
    sectors: Sequence[str],
    funding: Sequence[str],
    statuses: Sequence[str],
    region: str | None = None,
) -> dict[str, Any]:
    y0, y1 = _years(years)
    return {
        "y0": y0,
        "y1": y1,
        "sectors": list(sectors or []),
        "funding": list(funding or []),
        "statuses": list(statuses or []),
        "region": region or None,
    }


_KPI_SQL = _sql(""",
    active AS (
        SELECT count(*) AS n FROM f, params p
        WHERE f.status IN ('approved', 'in_progress')
          AND f.start_date <= p.d1 AND (f.end_date IS NULL OR f.end_date >= p.d0)
    ),
    hub_rows AS (
        SELECT count(*) AS n FROM hubs h, params p
        WHERE h.status = 'operating' AND (h.opened_on IS NULL OR h.opened_on <= p.d1)
          AND ($region::VARCHAR IS NULL OR h.region_iso = $region::VARCHAR)
          AND (len($sectors::VARCHAR[]) = 0 OR EXISTS (
                SELECT 1 FROM hub_sectors hs WHERE hs.hub_id = h.hub_id
                  AND list_contains($sectors::VARCHAR[], hs.sector_code)))
    ),
    people AS (
        SELECT count(*) AS n FROM participants pa
        JOIN programmes pr USING (programme_id), params p
        WHERE pr.start_date <= p.d1 AND pr.end_date >= p.d0
          AND ($region::VARCHAR IS NULL OR pa.region_iso = $region::VARCHAR)
    ),
    sums AS (
        SELECT count(*) AS initiatives,
               CAST(coalesce(sum(budget_planned_kzt), 0) AS BIGINT) AS budget_planned,
               CAST(coalesce(sum(budget_spent_kzt), 0) AS BIGINT) AS budget_spent,
               CAST(coalesce(sum(budget_planned_kzt) FILTER (WHERE funding_source = 'private'), 0) AS BIGINT)
                   AS budget_private,
               CAST(coalesce(sum(budget_planned_kzt) FILTER (WHERE funding_source = 'impact'), 0) AS BIGINT)
                   AS budget_impact,
               CAST(coalesce(sum(jobs_created), 0) AS BIGINT) AS jobs,
               CAST(coalesce(sum(beneficiaries_youth), 0) AS BIGINT) AS youth,
               CAST(coalesce(sum(beneficiaries_women), 0) AS BIGINT) AS women
        FROM started
    )
    SELECT $label AS period, CAST($y0 AS INTEGER) AS first_year, CAST($y1 AS INTEGER) AS last_year,
           (SELECT n FROM hub_rows) AS hubs,
           s.initiatives, (SELECT n FROM active) AS active,
           s.budget_planned, s.budget_spent, s.budget_private, s.budget_impact,
           CASE WHEN s.budget_planned > 0
                THEN (s.budget_private + s.budget_impact) / s.budget_planned END
               AS private_impact_share,
           s.jobs, s.youth, s.women,
           (SELECT n FROM people) AS participants
    FROM sums s
    """)


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
        params = _params(period, sectors, funding, statuses, region)
        frames.append(store.query(_KPI_SQL, {**params, "label": label}))
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
    """Every region's figures for the period, with its latest population, one row per region.

    Columns: iso_code, kind, name_kk, name_ru, name_en, admin_center_lat, admin_center_lon,
    population, population_as_of, initiatives, active, hubs, budget_planned, budget_spent,
    jobs, participants, competency_gain (mean post - pre self-assessment over the region's
    participants and competencies; NULL without assessments), initiatives_per_100k,
    active_per_100k, hubs_per_100k, jobs_per_100k, budget_per_capita (planned ₸ per inhabitant).
    Per-capita columns are NULL where the population is unknown.
    """
    sql = _sql(""",
        ini AS (
            SELECT region_iso, count(*) AS initiatives,
                   CAST(sum(budget_planned_kzt) AS BIGINT) AS budget_planned,
                   CAST(sum(budget_spent_kzt) AS BIGINT) AS budget_spent,
                   CAST(sum(jobs_created) AS BIGINT) AS jobs
            FROM started GROUP BY region_iso
        ),
        act AS (
            SELECT f.region_iso, count(*) AS active FROM f, params p
            WHERE f.status IN ('approved', 'in_progress')
              AND f.start_date <= p.d1 AND (f.end_date IS NULL OR f.end_date >= p.d0)
            GROUP BY f.region_iso
        ),
        hub AS (
            SELECT h.region_iso, count(*) AS hubs FROM hubs h, params p
            WHERE h.status = 'operating' AND (h.opened_on IS NULL OR h.opened_on <= p.d1)
              AND (len($sectors::VARCHAR[]) = 0 OR EXISTS (
                    SELECT 1 FROM hub_sectors hs WHERE hs.hub_id = h.hub_id
                      AND list_contains($sectors::VARCHAR[], hs.sector_code)))
            GROUP BY h.region_iso
        ),
        prog AS (
            SELECT pa.participant_id, pa.region_iso FROM participants pa
            JOIN programmes pr USING (programme_id), params p
            WHERE pr.start_date <= p.d1 AND pr.end_date >= p.d0
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
        """)
    return store.query(sql, _params(years, sectors, funding, statuses))


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
    sql = _sql("""
        SELECT s.code, s.name_kk, s.name_ru, s.name_en, s.unctad_group, s.sort_order,
               count(st.initiative_id) AS initiatives,
               CAST(coalesce(sum(st.budget_planned_kzt), 0) AS BIGINT) AS budget_planned
        FROM sectors s LEFT JOIN started st ON st.sector_code = s.code
        GROUP BY ALL ORDER BY s.sort_order
        """)
    return store.query(sql, _params(years, sectors, funding, statuses, region))


FUNDING_ORDER = vocab.FUNDING_SOURCES
STATUS_ORDER = vocab.INITIATIVE_STATUSES


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
    sql = _sql(""",
        src AS (SELECT unnest($order::VARCHAR[]) AS funding_source,
                       generate_subscripts($order::VARCHAR[], 1) AS ord)
        SELECT src.funding_source, count(st.initiative_id) AS initiatives,
               CAST(coalesce(sum(st.budget_planned_kzt), 0) AS BIGINT) AS budget_planned,
               CAST(coalesce(sum(st.budget_spent_kzt), 0) AS BIGINT) AS budget_spent,
               CAST(coalesce(sum(st.budget_planned_kzt), 0) AS BIGINT)
                   / nullif(sum(sum(st.budget_planned_kzt)) OVER (), 0) AS share
        FROM src LEFT JOIN started st ON st.funding_source = src.funding_source
        GROUP BY src.funding_source, src.ord ORDER BY src.ord
        """)
    return store.query(
        sql, {**_params(years, sectors, funding, statuses, region), "order": list(FUNDING_ORDER)}
    )


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
    sql = _sql("""
        SELECT CAST(year(start_date) AS INTEGER) AS year, status, count(*) AS initiatives
        FROM started GROUP BY ALL ORDER BY year, status
        """)
    return store.query(sql, _params(years, sectors, funding, statuses, region))


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
    sql = _sql("""
        SELECT CAST(year(start_date) AS INTEGER) AS year,
               CAST(quarter(start_date) AS INTEGER) AS quarter, status, count(*) AS initiatives
        FROM started GROUP BY ALL ORDER BY year, quarter, status
        """)
    return store.query(sql, _params(years, sectors, funding, statuses, region))


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
    sql = _sql(""",
        st_order AS (SELECT unnest($order::VARCHAR[]) AS status,
                            generate_subscripts($order::VARCHAR[], 1) AS ord)
        SELECT o.status, count(st.initiative_id) AS initiatives,
               CAST(coalesce(sum(st.budget_planned_kzt), 0) AS BIGINT) AS budget_planned
        FROM st_order o LEFT JOIN started st ON st.status = o.status
        GROUP BY o.status, o.ord ORDER BY o.ord
        """)
    return store.query(
        sql, {**_params(years, sectors, funding, statuses, region), "order": list(STATUS_ORDER)}
    )


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
    sql = _sql(""",
        goals AS (SELECT CAST(range AS INTEGER) AS sdg FROM range(1, 18))
        SELECT g.sdg, count(st.initiative_id) AS initiatives
        FROM goals g
        LEFT JOIN initiative_sdgs s ON s.sdg = g.sdg
        LEFT JOIN started st ON st.initiative_id = s.initiative_id
        GROUP BY g.sdg ORDER BY g.sdg
        """)
    return store.query(sql, _params(years, sectors, funding, statuses, region))
