"""The store: one DuckDB database per process, a cursor per query, migrations, writes.

DuckDB connections are not thread-safe and Streamlit runs every session in its own thread, so
the process keeps one connection per location and hands each query its own ``cursor()``.

Faults are named for what they are and what to do about them: every failure of the store itself
(not of our SQL) comes out of a :class:`Store` method as a :class:`StoreError` subclass
(:class:`StoreLocked`, :class:`StoreDamaged`, :class:`StoreNoSpace`, :class:`StoreNoPermission`,
:class:`StoreUnreachable`, :class:`StoreBadLocation`) whose text tells the operator what to do
(with every password redacted) and whose ``message_key`` names what users are shown. A fault
that leaves DuckDB unusable ("database has been invalidated", after a failed checkpoint on a full
disk) makes the next use reopen the connection, so freeing the disk is enough: no restart.

The connection can do only what the app needs: after the postgres extension is loaded and
attached, external access (files, other databases, extensions) is switched off and the
configuration locked.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from creative_dash import settings
from creative_dash.access import SYSTEM
from creative_dash.settings import redact
from creative_dash.store import rebuild

Params = Mapping[str, Any] | None
log = logging.getLogger(__name__)


# -- faults ---------------------------------------------------------------------------------------
class StoreError(RuntimeError):
    """A store problem an operator can act on. ``str()`` says what happened and what to do (in
    English, for the command line and the log; passwords redacted); ``message_key`` names the
    message users see (``store.*`` in the catalogues)."""

    message_key = "store.failed"
    advice = (
        "Try again: a running dashboard reopens the store by itself. If this repeats, see the "
        "server log and restart the dashboard."
    )
    what = "The store {where} failed"

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail

    @classmethod
    def at(cls, location: str, detail: str = "") -> StoreError:
        """The fault of the store at ``location``, its cause in ``detail``."""
        where = redact(location)
        detail = redact(detail)
        text = cls.what.format(where=where) + (f": {detail}" if detail else "") + ". " + cls.advice
        return cls(text, detail=detail)


class StoreLocked(StoreError):
    """Busy: another process has the DuckDB file open, or an init holds the init lock."""

    message_key = "store.busy"
    what = "The store {where} is in use by another process"
    advice = (
        "Stop that process and try again (a DuckDB file has one writer at a time), or set "
        "CREATIVE_DASH_DB to another file."
    )

    def __init__(self, message: str, *, detail: str = "", pid: int | None = None) -> None:
        super().__init__(message, detail=detail)
        self.pid = pid


class StoreDamaged(StoreError):
    message_key = "store.damaged"
    what = "The store {where} is damaged"
    advice = (
        "Restore it from a backup (or move it aside and build a new one with "
        "`python -m creative_dash init`), then restart the dashboard."
    )


class StoreNoSpace(StoreError):
    message_key = "store.no_space"
    what = "No space is left on the disk of the store {where}"
    advice = (
        "Free some disk space and try again: a running dashboard recovers by itself, no "
        "restart needed."
    )


class StoreNoPermission(StoreError):
    message_key = "store.no_permission"
    what = "The store {where} may not be opened or written by this user"
    advice = (
        "Give the dashboard's user read and write access to the file and its folder (on "
        "PostgreSQL: check the user, the password and the user's grants)."
    )


class StoreUnreachable(StoreError):
    message_key = "store.unreachable"
    what = "The PostgreSQL server of the store {where} cannot be reached"
    advice = (
        "Check that the server runs and that the host and port are right, then try again: a "
        "running dashboard reconnects by itself."
    )


class StoreBadLocation(StoreError):
    message_key = "store.bad_location"
    what = "The store location {where} cannot be used"
    advice = (
        "Set CREATIVE_DASH_DB (or --db) to a DuckDB file in a folder that exists or can be "
        "created, or to the URL of an existing PostgreSQL database."
    )


# Every message key a store fault may show (tests check pages show none of them).
MESSAGE_KEYS: tuple[str, ...] = tuple(
    dict.fromkeys(
        c.message_key
        for c in (
            StoreError,
            StoreLocked,
            StoreDamaged,
            StoreNoSpace,
            StoreNoPermission,
            StoreUnreachable,
            StoreBadLocation,
        )
    )
)

# What the text of a DuckDB, PostgreSQL or OS error says, in the order asked (a PostgreSQL
# connection error that names a refused password is a permission problem, not an unreachable
# server). Matched on the lower-cased text.
_FAULT_TEXTS: tuple[tuple[type[StoreError], tuple[str, ...]], ...] = (
    (StoreLocked, ("conflicting lock is held", "could not set lock on file")),
    (StoreNoSpace, ("no space left on device", "disk quota exceeded", "could not extend file")),
    (
        StoreNoPermission,
        (
            "permission denied",
            "read-only file system",
            "password authentication failed",
            "no password supplied",
            "no pg_hba.conf entry",
        ),
    ),
    (
        StoreBadLocation,
        (
            "not a directory",
            "is a directory",
            "no such file or directory",
            "database does not exist",
        ),
    ),
    (
        StoreDamaged,
        (
            "not a valid duckdb database file",
            "corrupt database file",
            "checksum",
            "could not read enough bytes",
            "database file is corrupt",
        ),
    ),
    (
        StoreUnreachable,
        (
            "unable to connect to postgres",
            "could not connect to server",
            "connection refused",
            "server closed the connection",
            "no connection to the server",
            "terminating connection",
            "could not translate host name",
            "could not receive data",
            "could not send data",
            "connection timed out",
            "timeout expired",
            "ssl syscall error",
            "the database system is shutting down",
            "the database system is starting up",
            "the database system is in recovery mode",
            "connection to server at",
        ),
    ),
)
_PG_NO_DATABASE = re.compile(r'database "[^"]*" does not exist')
_PG_NO_ROLE = re.compile(r'role "[^"]*" does not exist')
_ERRNO_FAULTS: dict[int, type[StoreError]] = {
    errno.ENOSPC: StoreNoSpace,
    errno.EDQUOT: StoreNoSpace,
    errno.EACCES: StoreNoPermission,
    errno.EPERM: StoreNoPermission,
    errno.EROFS: StoreNoPermission,
    errno.ENOTDIR: StoreBadLocation,
    errno.EEXIST: StoreBadLocation,
    errno.ENOENT: StoreBadLocation,
    errno.EISDIR: StoreBadLocation,
    errno.ENAMETOOLONG: StoreBadLocation,
}
_INVALIDATED = "database has been invalidated"


def _detail(exc: BaseException) -> str:
    """The error's own words, short: its first line and the original error of an invalidated
    database."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    original = re.search(r'Original error: "(.*)"', text, re.S)
    if original:
        first = original.group(1).splitlines()[0]
    first = re.sub(
        r"^(FATAL |IO |TransactionContext |Invalid Input |Connection )?Error: ", "", first
    )
    return first[:300].rstrip("!. ")


