"""Rebuild tables with new constraints, keeping every row that fits and setting aside the rest.

DuckDB cannot add a constraint to an existing table (``ALTER TABLE ... ADD CONSTRAINT`` is not
implemented), so a migration that tightens a table declares the table anew and this module
moves its rows over, inside the migration's transaction, on DuckDB and on PostgreSQL alike:

1. each table the migration declares with ``CREATE TABLE`` that already exists is copied to a
   temporary table;
2. the old tables are dropped (children before parents: the reverse of the file's order) and
   created again from the migration's definitions (in the file's order);
3. the rows that satisfy every rule of the new definition (``NOT NULL``, ``CHECK``,
   ``FOREIGN KEY``) are copied back; each row that breaks one is *set aside*: kept whole (as
   JSON) in ``set_aside_rows`` with its table, key and the rules it breaks, logged, audited (action
   ``set_aside``) and reported to the caller -- never dropped silently, and the store still opens.

A migration asks for this with a line ``--! rebuild`` in its SQL file. Statements other than the
``CREATE TABLE`` of an existing table run where they stand (before the rebuild if they come
before the first such ``CREATE TABLE``, after it otherwise). Columns the old table had beyond
those declared (added by another branch's migration applied earlier) are kept, added back
without constraints. Views on a rebuilt table must be dropped and created again by the migration
itself (PostgreSQL refuses to drop a table a view depends on).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

log = logging.getLogger(__name__)

DIRECTIVE = "--! rebuild"
SET_ASIDE_TABLE = "set_aside_rows"
STASH_PREFIX = "_rebuild_"
MAX_LINES_PER_TABLE = 20  # report lines per table; all rows are kept in set_aside_rows

_CREATE_RE = re.compile(r"^CREATE\s+TABLE\s+(\w+)\s*\((.*)\)\s*$", re.S | re.I)
_FK_INLINE_RE = re.compile(r"\bREFERENCES\s+(\w+)\s*\(\s*(\w+)\s*\)", re.I)
_FK_TABLE_RE = re.compile(
    r"^FOREIGN\s+KEY\s*\(\s*(\w+)\s*\)\s*REFERENCES\s+(\w+)\s*\(\s*(\w+)\s*\)", re.I
)
_WORD_RE = re.compile(r"'[^']*'|\b([A-Za-z_]\w*)\b")


@dataclass(frozen=True)
class Rule:
    """One thing a row must satisfy: ``name`` is what reports show, ``ok`` a SQL predicate
    that is TRUE (or NULL, as for a CHECK) for a row that satisfies it."""

    name: str
    ok: str
    columns: frozenset[str]


@dataclass
class TableDef:
    name: str
    sql: str
    columns: list[str] = field(default_factory=list)
    key: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class SetAside:
    """A row that broke the new rules: where it was, its key, the rules it broke."""

    table: str
    key: str
    rules: tuple[str, ...]
    row: dict[str, Any]

    def line(self) -> str:
        return f"{self.table} [{self.key}]: breaks {'; '.join(self.rules)}"


def _split_top(body: str) -> list[str]:
    """Items of a CREATE TABLE body: split on commas outside parentheses and quotes."""
    items: list[str] = []
    cur: list[str] = []
    depth, quote = 0, False
    for ch in body:
        if ch == "'":
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            items.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        items.append("".join(cur).strip())
    return items


def _checks(text: str) -> list[str]:
    """The expressions of every ``CHECK (...)`` in ``text``."""
    out = []
    for m in re.finditer(r"\bCHECK\s*\(", text, re.I):
        depth, i = 1, m.end()
        quote = False
        while i < len(text) and depth:
            ch = text[i]
            if ch == "'":
                quote = not quote
            elif not quote and ch == "(":
                depth += 1
            elif not quote and ch == ")":
                depth -= 1
            i += 1
        out.append(text[m.end() : i - 1].strip())
    return out


def parse_table(sql: str) -> TableDef | None:
    """The columns, key and rules of one ``CREATE TABLE`` statement (None: not one)."""
    m = _CREATE_RE.match(sql.strip())
    if not m:
        return None
    table = TableDef(m.group(1), sql)
    items = _split_top(m.group(2))
    for item in items:
        head = item.split(None, 1)[0].upper()
        if head in ("PRIMARY", "FOREIGN", "CHECK", "CONSTRAINT", "UNIQUE"):
            continue
        table.columns.append(item.split(None, 1)[0])
    cols = set(table.columns)

    def used(expr: str) -> frozenset[str]:
        return frozenset(w for w in _WORD_RE.findall(expr) if w in cols)

    for item in items:
        first = item.split(None, 1)[0]
        upper = item.upper()
        if upper.startswith("PRIMARY KEY"):
            table.key = [c.strip() for c in item[item.index("(") + 1 : item.rindex(")")].split(",")]
        elif upper.startswith("FOREIGN KEY"):
            fk = _FK_TABLE_RE.match(item)
            if fk:
                table.rules.append(_fk_rule(fk.group(1), fk.group(2), fk.group(3)))
        elif first in cols:
            if re.search(r"\bNOT\s+NULL\b", item, re.I):
                table.rules.append(Rule("NOT NULL " + first, f"{first} IS NOT NULL", used(first)))
            if re.search(r"\bPRIMARY\s+KEY\b", item, re.I):
                table.key = [first]
            fk = _FK_INLINE_RE.search(item)
            if fk:
                table.rules.append(_fk_rule(first, fk.group(1), fk.group(2)))
        for expr in _checks(item):
            table.rules.append(Rule(f"CHECK ({expr})", f"coalesce(({expr}), TRUE)", used(expr)))
    if not table.key:
        table.key = list(table.columns)
    return table


def _fk_rule(col: str, parent: str, parent_col: str) -> Rule:
    # identifiers come from the migration's own SQL text
    return Rule(
        f"FOREIGN KEY ({col}) REFERENCES {parent} ({parent_col})",
        f"({col} IS NULL OR {col} IN (SELECT {parent_col} FROM {parent}))",  # noqa: S608
        frozenset({col}),
    )


def _existing_tables(cur: duckdb.DuckDBPyConnection) -> set[str]:
    rows = cur.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = "
        "current_database() AND table_type = 'BASE TABLE'"
    ).fetchall()
    return {r[0] for r in rows}


def _columns(cur: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of a table's columns, in order."""
    res = cur.execute(f"DESCRIBE {table}").fetchall()  # a name from the migration's SQL
    return [(r[0], r[1]) for r in res]


