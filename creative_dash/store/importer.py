"""The store's half of an import: what a validated file would change, and applying it.

:func:`plan` compares each row of a :class:`~creative_dash.imports.Parsed` file with the store:
new, updated, unchanged, or refused (a region editor's row of another region, an ID the store
does not have); it writes nothing. :func:`apply` plans again inside one transaction and writes
every new and changed row through the write gateway (:func:`creative_dash.store.gateway.batch`:
role and region checked on the server for each row, an audit row each, the ``imports`` log row),
all or nothing; the data version is bumped by the transaction so every dashboard refreshes.

Imported rows are marked: ``import_id`` (the ``imports`` row of the import that last wrote them),
``is_demo`` false, and ``updated_by`` the importer. Rows that are the same as in the store are
not written, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

import duckdb
import pandas as pd

from creative_dash import access
from creative_dash.access import INSERT, REGION_EDITOR, UPDATE, Actor
from creative_dash.i18n import Translator
from creative_dash.imports import Lookups, Parsed, Problem, TableSpec, parse
from creative_dash.imports import values as v
from creative_dash.imports.spec import TABLES
from creative_dash.store import gateway
from creative_dash.store.core import Store
from creative_dash.store.gateway import ActorRef

NEW, UPDATED, UNCHANGED, REFUSED = "new", "updated", "unchanged", "refused"
OUTCOMES = (NEW, UPDATED, UNCHANGED, REFUSED)

# Tables an import may write: the importable ones, each with its store table in TABLES.
_STAMPED = frozenset({"initiatives", "hubs", "recommendations"})  # updated_at/by, version
_DEMO_FLAG = frozenset({"initiatives", "hubs", "indicators"})  # imported rows are not demo


class ImportStale(Exception):
    """The store changed between the preview and the apply: the preview no longer holds."""


class ImportRefused(ValueError):
    """The file has problems (its own, or rows the actor may not write): nothing applied."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s): nothing applied")
        self.problems = problems


@dataclass
class Change:
    row: int  # the file's row
    outcome: str
    key: dict[str, Any]  # store key column -> value (an insert's id is given at apply)
    values: dict[str, Any]  # store column -> value, the columns the file has
    before: dict[str, Any] | None = None


@dataclass
class Plan:
    """What applying a file would do. ``problems``: the file's and the store's (unknown IDs,
    other regions); the import may be applied only when there are none."""

    parsed: Parsed
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def spec(self) -> TableSpec:
        return self.parsed.spec

    @property
    def ok(self) -> bool:
        return self.parsed.ok and not self.problems

    def all_problems(self) -> list[Problem]:
        """The file's and the store's problems, by row (the whole file's first)."""
        found = [*self.parsed.problems, *self.problems]
        return sorted(found, key=lambda p: -1 if p.row is None else p.row)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for change in self.changes:
            out[change.outcome] += 1
        return out

    def problems_frame(self, t: Translator) -> pd.DataFrame:
        whole = Parsed(self.parsed.spec, self.parsed.file_name, problems=self.all_problems())
        return whole.problems_frame(t)

    def preview_frame(self, t: Translator) -> pd.DataFrame:
        """The rows to be added or changed (and refused), in the file's columns, labelled in the
        user's language, with what happens to each."""
        shown = [c for c in self.changes if c.outcome != UNCHANGED]
        spec = self.spec
        cols = [spec.column(n) for n in self.parsed.columns]
        data: dict[str, list[Any]] = {
            t("imports.problems.row"): [c.row for c in shown],
            t("imports.preview_change"): [t(f"imports.preview_{c.outcome}") for c in shown],
        }
        for col in cols:
            data[t(f"imports.col.{col.name}")] = [_shown(c.values.get(col.column)) for c in shown]
        return pd.DataFrame(data)


