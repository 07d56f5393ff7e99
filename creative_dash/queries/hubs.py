"""Creative hubs: the hubs a map and a table show, with the filters of the Creative hubs page.

Every query takes ``filters`` (:class:`creative_dash.filters.Filters`) and honours the period
(a hub counts once it had opened by the period's end, or has no opening date: its opening year,
not an initiative's start year), regions, sectors, hub types, hub statuses and opening years
(``opened``: hubs without a date are left out while it is set). Names come back in the UI
language through a bound ``$lang`` (a CASE over the three name columns), so no identifier is
ever built from input.
"""

from __future__ import annotations

import pandas as pd

from creative_dash import vocab
from creative_dash.filters import HUBS, NO_FILTERS, Filters, where
from creative_dash.queries.registry import query
from creative_dash.store import Store

HUB_TYPES = vocab.HUB_TYPES
HUB_STATUSES = vocab.HUB_STATUSES
SIZE_MEASURES: tuple[str, ...] = ("residents", "floor_area_m2")


@query
def hub_year_bounds(store: Store) -> pd.DataFrame:
    """First and last opening year of any hub (2015/this year when there are none).

    Columns: min_year, max_year."""
    return store.query(
        "SELECT coalesce(min(year(opened_on)), 2015) AS min_year, "
        "coalesce(max(year(opened_on)), year(current_date)) AS max_year FROM hubs"
    )


@query
def hubs_for_map(
    store: Store,
    *,
    lang: str = "kk",
    filters: Filters = NO_FILTERS,
) -> pd.DataFrame:
    """One row per hub that passes the filters (hubs without coordinates included: the table
    lists them, the map skips them).

    Columns: hub_id, name, hub_type, status, region_iso, region_name, city, opened_on, lat, lon,
    residents, floor_area_m2, sectors ('; '-joined sector names in ``lang``, in sector order),
    is_demo.
    ``city`` is given in ``lang`` when it is the region's administrative centre (the names the
    store knows in three languages), else as entered.
    """
    w = where(filters, HUBS)  # the same conditions in every hub query
    return store.query(
        f"""
        WITH sec AS (
            SELECT hs.hub_id,
                   string_agg(CASE $lang WHEN 'kk' THEN s.name_kk WHEN 'ru' THEN s.name_ru
                                         ELSE s.name_en END, '; ' ORDER BY s.sort_order)
                       AS sectors
            FROM hub_sectors hs JOIN sectors s ON s.code = hs.sector_code
            GROUP BY hs.hub_id
        )
        SELECT h.hub_id, h.name, h.hub_type, h.status, h.region_iso,
               CASE $lang WHEN 'kk' THEN r.name_kk WHEN 'ru' THEN r.name_ru ELSE r.name_en END
                   AS region_name,
               CASE WHEN h.city = r.admin_center_kk OR h.city = r.admin_center_ru
                         OR h.city = r.admin_center_en
                    THEN CASE $lang WHEN 'kk' THEN r.admin_center_kk
                                    WHEN 'ru' THEN r.admin_center_ru ELSE r.admin_center_en END
                    ELSE h.city END AS city,
               h.opened_on, h.lat, h.lon, h.residents, h.floor_area_m2,
               coalesce(sec.sectors, '') AS sectors, h.is_demo
        FROM hubs h
        JOIN regions r ON r.iso_code = h.region_iso
        LEFT JOIN sec ON sec.hub_id = h.hub_id
        WHERE {w.sql}
        ORDER BY region_name, h.name, h.hub_id
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {**w.params, "lang": lang},
    )


@query
def hubs_by_type(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Totals per hub type of the hubs that pass the filters (types with no hub left out).

    Columns: hub_type, hubs, operating (of them, operating: the hubs the overview counts),
    residents, floor_area_m2 (sums; missing values count as 0)."""
    w = where(filters, HUBS)  # the same conditions in every hub query
    return store.query(
        f"""
        SELECT h.hub_type, count(*) AS hubs,
               count(*) FILTER (WHERE h.status = 'operating') AS operating,
               coalesce(sum(h.residents), 0) AS residents,
               coalesce(sum(h.floor_area_m2), 0) AS floor_area_m2
        FROM hubs h
        WHERE {w.sql}
        GROUP BY h.hub_type ORDER BY h.hub_type
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        dict(w.params),
    )
