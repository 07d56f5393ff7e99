"""The metric catalogue in SQL: one statement computing any of its metrics, for the country (or
one region) or for every region, from the catalogue's entries (``creative_dash.metrics``).

``overview_kpis``, ``region_metrics`` and ``live_region_ranking`` run what :func:`metrics_sql`
builds. The statement has three stages:

1. one aggregate per *source* the wanted metrics read (``src_started``: the initiatives started
   in the period, ``src_hubs``...), each scanning its table once, with the catalogue's SQL of
   every metric of that source as a column named by the metric's code;
2. ``base``: those columns joined to the regions and their population (or, for the country, to
   the sum of the populations), empty aggregates made 0 where the catalogue says so;
3. the derived metrics over ``base``'s columns: per-capita figures, shares.

Every SQL text comes from the catalogue or this module, an allow-list: a user only picks codes
(unknown ones raise ValueError). The conditions of the period and the filters come from the
caller (``queries.overview``), with every value a bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from creative_dash.metrics import SOURCES, Metric, with_inputs

# The rows of each source, under the catalogue's alias for it (SOURCES), and the column that
# says which region a row belongs to. ``{where}`` is the caller's condition for that source.
SOURCE_SQL: dict[str, tuple[str, str]] = {
    "started": ("initiatives i WHERE {where}", "i.region_iso"),
    "active": ("initiatives i WHERE {where}", "i.region_iso"),
    "hubs": ("hubs h WHERE {where}", "h.region_iso"),
    "participants": (
        "participants pa JOIN programmes pr USING (programme_id) WHERE {where}",
        "pa.region_iso",
    ),
    "assessments": (
        """(SELECT pa.region_iso, pre.score AS pre, post.score AS post
            FROM participants pa JOIN programmes pr USING (programme_id)
            JOIN assessments pre ON pre.participant_id = pa.participant_id AND pre.phase = 'pre'
            JOIN assessments post ON post.participant_id = pa.participant_id
                 AND post.phase = 'post' AND post.competency = pre.competency
            WHERE {where}) a""",
        "a.region_iso",
    ),
    "indicators": ("indicators ind WHERE {where}", "ind.region_iso"),
}
# Which caller condition each source takes (the assessments are the participants' scores).
SOURCE_CONDITION = {
    "started": "started",
    "active": "active",
    "hubs": "hubs",
    "participants": "participants",
    "assessments": "participants",
    "indicators": "indicators",
}
# The condition on the population rows ``p`` (region_population_latest) for the country's sum.
POPULATION_CONDITION = "population"

# Columns of the frames besides the metrics: no metric may take these names.
REGION_COLUMNS = (
    "iso_code",
    "kind",
    "name_kk",
    "name_ru",
    "name_en",
    "admin_center_lat",
    "admin_center_lon",
    "population",
    "population_as_of",
)
RESERVED = frozenset((*REGION_COLUMNS, "period", "first_year", "last_year", "value", "rank"))


def _cte(source: str) -> str:
    return f"src_{source}"


def _aggregates(metrics: Sequence[Metric]) -> dict[str, list[Metric]]:
    """The metrics computed by a source's aggregate, by source, in catalogue order."""
    out: dict[str, list[Metric]] = {}
    for m in metrics:
        if m.source:
            out.setdefault(m.source, []).append(m)
    return out


def _base_column(m: Metric) -> str:
    value = f"{_cte(m.source or '')}.{m.code}"
    if m.zero_when_empty:
        value = f"coalesce({value}, 0)"
    if m.kind in ("count", "money"):
        value = f"CAST({value} AS BIGINT)"
    return f"{value} AS {m.code}"


def _final_column(m: Metric) -> str:
    if m.per_capita:
        numerator = m.of[0] if m.of else m.code
        return f"{numerator} * {float(m.per)!r} / nullif(population, 0) AS {m.code}"
    if m.source:
        return m.code
    return f"({m.sql}) AS {m.code}"


# The statement's constant parts ({...}: catalogue SQL, source rows and the caller's conditions).
_BY_REGION = "{cte} AS (SELECT {region} AS region_iso, {columns} FROM {rows} GROUP BY {region})"
_IN_ALL = "{cte} AS (SELECT {columns} FROM {rows})"
_REGION_BASE = """base AS (
        SELECT r.iso_code, r.kind, r.name_kk, r.name_ru, r.name_en,
               r.admin_center_lat, r.admin_center_lon,
               pop.population, pop.as_of AS population_as_of, {columns}
        FROM regions r LEFT JOIN region_population_latest pop USING (iso_code){joins})"""
_REGION_JOIN = "\n        LEFT JOIN {cte} ON {cte}.region_iso = r.iso_code"
_POPULATION = """pop AS (SELECT CAST(sum(p.population) AS BIGINT) AS population
                FROM region_population_latest p WHERE {where})"""
_ALL_BASE = "base AS (SELECT pop.population, {columns} FROM pop{ctes})"
_STATEMENT = "WITH {ctes}\n    SELECT {first}, {final} FROM base{order}"


def metrics_sql(
    codes: Sequence[str], conditions: Mapping[str, str], *, by_region: bool, lead: str = ""
) -> str:
    """A SELECT of the metrics ``codes`` (and those they are derived from), one row per region
    (``by_region``: REGION_COLUMNS first, ordered by iso_code) or one row in all.

    ``conditions``: the SQL condition of each source's rows (keys of SOURCE_CONDITION's values,
    and "population" for the country's population rows ``p``), from the caller's constant
    fragments. ``lead``: columns put first in a country's row (the caller's constants)."""
    metrics = with_inputs(codes)
    by_source = _aggregates(metrics)
    ctes = []
    for source, ms in by_source.items():
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        rows, region = SOURCE_SQL[source]
        parts = {
            "cte": _cte(source),
            "columns": ", ".join(f"{m.sql} AS {m.code}" for m in ms),
            "rows": rows.format(where=conditions[SOURCE_CONDITION[source]]),
            "region": region,
        }
        ctes.append((_BY_REGION if by_region else _IN_ALL).format(**parts))
    columns = ", ".join(_base_column(m) for m in metrics if m.source)
    if by_region:
        joins = "".join(_REGION_JOIN.format(cte=_cte(s)) for s in by_source)
        ctes.append(_REGION_BASE.format(columns=columns, joins=joins))
        first, order = ", ".join(REGION_COLUMNS), " ORDER BY iso_code"
    else:
        ctes.append(_POPULATION.format(where=conditions[POPULATION_CONDITION]))
        others = "".join(f", {_cte(s)}" for s in by_source)
        ctes.append(_ALL_BASE.format(columns=columns, ctes=others))
        first, order = (f"{lead}, population" if lead else "population"), ""
    return _STATEMENT.format(
        ctes=",\n    ".join(ctes),
        first=first,
        final=", ".join(_final_column(m) for m in metrics),
        order=order,
    )


def used_params(sql: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The ``params`` that ``sql`` mentions: a statement of a few metrics may read no source
    that a filter's parameter is for, and DuckDB refuses a parameter its SQL does not use."""
    return {k: v for k, v in params.items() if re.search(rf"\${re.escape(k)}\b", sql)}