def fault_class(exc: BaseException) -> type[StoreError] | None:
    """The kind of store fault ``exc`` is, or None when it is not one (a bug in our SQL, a
    write conflict, a value rejected by a constraint)."""
    if isinstance(exc, StoreError):
        return type(exc)
    if isinstance(exc, OSError) and exc.errno in _ERRNO_FAULTS:
        return _ERRNO_FAULTS[exc.errno]
    if not isinstance(exc, duckdb.Error | OSError):
        return None
    if isinstance(exc, duckdb.PermissionException):  # our own lock-down, not the disk's
        return None
    text = str(exc).lower()
    if _PG_NO_DATABASE.search(text):
        return StoreBadLocation
    if _PG_NO_ROLE.search(text):
        return StoreNoPermission
    for cls, needles in _FAULT_TEXTS:
        if any(n in text for n in needles):
            return cls
    if isinstance(exc, duckdb.FatalException) or _INVALIDATED in text:
        return StoreError
    return None


def store_fault(exc: BaseException, location: str = "") -> StoreError | None:
    """``exc`` as a :class:`StoreError` (itself if it is one), or None when it is not a fault
    of the store."""
    if isinstance(exc, StoreError):
        return exc
    cls = fault_class(exc)
    if cls is None:
        return None
    return cls.at(location or "(unknown)", _detail(exc))


