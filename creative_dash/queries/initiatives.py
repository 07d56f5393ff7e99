"""Initiatives: the filtered set as counts, aggregates for charts, one page of rows, one
initiative's details and its audit history.

Every query of the set takes ``filters`` (:class:`creative_dash.filters.Filters`) and honours
every filter on initiatives: years (started in the period), regions, sectors (main or further),
statuses, funding, SDGs, origin and search text; the WHERE clause comes from the filter builder.
The set can be 1.5 million rows: everything is aggregated in DuckDB and only one page of rows
(or a capped export) ever leaves it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from creative_dash import vocab
from creative_dash.filters import INITIATIVES, NO_FILTERS, Filters, where
from creative_dash.queries.registry import query
from creative_dash.store import Store

# Coded values of the initiatives table (schema 001), in the order the UI lists them.
STATUSES = vocab.INITIATIVE_STATUSES
FUNDING_SOURCES = ("republican", "local", "private", "impact", "grant")
SDGS = vocab.SDGS
PAGE_SIZE = 50
EXPORT_CAP = 100_000  # rows per CSV download
XLSX_CAP = 25_000  # rows per Excel download: openpyxl writes ~5-10 k rows a second

# Sort choices the UI offers: key -> ORDER BY fragment over the page query's output columns.
# The fragment is the only SQL text a user choice selects, and only from this dict.
SORTS: dict[str, str] = {
    "start_desc": "start_date DESC",
    "start_asc": "start_date ASC",
    "planned_desc": "budget_planned_kzt DESC",
    "spent_desc": "budget_spent_kzt DESC",
    "execution_desc": "execution DESC NULLS LAST",
    "execution_asc": "execution ASC NULLS LAST",
    "jobs_desc": "jobs_created DESC",
    "title_asc": "title ASC",
}
DEFAULT_SORT = "start_desc"


def _where(filters: Filters) -> tuple[str, dict[str, Any]]:
    """(conditions on ``initiatives i``, their parameters) of the filters that are set."""
    w = where(filters, INITIATIVES)
    return w.sql, dict(w.params)


def sort_sql(sort: str) -> str:
    """The ORDER BY fragment of an allowed sort key (ValueError otherwise)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; allowed: {sorted(SORTS)}")
    return SORTS[sort] + ", initiative_id ASC"


