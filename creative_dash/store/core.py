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

Several processes may write one PostgreSQL (replicas): no row is written by every write. Each
write bumps the version of its own topic (:data:`TOPICS`, table ``data_versions``) and votes bump
none (a poll's votes are versioned by themselves, :class:`Versions`); a write that loses a race
anyway (DuckDB's write-write conflicts, PostgreSQL's serialization failures and deadlocks) rolls
back whole and is tried again by :func:`retry_conflicts`, the store's one retry loop, up to its
bounds (then :class:`StoreConflict`).

The connection can do only what the app needs: after the postgres extension is loaded and
attached, external access (files, other databases, extensions) is switched off and the
configuration locked.
"""

from __future__ import annotations

import errno
import json
import logging
import random
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from creative_dash import settings
from creative_dash.access import SYSTEM
from creative_dash.settings import redact
from creative_dash.store import rebuild
from creative_dash.store.local_copy import LocalCopy, make_key

Params = Mapping[str, Any] | None
T = TypeVar("T")
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


class StoreConflict(StoreError):
    """Other writers kept winning the race for the same rows: the write was tried again
    (:func:`retry_conflicts`) until its bounds ran out, and nothing of it was kept."""

    message_key = "store.conflict"
    what = "The store {where} is busy with other writers"
    advice = "Nothing was saved. Try again in a moment."


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
            StoreConflict,
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


# -- write conflicts and their retries ----------------------------------------------------------
# What a lost race between two writers says: DuckDB's optimistic concurrency control ("Conflict
# on update", "write-write conflict"), PostgreSQL's serialization failures (SQLSTATE 40001) and
# deadlocks (40P01), as the postgres extension passes them on. Matched on the lower-cased text.
_CONFLICT_TEXTS = (
    "conflict",
    "could not serialize access",
    "deadlock detected",
    "40001",
    "40p01",
)
MAX_WRITE_ATTEMPTS = 200
MAX_WRITE_SECONDS = 5.0
conflict_retries = 0  # how many writes had to be tried again (tests and logs read it)


def is_conflict(exc: BaseException) -> bool:
    """A write that lost a race to another writer, rolled back whole: trying it again can
    succeed. Faults of the store (a lost server, a full disk) are never conflicts."""
    if isinstance(exc, StoreConflict):
        return True
    if not isinstance(exc, duckdb.Error) or fault_class(exc) is not None:
        return False
    text = str(exc).lower()
    return any(t in text for t in _CONFLICT_TEXTS)


def retry_conflicts(
    write: Callable[[], T],
    *,
    attempts: int = MAX_WRITE_ATTEMPTS,
    seconds: float = MAX_WRITE_SECONDS,
    where: str = "",
) -> T:
    """``write()`` (one whole transaction), tried again after a conflict, with a random pause
    (jitter) growing with each attempt, at most ``attempts`` times and ``seconds`` long; then
    :class:`StoreConflict`. A transaction that lost a conflict was rolled back whole, so nothing
    is ever written half. Any other error ends it at once. The one retry loop of the store:
    every writer that may meet another one (votes, presenter writes, sign-in records, refusals)
    goes through here."""
    global conflict_retries
    deadline = time.monotonic() + seconds
    last: BaseException | None = None
    for attempt in range(max(1, attempts)):
        try:
            return write()
        except Exception as exc:
            if not is_conflict(exc):
                raise
            last = exc
            conflict_retries += 1
            log.debug("write conflict, retry %d: %s", attempt + 1, exc)
            if time.monotonic() >= deadline:
                break
            # Random back-off so the losers of one conflict do not collide again in lockstep.
            time.sleep(random.uniform(0, min(0.002 * (attempt + 1), 0.05)))
    log.error("write gave up after %d conflicts: %s", attempt + 1, last)
    raise StoreConflict.at(where or "(unknown)", _detail(last) if last else "") from last


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
        # The data versions of an embedded DuckDB file, kept in memory (see versions).
        self._versions: Versions | None = None
        self._topics: bool | None = None  # whether the store has data_versions (migration 8)
        self._commits = 0  # transactions committed by this process
        self.version_reads = 0  # statements that read the versions (tests count them)
        self._version_lock = threading.Lock()
        # On PostgreSQL, the plain reads run on a local copy of the analytic tables (see
        # creative_dash.store.local_copy), unless switched off.
        self.local_copy: LocalCopy | None = (
            LocalCopy(topic_of)
            if self.is_postgres and settings.get("CREATIVE_DASH_PG_LOCAL_COPY") == "1"
            else None
        )
        # The versions the reader's run of a page already read (creative_dash.ui.cache sets
        # it): the local copy's reads use them instead of asking PostgreSQL again.
        self.read_pin: Callable[[], Versions | None] | None = None
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
            # Every transaction holds one pooled connection to PostgreSQL while it runs: the
            # pool's size is how many sessions of this process write or read at once.
            size = max(1, int(settings.get("CREATIVE_DASH_PG_CONNECTIONS")))
            con.execute(f"SET pg_pool_max_connections = {size}")
            con.execute(f"SET pg_connection_limit = {size}")
            # ATTACH takes no bound parameters; the URL comes from the operator's settings, and
            # is quoted as a SQL string literal.
            literal = "'" + self.location.replace("'", "''") + "'"
            con.execute(f"ATTACH {literal} AS store (TYPE postgres)")
            if self.local_copy is not None:
                self.local_copy.attach(con)
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
        if self.local_copy is not None:
            self.local_copy.forget()
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

    def _read_cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for a plain read: on PostgreSQL with the local copy, one on the copy, made
        as new as the store first (see creative_dash.store.local_copy); else :meth:`cursor`."""
        if self.local_copy is None:
            return self.cursor()
        with self._faults():
            if self._topics is None:
                self._topics = self._exists("data_versions")
        if not self._topics:  # a store older than migration 8 is read as it is
            return self.cursor()
        # Straight to the copy: ``USE store`` (what :meth:`cursor` does) took 1-8 ms on a
        # PostgreSQL catalog, most of a small query's time; the copy names PostgreSQL's tables
        # in full where it needs them.
        with self._faults():
            cur = self._connection().cursor()
        try:
            with self._faults():
                pin = self.read_pin() if self.read_pin is not None else None
                pinned = None if pin is None else make_key(pin.topics, pin.schema)
                cur.execute(f"USE {self.local_copy.ensure(cur, pinned)}")
        except BaseException:
            _close(cur)
            raise
        return cur

    # -- reads --------------------------------------------------------------------------------
    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        cur = self._read_cursor()
        try:
            with self._faults():
                return cur.execute(sql, dict(params or {})).df()
        finally:
            _close(cur)

    def scalar(self, sql: str, params: Params = None) -> Any:
        return self._scalar(self._read_cursor(), sql, params)

    def _scalar(self, cur: duckdb.DuckDBPyConnection, sql: str, params: Params = None) -> Any:
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
        cur = self._read_cursor()
        try:
            with self._faults():
                cur.execute("BEGIN TRANSACTION")
                yield cur
        finally:
            with suppress(duckdb.Error):
                cur.execute("ROLLBACK")
            _close(cur)

    def table_exists(self, name: str) -> bool:
        return self._exists(name)

    def _exists(self, name: str) -> bool:
        # read from the store itself (never the local copy: the copy is made from what exists)
        return bool(
            self._scalar(
                self.cursor(),
                "SELECT count(*) FROM information_schema.tables WHERE table_name = $name "
                "AND table_catalog = current_database()",
                {"name": name},
            )
        )

    def _applied_migrations(self) -> set[int]:
        if not self.table_exists("schema_version"):
            return set()
        cur = self.cursor()
        try:
            with self._faults():
                rows = cur.execute("SELECT version FROM schema_version").fetchall()
        finally:
            _close(cur)
        return {int(r[0]) for r in rows}

    def schema_version(self) -> int:
        if not self.table_exists("schema_version"):
            return 0
        return int(
            self._scalar(self.cursor(), "SELECT coalesce(max(version), 0) FROM schema_version")
        )

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

    # -- data versions -----------------------------------------------------------------------
    def versions(self) -> Versions:
        """What caches key on (see :class:`Versions`): the version of every topic and the
        version of every poll's votes, read in one statement.

        An embedded DuckDB file has a single writer, this process (the file is locked), and
        every write goes through :meth:`transaction`: so the versions are read once and kept in
        memory until this process commits again. (A write on a bare :meth:`cursor` would go
        unseen: write through :meth:`transaction`.) On PostgreSQL other processes write too:
        read every time (the app asks once per rerun, see ``creative_dash.ui.cache``), with the
        aggregation done by PostgreSQL itself (``postgres_query``), never by pulling the votes
        across."""
        if not self.is_postgres:
            kept = self._versions
            if kept is not None:
                return kept
        with self._version_lock:
            generation = self._commits
        found = self._read_versions()
        if not self.is_postgres:
            with self._version_lock:
                if generation == self._commits:  # no commit since: still the newest
                    self._versions = found
        return found

    def data_version(self) -> int:
        """The total of every topic's version (votes aside): changes on every write but a vote."""
        return self.versions().total

    @property
    def commits(self) -> int:
        """How many transactions this process committed: a reader that kept versions from
        before reads them again after its own write."""
        return self._commits

    def _read_versions(self) -> Versions:
        self.version_reads += 1
        if self._topics is None:
            self._topics = self.table_exists("data_versions")
        if not self._topics:  # older schema (before migration 8), or none yet
            if not self.table_exists("data_version"):
                return Versions({}, {})
            legacy = self._scalar(self.cursor(), "SELECT version FROM data_version WHERE id = 1")
            return Versions({"data": int(legacy or 0)}, {})
        if self.is_postgres:
            # a constant statement, run by PostgreSQL (the extension would pull every vote row)
            sql = "SELECT * FROM postgres_query('store', " + _sql_literal(_VERSIONS_SQL) + ")"  # noqa: S608
        else:
            sql = _VERSIONS_SQL
        cur = self.cursor()
        try:
            with self._faults():
                rows = cur.execute(sql).fetchall()
        finally:
            _close(cur)
        topics = {name: int(v) for kind, name, v in rows if kind == "topic"}
        votes = {name: int(v) for kind, name, v in rows if kind == "votes"}
        schema = next((int(v) for kind, _name, v in rows if kind == "schema"), 0)
        return Versions(topics, votes, schema)

    def _reload_version(self) -> None:
        self._topics = None
        with self._version_lock:
            self._commits += 1
            self._versions = None

    def _committed(self) -> None:
        with self._version_lock:
            self._commits += 1
            self._versions = None

    # -- writes -------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, topic: str | None = "data") -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN/COMMIT; ``topic``'s version (one of :data:`TOPICS`) is bumped
        before commit, and no other: writers of different topics never touch the same version
        row. ``None`` bumps none: for writes no cached read depends on, or that are versioned by
        their own rows (votes, see :class:`Versions`), so that they never meet."""
        if self.read_only:
            raise StoreError("The store is open read-only.")
        if topic is not None and topic not in TOPICS:
            raise ValueError(f"unknown data topic {topic!r}: one of {TOPICS}")
        cur = self.cursor()
        committed = False
        try:
            with self._faults():
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield cur
                    if topic is not None:
                        self._bump(cur, topic)
                    cur.execute("COMMIT")
                    committed = True
                except BaseException:
                    # After a failed COMMIT no transaction is left to roll back: the COMMIT's
                    # own error (a full disk, a conflict) is the one to report.
                    with suppress(duckdb.Error):
                        cur.execute("ROLLBACK")
                    raise
        finally:
            _close(cur)
            if committed:
                self._committed()

    def _bump(self, cur: duckdb.DuckDBPyConnection, topic: str) -> None:
        if self._topics is None:
            self._topics = self.table_exists("data_versions")
        if self._topics:
            cur.execute(
                "UPDATE data_versions SET version = version + 1, "
                "changed_at = CURRENT_TIMESTAMP WHERE topic = $t",
                {"t": topic},
            )
        else:  # a store not yet at migration 8 (tests of older schemas)
            cur.execute(
                "UPDATE data_version SET version = version + 1, "
                "changed_at = CURRENT_TIMESTAMP WHERE id = 1"
            )

    def read_for_share(
        self, cur: duckdb.DuckDBPyConnection, table: str, key: str
    ) -> dict[Hashable, Any] | None:
        """Inside a transaction: the row of ``table`` with this key (None: no such row), kept from
        being changed by another transaction until this one ends, without keeping out others
        that read it the same way (PostgreSQL's ``SELECT ... FOR SHARE``). A vote reads its poll
        so: the poll cannot be closed between the vote's check that it is open and its commit,
        and votes do not wait for each other. A change that committed after this transaction
        began makes it fail as a conflict (tried again by :func:`retry_conflicts`, which then
        sees the change). On a DuckDB file, a plain read: there is one writing process, whose
        writers of live data take turns (``creative_dash.live.writes``)."""
        column = _HOLDABLE[table]  # table and column from the allow-list, never from input
        if self.is_postgres:
            # postgres_query takes no parameters: the key is quoted as a literal, twice (for
            # PostgreSQL, then for DuckDB); one statement both reads and locks the row
            pg_sql = f"SELECT * FROM {table} WHERE {column} = {_sql_literal(key)} FOR SHARE"  # noqa: S608
            sql = f"SELECT * FROM postgres_query('store', {_sql_literal(pg_sql)})"  # noqa: S608
            df = cur.execute(sql).df()
        else:
            df = cur.execute(f"SELECT * FROM {table} WHERE {column} = $k", {"k": key}).df()  # noqa: S608
        return None if df.empty else df.iloc[0].to_dict()

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


# -- data versions --------------------------------------------------------------------------------
# The topics of data, each with its own version row (data_versions, migration 8): a write bumps
# the row of its topic only. 'data' is everything without a topic of its own (initiatives, hubs,
# the programme, indicators, imports, demo data).
TOPICS = ("data", "reference", "live", "accounts", "audit")
_TABLE_TOPICS = {
    **dict.fromkeys(
        (
            "regions",
            "region_population",
            "region_neighbours",
            "sectors",
            "competencies",
            "indicator_defs",
        ),
        "reference",
    ),
    **dict.fromkeys(("polls", "decks", "voter_tokens", "votes"), "live"),
    **dict.fromkeys(("users", "user_identities", "sign_in_attempts"), "accounts"),
    "audit_log": "audit",
}
# Rows a transaction may hold for share (hold_for_share): table -> key column.
_HOLDABLE = {"polls": "poll_id"}

# Every topic's version and every poll's votes' version in one statement, the same text on
# DuckDB and (through postgres_query) on PostgreSQL.
_VERSIONS_SQL = (
    "SELECT 'topic' AS kind, topic AS name, version FROM data_versions "
    "UNION ALL "
    "SELECT 'votes', poll_id, count(*) + coalesce(sum(revision), 0) FROM votes GROUP BY poll_id "
    "UNION ALL "
    "SELECT 'schema', 'schema', coalesce(max(version), 0) FROM schema_version"
)


def topic_of(table: str) -> str:
    """The data topic whose version a write to ``table`` bumps."""
    return _TABLE_TOPICS.get(table, "data")


@dataclass(frozen=True)
class Versions:
    """The data versions at one moment: ``topics`` (topic -> version, each bumped by the writes
    of its topic) and ``votes`` (poll id -> count of its votes plus the sum of their revisions:
    grows by one with every vote recorded or changed, and is read from the votes themselves, so
    votes never write a shared row). Every number only grows, and a transaction's changes are
    counted all at once when it commits, in whichever order transactions commit: equal numbers
    mean equal data."""

    topics: Mapping[str, int]
    votes: Mapping[str, int]
    schema: int = 0  # the schema's version (the local copy's key has it: a migration moves it)

    @property
    def total(self) -> int:
        """Changes with every write but a vote."""
        return sum(self.topics.values())

    def of_votes(self, poll_id: str | None = None) -> int:
        """One poll's votes' version (``poll_id``), or a number that changes with any vote."""
        if poll_id is None:
            return sum(self.votes.values())
        return self.votes.get(poll_id, 0)


def _sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (DuckDB's and PostgreSQL's with standard strings)."""
    return "'" + str(text).replace("'", "''") + "'"


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
