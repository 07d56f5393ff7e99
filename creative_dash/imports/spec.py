"""The importable tables: their columns, limits, keys and the pydantic model that validates a row.

A column's header is accepted in any of the three languages (``imports.col.<name>`` in the
catalogues) or as its code (``title``); one file's header must be in one language. Ranges refuse
what cannot be true (a negative budget, a region of 50 million people, a hub in the sea): the
store refuses them too (its CHECK constraints), this says so row by row, before anything is
written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, create_model, model_validator
from pydantic_core import PydanticCustomError

from creative_dash import vocab
from creative_dash.imports import values as v

# Limits of one file (the reader stops at the first one passed: memory stays bounded).
MAX_ROWS = 50_000
MAX_BYTES = 20 * 1024 * 1024  # of a CSV read, or of an XLSX file
MAX_UNPACKED = 100 * 1024 * 1024  # all parts of an XLSX unpacked
MAX_RATIO = 100  # unpacked / packed size of one part of an XLSX: more is a zip bomb
MAX_PARTS = 500  # parts in an XLSX
MAX_COLUMNS = 60
MAX_PROBLEMS = 1_000  # problems listed; beyond, "and N more"

# Population status: a field with fixed values (the store's CHECK, vocab.py).
POPULATION_STATUSES: tuple[str, ...] = vocab.POPULATION_STATUSES

TEXT, INT, NUMBER, DATE, ENUM, LOOKUP = "text", "int", "number", "date", "enum", "lookup"


@dataclass(frozen=True)
class Column:
    name: str  # the model field, the code header and imports.col.<name>
    kind: str
    required: bool = True
    example: Any = None  # the template's example value (a code for coded values)
    db: str | None = None  # the store column, when not ``name``
    max_length: int = 0  # text
    multiline: bool = False  # text
    minimum: float = 0  # numbers
    maximum: float = 0
    group: str = ""  # enum: catalogue group of the labels; lookup: Lookups field
    codes: tuple[str, ...] = ()

    @property
    def column(self) -> str:
        return self.db or self.name

    def parser(self) -> Callable[..., Any]:
        parse = self._parser()
        return v.required(parse) if self.required else parse

    def _parser(self) -> Callable[..., Any]:
        if self.kind == TEXT:
            return v.text_parser(self.max_length, multiline=self.multiline)
        if self.kind in (INT, NUMBER):
            return v.number_parser(
                integer=self.kind == INT, minimum=self.minimum, maximum=self.maximum
            )
        if self.kind == DATE:
            return v.parse_date
        if self.kind == ENUM:
            return v.enum_parser(self.group, self.codes)
        return v.lookup_parser(self.group)

    def python_type(self) -> type:
        return {TEXT: str, INT: int, NUMBER: float, DATE: date}.get(self.kind, str)


def _text(name: str, max_length: int, **kw: Any) -> Column:
    return Column(name, TEXT, max_length=max_length, **kw)


def _int(name: str, maximum: float, minimum: float = 0, **kw: Any) -> Column:
    return Column(name, INT, minimum=minimum, maximum=maximum, **kw)


def _num(name: str, minimum: float, maximum: float, **kw: Any) -> Column:
    return Column(name, NUMBER, minimum=minimum, maximum=maximum, **kw)


def _enum(name: str, group: str, codes: tuple[str, ...], **kw: Any) -> Column:
    return Column(name, ENUM, group=group, codes=codes, **kw)


def _region(**kw: Any) -> Column:
    return Column("region", LOOKUP, group="regions", db="region_iso", example="KZ-10", **kw)


@dataclass(frozen=True)
class Lookups:
    """Names the parser resolves, normalised (:func:`values.norm`) -> code; built from the store
    (:func:`creative_dash.store.importer.lookups`)."""

    regions: Mapping[str, str] = field(default_factory=dict)
    sectors: Mapping[str, str] = field(default_factory=dict)
    indicators: Mapping[str, str] = field(default_factory=dict)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Dated(_Row):
    @model_validator(mode="after")
    def _end_after_start(self) -> _Dated:
        start, end = getattr(self, "start_date", None), getattr(self, "end_date", None)
        if start is not None and end is not None and end < start:
            raise PydanticCustomError(
                "end_before_start", "end_before_start", {"column": "end_date"}
            )
        return self


@dataclass(frozen=True)
class TableSpec:
    """One importable table.

    ``key``: the columns that identify a row (an id column may be left empty on a new row, then
    ``natural_key`` identifies it, so importing the same file twice adds nothing twice).
    ``updates``: the store columns an import writes (others keep their values)."""

    name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    natural_key: tuple[str, ...] = ()
    id_column: str | None = None
    base: type[BaseModel] = _Row
    model: type[BaseModel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fields: dict[str, Any] = {}
        for col in self.columns:
            typ = col.python_type() if col.required else col.python_type() | None
            fields[col.name] = (Annotated[typ, BeforeValidator(col.parser())], ...)
        model = create_model(f"{self.name.title()}Row", __base__=self.base, **fields)
        object.__setattr__(self, "model", model)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


BUDGET_MAX = 10**13  # 10 trillion tenge: more than the republican budget
PEOPLE_MAX = 10_000_000  # more than any region's population

TABLES: dict[str, TableSpec] = {
    s.name: s
    for s in (
        TableSpec(
            "initiatives",
            "initiatives",
            (
                _int("initiative_id", 2**31 - 1, 1, required=False, example=None),
                _text("title", 300, example="Креативті хаб «Абай» / Creative hub"),
                _region(),
                Column("sector", LOOKUP, group="sectors", db="sector_code", example="music"),
                _enum("status", "status", vocab.INITIATIVE_STATUSES, example="in_progress"),
                Column("start_date", DATE, example=date(2026, 3, 1)),
                Column("end_date", DATE, required=False, example=date(2026, 12, 31)),
                _int("budget_planned_kzt", BUDGET_MAX, example=25_000_000),
                _int("budget_spent_kzt", BUDGET_MAX, example=5_000_000),
                _enum("funding_source", "funding", vocab.FUNDING_SOURCES, example="local"),
                _int("jobs_created", 100_000, example=12),
                _int("beneficiaries_youth", PEOPLE_MAX, example=150),
                _int("beneficiaries_women", PEOPLE_MAX, example=90),
            ),
            key=("initiative_id",),
            natural_key=("region", "title", "start_date"),
            id_column="initiative_id",
            base=_Dated,
        ),
        TableSpec(
            "hubs",
            "hubs",
            (
                _int("hub_id", 2**31 - 1, 1, required=False, example=None),
                _text("name", 200, example="Семей креативті хабы"),
                _region(),
                _text("city", 100, example="Семей"),
                _enum("hub_type", "hub_type", vocab.HUB_TYPES, example="cultural_centre"),
                _enum("status", "hub_status", vocab.HUB_STATUSES, example="operating"),
                Column("opened_on", DATE, required=False, example=date(2025, 9, 1)),
                _num("lat", 40.0, 56.0, required=False, example=50.41),
                _num("lon", 46.0, 88.0, required=False, example=80.23),
                _num("floor_area_m2", 1, 1_000_000, required=False, example=850),
                _int("residents", 100_000, required=False, example=24),
            ),
            key=("hub_id",),
            natural_key=("region", "name"),
            id_column="hub_id",
        ),
        TableSpec(
            "recommendations",
            "recommendations",
            (
                _int("recommendation_id", 2**31 - 1, 1, example=1),
                _region(),
                _enum("status", "rec_status", vocab.REC_STATUSES, example="accepted"),
                Column("follow_up_date", DATE, required=False, example=date(2026, 6, 30)),
                _text("follow_up_note", 2000, required=False, multiline=True, example="—"),
            ),
            key=("recommendation_id",),
            id_column="recommendation_id",
        ),
        TableSpec(
            "indicators",
            "indicators",
            (
                _region(),
                _int("year", 2100, 1991, example=2025),
                Column(
                    "indicator",
                    LOOKUP,
                    group="indicators",
                    db="indicator_code",
                    example="creative_employment",
                ),
                _num("value", 0, 1e12, example=1234.5),
                _text("source", 500, example="BNS, stat.gov.kz"),
                Column("retrieved_on", DATE, example=date(2026, 2, 2)),
            ),
            key=("region", "year", "indicator"),
        ),
        TableSpec(
            "population",
            "region_population",
            (
                Column("region", LOOKUP, group="regions", db="iso_code", example="KZ-10"),
                Column("as_of", DATE, example=date(2026, 1, 1)),
                _int("population", PEOPLE_MAX, 1, example=595_676),
                _enum("status", "pop_status", POPULATION_STATUSES, example="official"),
                _text("source", 500, example="BNS, 2026-02-02"),
            ),
            key=("region", "as_of"),
        ),
    )
}
