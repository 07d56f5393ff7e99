"""Reference data and store facts shared by every page."""

from __future__ import annotations

import pandas as pd

from creative_dash.queries.registry import query
from creative_dash.store import Store


@query
def regions(store: Store) -> pd.DataFrame:
    """The 20 regions with their latest population.

    Columns: iso_code, kind, name_kk, name_ru, name_en, admin_center_kk, admin_center_ru,
    admin_center_en, admin_center_lat, admin_center_lon, area_km2, population, population_as_of,
    population_status (official | estimate | unverified, ``vocab.POPULATION_STATUSES``),
    population_status_note (the source's own words on the figure), population_source,
    population_origin (reference | import | edit).
    """
    return store.query(
        """
        SELECT r.iso_code, r.kind, r.name_kk, r.name_ru, r.name_en,
               r.admin_center_kk, r.admin_center_ru, r.admin_center_en,
               r.admin_center_lat, r.admin_center_lon, r.area_km2,
               p.population, p.as_of AS population_as_of, p.status AS population_status,
               p.status_note AS population_status_note, p.source AS population_source,
               p.origin AS population_origin
        FROM regions r LEFT JOIN region_population_latest p USING (iso_code)
        ORDER BY r.iso_code
        """
    )


@query
def sectors(store: Store) -> pd.DataFrame:
    """Creative sectors. Columns: code, name_kk, name_ru, name_en, unctad_group, sort_order."""
    return store.query("SELECT * FROM sectors ORDER BY sort_order")


@query
def region_neighbours(store: Store) -> pd.DataFrame:
    """Pairs of regions sharing a border. Columns: iso_code, neighbour_iso_code."""
    return store.query("SELECT * FROM region_neighbours ORDER BY 1, 2")


@query
def dataset_loads(store: Store) -> pd.DataFrame:
    """The latest load of each dataset.

    Columns: dataset, loaded_at, source, is_demo, row_count."""
    return store.query(
        """
        SELECT dataset, loaded_at, source, is_demo, row_count FROM (
            SELECT *, row_number() OVER (PARTITION BY dataset ORDER BY loaded_at DESC) AS rn
            FROM dataset_loads
        ) WHERE rn = 1 ORDER BY dataset
        """
    )


@query
def latest_imports(store: Store) -> pd.DataFrame:
    """The latest import into each table (creative_dash.store.importer).

    Columns: table_name, file_name, imported_at, inserted, updated."""
    return store.query(
        """
        SELECT table_name, file_name, imported_at, inserted, updated FROM (
            SELECT *, row_number() OVER (PARTITION BY table_name ORDER BY imported_at DESC) AS rn
            FROM imports
        ) WHERE rn = 1 ORDER BY table_name
        """
    )


@query
def store_facts(store: Store) -> pd.DataFrame:
    """One row: schema_version, data_version, has_demo (any demo row in the store)."""
    return store.query(
        """
        SELECT (SELECT max(version) FROM schema_version) AS schema_version,
               (SELECT version FROM data_version WHERE id = 1) AS data_version,
               (EXISTS (SELECT 1 FROM initiatives WHERE is_demo)
                OR EXISTS (SELECT 1 FROM hubs WHERE is_demo)
                OR EXISTS (SELECT 1 FROM participants WHERE is_demo)) AS has_demo
        """
    )


@query
def store_contents(store: Store) -> pd.DataFrame:
    """One row: which kinds of data a page draws the store holds any row of
    (``creative_dash.views.empty`` says what is missing and how to fill it).

    Columns: initiatives, hubs, programme_sessions, participants, assessments, recommendations,
    indicators (1: the table holds a row, 0: none; one row read, whatever the table's size),
    regions, regions_with_population (how many regions, and how many have a population figure)."""
    return store.query(
        """
        SELECT (SELECT count(*) FROM (SELECT 1 FROM initiatives LIMIT 1)) AS initiatives,
               (SELECT count(*) FROM (SELECT 1 FROM hubs LIMIT 1)) AS hubs,
               (SELECT count(*) FROM (SELECT 1 FROM programme_sessions LIMIT 1)) AS programme_sessions,
               (SELECT count(*) FROM (SELECT 1 FROM participants LIMIT 1)) AS participants,
               (SELECT count(*) FROM (SELECT 1 FROM assessments LIMIT 1)) AS assessments,
               (SELECT count(*) FROM (SELECT 1 FROM recommendations LIMIT 1)) AS recommendations,
               (SELECT count(*) FROM (SELECT 1 FROM indicators LIMIT 1)) AS indicators,
               (SELECT count(*) FROM regions) AS regions,
               (SELECT count(DISTINCT iso_code) FROM region_population_latest
                WHERE population IS NOT NULL) AS regions_with_population
        """
    )


@query
def year_bounds(store: Store) -> pd.DataFrame:
    """First and last start year of any initiative. Columns: min_year, max_year."""
    return store.query(
        "SELECT coalesce(min(year(start_date)), 2019) AS min_year, "
        "coalesce(max(year(start_date)), 2026) AS max_year FROM initiatives"
    )


@query
def programme_summary(store: Store, programme_id: str = "ckz-2025") -> pd.DataFrame:
    """One row: the programme's titles, organisers and venue in kk/ru/en, start_date, end_date,
    source."""
    return store.query("SELECT * FROM programmes WHERE programme_id = $p", {"p": programme_id})
