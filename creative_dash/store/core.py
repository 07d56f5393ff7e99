"""The store: one DuckDB database per process, a cursor per query, migrations, writes.

DuckDB connections are not thread-safe and Streamlit runs every session in its own thread, so
the process keeps one connection per location and hands each query its own ``cursor()``.
A DuckDB file has a single writer process: a second process gets :class:`StoreLocked`, whose
message says what to do, instead of a stack trace.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from creative_dash import settings
from creative_dash.access import SYSTEM

Params = Mapping[str, Any] | None


class StoreError(RuntimeError):
    """A store problem a user can act on; the message says what to do."""


class StoreLocked(StoreError):
    pass


_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<prog>.*?) \(PID (?P<pid>\d+)\)")


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every file in creative_dash/store/schema, in order."""
    out = []
    for entry in resources.files("creative_dash.store.schema").iterdir():
        m = re.fullmatch(r"(\d{3})_(\w+)\.sql", entry.name)
        if m:
            out.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    return sorted(out)


SCHEMA_VERSION = _migrations()[-1][0]


def _split_sql(script: str) -> list[str]:
    """Statements of a migration file (our files put no '--' or ';' inside string literals)."""
    without_comments = re.sub(r"--[^\n]*", "", script)
    return [s.strip() for s in without_comments.split(";") if s.strip()]