def apply(
    cur: duckdb.DuckDBPyConnection,
    statements: Sequence[str],
    *,
    migration: int,
    actor: str,
    audit: Callable[..., None],
) -> list[SetAside]:
    """Run a rebuild migration's statements on ``cur`` (inside the caller's transaction);
    returns the rows set aside."""
    existing = _existing_tables(cur)
    targets: list[TableDef] = []
    plan: list[str | None] = []  # statements, None where the rebuild runs
    for stmt in statements:
        table = parse_table(stmt)
        if table is not None and table.name in existing:
            if not targets:
                plan.append(None)
            targets.append(table)
        else:
            plan.append(stmt)
    set_aside: list[SetAside] = []
    for step in plan:
        if step is None:
            set_aside = _rebuild(cur, targets, migration=migration, actor=actor, audit=audit)
        else:
            cur.execute(step)
    return set_aside


def _rebuild(
    cur: duckdb.DuckDBPyConnection,
    targets: list[TableDef],
    *,
    migration: int,
    actor: str,
    audit: Callable[..., None],
) -> list[SetAside]:
    old_columns = {}
    for t in targets:
        old_columns[t.name] = _columns(cur, t.name)
        cur.execute(f"CREATE TEMP TABLE {STASH_PREFIX}{t.name} AS SELECT * FROM {t.name}")  # noqa: S608
    for t in reversed(targets):
        cur.execute(f"DROP TABLE {t.name}")
    for t in targets:
        cur.execute(t.sql)
    found: list[SetAside] = []
    for t in targets:
        stash = f"{STASH_PREFIX}{t.name}"
        have = [c for c, _ in old_columns[t.name]]
        for col, typ in old_columns[t.name]:
            if col not in t.columns:
                log.warning("rebuild %s: keeping column %s %s", t.name, col, typ)
                cur.execute(f"ALTER TABLE {t.name} ADD COLUMN {col} {typ}")
        rules = [r for r in t.rules if r.columns <= set(have)]
        ok = " AND ".join(f"({r.ok})" for r in rules) or "TRUE"
        cols = ", ".join(have)
        # identifiers from the migration's SQL and the store's own catalogue
        cur.execute(f"INSERT INTO {t.name} ({cols}) SELECT {cols} FROM {stash} WHERE {ok}")  # noqa: S608
        if rules:
            found.extend(_breaking_rows(cur, t, stash, rules, ok))
        cur.execute(f"DROP TABLE {stash}")
    if found:
        _keep(cur, found, migration=migration, actor=actor, audit=audit)
    return found


