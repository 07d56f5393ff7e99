"""What editing in the browser shows, in the reader's language: column names, the values of a
change, the preview of a save, every problem of an edit, and a row's history. Pure.

Texts users typed are shown as plain text (table cells), never as Markdown or HTML."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from creative_dash.editing import (
    CHOICE,
    DATE,
    DELETE,
    FLOAT,
    INSERT,
    INT,
    SPECS,
    UPDATE,
    Change,
    Field,
    Problem,
)
from creative_dash.i18n import Translator
from creative_dash.views.admin import actor_label

# choice column of a table -> the catalogue group naming its codes
ENUM_GROUPS: dict[tuple[str, str], str] = {
    ("initiatives", "status"): "status",
    ("initiatives", "funding_source"): "funding",
    ("hubs", "status"): "hub_status",
    ("hubs", "hub_type"): "hub_type",
    ("recommendations", "status"): "rec_status",
    ("recommendations", "responsible_body"): "body",
    ("recommendations", "category"): "rec_category",
}
EMPTY = "—"


def column_label(t: Translator, column: str) -> str:
    return t(f"editing.col.{column}") if t.has(f"editing.col.{column}") else column


def row_label(t: Translator, key: int | None, new_row: int | None) -> str:
    """ "No. 42" for a stored row, "new row 1" for the first added one."""
    if key is None:
        return t("editing.new_row", n=new_row or 1)
    return t("editing.row", id=key)


def _missing(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def value_text(
    t: Translator,
    table: str,
    column: str,
    value: Any,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """One value as the reader reads it: a code by its name, a date and a number in the
    reader's language; anything else (a text, a value that broke a rule) as it was typed."""
    if _missing(value):
        return EMPTY
    if column in (names or {}) and str(value) in names[column]:  # type: ignore[index]
        return str(names[column][str(value)])  # type: ignore[index]
    group = ENUM_GROUPS.get((table, column))
    if group and isinstance(value, str) and t.has(f"{group}.{value}"):
        return t.enum(group, value)
    kind = _kind(table, column)
    if kind == DATE and isinstance(value, str):  # as the audit log's JSON holds it
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if kind == DATE and isinstance(value, date | datetime | pd.Timestamp):
        return t.date(value)
    if kind in (INT, FLOAT) and isinstance(value, int | float) and not isinstance(value, bool):
        return t.num(value, 0 if kind == INT else 2)
    return str(value)


def _kind(table: str, column: str) -> str | None:
    spec = SPECS.get(table)
    if spec is None or column not in spec.columns:
        return None
    return spec.field(column).kind


def _rule_text(t: Translator, problem: Problem, table: str) -> str:
    params = dict(problem.params)
    for name in ("min", "max", "n"):
        if isinstance(params.get(name), int | float):
            params[name] = t.num(params[name], 0 if float(params[name]).is_integer() else 2)
    for name in ("min", "max", "start"):
        if isinstance(params.get(name), date):
            params[name] = t.date(params[name])
    if "allowed" in params:
        codes = str(params["allowed"]).split(", ")
        params["allowed"] = ", ".join(value_text(t, table, problem.column, c) for c in codes)
    return t(f"editing.rule.{problem.rule}", **params)


def problems_table(t: Translator, table: str, problems: Iterable[Problem]) -> pd.DataFrame:
    """Every problem: row, column, value (as typed), rule."""
    rows = list(problems)
    return pd.DataFrame(
        {
            t("editing.p_row"): [row_label(t, p.key, p.new_row) for p in rows],
            t("editing.p_column"): [column_label(t, p.column) for p in rows],
            t("editing.p_value"): ["" if _missing(p.value) else str(p.value) for p in rows],
            t("editing.p_rule"): [_rule_text(t, p, table) for p in rows],
        }
    )


def preview_table(
    t: Translator,
    table: str,
    changes: Iterable[Change],
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """What a save will do, one line per row and column: row, what (new, changed, deleted),
    column, before, after."""
    spec = SPECS[table]
    lines: list[tuple[str, str, str, str, str]] = []
    for c in changes:
        label, what = row_label(t, c.key, c.new_row), t(f"editing.action.{c.action}")
        if c.action == INSERT:
            cols = [f.name for f in spec.fields if not _missing(c.values.get(f.name))]
        elif c.action == UPDATE:
            cols = list(c.values)
        else:
            cols = [f.name for f in spec.fields if not _missing(c.old.get(f.name))][:1]
        for col in cols:
            before = "" if c.action == INSERT else value_text(t, table, col, c.old.get(col), names)
            after = "" if c.action == DELETE else value_text(t, table, col, c.values[col], names)
            lines.append((label, what, column_label(t, col), before, after))
    return pd.DataFrame(
        lines,
        columns=[
            t("editing.p_row"),
            t("editing.p_what"),
            t("editing.p_column"),
            t("editing.p_before"),
            t("editing.p_after"),
        ],
    )


def counts_text(t: Translator, counts: Mapping[str, int]) -> str:
    return t(
        "editing.counts",
        new=t.num(counts.get(INSERT, 0)),
        changed=t.num(counts.get(UPDATE, 0)),
        deleted=t.num(counts.get(DELETE, 0)),
    )


def _changes(t: Translator, table: str, before: Any, after: Any) -> str:
    """'column: old → new' for each column an audit row changed (bookkeeping left out)."""
    try:
        b = json.loads(before) if isinstance(before, str) else {}
        a = json.loads(after) if isinstance(after, str) else {}
    except ValueError:
        return ""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return ""
    hidden = {"updated_at", "updated_by", "version", "created_at"}
    parts = []
    for k in dict.fromkeys([*a, *b]):
        if k in hidden or b.get(k) == a.get(k):
            continue
        old = value_text(t, table, k, b.get(k))
        new = value_text(t, table, k, a.get(k))
        parts.append(f"{column_label(t, k)}: {old} → {new}")
    return "; ".join(parts)


def history_table(t: Translator, table: str, df: pd.DataFrame) -> pd.DataFrame:
    """A ``row_history`` frame: when, who (by name), what was done, what changed."""
    return pd.DataFrame(
        {
            t("editing.h_at"): [
                EMPTY if _missing(v) else f"{t.date(v)} {pd.Timestamp(v):%H:%M}"
                for v in df["logged_at"]
            ],
            t("editing.h_who"): [
                actor_label(a, n, t) for a, n in zip(df["actor"], df["actor_name"], strict=True)
            ],
            t("editing.h_action"): [
                t(f"audit.action.{a}") if t.has(f"audit.action.{a}") else str(a)
                for a in df["action"]
            ],
            t("editing.h_changes"): [
                _changes(t, table, b, a)
                for b, a in zip(df["before_json"], df["after_json"], strict=True)
            ],
        }
    )


def field_help(t: Translator, f: Field) -> str:
    """The rule of one column, for its header's help."""
    if f.kind == CHOICE:
        return t("editing.help.choice")
    if f.kind in (INT, FLOAT) and f.min is not None and f.max is not None:
        return t("editing.help.range", min=t.num(f.min), max=t.num(f.max))
    if f.max_len:
        return t("editing.help.text", max=t.num(f.max_len))
    return ""
