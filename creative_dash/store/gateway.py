"""The one write path: every change the app makes to the store goes through here.

Each write names its actor: a user id (a string the UI holds for a signed-in session) or a
:class:`~creative_dash.access.SystemActor`. Inside one transaction the gateway

1. re-reads the actor from ``users`` (an unknown id is anonymous; a disabled account is refused;
   the role and region are the store's, whatever the session believed);
2. reads the row as it is, and the row's region from the store (for region-bound tables,
   through the parent row where the table has no region of its own);
3. asks :func:`creative_dash.access.decide`; refused: nothing is written;
4. hands the caller a cursor for the write (``Write.cur``);
5. reads the row again and asks again with the row's region after the write and the columns the
   write changed (so a region editor can neither touch another region's row nor move a row
   there, whatever id or region the caller passed);
6. appends the ``audit_log`` row (who, when, table, row key, action, the row before and after;
   secret columns masked) and commits.

A refusal rolls back the write, is logged, and leaves an ``audit_log`` row of action
``refused`` (in its own transaction, so it survives the rollback); then :class:`AccessDenied`
is raised with a message key (``access.denied.<reason>``, kk/ru/en).

Example::

    with gateway.write(store, user_id, "initiatives", key=42, action="update") as w:
        w.cur.execute("UPDATE initiatives SET status = $s, updated_by = $a, ... "
                      "WHERE initiative_id = $k", {"s": status, "a": w.actor_name, "k": 42})

Whole-table loads (reference data, demo data) use :func:`load`, which checks that the actor may
load every table named and leaves one ``load`` audit row per table.

Not through here, by design: votes (anonymous; the ``votes`` table is their record and a voter
token the server issued is their check, see ``creative_dash.live.writes``), voter tokens, and
sign-in attempts (``creative_dash.store.users``: they are themselves a log); migrations are
recorded by :meth:`Store.migrate` as the system user.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from creative_dash import access, editing
from creative_dash.access import (
    LOAD,
    REFUSED,
    RULES,
    AccessDenied,
    Actor,
    SystemActor,
)
from creative_dash.store.core import Store, StoreConflict, audit, retry_conflicts, topic_of

__all__ = [
    "AccessDenied",
    "ActorRef",
    "Batch",
    "StaleRow",
    "Load",
    "Write",
    "actor_name",
    "batch",
    "load",
    "read_actor",
    "write",
]

log = logging.getLogger(__name__)
ActorRef = str | SystemActor | None
ANONYMOUS = "anonymous"  # audit_log.actor of a refused write that named no known user
REFUSAL_ATTEMPTS = 20  # tries to record a refusal when other writers conflict


def actor_name(actor: ActorRef) -> str:
    """What ``audit_log.actor`` and ``updated_by`` columns hold for this actor."""
    if isinstance(actor, SystemActor):
        return actor.name
    return actor if isinstance(actor, str) and actor else ANONYMOUS


def read_actor(cur: duckdb.DuckDBPyConnection | Store, actor: ActorRef) -> Actor | None:
    """The actor as the store holds it now (None: anonymous or an unknown user id)."""
    if isinstance(actor, SystemActor):
        return access.actor_of(actor)
    if not isinstance(actor, str) or not actor:
        return None
    sql = "SELECT user_id, role, region_iso, disabled FROM users WHERE user_id = $u"
    if isinstance(cur, Store):
        with cur.snapshot() as snap:
            row = snap.execute(sql, {"u": actor}).fetchone()
    else:
        row = cur.execute(sql, {"u": actor}).fetchone()
    if row is None:
        return None
    return Actor(user_id=row[0], role=row[1], region_iso=row[2], disabled=bool(row[3]))


def _key_values(rule: access.TableRule, key: Any) -> dict[str, Any]:
    if isinstance(key, Mapping):
        missing = [c for c in rule.key if c not in key]
        if missing:
            raise ValueError(f"{rule.table}: key needs {missing}")
        return {c: key[c] for c in rule.key}
    values = tuple(key) if isinstance(key, tuple | list) else (key,)
    if len(values) != len(rule.key):
        raise ValueError(f"{rule.table}: key is {rule.key}, got {key!r}")
    return dict(zip(rule.key, values, strict=True))


def _row_key(key: Mapping[str, Any]) -> str:
    return "/".join(str(v) for v in key.values())


def _read_row(
    cur: duckdb.DuckDBPyConnection, rule: access.TableRule, key: Mapping[str, Any]
) -> dict[str, Any] | None:
    # Table and column names come from access.RULES, never from a caller's text.
    where = " AND ".join(f"{col} = $k{i}" for i, col in enumerate(key))
    params = {f"k{i}": v for i, v in enumerate(key.values())}
    res = cur.execute(f"SELECT * FROM {rule.table} WHERE {where}", params)  # noqa: S608
    row = res.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in res.description], row, strict=True))


def _region_of(
    cur: duckdb.DuckDBPyConnection, rule: access.TableRule, row: Mapping[str, Any] | None
) -> str | None:
    if row is None or rule.region is None:
        return None
    if rule.region.via is None:
        value = row.get(rule.region.column)
        return None if value is None else str(value)
    parent, link = rule.region.via
    found = cur.execute(
        f"SELECT {rule.region.column} FROM {parent} WHERE {link} = $v",  # noqa: S608
        {"v": row.get(link)},
    ).fetchone()
    return None if found is None or found[0] is None else str(found[0])


def _masked(rule: access.TableRule, row: Mapping[str, Any] | None, other: Any) -> Any:
    if row is None:
        return None
    out = dict(row)
    for col in rule.secret_columns & out.keys():
        if out[col] is not None:
            changed = other is None or other.get(col) != row[col]
            out[col] = "<changed>" if changed else "<set>"
    return out


def _changed(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> set[str]:
    if before is None or after is None:
        return set((before or after or {}).keys())
    return {c for c in after if before.get(c) != after.get(c)}


def _record_refusal(
    store: Store,
    actor: ActorRef,
    table: str,
    row_key: str,
    action: str,
    reason: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """The refusal's audit row, in its own transaction (the refused one was rolled back)."""
    name = actor_name(actor)
    log.warning("refused: %s %s %s/%s (%s)", name, action, table, row_key, reason)

    def record() -> None:
        with store.transaction(topic="audit") as cur:
            audit(
                cur,
                actor=name,
                table=table,
                row_key=row_key,
                action=REFUSED,
                after={"action": action, "reason": reason, **(detail or {})},
            )

    try:
        # another writer's transaction: try again (the write itself was already refused)
        retry_conflicts(record, attempts=REFUSAL_ATTEMPTS, where=store.where)
    except StoreConflict:
        log.error("could not record the refusal of %s %s %s/%s", name, action, table, row_key)


