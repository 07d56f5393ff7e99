"""A file -> the rows it would write and every problem in it, listed at once.

Each row is validated by the table's pydantic model (:mod:`creative_dash.imports.spec`); a
problem names its row (as a spreadsheet numbers it: the header is row 1), column, value and the
rule broken, and reads in the user's language (``imports.rule.<rule>``). Problems of the file as
a whole (its encoding, its size, its header) have no row.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import pandas as pd
from pydantic import ValidationError

from creative_dash.i18n import LANGS, Translator, catalog
from creative_dash.imports import read
from creative_dash.imports import values as v
from creative_dash.imports.read import ImportFileError
from creative_dash.imports.spec import (
    ENUM,
    MAX_COLUMNS,
    MAX_PROBLEMS,
    MAX_ROWS,
    Lookups,
    TableSpec,
)

__all__ = ["ImportFileError", "Parsed", "Problem", "header_labels", "parse"]

VALUE_SHOWN = 80  # characters of a value quoted in a problem


@dataclass(frozen=True)
class Problem:
    """One thing wrong: ``row`` (spreadsheet numbering, None for the whole file), ``column``
    (a column name of the table, or the header text as found), ``value`` (as found, shortened),
    ``rule`` (``imports.rule.<rule>``) and what the message needs."""

    rule: str
    row: int | None = None
    column: str | None = None
    value: str = ""
    ctx: dict[str, Any] = field(default_factory=dict)

    def message(self, t: Translator) -> str:
        ctx: dict[str, Any] = {}
        for name, value in self.ctx.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                ctx[name] = t.num(value, 0 if float(value).is_integer() else 2)
            else:
                ctx[name] = value
        if self.rule == "unknown_value":
            group, codes = self.ctx.get("group", ""), self.ctx.get("codes", ())
            ctx["allowed"] = "; ".join(t(f"{group}.{c}") for c in codes)
        if self.rule == "mixed_languages":
            ctx["langs"] = ", ".join(self.ctx.get("langs", ()))
        return t(f"imports.rule.{self.rule}", **ctx)


def column_label(t: Translator, name: str | None) -> str:
    if name is None:
        return ""
    key = f"imports.col.{name}"
    return t(key) if t.has(key) else name


def _shown(value: Any) -> str:
    if v.is_blank(value):
        return ""
    text = v._text_of(value)
    return text if len(text) <= VALUE_SHOWN else text[:VALUE_SHOWN] + "…"


@dataclass
class Parsed:
    """What a file holds: ``rows`` (each a dict of column name -> value, and ``_row``, its row
    number), ``problems`` (at most ``MAX_PROBLEMS``; ``more`` beyond that), the header's
    language (None: column codes)."""

    spec: TableSpec
    file_name: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    more: int = 0
    header_lang: str | None = None
    columns: tuple[str, ...] = ()  # the columns the file has, in the table's order

    @property
    def ok(self) -> bool:
        return not self.problems and not self.more

    def add(self, problem: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.more += 1

    def problems_frame(self, t: Translator) -> pd.DataFrame:
        """The problems as a table to read or download: row, column, value, problem."""
        return pd.DataFrame(
            {
                t("imports.problems.row"): pd.array([p.row for p in self.problems], "Int64"),
                t("imports.problems.column"): [column_label(t, p.column) for p in self.problems],
                t("imports.problems.value"): [p.value for p in self.problems],
                t("imports.problems.rule"): [p.message(t) for p in self.problems],
            }
        )


def header_labels(spec: TableSpec) -> dict[str, tuple[str, set[str | None]]]:
    """Normalised header text -> (column name, the languages it is a label in; None: a code)."""
    out: dict[str, tuple[str, set[str | None]]] = {}
    for col in spec.columns:
        out[v.norm(col.name)] = (col.name, {None})
        for lang in LANGS:
            label = catalog(lang).get(f"imports.col.{col.name}")
            if label:
                out.setdefault(v.norm(label), (col.name, set()))[1].add(lang)
    return out


def _header(parsed: Parsed, cells: list[Any]) -> list[str | None] | None:
    """Column name per position of the header row (None: an empty column), or None when the
    header cannot be used (its problems added)."""
    spec = parsed.spec
    while cells and v.is_blank(cells[-1]):
        cells = cells[:-1]
    if len(cells) > MAX_COLUMNS:
        parsed.add(Problem("too_many_columns", row=1, ctx={"max": MAX_COLUMNS}))
        return None
    labels = header_labels(spec)
    names: list[str | None] = []
    langs: set[str] | None = None
    seen: dict[str, int] = {}
    bad = False
    for pos, cell in enumerate(cells, start=1):
        if v.is_blank(cell):
            parsed.add(Problem("blank_header", row=1, column=f"#{pos}"))
            names.append(None)
            bad = True
            continue
        text = v._text_of(cell).strip().rstrip("*").strip()
        found = labels.get(v.norm(text))
        if found is None:
            try:
                v.check_mangled(text)
                rule = "unknown_column"
            except Exception:  # noqa: BLE001 - the mangled-text check's own error
                rule = "mangled"
            parsed.add(Problem(rule, row=1, column=text, value=_shown(text)))
            names.append(None)
            bad = True
            continue
        name, in_langs = found
        if name in seen:
            parsed.add(Problem("duplicate_column", row=1, column=name, value=_shown(text)))
            bad = True
        seen[name] = pos
        names.append(name)
        if None not in in_langs:
            these = {lang for lang in in_langs if lang is not None}
            langs = these if langs is None else langs & these
            if not langs:
                parsed.add(Problem("mixed_languages", row=1, ctx={"langs": ("kk", "ru", "en")}))
                bad = True
                langs = these
    for col in spec.columns:
        if col.required and col.name not in seen:
            parsed.add(Problem("missing_column", row=1, column=col.name))
            bad = True
    if langs:
        parsed.header_lang = next(lang for lang in LANGS if lang in langs)
    parsed.columns = tuple(c.name for c in spec.columns if c.name in seen)
    return None if bad else names


def _row_key(spec: TableSpec, row: dict[str, Any]) -> tuple[Any, ...] | None:
    if spec.id_column and row.get(spec.id_column) is not None:
        return ("id", row[spec.id_column])
    if spec.natural_key:
        return ("natural", *(row.get(c) for c in spec.natural_key))
    return ("key", *(row.get(c) for c in spec.key))


def _errors(parsed: Parsed, line: int, raw: dict[str, Any], exc: ValidationError) -> None:
    spec = parsed.spec
    for err in exc.errors(include_url=False):
        ctx = dict(err.get("ctx") or {})
        loc = err.get("loc") or ()
        column = str(loc[0]) if loc else ctx.pop("column", None)
        ctx.pop("column", None)
        rule = err["type"]
        if not catalog("en").get(f"imports.rule.{rule}"):
            rule = "invalid"
        if rule == "unknown_value" and column:
            col = spec.column(column)
            if col.kind == ENUM:
                ctx["codes"] = col.codes
        value = raw.get(column) if column else None
        parsed.add(Problem(rule, row=line, column=column, value=_shown(value), ctx=ctx))


def _lines(cells: Iterable[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    yield from enumerate(cells, start=1)


def parse(
    source: IO[bytes] | bytes,
    file_name: str,
    spec: TableSpec,
    lookups: Lookups,
    lang: str = "en",
) -> Parsed:
    """Read and validate a whole file. Never raises for what is in the file: every problem is in
    the result (``Parsed.ok`` is False when there is any)."""
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    parsed = Parsed(spec, file_name)
    context = {"lang": lang, "lookups": lookups}
    seen_keys: dict[tuple[Any, ...], int] = {}
    names: list[str | None] | None = None
    data_rows = 0
    try:
        for line, cells in _lines(read.rows(file_name, stream)):
            if names is None:
                if all(v.is_blank(c) for c in cells):
                    continue  # blank lines before the header
                names = _header(parsed, list(cells))
                if names is None:
                    return parsed
                continue
            if all(v.is_blank(c) for c in cells):
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise ImportFileError("too_many_rows", max=MAX_ROWS)
            extra = [c for c in cells[len(names) :] if not v.is_blank(c)]
            if extra:
                parsed.add(Problem("extra_cells", row=line, value=_shown(extra[0])))
            raw = {n: c for n, c in zip(names, cells, strict=False) if n is not None}
            data = {c.name: raw.get(c.name) for c in spec.columns}
            try:
                row = spec.model.model_validate(data, context=context).model_dump()
            except ValidationError as exc:
                _errors(parsed, line, raw, exc)
                continue
            key = _row_key(spec, row)
            if key is not None and key in seen_keys:
                parsed.add(
                    Problem(
                        "duplicate_key",
                        row=line,
                        column=spec.id_column if key[0] == "id" else spec.key[0],
                        value=_shown(", ".join(str(k) for k in key[1:])),
                        ctx={"first": seen_keys[key]},
                    )
                )
                continue
            if key is not None:
                seen_keys[key] = line
            row["_row"] = line
            parsed.rows.append(row)
    except ImportFileError as exc:
        parsed.rows.clear()
        parsed.problems.clear()
        parsed.more = 0
        parsed.add(Problem(exc.rule, row=exc.ctx.pop("row", None), ctx=exc.ctx))
        return parsed
    if names is None:
        parsed.add(Problem("empty_file"))
    elif data_rows == 0:
        parsed.add(Problem("no_rows"))
    return parsed
