"""Creative hubs: the hubs a map and a table show, with the filters of the Creative hubs page.

Every filter is optional: ``None`` (or an empty list) means "all". Names come back in the UI
language through a bound ``$lang`` (a CASE over the three name columns), so no identifier is
ever built from input.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from creative_dash import vocab
from creative_dash.queries.registry import query
from creative_dash.store import Store

HUB_TYPES = vocab.HUB_TYPES
HUB_STATUSES = vocab.HUB_STATUSES
SIZE_MEASURES: tuple[str, ...] = ("residents", "floor_area_m2")

# The hubs the page's filters select; shared by every hub query so they always agree.
_HUB_FILTER = """
    ($regions IS NULL OR list_contains($regions, h.region_iso))
    AND ($types IS NULL OR list_contains($types, h.hub_type))
    AND ($statuses IS NULL OR list_contains($statuses, h.status))
    AND ($sectors IS NULL OR EXISTS (
            SELECT 1 FROM hub_sectors hs
            WHERE hs.hub_id = h.hub_id AND list_contains($sectors, hs.sector_code)))
    AND (CASE WHEN h.opened_on IS NULL THEN $include_undated
              ELSE year(h.opened_on) BETWEEN $year_from AND $year_to END)
"""


def _list_or_none(values: Sequence[str] | None) -> list[str] | None:
    """Empty selections mean "all": bound as NULL so the SQL skips that filter."""
    return list(values) if values else None


def _filter_params(
    regions: Sequence[str] | None,
    types: Sequence[str] | None,
    sectors: Sequence[str] | None,
    statuses: Sequence[str] | None,
    year_from: int,
    year_to: int,
    include_undated: bool,
) -> dict[str, Any]:
    return {
        "regions": _list_or_none(regions),
        "types": _list_or_none(types),
        "sectors": _list_or_none(sectors),
        "statuses": _list_or_none(statuses),
        "year_from": int(year_from),
        "year_to": int(year_to),
        "include_undated": bool(include_undated),
    }


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
    regions: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    sectors: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    year_from: int = 1900,
    year_to: int = 2100,
    include_undated: bool = True,
) -> pd.DataFrame:
    """One row per hub that passes the filters (hubs without coordinates included: the table
    lists them, the map skips them).

    Columns: hub_id, name, hub_type, status, region_iso, region_name, city, opened_on, lat, lon,
    residents, floor_area_m2, sectors ('; '-joined sector names in ``lang``, in sector order).
    ``city`` is given in ``lang`` when it is the region's administrative centre (the names the
    store knows in three languages), else as entered.
    """
    params = _filter_params(regions, types, sectors, statuses, year_from, year_to, include_undated)
    params["lang"] = lang
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
               coalesce(sec.sectors, '') AS sectors
        FROM hubs h
        JOIN regions r ON r.iso_code = h.region_iso
        LEFT JOIN sec ON sec.hub_id = h.hub_id
        WHERE {_HUB_FILTER}
        ORDER BY region_name, h.name, h.hub_id
        """,  # noqa: S608 (constant SQL fragments)
        params,
    )


@query
def hubs_by_type(
    store: Store,
    *,
    regions: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    sectors: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    year_from: int = 1900,
    year_to: int = 2100,
    include_undated: bool = True,
) -> pd.DataFrame:
    """Totals per hub type of the hubs that pass the filters (types with no hub left out).

    Columns: hub_type, hubs, residents, floor_area_m2 (sums; missing values count as 0)."""
    params = _filter_params(regions, types, sectors, statuses, year_from, year_to, include_undated)
    return store.query(
        f"""
        SELECT h.hub_type, count(*) AS hubs,
               coalesce(sum(h.residents), 0) AS residents,
               coalesce(sum(h.floor_area_m2), 0) AS floor_area_m2
        FROM hubs h
        WHERE {_HUB_FILTER}
        GROUP BY h.hub_type ORDER BY h.hub_type
        """,  # noqa: S608 (constant SQL fragments)
        params,
    )