def _needs_reopen(exc: BaseException) -> bool:
    """A DuckDB that has hit a fatal error refuses every later statement until it is opened
    again."""
    return isinstance(exc, duckdb.FatalException) or _INVALIDATED in str(exc).lower()


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


# The pg_advisory lock that makes an init on PostgreSQL wait for another one ("CD_INIT").
INIT_LOCK_KEY = 0x43445F494E4954
INIT_POLL_S = 0.25
# A DuckDB file's health check reports a full disk below this much free space.
MIN_FREE_BYTES = 1 << 20


class Store:
    """All SQL runs through here, with values bound as named parameters (``$name``)."""

    def __init__(self, location: str, *, read_only: bool = False) -> None:
        self.location = location
        self.where = redact(location)  # for messages and logs
        self.read_only = read_only
        self._con_lock = threading.Lock()
        self._init_lock = threading.Lock()
        self._broken = False  # a fatal error: the next use reopens the connection
        self._damage: StoreError | None = None  # damage a read ran into (see check)
        # The data version of an embedded DuckDB file, kept in memory (see data_version).
        self._version: int | None = None
        self._version_lock = threading.Lock()
        self._con: duckdb.DuckDBPyConnection | None = self._open()
        try:
            self._reload_version()
        except BaseException:
            self.close()
            raise

    # -- connection -------------------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        """A new connection, or the store's fault."""
        try:
            return self._connect()
        except Exception as exc:
            fault = store_fault(exc, self.location)
            if fault is None:
                raise
            raise fault from None

    def _connect(self) -> duckdb.DuckDBPyConnection:
        config = {
            "memory_limit": settings.get("CREATIVE_DASH_DUCKDB_MEMORY_LIMIT"),
            "threads": int(settings.get("CREATIVE_DASH_DUCKDB_THREADS")),
        }
        if self.is_postgres:
            con = self._connect_postgres(config)
        else:
            con = self._connect_file(config)
        try:
            self._lock_down(con)
        except BaseException:
            con.close()
            raise
        return con

    def _connect_file(self, config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
        path = Path(self.location)
        if not self.read_only:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except FileExistsError:
                # some part of the folder's path is a file
                raise StoreBadLocation.at(
                    self.location, f"{path.parent} cannot be a folder: a file is in the way"
                ) from None
            except OSError as exc:
                raise _os_fault(exc, self.location) from None
        try:
            return duckdb.connect(str(path), read_only=self.read_only, config=config)
        except duckdb.IOException as exc:
            m = _LOCK_RE.search(str(exc))
            if m:
                raise StoreLocked(
                    f"The store {self.where} is in use by process {m.group('pid')} (most likely "
                    "the running dashboard: a DuckDB file has one writer at a time). Stop that "
                    "process and run the command again, or set CREATIVE_DASH_DB to another file.",
                    pid=int(m.group("pid")),
                ) from None
            raise

    def _connect_postgres(self, config: dict[str, Any]) -> duckdb.DuckDBPyConnection:
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
        con = duckdb.connect(":memory:", config=config)
        try:
            con.execute(f"LOAD '{ext_file}'")
            # ATTACH takes no bound parameters; the URL comes from the operator's settings, and
            # is quoted as a SQL string literal.
            literal = "'" + self.location.replace("'", "''") + "'"
            con.execute(f"ATTACH {literal} AS store (TYPE postgres)")
        except BaseException:
            con.close()
            raise
        return con

    @staticmethod
    def _lock_down(con: duckdb.DuckDBPyConnection) -> None:
        """Only what the app needs: no files, databases or extensions beyond those already open
        (``read_text``, ``read_csv``, ``COPY ... TO``, ``ATTACH``, ``INSTALL`` and ``LOAD`` fail),
        and no way to change that back. Every cursor shares these settings."""
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")

    def _connection(self) -> duckdb.DuckDBPyConnection:
        con = self._con
        if con is None or self._broken:
            with self._con_lock:
                if self._con is None or self._broken:
                    self._reopen()
                con = self._con
        assert con is not None
        return con

    def _reopen(self) -> None:
        """Replace a connection a fatal error left unusable (caller holds ``_con_lock``)."""
        old, self._con = self._con, None
        if old is not None:
            with suppress(Exception):
                old.close()
        self._con = self._open()  # a fault here leaves _con None: the next use tries again
        self._broken = False
        self._damage = None
        log.warning("store %s: reopened after a fatal error", self.where)
        self._reload_version()

    @contextmanager
    def _faults(self) -> Iterator[None]:
        """Raise a failure of the store as its :class:`StoreError`; let our own errors (SQL,
        constraints, write conflicts) through as they are."""
        try:
            yield
        except Exception as exc:
            fault = store_fault(exc, self.location)
            if fault is None:
                raise
            if _needs_reopen(exc):
                self._broken = True
            if isinstance(fault, StoreDamaged):
                self._damage = fault
            raise fault from None

    def close(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            con.close()

    @property
    def is_postgres(self) -> bool:
        return self.location.startswith(("postgresql://", "postgres://"))

    def cursor(self) -> duckdb.DuckDBPyConnection:
        with self._faults():
            cur = self._connection().cursor()
            if self.is_postgres:
                cur.execute("USE store")  # a cursor does not inherit its parent's USE
            return cur

    # -- reads --------------------------------------------------------------------------------
    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        cur = self.cursor()
        try:
            with self._faults():
                return cur.execute(sql, dict(params or {})).df()
        finally:
            _close(cur)

    def scalar(self, sql: str, params: Params = None) -> Any:
        cur = self.cursor()
        try:
            with self._faults():
                row = cur.execute(sql, dict(params or {})).fetchone()
            return None if row is None else row[0]
        finally:
            _close(cur)

    @contextmanager
    def snapshot(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside one read transaction: its statements all see the same rows, whatever
        other threads commit meanwhile. Nothing it does is kept."""
        cur = self.cursor()
        try:
            with self._faults():
                cur.execute("BEGIN TRANSACTION")
                yield cur
        finally:
            with suppress(duckdb.Error):
                cur.execute("ROLLBACK")
            _close(cur)

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

    def check(self) -> None:
        """Raise the store's fault, if it has one now: damage a read ran into since the store
        was opened, a store that cannot be opened or read, a DuckDB file's disk with less than
        ``MIN_FREE_BYTES`` free. The app's health check asks this."""
        if self._damage is not None:
            raise self._damage
        self.schema_version()
        if not self.is_postgres:
            with self._faults():
                free = shutil.disk_usage(Path(self.location).parent).free
            if free < MIN_FREE_BYTES:
                raise StoreNoSpace.at(self.location, f"{free:,} bytes free")

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
        row = cur.execute(sql).fetchone()
        if row is None:
            raise StoreError("the store has no data version row")
        return int(row[0])

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
        version = None
        try:
            with self._faults():
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield cur
                    cur.execute(
                        "UPDATE data_version SET version = version + 1, "
                        "changed_at = CURRENT_TIMESTAMP WHERE id = 1"
                    )
                    version = None if self.is_postgres else self._read_version(cur)
                    cur.execute("COMMIT")
                except BaseException:
                    # After a failed COMMIT no transaction is left to roll back: the COMMIT's
                    # own error (a full disk, a conflict) is the one to report.
                    with suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    raise
        finally:
            _close(cur)
        if version is not None:
            self._note_version(version)

    def checkpoint(self) -> None:
        """Write a DuckDB file's log into the file now (the command line does before it says
        it is done, so a full disk is reported rather than found at the next start)."""
        if self.is_postgres:
            return
        with self._faults():
            self._connection().execute("CHECKPOINT")

    @contextmanager
    def init_lock(
        self, *, say: Callable[[str], None] = lambda _msg: None, timeout: float = 600.0
    ) -> Iterator[None]:
        """Hold the store's init lock while bringing it up to date.

        On PostgreSQL, a transaction-level advisory lock on a connection of its own: an init in
        another process (or another dashboard starting) waits until this one is done, then
        finds nothing left to do. A DuckDB file needs no more than a lock of this process: no
        other process can open the file while this one has it (the command line makes a second
        init wait for the first, see ``creative_dash.__main__``)."""
        if not self.is_postgres:
            with self._init_lock:
                yield
            return
        con = self._open()
        try:
            deadline = time.monotonic() + timeout
            told = False
            while True:
                with self._faults():
                    con.execute("BEGIN TRANSACTION")
                    # the lock key is our constant, not an input
                    row = con.execute(
                        "SELECT * FROM postgres_query('store', "  # noqa: S608
                        f"'SELECT pg_try_advisory_xact_lock({INIT_LOCK_KEY}) AS got')"
                    ).fetchone()
                if row and row[0]:
                    break
                with suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                if time.monotonic() >= deadline:
                    raise StoreLocked(
                        f"An init of the store {self.where} has been running in another process "
                        f"for over {timeout:.0f} s. Wait for it to finish and run the command "
                        "again."
                    )
                if not told:
                    say("waiting for another init of this store to finish")
                    told = True
                time.sleep(INIT_POLL_S)
            yield
        finally:
            with suppress(duckdb.Error):
                con.execute("ROLLBACK")
            con.close()

    def migrate(
        self, target: int | None = None, *, say: Callable[[str], None] | None = None
    ) -> list[int]:
        """Apply every migration newer than the store's schema version (up to ``target``);
        returns those applied. Each runs in its own transaction: a failure leaves the store at
        the last good version. Files are applied in order of their number, each one not yet
        recorded in ``schema_version``: numbers may have gaps, and a migration merged later with
        a lower number than one already applied (two branches adding migrations at once) is
        still applied. Each leaves an ``audit_log`` row (actor ``system``, action ``migrate``).

        A migration with a ``--! rebuild`` line rebuilds the tables it declares anew
        (:mod:`creative_dash.store.rebuild`): rows that break its rules are set aside, logged and
        told to ``say``, one line each; the store still opens."""
        applied = []
        done = self._applied_migrations()
        for version, name, sql in _migrations():
            if version in done or (target is not None and version > target):
                continue
            cur = self.cursor()
            try:
                with self._faults():
                    cur.execute("BEGIN TRANSACTION")
                    try:
                        if version == 1:
                            cur.execute(
                                "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                                "name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
                            )
                        set_aside: list[rebuild.SetAside] = []
                        if rebuild.DIRECTIVE in sql:
                            set_aside = rebuild.apply(
                                cur,
                                _split_sql(sql),
                                migration=version,
                                actor=SYSTEM.name,
                                audit=audit,
                            )
                        else:
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
                            after={"name": name, "set_aside": len(set_aside)},
                        )
                        cur.execute("COMMIT")
                    except BaseException:
                        with suppress(duckdb.Error):
                            cur.execute("ROLLBACK")
                        raise
            finally:
                _close(cur)
            applied.append(version)
            for line in rebuild.report(set_aside, version):
                log.warning("store %s: %s", self.where, line.strip())
                if say is not None:
                    say(line)
        if applied:
            self._reload_version()
        return applied


def _close(cur: duckdb.DuckDBPyConnection) -> None:
    with suppress(duckdb.Error):
        cur.close()


def _os_fault(exc: OSError, location: str) -> StoreError:
    cls = _ERRNO_FAULTS.get(exc.errno or 0, StoreBadLocation)
    what = exc.strerror or type(exc).__name__
    return cls.at(location, f"{what}: {exc.filename}" if exc.filename else what)


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


def forget(location: str) -> None:
    """Close and forget this process's stores of ``location`` (the command line, before it lets
    another init have the file)."""
    with _STORES_LOCK:
        for key in [k for k in _STORES if k[0] == location]:
            _STORES.pop(key).close()


def close_all() -> None:
    """Close every store of this process (tests use it between databases)."""
    with _STORES_LOCK:
        for store in _STORES.values():
            store.close()
        _STORES.clear()