class _Refused(Exception):
    def __init__(
        self, reason: str, table: str = "", row_key: str = "", action: str = "", **detail: Any
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.table = table
        self.row_key = row_key
        self.action = action
        self.detail = detail


class StaleRow(AccessDenied):
    """A write naming a row version older than the store's: somebody else changed (or deleted)
    the row since the writer read it. ``by`` (a display name, or the actor as the audit log
    names it) and ``at`` say who and when, where the store knows."""

    def __init__(self, *, by: str | None, at: datetime | None, deleted: bool) -> None:
        super().__init__("stale")
        self.by, self.at, self.deleted = by, at, deleted

    def message(self, t: Any) -> str:
        if self.by is None or self.at is None:
            return str(t("access.denied.stale"))
        when = f"{t.date(self.at)} {self.at:%H:%M}"
        key = "access.stale.deleted" if self.deleted else "access.stale.changed"
        return str(t(key, who=self.by, when=when))


def _denied(refused: _Refused) -> AccessDenied:
    if refused.reason == "stale":
        d = refused.detail
        return StaleRow(by=d.get("by"), at=d.get("at"), deleted=bool(d.get("deleted")))
    return AccessDenied(refused.reason)


def _who(cur: duckdb.DuckDBPyConnection, actor: Any) -> str | None:
    """A writer as people know them: the account's display name, else the stored name."""
    if actor is None:
        return None
    found = cur.execute("SELECT display_name FROM users WHERE user_id = $u", {"u": str(actor)})
    row = found.fetchone()
    return str(row[0]) if row else str(actor)


def _stale(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    row_key: str,
    before: Mapping[str, Any] | None,
    expect_version: int,
) -> dict[str, Any] | None:
    """Who changed the row and when, when a write naming ``expect_version`` is stale (None:
    it is not)."""
    if before is not None and int(before.get("version") or 0) == int(expect_version):
        return None
    if before is not None:
        at, by = before.get("updated_at"), before.get("updated_by")
    else:  # deleted since it was read: the audit log says by whom
        last = cur.execute(
            "SELECT actor, logged_at FROM audit_log WHERE table_name = $t AND row_key = $k "
            "AND action <> 'refused' ORDER BY logged_at DESC LIMIT 1",
            {"t": table, "k": row_key},
        ).fetchone()
        by, at = (last[0], last[1]) if last else (None, None)
    return {"by": _who(cur, by), "at": at, "deleted": before is None, "expected": expect_version}


def _bump_version(
    cur: duckdb.DuckDBPyConnection,
    rule: access.TableRule,
    key: Mapping[str, Any],
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    name: str,
) -> None:
    """Every update of a versioned row raises its version (whoever wrote it: an editor, an
    import, a script), so a later write naming the old version is refused as stale."""
    if "version" not in after or after.get("version") != before.get("version"):
        return
    if not _changed(before, after) - access.BOOKKEEPING:
        return
    sets = ["version = $v"]
    params: dict[str, Any] = {"v": int(before.get("version") or 0) + 1}
    if "updated_at" in after and after.get("updated_at") == before.get("updated_at"):
        sets.append("updated_at = $at")
        params["at"] = datetime.now()
    if "updated_by" in after and after.get("updated_by") == before.get("updated_by"):
        sets.append("updated_by = $by")
        params["by"] = name
    where = " AND ".join(f"{col} = $k{i}" for i, col in enumerate(key))
    params.update({f"k{i}": v for i, v in enumerate(key.values())})
    # table and column names from access.RULES
    cur.execute(f"UPDATE {rule.table} SET {', '.join(sets)} WHERE {where}", params)  # noqa: S608


@dataclass
class Write:
    """One row's write in progress: write with ``cur``; ``before`` is the row as it was."""

    cur: duckdb.DuckDBPyConnection
    actor: Actor
    actor_name: str
    table: str
    key: dict[str, Any]
    before: dict[str, Any] | None


@dataclass
class Batch:
    """Several rows written in one transaction (an import): each through :meth:`row`, checked
    and audited as :func:`write` checks and audits one; one refusal rolls them all back."""

    cur: duckdb.DuckDBPyConnection
    user: Actor | None
    actor_name: str
    rows: int = 0

    @contextmanager
    def row(
        self, table: str, *, key: Any, action: str, expect_version: int | None = None
    ) -> Iterator[Write]:
        """Write one row of ``table`` inside the batch (see :func:`write`). ``expect_version``:
        the row version the writer read; an update or delete of a row whose version differs
        (or that is gone) is refused as stale (:class:`StaleRow`)."""
        if table not in RULES or action not in access.ROW_ACTIONS:
            refusal = "audit_log" if table in access.APPEND_ONLY else "table"
            raise _Refused(refusal, table, str(key), action)
        rule = RULES[table]
        the_key = _key_values(rule, key)
        row_key = _row_key(the_key)
        cur, user = self.cur, self.user
        before = _read_row(cur, rule, the_key)
        region_before = _region_of(cur, rule, before)
        reason: str | None = access.decide(
            user, table, action, row_before=before is not None, region_before=region_before
        )
        if reason is not None:
            raise _Refused(reason, table, row_key, action)
        assert user is not None
        if expect_version is not None and action != access.INSERT:
            stale = _stale(cur, table, row_key, before, expect_version)
            if stale is not None:
                raise _Refused("stale", table, row_key, action, **stale)
        yield Write(cur, user, self.actor_name, table, the_key, before)
        after = _read_row(cur, rule, the_key)
        if before is not None and after is not None:
            _bump_version(cur, rule, the_key, before, after, self.actor_name)
            after = _read_row(cur, rule, the_key)
        reason = access.decide(
            user,
            table,
            action,
            row_before=before is not None,
            region_before=region_before,
            row_after=after is not None,
            region_after=_region_of(cur, rule, after),
            changed=_changed(before, after),
        )
        if reason is None and before is not None and after is not None:
            reason = editing.transition_refused(table, before, after)
        if reason is not None:
            raise _Refused(reason, table, row_key, action)
        if before is not None or after is not None:
            audit(
                cur,
                actor=self.actor_name,
                table=table,
                row_key=row_key,
                action=action,
                before=_masked(rule, before, after),
                after=_masked(rule, after, before),
            )
            self.rows += 1


@contextmanager
def write(
    store: Store,
    actor: ActorRef,
    table: str,
    *,
    key: Any,
    action: str,
    expect_version: int | None = None,
) -> Iterator[Write]:
    """Write one row of ``table`` (identified by ``key``: a value, a tuple in the table's key
    order, or a mapping) as ``actor``; ``action`` is insert, update or delete;
    ``expect_version`` the row version the writer read (see :meth:`Batch.row`).

    Raises :class:`AccessDenied` (after rolling back and recording the refusal) when the actor
    may not; anything the caller raises inside rolls the write back and propagates."""
    with (
        batch(store, actor, topic=topic_of(table)) as job,
        job.row(table, key=key, action=action, expect_version=expect_version) as w,
    ):
        yield w


# What an import's log row holds (the ``imports`` table, migration 007), besides its id, time
# and actor: the gateway writes it, in the import's transaction, with an audit row.
IMPORT_LOG_FIELDS = (
    "table_name",
    "file_name",
    "file_sha256",
    "file_bytes",
    "rows_in_file",
    "inserted",
    "updated",
    "unchanged",
)


@contextmanager
def batch(
    store: Store,
    actor: ActorRef,
    *,
    import_log: Mapping[str, Any] | None = None,
    topic: str = "data",
) -> Iterator[Batch]:
    """Write many rows in one transaction as ``actor``: all of them or none (a refusal of any
    row, a fault, or the process killed midway leaves the store as it was). With
    ``import_log`` (:data:`IMPORT_LOG_FIELDS`), the ``imports`` row of this import is written in
    the same transaction; its ``import_id`` is ``import_log["import_id"]``. ``topic``: the data
    topic whose version the batch bumps (``creative_dash.store.topic_of``)."""
    name = actor_name(actor)
    try:
        with store.transaction(topic=topic) as cur:
            job = Batch(cur, read_actor(cur, actor), name)
            yield job
            if import_log is not None:
                _log_import(cur, job, import_log)
    except _Refused as refused:
        detail = {k: v for k, v in refused.detail.items() if k in ("expected", "deleted")}
        _record_refusal(
            store, actor, refused.table, refused.row_key, refused.action, refused.reason, detail
        )
        raise _denied(refused) from None


def _log_import(cur: duckdb.DuckDBPyConnection, job: Batch, log_row: Mapping[str, Any]) -> None:
    table = str(log_row["table_name"])
    if job.user is None or job.user.disabled:
        raise _Refused("sign_in" if job.user is None else "disabled", "imports", "", "insert")
    row = {k: log_row[k] for k in IMPORT_LOG_FIELDS}
    import_id = str(log_row["import_id"])
    cur.execute(
        "INSERT INTO imports (import_id, imported_at, actor, table_name, file_name, "
        "file_sha256, file_bytes, rows_in_file, inserted, updated, unchanged) VALUES "
        "($id, $at, $actor, $table_name, $file_name, $file_sha256, $file_bytes, "
        "$rows_in_file, $inserted, $updated, $unchanged)",
        {"id": import_id, "at": datetime.now(), "actor": job.actor_name, **row},
    )
    audit(
        cur,
        actor=job.actor_name,
        table="imports",
        row_key=import_id,
        action="import",
        after={**row, "into": table, "rows_written": job.rows},
    )


@dataclass
class Load:
    """A whole-table load in progress: write with ``cur``; say what was loaded per table with
    :meth:`loaded` (it becomes the table's audit row)."""

    cur: duckdb.DuckDBPyConnection
    actor_name: str
    dataset: str
    tables: tuple[str, ...]
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)

    def loaded(self, table: str, **info: Any) -> None:
        if table not in self.tables:
            raise ValueError(f"{table} is not one of this load's tables {self.tables}")
        self.summary.setdefault(table, {}).update(info)