def _shown(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


# -- lookups ------------------------------------------------------------------------------------
def lookups(store: Store) -> Lookups:
    """Regions, sectors and indicators by every name the store knows for them."""
    regions: dict[str, str] = {}
    for row in store.query(
        "SELECT iso_code, iso_code_former, kato_prefix, name_kk, name_ru, name_en, name_ru_bns, "
        "name_en_aliases FROM regions"
    ).itertuples(index=False):
        iso = row.iso_code
        names = [iso, row.iso_code_former, row.kato_prefix, row.name_kk, row.name_ru]
        names += [row.name_en, row.name_ru_bns]
        names += str(row.name_en_aliases or "").split(";")
        for name in names:
            if isinstance(name, str) and name.strip():
                regions.setdefault(v.norm(name), str(iso))
    return Lookups(
        regions=regions,
        sectors=_names(store, "SELECT code, name_kk, name_ru, name_en FROM sectors"),
        indicators=_names(store, "SELECT code, name_kk, name_ru, name_en FROM indicator_defs"),
    )


def _names(store: Store, sql: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, *names in store.query(sql).itertuples(index=False):
        for name in (code, *names):
            if isinstance(name, str) and name.strip():
                out.setdefault(v.norm(name), code)
    return out


def region_names(store: Store, lang: str) -> dict[str, str]:
    col = {"kk": "name_kk", "ru": "name_ru"}.get(lang, "name_en")
    frame = store.query(f"SELECT iso_code, {col} AS name FROM regions")  # noqa: S608 - allow-list
    return dict(zip(frame["iso_code"], frame["name"], strict=True))


def read_file(
    store: Store, table: str, source: IO[bytes] | bytes, file_name: str, lang: str
) -> Parsed:
    """Read and validate a file for ``table`` with the store's names of regions and the rest."""
    return parse(source, file_name, TABLES[table], lookups(store), lang)


# -- planning ---------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    if v.is_blank(a) and v.is_blank(b):
        return True
    if isinstance(a, datetime):
        a = a.date()
    if isinstance(b, datetime):
        b = b.date()
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)
    return a == b


def _store_columns(spec: TableSpec, parsed: Parsed) -> list[str]:
    return [spec.column(n).column for n in parsed.columns]


def _existing(
    cur: duckdb.DuckDBPyConnection, spec: TableSpec, parsed: Parsed
) -> list[dict[str, Any]]:
    """The store's rows the file may touch: of the regions it names, or with the IDs it has."""
    region_col = spec.column("region").column
    regions = sorted({r["region"] for r in parsed.rows})
    where = f"list_contains($regions, {region_col})"
    params: dict[str, Any] = {"regions": regions}
    if spec.id_column:
        id_col = spec.id_column
        ids = sorted({r[id_col] for r in parsed.rows if r.get(id_col) is not None})
        where += f" OR list_contains($ids, {spec.id_column})"
        params["ids"] = ids
    # table and columns come from imports.spec.TABLES, never from a file
    res = cur.execute(f"SELECT * FROM {spec.table} WHERE {where}", params)  # noqa: S608
    names = [d[0] for d in res.description]
    return [dict(zip(names, row, strict=True)) for row in res.fetchall()]


def _key_of(spec: TableSpec, values: Mapping[str, Any], names: tuple[str, ...]) -> tuple[Any, ...]:
    out = []
    for name in names:
        value = values.get(spec.column(name).column)
        out.append(value.date() if isinstance(value, datetime) else value)
    return tuple(out)


def _plan(
    cur: duckdb.DuckDBPyConnection,
    user: Actor | None,
    parsed: Parsed,
    names: Mapping[str, str],
) -> Plan:
    spec = parsed.spec
    plan = Plan(parsed)
    if not parsed.rows:
        return plan
    # the rows that passed the file's checks are checked against the store too, even when
    # others did not: every problem is listed at once
    may_insert = access.decide(user, spec.table, INSERT) is None
    may_update = access.decide(user, spec.table, UPDATE) is None
    if not (may_insert or may_update):
        plan.problems.append(Problem("role"))
        return plan
    editor_region = user.region_iso if user and user.role == REGION_EDITOR else None
    existing = _existing(cur, spec, parsed)
    key_cols = tuple(spec.column(n).column for n in spec.key)
    by_id = {r[spec.id_column]: r for r in existing} if spec.id_column else {}
    by_key = {_key_of(spec, r, spec.natural_key or spec.key): r for r in existing}
    columns = _store_columns(spec, parsed)
    region_col = spec.column("region").column
    for row in parsed.rows:
        values = {spec.column(n).column: row[n] for n in parsed.columns}
        line = row["_row"]
        ident = row.get(spec.id_column) if spec.id_column else None
        before = by_id.get(ident) if ident is not None else None
        if ident is None:
            before = by_key.get(_key_of(spec, values, spec.natural_key or spec.key))
        region = values[region_col]
        if editor_region is not None and region != editor_region:
            plan.problems.append(
                Problem(
                    "other_region",
                    row=line,
                    column="region",
                    value=str(row["region"]),
                    ctx={"region": names.get(region, region)},
                )
            )
            plan.changes.append(Change(line, REFUSED, {}, values))
            continue
        if ident is not None and before is None:
            rule = "unknown_recommendation" if spec.name == "recommendations" else "unknown_id"
            plan.problems.append(Problem(rule, row=line, column=spec.id_column, value=str(ident)))
            continue
        if before is not None and before[region_col] != region:
            if editor_region is not None or spec.name == "recommendations":
                other = before[region_col]
                plan.problems.append(
                    Problem(
                        "region_mismatch",
                        row=line,
                        column="region",
                        value=str(row["region"]),
                        ctx={"region": names.get(other, other)},
                    )
                )
                plan.changes.append(Change(line, REFUSED, {}, values))
                continue
        if before is None:
            if not may_insert:
                plan.problems.append(Problem("role", row=line))
                continue
            key = {c: values.get(c) for c in key_cols}
            plan.changes.append(Change(line, NEW, key, values))
            continue
        key = {c: before[c] for c in key_cols}
        if spec.id_column:
            values[spec.id_column] = before[spec.id_column]
        same = all(_same(values[c], before.get(c)) for c in columns)
        plan.changes.append(Change(line, UNCHANGED if same else UPDATED, key, values, before))
    return plan


def plan(store: Store, actor: ActorRef, parsed: Parsed, lang: str = "en") -> Plan:
    """What importing ``parsed`` as ``actor`` would change; writes nothing."""
    names = region_names(store, lang)
    with store.snapshot() as cur:
        return _plan(cur, gateway.read_actor(cur, actor), parsed, names)


# -- applying ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Applied:
    import_id: str
    counts: dict[str, int]


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stream_sha256(stream: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of a file read a megabyte at a time."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _next_id(cur: duckdb.DuckDBPyConnection, spec: TableSpec) -> int:
    # table and id column from TABLES
    sql = f"SELECT coalesce(max({spec.id_column}), 0) FROM {spec.table}"  # noqa: S608
    row = cur.execute(sql).fetchone()
    return int(row[0] if row else 0) + 1


def _write(w: gateway.Write, spec: TableSpec, change: Change, import_id: str) -> None:
    now = datetime.now()
    cols = dict(change.values)
    cols["import_id"] = import_id
    if spec.table in _DEMO_FLAG:
        cols["is_demo"] = False
    if spec.table in _STAMPED:
        cols["updated_at"] = now
        cols["updated_by"] = w.actor_name
    if spec.table == "region_population":
        # an imported figure: a reload of the reference CSV leaves it alone (vocab.ORIGINS)
        cols.update(origin="import", loaded_by=w.actor_name, loaded_at=now)
    names = list(cols)
    params = {f"p{i}": cols[n] for i, n in enumerate(names)}
    if change.outcome == NEW:
        if spec.table in _STAMPED:
            names.append("created_at")
            params[f"p{len(names) - 1}"] = now
        if spec.table == "initiatives":
            names.append("from_programme")
            params[f"p{len(names) - 1}"] = False
        holders = ", ".join(f"$p{i}" for i in range(len(names)))
        # table and columns from TABLES and this module, never from a file
        w.cur.execute(
            f"INSERT INTO {spec.table} ({', '.join(names)}) VALUES ({holders})",  # noqa: S608
            params,
        )
        return
    sets = ", ".join(f"{n} = $p{i}" for i, n in enumerate(names))
    if spec.table in _STAMPED:
        sets += ", version = version + 1"
    where = " AND ".join(f"{c} = $k{i}" for i, c in enumerate(change.key))
    params.update({f"k{i}": val for i, val in enumerate(change.key.values())})
    w.cur.execute(f"UPDATE {spec.table} SET {sets} WHERE {where}", params)  # noqa: S608


def apply(
    store: Store,
    actor: ActorRef,
    parsed: Parsed,
    *,
    data: bytes | None = None,
    file_bytes: int = 0,
    file_sha: str = "",
    expect: Mapping[str, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Applied:
    """Apply ``parsed`` as ``actor`` in one transaction: all rows or none.

    Planned again inside the transaction: with ``expect`` (the preview's counts) a store that
    changed since the preview raises :class:`ImportStale` and writes nothing. Raises
    :class:`~creative_dash.access.AccessDenied` when the gateway refuses any row (recorded),
    :class:`ImportRefused` when the file has problems or rows the actor may not write. ``progress(done, total)`` is called after each
    row written (the kill test waits on it)."""
    if not parsed.ok:
        raise ImportRefused(parsed.problems)
    spec = parsed.spec
    import_id = uuid.uuid4().hex
    if data is not None:
        file_bytes, file_sha = len(data), file_sha256(data)
    log: dict[str, Any] = {
        "import_id": import_id,
        "table_name": spec.table,
        "file_name": parsed.file_name[:255],
        "file_sha256": file_sha,
        "file_bytes": file_bytes,
        "rows_in_file": len(parsed.rows),
    }
    with _batch(store, actor, log) as job:
        again = _plan(job.cur, job.user, parsed, {})
        if again.problems:
            raise ImportRefused(again.problems)
        counts = again.counts()
        if expect is not None and {k: expect.get(k, 0) for k in OUTCOMES} != counts:
            raise ImportStale("the store changed since the preview")
        log.update(inserted=counts[NEW], updated=counts[UPDATED], unchanged=counts[UNCHANGED])
        todo = [c for c in again.changes if c.outcome in (NEW, UPDATED)]
        next_id = _next_id(job.cur, spec) if spec.id_column else 0
        for done, change in enumerate(todo, start=1):
            if change.outcome == NEW and spec.id_column:
                change.values[spec.id_column] = next_id
                change.key = {spec.id_column: next_id}
                next_id += 1
            action = INSERT if change.outcome == NEW else UPDATE
            with job.row(spec.table, key=change.key, action=action) as w:
                _write(w, spec, change, import_id)
            if progress is not None:
                progress(done, len(todo))
    return Applied(import_id, counts)


@contextmanager
def _batch(store: Store, actor: ActorRef, log: dict[str, Any]) -> Iterator[gateway.Batch]:
    # the log dict is filled in (counts) inside the transaction, before the gateway writes it
    with gateway.batch(store, actor, import_log=log) as job:
        yield job


def history(store: Store, limit: int = 20) -> pd.DataFrame:
    """The latest imports: when, who (login or system actor), table, file, counts."""
    return store.query(
        "SELECT i.imported_at, coalesce(u.login, i.actor) AS actor, i.table_name, i.file_name, "
        "i.inserted, i.updated, i.unchanged FROM imports i LEFT JOIN users u "
        "ON u.user_id = i.actor ORDER BY i.imported_at DESC LIMIT $n",
        {"n": limit},
    )


def current_frame(
    store: Store, table: str, t: Translator, region: str | None = None
) -> pd.DataFrame:
    """The table's rows (of one region, if given) in its import layout, headers in ``t``'s
    language: a file to correct and import again (it re-imports unchanged)."""
    spec = TABLES[table]
    cols = ", ".join(c.column for c in spec.columns)
    region_col = spec.column("region").column
    order = ", ".join(spec.column(n).column for n in (spec.id_column or "",) if n) or cols
    where = f" WHERE {region_col} = $r" if region else ""
    # table and columns from TABLES
    frame = store.query(
        f"SELECT {cols} FROM {spec.table}{where} ORDER BY {order}",  # noqa: S608
        {"r": region} if region else None,
    )
    frame.columns = [t(f"imports.col.{c.name}") for c in spec.columns]
    return frame
