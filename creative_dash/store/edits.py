"""Saving an edit made in the browser (``creative_dash.editing``): every change of one save in
one transaction through the write gateway, all or nothing.

The edit is checked again here, on the server, whatever the browser checked: a save with any
problem writes nothing and raises :class:`Invalid` with every problem at once. Rights are the
gateway's (role and region read from the store's ``users`` table at the moment of the write);
a stale row version (somebody saved the row since the editor read it) refuses the whole save
with :class:`~creative_dash.store.gateway.StaleRow`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import duckdb

from creative_dash import editing
from creative_dash.editing import DELETE, INSERT, UPDATE, Change, Problem, TableSpec
from creative_dash.store import gateway
from creative_dash.store.core import Store, topic_of

__all__ = ["Invalid", "save"]

# What a deleted row takes with it: its link rows (table, key column, the link's other key).
LINKS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "initiatives": (
        ("initiative_sectors", "initiative_id", "sector_code"),
        ("initiative_sdgs", "initiative_id", "sdg"),
    ),
    "hubs": (("hub_sectors", "hub_id", "sector_code"),),
}
# Columns a new row gets besides its editable ones (the region, bookkeeping and flags).
NEW_ROW_DEFAULTS: dict[str, dict[str, Any]] = {
    "initiatives": {"from_programme": False, "is_demo": False},
    "hubs": {"is_demo": False},
}


class Invalid(ValueError):
    """An edit that breaks rules: nothing was written. ``problems`` lists every one."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = list(problems)


def _rows(
    cur: duckdb.DuckDBPyConnection, spec: TableSpec, keys: list[int]
) -> dict[int, dict[str, Any]]:
    if not keys:
        return {}
    cols = ", ".join((spec.key, "version", *spec.columns))
    res = cur.execute(
        f"SELECT {cols} FROM {spec.table} WHERE list_contains($keys, {spec.key})",  # noqa: S608
        {"keys": keys},
    )
    names = [d[0] for d in res.description]
    return {int(r[0]): dict(zip(names, r, strict=True)) for r in res.fetchall()}


def _choices(cur: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    return {"sector_code": [r[0] for r in cur.execute("SELECT code FROM sectors").fetchall()]}


def _server_problems(
    cur: duckdb.DuckDBPyConnection, spec: TableSpec, changes: Sequence[Change], region: str
) -> list[Problem]:
    """What only the store can tell: an unknown region, a hub still named by initiatives."""
    problems = []
    if spec.insert and any(c.action == INSERT for c in changes):
        known = cur.execute("SELECT 1 FROM regions WHERE iso_code = $r", {"r": region}).fetchone()
        if known is None:
            problems.append(Problem(None, None, "region_iso", region, "region"))
    if spec.table == "hubs":
        for c in changes:
            if c.action != DELETE:
                continue
            n = cur.execute(
                "SELECT count(*) FROM initiatives WHERE hub_id = $k", {"k": c.key}
            ).fetchone()
            if n and n[0]:
                problems.append(Problem(c.key, None, "hub_id", c.key, "hub_in_use", {"n": n[0]}))
    return problems


def _insert(b: gateway.Batch, spec: TableSpec, change: Change, region: str, now: datetime) -> int:
    # ids are given by the writer (the schema has no sequences, for PostgreSQL's sake); two
    # saves racing for the same id conflict and the second is rolled back whole
    found = b.cur.execute(f"SELECT coalesce(max({spec.key}), 0) + 1 FROM {spec.table}")  # noqa: S608
    top = found.fetchone()
    new_id = int(top[0]) if top else 1
    row: dict[str, Any] = {
        spec.key: new_id,
        **{f.name: editing.clean(f, change.values.get(f.name)) for f in spec.fields},
        "region_iso": region,
        **NEW_ROW_DEFAULTS.get(spec.table, {}),
        "created_at": now,
        "updated_at": now,
        "updated_by": b.actor_name,
        "version": 1,
    }
    names = list(row)
    params = {f"p{i}": v for i, v in enumerate(row.values())}
    with b.row(spec.table, key=new_id, action=INSERT) as w:
        w.cur.execute(
            f"INSERT INTO {spec.table} ({', '.join(names)}) "  # noqa: S608 -- names from SPECS
            f"VALUES ({', '.join(f'${p}' for p in params)})",
            params,
        )
    return new_id


def _update(b: gateway.Batch, spec: TableSpec, change: Change, now: datetime) -> None:
    values = {c: editing.clean(spec.field(c), v) for c, v in change.values.items()}
    sets = [f"{c} = $v{i}" for i, c in enumerate(values)]
    params = {f"v{i}": v for i, v in enumerate(values.values())}
    with b.row(spec.table, key=change.key, action=UPDATE, expect_version=change.version) as w:
        w.cur.execute(
            f"UPDATE {spec.table} SET {', '.join(sets)}, updated_at = $at, updated_by = $by, "  # noqa: S608
            f"version = version + 1 WHERE {spec.key} = $k",
            {**params, "at": now, "by": w.actor_name, "k": change.key},
        )


def _delete(b: gateway.Batch, spec: TableSpec, change: Change) -> None:
    # the row's version and region checked first; its links go before it (while their region
    # can still be found through it), then the row
    with b.row(spec.table, key=change.key, action=DELETE, expect_version=change.version) as w:
        for table, column, other in LINKS.get(spec.table, ()):
            linked = w.cur.execute(
                f"SELECT {other} FROM {table} WHERE {column} = $k",  # noqa: S608
                {"k": change.key},
            ).fetchall()
            for (value,) in linked:
                with b.row(table, key={column: change.key, other: value}, action=DELETE) as lw:
                    lw.cur.execute(
                        f"DELETE FROM {table} WHERE {column} = $k AND {other} = $o",  # noqa: S608
                        {"k": change.key, "o": value},
                    )
        w.cur.execute(
            f"DELETE FROM {spec.table} WHERE {spec.key} = $k",  # noqa: S608
            {"k": change.key},
        )


def save(
    store: Store, actor: gateway.ActorRef, table: str, changes: Sequence[Change], *, region: str
) -> dict[str, int]:
    """Write ``changes`` of ``table`` as ``actor`` (new rows into ``region``) in one
    transaction; returns how many rows were added, changed and deleted.

    Raises :class:`Invalid` (nothing written) when any change breaks a rule,
    :class:`~creative_dash.access.AccessDenied` when the actor may not make one of them (the
    gateway records the refusal; nothing written), ``StaleRow`` when a row changed since it was
    read."""
    spec = editing.SPECS[table]
    changes = list(changes)
    if not changes:
        return editing.counts(changes)
    now = datetime.now()
    with gateway.batch(store, actor, topic=topic_of(table)) as b:
        keys = [c.key for c in changes if c.key is not None]
        rows = _rows(b.cur, spec, keys)
        problems = editing.validate(spec, changes, _choices(b.cur), rows)
        problems += _server_problems(b.cur, spec, changes, region)
        if problems:
            raise Invalid(problems)
        for change in changes:
            if change.action == UPDATE:
                _update(b, spec, change, now)
            elif change.action == DELETE:
                _delete(b, spec, change)
        for change in changes:
            if change.action == INSERT:
                _insert(b, spec, change, region, now)
    return editing.counts(changes)