def _breaking_rows(
    cur: duckdb.DuckDBPyConnection, t: TableDef, stash: str, rules: list[Rule], ok: str
) -> list[SetAside]:
    flags = ", ".join(f"NOT ({r.ok}) AS _broke_{i}" for i, r in enumerate(rules))
    df: pd.DataFrame = cur.execute(
        f"SELECT *, {flags} FROM {stash} WHERE NOT ({ok})"  # noqa: S608
    ).df()
    out = []
    data_cols = [c for c in df.columns if not c.startswith("_broke_")]
    for _, row in df.iterrows():
        broke = tuple(r.name for i, r in enumerate(rules) if bool(row[f"_broke_{i}"]))
        values = {c: _plain(row[c]) for c in data_cols}
        key = ", ".join(f"{c}={values.get(c)}" for c in t.key)
        out.append(SetAside(t.name, key, broke, values))
    return out


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str | bytes) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def _keep(
    cur: duckdb.DuckDBPyConnection,
    rows: list[SetAside],
    *,
    migration: int,
    actor: str,
    audit: Callable[..., None],
) -> None:
    now = datetime.now()
    for row in rows:
        cur.execute(
            f"INSERT INTO {SET_ASIDE_TABLE} VALUES ($id, $at, $m, $t, $k, $rules, $row)",  # noqa: S608
            {
                "id": uuid.uuid4().hex,
                "at": now,
                "m": migration,
                "t": row.table,
                "k": row.key,
                "rules": "; ".join(row.rules),
                "row": json.dumps(row.row, default=str, ensure_ascii=False),
            },
        )
        audit(
            cur,
            actor=actor,
            table=row.table,
            row_key=row.key,
            action="set_aside",
            before=row.row,
            after={"rules": list(row.rules), "kept_in": SET_ASIDE_TABLE},
        )


def report(rows: Sequence[SetAside], migration: int) -> list[str]:
    """Lines for the operator: how many rows of which table were set aside and why (up to
    :data:`MAX_LINES_PER_TABLE` per table), and where they are kept."""
    if not rows:
        return []
    lines = [
        f"migration {migration}: {len(rows)} row(s) broke the store's rules and were set aside "
        f"(kept whole in table {SET_ASIDE_TABLE}; fix them and enter them again):"
    ]
    by_table: dict[str, list[SetAside]] = {}
    for r in rows:
        by_table.setdefault(r.table, []).append(r)
    for table, found in by_table.items():
        lines += ["  " + r.line() for r in found[:MAX_LINES_PER_TABLE]]
        if len(found) > MAX_LINES_PER_TABLE:
            lines.append(f"  {table}: {len(found) - MAX_LINES_PER_TABLE} more")
    return lines
