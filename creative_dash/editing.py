"""Editing a region's rows in the browser: what each editable table's columns accept, what an
edit changes (new, changed and deleted rows, per column), every problem of an edit at once, and
the follow-up workflow of recommendations. Pure: no store, no Streamlit.

The browser's editor (``creative_dash.ui.editing``) limits choices and ranges too, but only
here (called again by ``creative_dash.store.edits`` on the server, before anything is written)
is a value accepted; the store's own constraints are the last line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from creative_dash import vocab

TEXT, CHOICE, INT, FLOAT, DATE = "text", "choice", "int", "float", "date"
INSERT, UPDATE, DELETE = "insert", "update", "delete"
FIRST_DATE, LAST_DATE = date(1991, 12, 16), date(2100, 12, 31)  # independence day .. far future
MAX_MONEY = 10**13  # 10 trillion tenge: beyond any creative-industry budget
# control characters (tab, newlines and the like) have no place in a one-line field
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Field:
    """One editable column: its kind, whether it may be empty, and its allowed values."""

    name: str
    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()  # CHOICE: the allowed codes (empty: given at run time)
    min: float | None = None
    max: float | None = None
    max_len: int | None = None


@dataclass(frozen=True)
class TableSpec:
    """What the browser may edit in one table."""

    table: str
    key: str
    fields: tuple[Field, ...]
    insert: bool = True  # rows may be added
    delete: bool = True  # rows may be deleted
    shown: tuple[str, ...] = ()  # read-only columns shown beside the editable ones
    date_order: tuple[str, str] | None = None  # (start, end): end on or after start

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _count(name: str, top: int) -> Field:
    return Field(name, INT, min=0, max=top)


SPECS: dict[str, TableSpec] = {
    "initiatives": TableSpec(
        "initiatives",
        "initiative_id",
        (
            Field("title", TEXT, max_len=300),
            Field("sector_code", CHOICE),  # the store's sectors, given at run time
            Field("status", CHOICE, choices=vocab.INITIATIVE_STATUSES),
            Field("start_date", DATE, min=None),
            Field("end_date", DATE, required=False),
            Field("budget_planned_kzt", INT, min=0, max=MAX_MONEY),
            Field("budget_spent_kzt", INT, min=0, max=MAX_MONEY),
            Field("funding_source", CHOICE, choices=vocab.FUNDING_SOURCES),
            _count("jobs_created", 1_000_000),
            _count("beneficiaries_youth", 10_000_000),
            _count("beneficiaries_women", 10_000_000),
        ),
        date_order=("start_date", "end_date"),
    ),
    "hubs": TableSpec(
        "hubs",
        "hub_id",
        (
            Field("name", TEXT, max_len=200),
            Field("city", TEXT, max_len=100),
            Field("hub_type", CHOICE, choices=vocab.HUB_TYPES),
            Field("status", CHOICE, choices=vocab.HUB_STATUSES),
            Field("opened_on", DATE, required=False),
            Field("lat", FLOAT, required=False, min=40.0, max=56.0),  # Kazakhstan's latitudes
            Field("lon", FLOAT, required=False, min=46.0, max=88.0),  # ... and longitudes
            Field("floor_area_m2", FLOAT, required=False, min=0, max=1_000_000),
            Field("residents", INT, required=False, min=0, max=100_000),
        ),
    ),
    # the programme's recommendations: only their follow-up is edited, never their text
    "recommendations": TableSpec(
        "recommendations",
        "recommendation_id",
        (
            Field("status", CHOICE, choices=vocab.REC_STATUSES),
            Field("responsible_body", CHOICE, choices=vocab.BODIES),
            Field("follow_up_date", DATE, required=False),
            Field("follow_up_note", TEXT, required=False, max_len=1000),
        ),
        insert=False,
        delete=False,
        shown=("category", "text"),
    ),
}
TABLES = tuple(SPECS)

# table -> (column, allowed next values per value): checked here and in the write gateway
TRANSITIONS: dict[str, tuple[str, Mapping[str, tuple[str, ...]]]] = {
    "recommendations": ("status", vocab.REC_TRANSITIONS),
}


def next_statuses(status: str) -> tuple[str, ...]:
    """The follow-up statuses a recommendation in ``status`` may take (itself first)."""
    return (status, *vocab.REC_TRANSITIONS.get(status, ()))


def transition_allowed(table: str, old: Any, new: Any) -> bool:
    if table not in TRANSITIONS or old == new:
        return True
    allowed = TRANSITIONS[table][1]
    return old in allowed and new in allowed[old]


def transition_refused(
    table: str, before: Mapping[str, Any], after: Mapping[str, Any]
) -> str | None:
    """ "transition" when a write takes a row's status where the workflow does not lead."""
    if table not in TRANSITIONS:
        return None
    column = TRANSITIONS[table][0]
    if transition_allowed(table, before.get(column), after.get(column)):
        return None
    return "transition"


