"""One filter model for every page and query: a :class:`Filters` value, and one builder that
turns it into the WHERE conditions of a table.

A page reads its filters once per run (``ui.page_filters``: the sidebar's region and years, and
the page's own widgets bound to the URL) into a :class:`Filters` and passes it down; a query
takes it as ``filters`` and asks :func:`where` for the conditions on each table it reads.

Rules the builder keeps (the SQL scans up to 1.5 million initiatives):

* A filter that is empty (an empty tuple, ``None`` years, origin "all", no search text) puts
  nothing in the SQL: no "``$x IS NULL OR ...``", which makes DuckDB plan the filter's work (a
  join with a link table for sectors) on every query, set or not.
* Every value is a bound parameter (``$f_<field>``); no value is ever spliced into the text.
* Every identifier comes from the :class:`Table` constants of this module (an allow-list,
  checked against ``[a-z_][a-z0-9_]*``), never from input.
* A table names the filters that apply to it; the others are left out of its conditions (the
  funding filter says nothing about hubs). Queries document which they honour.

What the period (``years``) means differs by table, and each table says it:
initiatives *started* in the period (or, :data:`INITIATIVES_ACTIVE`, ran during it); a hub
counts once it *had opened by the end* of the period (its opening year, not an initiative's start
year: the store keeps no closing dates, so a hub opened before the period still works in it);
a programme *ran* during the period.

A bottom module: no Streamlit, no store.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

ORIGINS = ("all", "programme", "other")
PARAM_PREFIX = "f_"  # every parameter the builder binds starts with it: no clash with a query's
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


def _codes(values: Iterable[Any] | None) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values or ()}))


def _span(value: Iterable[Any] | None) -> tuple[int, int] | None:
    if value is None:
        return None
    a, b = (int(v) for v in value)
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Filters:
    """What a page filters on. Empty means "all" (every field's default).

    Lists are kept as sorted tuples without repeats, so equal selections are equal values (and
    equal cache keys: ``ui.q("name", filters=f)``)."""

    years: tuple[int, int] | None = None  # the period: first and last year, both included
    regions: tuple[str, ...] = ()  # ISO 3166-2:KZ codes
    sectors: tuple[str, ...] = ()  # an initiative's main or further sector; a hub's sectors
    funding: tuple[str, ...] = ()  # initiatives' funding sources
    statuses: tuple[str, ...] = ()  # initiatives' statuses
    sdgs: tuple[int, ...] = ()  # goals an initiative serves (any of them)
    origin: str = "all"  # initiatives: all | programme (came out of it) | other
    search: str = ""  # text an initiative's title contains (case-insensitive, literal)
    hub_types: tuple[str, ...] = ()
    hub_statuses: tuple[str, ...] = ()
    opened: tuple[int, int] | None = None  # hubs opened in these years (undated ones left out)
    rec_categories: tuple[str, ...] = ()  # recommendations' categories
    rec_statuses: tuple[str, ...] = ()  # recommendations' statuses

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in (
            "regions",
            "sectors",
            "funding",
            "statuses",
            "hub_types",
            "hub_statuses",
            "rec_categories",
            "rec_statuses",
        ):
            set_(self, name, _codes(getattr(self, name)))
        set_(self, "sdgs", tuple(sorted({int(g) for g in self.sdgs or ()})))
        set_(self, "years", _span(self.years))
        set_(self, "opened", _span(self.opened))
        set_(self, "search", str(self.search or "").strip())
        origin = self.origin or "all"
        if origin not in ORIGINS:
            raise ValueError(f"unknown origin {origin!r}; allowed: {ORIGINS}")
        set_(self, "origin", origin)

    def but(self, **changes: Any) -> Filters:
        """A copy with ``changes`` (field=value)."""
        return dataclasses.replace(self, **changes)

    def everywhere(self) -> Filters:
        """The same filters over every region (for figures that compare the regions)."""
        return self.but(regions=())

    @property
    def region(self) -> str | None:
        """The one region selected, or None (none, or several)."""
        return self.regions[0] if len(self.regions) == 1 else None

    def set_fields(self) -> tuple[str, ...]:
        """The names of the filters that are set (not at their "all" default)."""
        default = Filters()
        return tuple(
            f.name
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        )


NO_FILTERS = Filters()
FIELDS = tuple(f.name for f in dataclasses.fields(Filters))


def search_regex(text: str) -> str:
    """A case-insensitive RE2 pattern that matches ``text`` literally, anywhere in a title.

    ``\\Q...\\E`` quotes everything (%, _, ., brackets, quotes); a ``\\E`` inside the text
    is closed, written as a literal backslash + E, and reopened. (Case-insensitive "contains"
    through RE2 folds Cyrillic and Kazakh letters like lower() and matches the same rows as
    ILIKE, for a quarter of the CPU at 1.5 million Cyrillic titles.)"""
    return "(?i)\\Q" + text.replace("\\E", "\\E\\\\E\\Q") + "\\E"


# -- conditions: how one filter tests one table's rows --------------------------------------------
# Each is a constant SQL template over identifiers checked by _ident; ``a`` is the table's alias,
# ``p`` the parameter's name (PARAM_PREFIX + the filter's field).


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"not an allowed SQL identifier: {name!r}")
    return name


def _d0(p: str) -> str:
    return f"make_date(CAST(${p}_0 AS INTEGER), 1, 1)"


def _d1(p: str) -> str:
    return f"make_date(CAST(${p}_1 AS INTEGER), 12, 31)"


def _period(p: str, years: tuple[int, int]) -> dict[str, int]:
    return {f"{p}_0": years[0], f"{p}_1": years[1]}


@dataclass(frozen=True)
class In:
    """The column's value is one of the selected ones."""

    column: str
    type: str = "VARCHAR"

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        return f"list_contains(${p}::{self.type}[], {a}.{self.column})", {p: list(value)}


@dataclass(frozen=True)
class Linked:
    """A row of the link table (``link``: ``key``, ``column``) holds one of the selected values.

    A semi-join: 2.5 times faster than a correlated EXISTS at 1.5 million initiatives."""

    key: str
    link: str
    column: str
    type: str = "VARCHAR"

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        # identifiers from the Table allow-list, the value bound
        sql = f"{a}.{self.key} IN (SELECT x.{self.key} FROM {self.link} x "  # noqa: S608
        sql += f"WHERE list_contains(${p}::{self.type}[], x.{self.column}))"
        return sql, {p: list(value)}


@dataclass(frozen=True)
class MainOrLinked:
    """The row's own column, or a row of the link table, holds one of the selected values (an
    initiative's main sector or one of its further sectors)."""

    column: str
    key: str
    link: str
    link_column: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        linked, params = Linked(self.key, self.link, self.link_column).sql(a, p, value)
        return f"(list_contains(${p}::VARCHAR[], {a}.{self.column}) OR {linked})", params


@dataclass(frozen=True)
class Started:
    """The date falls in the period (1 January of its first year to 31 December of its last)."""

    column: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        return f"{a}.{self.column} BETWEEN {_d0(p)} AND {_d1(p)}", _period(p, value)


@dataclass(frozen=True)
class Overlaps:
    """The run from ``start`` to ``end`` (open-ended when ``end`` is NULL) overlaps the period.

    ``coalesce(end, d0) >= d0`` is "end IS NULL OR end >= d0": DuckDB evaluates it 2-3 times
    faster."""

    start: str
    end: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        return (
            f"{a}.{self.start} <= {_d1(p)} AND coalesce({a}.{self.end}, {_d0(p)}) >= {_d0(p)}"
        ), _period(p, value)


@dataclass(frozen=True)
class OpenBy:
    """Opened by the end of the period, or no opening date known (a hub: no closing dates are
    kept, so one opened before the period still works in it)."""

    column: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        sql = f"({a}.{self.column} IS NULL OR {a}.{self.column} <= {_d1(p)})"
        return sql, {f"{p}_1": value[1]}


@dataclass(frozen=True)
class YearIn:
    """The date's year is in the span (rows without a date are left out)."""

    column: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        return f"{a}.{self.column} BETWEEN {_d0(p)} AND {_d1(p)}", _period(p, value)


@dataclass(frozen=True)
class YearBetween:
    """The row's year (an integer column) is in the span."""

    column: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        sql = f"{a}.{self.column} BETWEEN CAST(${p}_0 AS INTEGER) AND CAST(${p}_1 AS INTEGER)"
        return sql, _period(p, value)


@dataclass(frozen=True)
class Origin:
    """A boolean column: "programme" keeps the rows where it is true, "other" the rest."""

    column: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        return (f"{a}.{self.column}" if value == "programme" else f"NOT {a}.{self.column}"), {}


@dataclass(frozen=True)
class Contains:
    """The text column contains the search text (case-insensitive, every character literal)."""

    column: str

    def sql(self, a: str, p: str, value: Any) -> tuple[str, dict[str, Any]]:
        return f"regexp_matches({a}.{self.column}, ${p})", {p: search_regex(value)}


Condition = (
    In
    | Linked
    | MainOrLinked
    | Started
    | Overlaps
    | OpenBy
    | YearIn
    | YearBetween
    | Origin
    | Contains
)


@dataclass(frozen=True)
class Table:
    """A table as the builder sees it: its alias in the queries and, per filter field, the
    condition that tests its rows. Filters it does not name do not apply to it."""

    alias: str
    conditions: Mapping[str, Condition] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _ident(self.alias)
        for name, condition in self.conditions.items():
            if name not in FIELDS:
                raise ValueError(f"no filter named {name!r}")
            for f in dataclasses.fields(condition):
                value = getattr(condition, f.name)
                if f.name == "type":
                    if value not in ("VARCHAR", "INTEGER"):
                        raise ValueError(f"not an allowed type: {value!r}")
                else:
                    _ident(value)
        object.__setattr__(self, "conditions", MappingProxyType(dict(self.conditions)))

    def but(self, **conditions: Condition) -> Table:
        """The same table with some filters tested otherwise."""
        return Table(self.alias, {**self.conditions, **conditions})

    def only(self, *names: str) -> Table:
        """The same table with only the named filters applying."""
        return Table(self.alias, {n: c for n, c in self.conditions.items() if n in names})


@dataclass(frozen=True)
class Where:
    """Conditions (SQL text, joined with AND; "TRUE" when none) and the values they bind."""

    sql: str = "TRUE"
    params: Mapping[str, Any] = field(default_factory=dict)

    def __and__(self, other: Where) -> Where:
        """Both sets of conditions (on two tables of one statement): a parameter both bind
        must have the same value in both (it does: the same field of the same Filters)."""
        for name in set(self.params) & set(other.params):
            if self.params[name] != other.params[name]:
                raise ValueError(f"parameter {name} bound twice with different values")
        parts = [s for s in (self.sql, other.sql) if s != "TRUE"]
        return Where(" AND ".join(parts) or "TRUE", {**self.params, **other.params})


def _is_set(value: Any) -> bool:
    return value not in (None, (), "", "all")


def where(filters: Filters, table: Table, *extra: str) -> Where:
    """The conditions on ``table``'s rows of the filters that are set and apply to it, after the
    constant conditions ``extra`` (SQL text of the calling query, never input)."""
    parts = [e for e in extra if e and e != "TRUE"]
    params: dict[str, Any] = {}
    for name, condition in table.conditions.items():
        value = getattr(filters, name)
        if not _is_set(value):
            continue
        sql, bound = condition.sql(table.alias, PARAM_PREFIX + name, value)
        parts.append(sql)
        params.update(bound)
    return Where(" AND ".join(parts) or "TRUE", params)


# -- the tables: the allow-list of identifiers, and what each filter means on each table ----------
INITIATIVES = Table(
    "i",
    {
        "years": Started("start_date"),
        "regions": In("region_iso"),
        "sectors": MainOrLinked(
            "sector_code", "initiative_id", "initiative_sectors", "sector_code"
        ),
        "funding": In("funding_source"),
        "statuses": In("status"),
        "sdgs": Linked("initiative_id", "initiative_sdgs", "sdg", "INTEGER"),
        "origin": Origin("from_programme"),
        "search": Contains("title"),
    },
)
# Initiatives that ran during the period (started before its end, not ended before its start).
INITIATIVES_ACTIVE = INITIATIVES.but(years=Overlaps("start_date", "end_date"))
HUBS = Table(
    "h",
    {
        "years": OpenBy("opened_on"),
        "regions": In("region_iso"),
        "sectors": Linked("hub_id", "hub_sectors", "sector_code"),
        "hub_types": In("hub_type"),
        "hub_statuses": In("status"),
        "opened": YearIn("opened_on"),
    },
)
PROGRAMMES = Table("pr", {"years": Overlaps("start_date", "end_date")})
PARTICIPANTS = Table("pa", {"regions": In("region_iso")})
RECOMMENDATIONS = Table(
    "r",
    {"regions": In("region_iso"), "rec_categories": In("category"), "rec_statuses": In("status")},
)
# Official indicators: a year of the period, the region filter (the others say nothing of them).
INDICATORS = Table("ind", {"years": YearBetween("year"), "regions": In("region_iso")})
# Population rows (region_population_latest): the region filter only.
POPULATION = Table("p", {"regions": In("iso_code")})