class Store:
    """All SQL runs through here, with values bound as named parameters (``$name``)."""

    def __init__(self, location: str, *, read_only: bool = False) -> None:
        self.location = location
        self.read_only = read_only
        self._con = self._connect()
        # The data version of an embedded DuckDB file, kept in memory (see data_version).
        self._version: int | None = None
        self._version_lock = threading.Lock()
        self._reload_version()

    # -- connection -------------------------------------------------------------------------
    def _connect(self) -> duckdb.DuckDBPyConnection:
        config = {
            "memory_limit": settings.get("CREATIVE_DASH_DUCKDB_MEMORY_LIMIT"),
            "threads": int(settings.get("CREATIVE_DASH_DUCKDB_THREADS")),
        }
        if self.is_postgres:
            return self._connect_postgres(config)
        path = Path(self.location)
        if not self.read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return duckdb.connect(str(path), read_only=self.read_only, config=config)
        except duckdb.IOException as exc:
            m = _LOCK_RE.search(str(exc))
            if m or "lock" in str(exc).lower():
                holder = f"process {m.group('pid')}" if m else "another process"
                raise StoreLocked(
                    f"The store {path} is in use by {holder} (most likely the running "
                    "dashboard: a DuckDB file has one writer at a time). Stop that process "
                    "and run the command again, or set CREATIVE_DASH_DB to another file."
                ) from None
            raise StoreError(f"Cannot open the store {path}: {exc}") from None

    def _connect_postgres(self, config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:", config=config)
        try:
            import duckdb_extension_postgres_scanner as ext  # noqa: F401

            ext_file = next(
                Path(ext.__file__).parent.glob(
                    f"extensions/v{duckdb.__version__}/*.duckdb_extension"
                )
            )
        except (ImportError, StopIteration):
            raise StoreError(
                "CREATIVE_DASH_DB is a PostgreSQL URL but the DuckDB postgres extension for "
                f"duckdb {duckdb.__version__} is not installed: pip install "
                f"duckdb-extension-postgres-scanner=={duckdb.__version__}"
            ) from None
        con.execute(f"LOAD '{ext_file}'")
        # ATTACH takes no bound parameters; the URL comes from the operator's settings, and is
        # quoted as a SQL string literal.
        literal = "'" + self.location.replace("'", "''") + "'"
        con.execute(f"ATTACH {literal} AS store (TYPE postgres)")
        return con

    def close(self) -> None:
        self._con.close()

    @property
    def is_postgres(self) -> bool:
        return self.location.startswith(("postgresql://", "postgres://"))

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self._con.cursor()
        if self.is_postgres:
            cur.execute("USE store")  # a cursor does not inherit its parent's USE
        return cur

    # -- reads --------------------------------------------------------------------------------
    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, dict(params or {})).df()
        finally:
            cur.close()

    def scalar(self, sql: str, params: Params = None) -> Any:
        cur = self.cursor()
        try:
            row = cur.execute(sql, dict(params or {})).fetchone()
            return None if row is None else row[0]
        finally:
            cur.close()

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one read transaction: its statements all see the same rows, whatever
        other threads commit meanwhile. Nothing it does is kept."""
        cur = self.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
        finally:
            cur.execute("ROLLBACK")
            cur.close()

    def table_exists(self, name: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = $name "
                "AND table_catalog = current_database()",
                {"name": name},
            )
        )

    def _applied_migrations(self) -> set[int]:
        if not self.table_exists("schema_version"):
            return set()
        return set(self.query("SELECT version FROM schema_version")["version"].astype(int))

    def schema_version(self) -> int:
        if not self.table_exists("schema_version"):
            return 0
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM schema_version"))

    def data_version(self) -> int:
        """Changes on every write; caches key on it (``ui.q`` asks for it on every query).

        An embedded DuckDB file has a single writer, this process (the file is locked), and
        every write goes through :meth:`transaction`, which bumps the version: so the version is
        kept in memory, read when the store opens and after migrations, and set when a
        transaction commits. (A write on a bare :meth:`cursor` would go unseen: write through
        :meth:`transaction`.) On PostgreSQL other processes write too: read every time."""
        version = self._version
        if version is None or self.is_postgres:
            return self._read_version()
        return version

    def _read_version(self, cur: duckdb.DuckDBPyConnection | None = None) -> int:
        sql = "SELECT version FROM data_version WHERE id = 1"
        if cur is None:
            return int(self.scalar(sql))
        return int(cur.execute(sql).fetchone()[0])

    def _reload_version(self) -> None:
        if not self.is_postgres and self.table_exists("data_version"):
            self._note_version(self._read_version())

    def _note_version(self, version: int) -> None:
        """Keep the newest version seen: transactions of several threads may commit in one
        order and get here in another (each one's version is read inside it, and a committed
        transaction's version is higher than that of any committed before it)."""
        with self._version_lock:
            if self._version is None or version > self._version:
                self._version = version

    # -- writes -------------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN/COMMIT; the data version is bumped before commit."""
        if self.read_only:
            raise StoreError("The store is open read-only.")
        cur = self.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            yield cur
            cur.execute(
                "UPDATE data_version SET version = version + 1, changed_at = CURRENT_TIMESTAMP "
                "WHERE id = 1"
            )
            version = None if self.is_postgres else self._read_version(cur)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()
        if version is not None:
            self._note_version(version)

    def migrate(self, target: int | None = None) -> list[int]:
        """Apply every migration newer than the store's schema version (up to ``target``);
        returns those applied. Each runs in its own transaction: a failure leaves the store at
        the last good version. Files are applied in order of their number, each one not yet
        recorded in ``schema_version``: numbers may have gaps, and a migration merged later with
        a lower number than one already applied (two branches adding migrations at once) is
        still applied. Each leaves an ``audit_log`` row (actor ``system``, action ``migrate``)."""
        applied = []
        done = self._applied_migrations()
        for version, name, sql in _migrations():
            if version in done or (target is not None and version > target):
                continue
            cur = self.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                if version == 1:
                    cur.execute(
                        "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR "
                        "NOT NULL, applied_at TIMESTAMP NOT NULL)"
                    )
                for stmt in _split_sql(sql):
                    cur.execute(stmt)
                cur.execute(
                    "INSERT INTO schema_version VALUES ($v, $n, CURRENT_TIMESTAMP)",
                    {"v": version, "n": name},
                )
                # Recorded as the system user, in the migration's own transaction.
                audit(
                    cur,
                    actor=SYSTEM.name,
                    table="schema_version",
                    row_key=str(version),
                    action="migrate",
                    after={"name": name},
                )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()
            applied.append(version)
        if applied:
            self._reload_version()
        return applied


def audit(
    cur: duckdb.DuckDBPyConnection,
    *,
    actor: str,
    table: str,
    row_key: str,
    action: str,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit row inside the caller's transaction."""
    cur.execute(
        "INSERT INTO audit_log VALUES ($id, $at, $actor, $table, $key, $action, $before, $after)",
        {
            "id": uuid.uuid4().hex,
            "at": datetime.now(),
            "actor": actor,
            "table": table,
            "key": row_key,
            "action": action,
            "before": None
            if before is None
            else json.dumps(before, default=str, ensure_ascii=False),
            "after": None if after is None else json.dumps(after, default=str, ensure_ascii=False),
        },
    )


_STORES: dict[tuple[str, bool], Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(location: str | None = None, *, read_only: bool = False) -> Store:
    """The process's one Store for this location (created on first use)."""
    location = location or settings.db_location()
    key = (location, read_only)
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None:
            store = Store(location, read_only=read_only)
            _STORES[key] = store
        return store


def close_all() -> None:
    """Close every store of this process (tests use it between databases)."""
    with _STORES_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()