# -- values ---------------------------------------------------------------------------------------
class _Bad(ValueError):
    def __init__(self, rule: str, **params: Any) -> None:
        super().__init__(rule)
        self.rule, self.params = rule, params


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def clean(f: Field, value: Any) -> Any:
    """``value`` as the store holds it (None when empty); raises ``_Bad`` when it cannot be."""
    if _missing(value):
        return None
    if f.kind in (TEXT, CHOICE):
        if not isinstance(value, str):
            value = str(value)
        return value.strip()
    if f.kind == DATE:
        if isinstance(value, datetime | pd.Timestamp):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            raise _Bad("date") from None
    if isinstance(value, bool):
        raise _Bad("number")
    try:
        number = float(str(value).replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except ValueError:
        raise _Bad("number") from None
    if not math.isfinite(number):
        raise _Bad("number")
    if f.kind == INT:
        if number != int(number):
            raise _Bad("whole")
        return int(number)
    return number


def _check(f: Field, value: Any, choices: Sequence[str]) -> None:
    """Raises ``_Bad`` when a cleaned value breaks the field's rules."""
    if value is None:
        if f.required:
            raise _Bad("required")
        return
    if f.kind in (TEXT, CHOICE) and _CONTROL.search(value):
        raise _Bad("control")
    if f.kind == TEXT and f.max_len is not None and len(value) > f.max_len:
        raise _Bad("too_long", max=f.max_len, n=len(value))
    if f.kind == CHOICE and value not in choices:
        raise _Bad("choice", allowed=", ".join(choices))
    if f.kind == DATE and not FIRST_DATE <= value <= LAST_DATE:
        raise _Bad("date_range", min=FIRST_DATE, max=LAST_DATE)
    if f.kind in (INT, FLOAT):
        if f.min is not None and value < f.min:
            raise _Bad("min", min=f.min)
        if f.max is not None and value > f.max:
            raise _Bad("max", max=f.max)


# -- what an edit changes -------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One row of an edit. ``key``: the row's id (None for a new row); ``new_row``: the new
    row's place among the new rows (1, 2, ...); ``values``: the new values (a new row: all of
    them; a changed row: the changed ones); ``old``: the values before (a changed row: of the
    changed columns; a deleted row: all); ``version``: the row version the editor read."""

    action: str
    key: int | None = None
    new_row: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    old: dict[str, Any] = field(default_factory=dict)
    version: int | None = None


@dataclass(frozen=True)
class Problem:
    """One broken rule: which row (its id, or its place among the new rows), column, value, the
    rule (a message ``editing.rule.<rule>``) and the rule's parameters."""

    key: int | None
    new_row: int | None
    column: str
    value: Any
    rule: str
    params: dict[str, Any] = field(default_factory=dict)


def _as_int(value: Any) -> int | None:
    if _missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _plain(f: Field, value: Any) -> Any:
    """A value read from the store, made comparable with a cleaned one."""
    try:
        return clean(f, value)
    except _Bad:
        return value