@contextmanager
def load(store: Store, actor: ActorRef, dataset: str, tables: Sequence[str]) -> Iterator[Load]:
    """Replace whole tables (reference or demo data) in one transaction as ``actor``, recording
    it in ``dataset_loads`` is the caller's; one ``load`` audit row per table is the gateway's."""
    names = tuple(tables)
    topics = {topic_of(t) for t in names}
    try:
        with store.transaction(topic=topics.pop() if len(topics) == 1 else "data") as cur:
            user = read_actor(cur, actor)
            for table in (*names, "dataset_loads"):
                action = "insert" if table == "dataset_loads" else LOAD
                reason = access.decide(user, table, action)
                if reason is not None:
                    raise _Refused(reason)
            job = Load(cur, actor_name(actor), dataset, names)
            yield job
            for table in names:
                audit(
                    cur,
                    actor=job.actor_name,
                    table=table,
                    row_key=dataset,
                    action=LOAD,
                    after=job.summary.get(table) or {},
                )
    except _Refused as refused:
        _record_refusal(store, actor, ",".join(names), dataset, LOAD, refused.reason)
        raise AccessDenied(refused.reason) from None


def audit_json(value: str | None) -> Any:
    """An audit row's before/after JSON as Python values (for readers of the log)."""
    return None if value is None else json.loads(value)