@query
def initiatives_summary(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row for the filtered set: n, planned_kzt, spent_kzt, jobs, regions (distinct count)."""
    cond, params = _where(filters)
    return store.query(
        f"""
        SELECT count(*) AS n,
               coalesce(sum(budget_planned_kzt), 0) AS planned_kzt,
               coalesce(sum(budget_spent_kzt), 0) AS spent_kzt,
               coalesce(sum(jobs_created), 0) AS jobs,
               count(DISTINCT region_iso) AS regions
        FROM initiatives i WHERE {cond}
        """,  # noqa: S608 -- constant fragments only, values bound
        params,
    )


_PAGE_COLUMNS = """
    i.initiative_id, i.title, i.region_iso, i.sector_code, i.status, i.start_date, i.end_date,
    i.budget_planned_kzt, i.budget_spent_kzt,
    CASE WHEN i.budget_planned_kzt > 0
         THEN i.budget_spent_kzt::DOUBLE / i.budget_planned_kzt END AS execution,
    i.funding_source, i.jobs_created, i.from_programme
"""


@query
def initiatives_page(
    store: Store,
    *,
    sort: str = DEFAULT_SORT,
    page: int = 1,
    page_size: int = PAGE_SIZE,
    filters: Filters = NO_FILTERS,
) -> pd.DataFrame:
    """One page of the filtered set, sorted server-side.

    Columns: initiative_id, title, region_iso, sector_code, status, start_date, end_date,
    budget_planned_kzt, budget_spent_kzt, execution (spent / planned, NULL when nothing was
    planned), funding_source, jobs_created, from_programme, sdgs (sorted list of goal numbers).
    """
    cond, params = _where(filters)
    order = sort_sql(sort)
    page_size = max(1, min(int(page_size), 1000))
    params.update(limit=page_size, offset=(max(1, int(page)) - 1) * page_size)
    # SDGs are looked up for the page's rows only, after LIMIT.
    return store.query(
        f"""
        WITH page AS (
            SELECT {_PAGE_COLUMNS} FROM initiatives i WHERE {cond}
            ORDER BY {order} LIMIT $limit OFFSET $offset
        ),
        goals AS (
            SELECT initiative_id, list(sdg ORDER BY sdg) AS sdgs FROM initiative_sdgs
            WHERE initiative_id IN (SELECT initiative_id FROM page) GROUP BY initiative_id
        )
        SELECT page.*, coalesce(goals.sdgs, []::INTEGER[]) AS sdgs
        FROM page LEFT JOIN goals USING (initiative_id)
        ORDER BY {order}
        """,  # noqa: S608 -- constant fragments and an allow-listed sort only, values bound
        params,
    )


@query
def initiatives_export(
    store: Store,
    *,
    sort: str = DEFAULT_SORT,
    limit: int = EXPORT_CAP,
    filters: Filters = NO_FILTERS,
) -> pd.DataFrame:
    """The filtered set for a download, sorted like the table, at most ``limit`` rows.

    Columns: initiative_id, title, region_iso, sector_code, other_sectors (list of codes),
    status, start_date, end_date, budget_planned_kzt, budget_spent_kzt, execution,
    funding_source, jobs_created, beneficiaries_youth, beneficiaries_women, hub_name,
    from_programme, sdgs (list of goal numbers), is_demo."""
    cond, params = _where(filters)
    order = sort_sql(sort)
    params["limit"] = max(0, min(int(limit), EXPORT_CAP))
    return store.query(
        f"""
        WITH sel AS (
            SELECT {_PAGE_COLUMNS}, i.beneficiaries_youth, i.beneficiaries_women, i.hub_id,
                   i.is_demo
            FROM initiatives i WHERE {cond}
            ORDER BY {order} LIMIT $limit
        ),
        goals AS (
            SELECT initiative_id, list(sdg ORDER BY sdg) AS sdgs FROM initiative_sdgs
            WHERE initiative_id IN (SELECT initiative_id FROM sel) GROUP BY initiative_id
        ),
        more AS (
            SELECT initiative_id, list(sector_code ORDER BY sector_code) AS other_sectors
            FROM initiative_sectors
            WHERE initiative_id IN (SELECT initiative_id FROM sel) GROUP BY initiative_id
        )
        SELECT sel.initiative_id, sel.title, sel.region_iso, sel.sector_code,
               coalesce(more.other_sectors, []::VARCHAR[]) AS other_sectors,
               sel.status, sel.start_date, sel.end_date, sel.budget_planned_kzt,
               sel.budget_spent_kzt, sel.execution, sel.funding_source, sel.jobs_created,
               sel.beneficiaries_youth, sel.beneficiaries_women, h.name AS hub_name,
               sel.from_programme, coalesce(goals.sdgs, []::INTEGER[]) AS sdgs, sel.is_demo
        FROM sel LEFT JOIN goals USING (initiative_id) LEFT JOIN more USING (initiative_id)
             LEFT JOIN hubs h ON h.hub_id = sel.hub_id
        ORDER BY {order}
        """,  # noqa: S608 -- constant fragments and an allow-listed sort only, values bound
        params,
    )


def _budget_by(store: Store, key_sql: str, key_name: str, filters: Filters) -> pd.DataFrame:
    cond, params = _where(filters)
    return store.query(
        f"""
        SELECT {key_sql} AS {key_name}, count(*) AS n,
               sum(budget_planned_kzt) AS planned_kzt, sum(budget_spent_kzt) AS spent_kzt,
               sum(jobs_created) AS jobs,
               arg_max(title, budget_planned_kzt) AS largest_title,
               max(budget_planned_kzt) AS largest_planned_kzt
        FROM initiatives i WHERE {cond}
        GROUP BY 1 ORDER BY 1
        """,  # noqa: S608 -- key_sql comes from the two callers below, values bound
        params,
    )


@query
def initiatives_by_region(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per region with initiatives: region_iso, n, planned_kzt, spent_kzt, jobs, largest_title
    (title of the initiative with the largest planned budget), largest_planned_kzt."""
    return _budget_by(store, "i.region_iso", "region_iso", filters)


@query
def initiatives_by_sector(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Per main sector with initiatives: sector_code, n, planned_kzt, spent_kzt, jobs,
    largest_title, largest_planned_kzt."""
    return _budget_by(store, "i.sector_code", "sector_code", filters)


@query
def initiatives_status_by_year(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Initiatives per start year and status: start_year, status, n (only non-zero cells)."""
    cond, params = _where(filters)
    return store.query(
        f"""
        SELECT year(i.start_date)::INTEGER AS start_year, i.status, count(*) AS n
        FROM initiatives i WHERE {cond}
        GROUP BY 1, 2 ORDER BY 1, 2
        """,  # noqa: S608 -- constant fragments only, values bound
        params,
    )


@query
def initiative_detail(store: Store, initiative_id: int) -> pd.DataFrame:
    """One initiative (zero rows if unknown) with everything known about it.

    Columns: every column of ``initiatives``; region_name_kk/_ru/_en; sector_name_kk/_ru/_en;
    hub_name, hub_type, hub_city, hub_status; other_sectors (list of codes); sdgs (list of goal
    numbers); programme_title_kk/_ru/_en."""
    return store.query(
        """
        SELECT i.*,
               r.name_kk AS region_name_kk, r.name_ru AS region_name_ru,
               r.name_en AS region_name_en,
               s.name_kk AS sector_name_kk, s.name_ru AS sector_name_ru,
               s.name_en AS sector_name_en,
               h.name AS hub_name, h.hub_type, h.city AS hub_city, h.status AS hub_status,
               coalesce((SELECT list(sector_code ORDER BY sector_code) FROM initiative_sectors x
                         WHERE x.initiative_id = i.initiative_id), []::VARCHAR[])
                   AS other_sectors,
               coalesce((SELECT list(sdg ORDER BY sdg) FROM initiative_sdgs g
                         WHERE g.initiative_id = i.initiative_id), []::INTEGER[]) AS sdgs,
               p.title_kk AS programme_title_kk, p.title_ru AS programme_title_ru,
               p.title_en AS programme_title_en
        FROM initiatives i
        LEFT JOIN regions r ON r.iso_code = i.region_iso
        LEFT JOIN sectors s ON s.code = i.sector_code
        LEFT JOIN hubs h ON h.hub_id = i.hub_id
        LEFT JOIN programmes p ON p.programme_id = i.programme_id
        WHERE i.initiative_id = $id
        """,
        {"id": int(initiative_id)},
    )


@query
def initiative_audit(store: Store, initiative_id: int) -> pd.DataFrame:
    """The initiative's audit history, newest first: logged_at, actor, action, before_json,
    after_json."""
    return store.query(
        """
        SELECT logged_at, actor, action, before_json, after_json FROM audit_log
        WHERE table_name = 'initiatives' AND row_key = $key
        ORDER BY logged_at DESC, audit_id
        """,
        {"key": str(int(initiative_id))},
    )