def diff(spec: TableSpec, original: pd.DataFrame, edited: pd.DataFrame) -> list[Change]:
    """What turning ``original`` (rows read from the store, with the key and ``version``) into
    ``edited`` (the editor's frame) changes: changed rows (only the changed columns), new rows
    (no key) and deleted rows, in that order. Values are cleaned where they can be; those that
    cannot stay as typed, for :func:`validate` to report."""
    by_key = {int(r[spec.key]): r for r in original.to_dict("records")}
    changes: list[Change] = []
    seen: set[int] = set()
    new_rows = 0
    for row in edited.to_dict("records"):
        key = _as_int(row.get(spec.key))
        if key is None or key not in by_key:
            new_rows += 1
            values = {}
            for f in spec.fields:
                try:
                    values[f.name] = clean(f, row.get(f.name))
                except _Bad:
                    values[f.name] = row.get(f.name)
            changes.append(Change(INSERT, new_row=new_rows, values=values))
            continue
        seen.add(key)
        before = by_key[key]
        values, old = {}, {}
        for f in spec.fields:
            was = _plain(f, before.get(f.name))
            try:
                now = clean(f, row.get(f.name))
            except _Bad:
                now = row.get(f.name)
            if now != was:
                values[f.name], old[f.name] = now, was
        if values:
            changes.append(
                Change(UPDATE, key=key, values=values, old=old, version=_as_int(before["version"]))
            )
    for key, before in by_key.items():
        if key not in seen:
            old = {f.name: _plain(f, before.get(f.name)) for f in spec.fields}
            version = _as_int(before["version"])
            changes.append(Change(DELETE, key=key, old=old, version=version))
    return changes


def validate(
    spec: TableSpec,
    changes: Iterable[Change],
    choices: Mapping[str, Sequence[str]] | None = None,
    rows: Mapping[int, Mapping[str, Any]] | None = None,
) -> list[Problem]:
    """Every problem of ``changes`` at once. ``choices``: allowed codes of choice columns known
    only at run time (``sector_code``); ``rows``: the rows as the store holds them, by key (for
    the checks that need a changed row's other columns: dates in order, the follow-up's step)."""
    choices = choices or {}
    rows = rows or {}
    problems: list[Problem] = []
    for change in changes:

        def bad(column: str, value: Any, rule: str, c: Change = change, **params: Any) -> None:
            problems.append(Problem(c.key, c.new_row, column, value, rule, params))

        if change.action == INSERT and not spec.insert:
            bad(spec.key, None, "no_insert")
            continue
        if change.action == DELETE:
            if not spec.delete:
                bad(spec.key, change.key, "no_delete")
            continue
        merged = {**(rows.get(change.key, {}) if change.key is not None else {})}
        for f in spec.fields:
            if f.name not in change.values and change.action != INSERT:
                continue
            raw = change.values.get(f.name)
            try:
                value = clean(f, raw)
                _check(f, value, choices.get(f.name) or f.choices)
            except _Bad as exc:
                bad(f.name, raw, exc.rule, **exc.params)
                continue
            merged[f.name] = value
        if spec.date_order:
            first, last = spec.date_order
            start, end = _plain(spec.field(first), merged.get(first)), merged.get(last)
            end = _plain(spec.field(last), end)
            if isinstance(start, date) and isinstance(end, date) and end < start:
                bad(last, end, "end_before_start", start=start)
        if change.action == UPDATE and spec.table in TRANSITIONS:
            column = TRANSITIONS[spec.table][0]
            if column in change.values:
                old = change.old.get(column)
                new = change.values[column]
                if old is not None and not transition_allowed(spec.table, old, new):
                    bad(column, new, "transition", allowed=", ".join(next_statuses(old)))
    return problems


def counts(changes: Iterable[Change]) -> dict[str, int]:
    """How many rows an edit adds, changes and deletes."""
    out = {INSERT: 0, UPDATE: 0, DELETE: 0}
    for change in changes:
        out[change.action] += 1
    return out
