"""On PostgreSQL: a local copy of the analytic tables in each process, refreshed by data version.

The postgres extension runs a query's filters, joins and aggregations in DuckDB, over rows it
copies from PostgreSQL (``COPY ... TO STDOUT`` with the columns the query needs; only simple
comparisons of a column with a constant are pushed down, ``pg_experimental_filter_pushdown``).
The pages' queries scan the initiatives (1.5 million rows in the largest store planned for) with
conditions it cannot push (``list_contains``, ``year()``, links to other tables), so at that size
each one pulled every row across: 1-5 s a query, where the DuckDB file answers in tens of ms
(``bench/results.md``, "PostgreSQL at 1.5 M initiatives").

So each process keeps a copy of the tables whose data topic (``core.topic_of``) is in
:data:`COPIED_TOPICS` in an in-memory DuckDB database, and the store's plain reads
(``Store.query``, ``Store.scalar``, ``Store.snapshot``) run the same SQL there. The copy's key is
the versions of those topics and the schema's version. When it has moved (a write by this
process or by another replica, a migration), the first reader copies every table again, in one
PostgreSQL transaction (``REPEATABLE READ``: the tables and the key of one moment), while readers
of the same process wait for it: a read never returns rows older than the versions it was
checked against. Tables of the other topics (live votes, accounts, the audit log) and the
versions themselves are not copied: the copy holds views that read them from PostgreSQL, so a
query over both still runs.

Where the key comes from: a run of a page already reads the store's versions once
(``creative_dash.ui.cache.versions``, what its caches key on) and hands them to the store as the
run's *pin* (``Store.read_pin``): every read of that run uses the key of those versions, and
PostgreSQL is not asked again. A read outside a page's run (the command line, tests, a thread of
its own) asks PostgreSQL for the key (one small statement run by PostgreSQL itself,
``postgres_query``).

One run, one copy: there are two copies (:data:`SLOTS`, attached when the connection opens, as
the locked-down connection may attach nothing later). A refresh fills the one not in use and
then makes it the current one; the other keeps the copy before it. Every read pinned to the same
versions reads the same copy: the one it met first. So a page whose run began before another
replica's import shows the old data in every chart, or the new in every chart, never a mix
(unless two refreshes happened during its run, when its later reads read the newest copy). The
copy before is emptied :data:`KEEP_S` seconds after it was replaced, to give its memory back.

Writes (``Store.transaction``), rows read for share, migrations and the init lock always use
PostgreSQL itself. ``CREATIVE_DASH_PG_LOCAL_COPY=0`` switches the copy off (every read goes
through the postgres scanner, as before). A DuckDB file never uses it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

log = logging.getLogger(__name__)

CATALOG = "local_copy"  # the name of the first slot (the module's former single copy)
SLOTS = (CATALOG, f"{CATALOG}_b")
KEEP_S = 120.0  # how long the copy before the current one is kept for runs still reading it
# The topics whose tables are copied: what the analytic pages read. Live data (votes), accounts
# and the audit log change with every vote and sign-in and are read row by row: read live.
COPIED_TOPICS = ("data", "reference")
# Never copied: the versions (read live, they are the copy's key).
LIVE_TABLES = frozenset({"data_versions", "data_version", "schema_version"})
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

# The copy's key, run by PostgreSQL (in the reader's transaction when it has one: the refresh
# reads it in the snapshot it copies from): the copied topics' versions and the schema's
# version. (A constant: the topics of COPIED_TOPICS, spelled out.)
KEY_SQL = (
    "SELECT * FROM postgres_query('store', 'SELECT topic, version FROM data_versions "
    "WHERE topic IN (''data'', ''reference'') "
    "UNION ALL SELECT ''schema'', coalesce(max(version), 0) FROM schema_version')"
)

# The store's tables and views, as PostgreSQL names them (run by PostgreSQL).
TABLES_SQL = (
    "SELECT * FROM postgres_query('store', 'SELECT table_name, table_type "
    "FROM information_schema.tables WHERE table_schema = ''public'' "
    "AND table_catalog = current_database()')"
)

Key = tuple[tuple[str, int], ...]
# A table's rows in PostgreSQL, told apart cheaply: (row count, newest transaction id among
# them). Any insert, update or delete changes it: an insert or update writes rows with a newer
# xmin, a delete alone lowers the count.
Fingerprint = tuple[int, int]


def make_key(topics: Mapping[str, int], schema: int) -> Key:
    """The copy's key of these versions: each copied topic's (0 when it has none) and the
    schema's. The key of a run's pinned versions and the key a refresh read compare equal when
    they are of the same data."""
    return (*((t, int(topics.get(t, 0))) for t in COPIED_TOPICS), ("schema", int(schema)))


def _key(rows: list[tuple[Any, ...]]) -> Key:
    found = {str(name): int(version) for name, version in rows}
    return make_key(found, found.get("schema", 0))


def _newer(a: Key, b: Key) -> bool:
    """Whether ``a`` holds a version ``b`` has not reached (keys only grow)."""
    return any(x > y for (_n, x), (_m, y) in zip(a, b, strict=True))


@dataclass
class _Slot:
    name: str
    key: Key | None = None  # the versions the slot holds; None: nothing yet
    replaced_at: float | None = None  # when another slot became the current one
    # each table the slot holds -> its fingerprint in PostgreSQL when it was copied
    tables: dict[str, Fingerprint] = field(default_factory=dict)  # views: never


class LocalCopy:
    """The copy of one store's analytic tables (see the module's docstring)."""

    def __init__(self, topic_of: Callable[[str], str]) -> None:
        self._topic_of = topic_of
        self._lock = threading.Lock()
        self._slots = [_Slot(name) for name in SLOTS]
        self._current: _Slot | None = None
        self._read_by: dict[Key, _Slot] = {}  # a pinned key -> the slot its reads use
        self.refreshes = 0  # how many times the tables were copied (tests and the bench read it)
        self.refresh_s = 0.0  # how long the last copy took
        self.key_reads = 0  # times PostgreSQL was asked for the key (tests read it)
        self.copied: tuple[str, ...] = ()  # the tables the copy holds, the last time
        self.fetched: tuple[str, ...] = ()  # those read from PostgreSQL, the last time

    @property
    def key(self) -> Key | None:
        """The versions the current copy holds (None: none yet)."""
        return None if self._current is None else self._current.key

    @staticmethod
    def attach(con: duckdb.DuckDBPyConnection) -> None:
        """Attach the (empty) in-memory databases of the copies to a new connection."""
        for name in SLOTS:
            con.execute(f"ATTACH ':memory:' AS {name} (COMPRESS)")
        # one scan per table, in PostgreSQL's order of the rows (their order of insertion, as in
        # a DuckDB file): the copy's zone maps then skip row groups as the file's do
        con.execute("SET pg_use_ctid_scan = false")

    def key_now(self, cur: duckdb.DuckDBPyConnection) -> Key:
        """The key of the store's data now, read by PostgreSQL (one round trip)."""
        self.key_reads += 1
        return _key(cur.execute(KEY_SQL).fetchall())

    def ensure(self, cur: duckdb.DuckDBPyConnection, pinned: Key | None = None) -> str:
        """The catalog to read, made as new as ``pinned`` (the versions of the reader's run;
        None: as new as the store is now, asked of PostgreSQL). ``cur``: a cursor of the
        store's connection, not in a transaction."""
        key = self.key_now(cur) if pinned is None else pinned
        slot = self._slot_for(key)
        if slot is not None and not self._due():
            return slot.name
        with self._lock:
            self._let_go(cur)
            slot = self._slot_for(key)  # another reader may have copied it meanwhile
            if slot is None:
                slot = self._refresh(cur)
                self._read_by[key] = slot
            return slot.name

    def _due(self) -> list[_Slot]:
        """The copies replaced :data:`KEEP_S` ago or more (never the current one)."""
        now = time.monotonic()
        return [
            s for s in self._slots if s.replaced_at is not None and now - s.replaced_at >= KEEP_S
        ]

    def _slot_for(self, key: Key) -> _Slot | None:
        """The slot reads pinned to ``key`` use, if one holds data as new: the one they used
        before, else the current one (unless ``key`` is newer than it)."""
        slot = self._read_by.get(key)
        if slot is not None and slot.key is not None and not _newer(key, slot.key):
            return slot
        current = self._current
        if current is None or current.key is None or _newer(key, current.key):
            return None
        self._read_by[key] = current  # a GIL-atomic set: the same slot whoever sets it
        return current

    def forget(self) -> None:
        """The connection holding the copies was replaced: the next read copies again."""
        with self._lock:
            for slot in self._slots:
                slot.key, slot.replaced_at, slot.tables = None, None, {}
            self._current = None
            self._read_by.clear()

    def _let_go(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Empty the copy before the current one once it is :data:`KEEP_S` old (lock held)."""
        for slot in self._due():
            for name in self._tables(cur, slot.name):
                cur.execute(f"DROP TABLE {slot.name}.main.{name}")
            slot.key, slot.replaced_at, slot.tables = None, None, {}
            self._read_by = {k: s for k, s in self._read_by.items() if s is not slot}

    @staticmethod
    def _tables(cur: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
        rows = cur.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = $c AND table_type = 'BASE TABLE'",
            {"c": catalog},
        ).fetchall()
        return [str(r[0]) for r in rows if _IDENT.match(str(r[0]))]

    def _refresh(self, cur: duckdb.DuckDBPyConnection) -> _Slot:
        """Copy the tables into the slot not in use and make it the current one (lock held).

        Only what changed crosses from PostgreSQL: a table whose fingerprint the slot already
        holds stays, one the current copy holds is copied locally from it, and only the others
        (those written since) are read from PostgreSQL. An edit of one hub at 1.5 M initiatives
        copies the hubs, not the initiatives."""
        t0 = time.perf_counter()
        target_slot = next(s for s in self._slots if s is not self._current)
        source = self._current
        # the slot's runs (two refreshes ago) read the current copy from now on
        self._read_by = {k: s for k, s in self._read_by.items() if s is not target_slot}
        target_slot.key = None
        cur.execute("BEGIN TRANSACTION")
        try:
            # the key read in the same PostgreSQL transaction as the tables: of the same moment
            key = _key(cur.execute(KEY_SQL).fetchall())
            # PostgreSQL's own catalog: the extension's names a view a base table
            kinds = {
                str(r[0]): str(r[1])
                for r in cur.execute(TABLES_SQL).fetchall()
                if _IDENT.match(str(r[0]))  # not one of ours: never named in SQL
            }
            names = sorted(kinds)
            held = {
                str(r[0])
                for r in cur.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_catalog = $c",
                    {"c": target_slot.name},
                ).fetchall()
            }
            live = [n for n in names if n in LIVE_TABLES or self._topic_of(n) not in COPIED_TOPICS]
            for name in live:
                if name not in held:
                    target = f"{target_slot.name}.main.{name}"
                    cur.execute(f"CREATE VIEW {target} AS SELECT * FROM store.public.{name}")  # noqa: S608
            copied = [n for n in names if n not in live]
            # a view (of copied tables) has no rows of its own to tell apart: read every time
            prints: dict[str, Fingerprint | None] = dict.fromkeys(copied)
            prints.update(self._fingerprints(cur, [n for n in copied if kinds[n] == "BASE TABLE"]))
            fetched, kept, local = [], [], []
            for name in copied:
                target = f"{target_slot.name}.main.{name}"
                known = prints[name]
                if known is not None and target_slot.tables.get(name) == known and name in held:
                    kept.append(name)
                    continue
                # names of _IDENT's form only, from PostgreSQL's catalog and our own slots
                if known is not None and source is not None and source.tables.get(name) == known:
                    origin = f"{source.name}.main.{name}"
                    local.append(name)
                else:
                    origin = f"store.public.{name}"
                    fetched.append(name)
                cur.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {origin}")  # noqa: S608
            cur.execute("COMMIT")
        except BaseException:
            try:
                cur.execute("ROLLBACK")
            except duckdb.Error:
                pass
            target_slot.tables = {}
            raise
        self._compress(cur, target_slot.name)
        target_slot.tables = {n: f for n, f in prints.items() if f is not None}
        target_slot.key, target_slot.replaced_at = key, None
        if self._current is not None:
            self._current.replaced_at = time.monotonic()
        self._current = target_slot
        self._read_by[key] = target_slot
        self.copied = tuple(copied)
        self.fetched = tuple(fetched)
        self.refreshes += 1
        self.refresh_s = time.perf_counter() - t0
        log.info(
            "local copy of the store refreshed in %.2f s into %s (key %s): %d tables read from "
            "PostgreSQL (%s), %d copied locally, %d kept",
            self.refresh_s,
            target_slot.name,
            key,
            len(fetched),
            ", ".join(fetched),
            len(local),
            len(kept),
        )
        return target_slot

    @staticmethod
    def _compress(cur: duckdb.DuckDBPyConnection, catalog: str) -> None:
        """Compress the new copy as a DuckDB file is (dictionaries, bit packing): an in-memory
        database compresses at its checkpoint only. Uncompressed, a ``GROUP BY status`` over 1.5
        million initiatives took 50 ms where the file takes 8; compressed, 9. No reader uses the
        slot yet. A failure leaves it uncompressed: slower, still right."""
        try:
            cur.execute(f"CHECKPOINT {catalog}")
        except duckdb.Error as exc:
            log.warning("local copy %s left uncompressed: %s", catalog, exc)

    @staticmethod
    def _fingerprints(cur: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, Fingerprint]:
        """Each table's fingerprint, computed by PostgreSQL in the refresh's own transaction
        (``postgres_query`` runs on the transaction's connection, in its snapshot): of the same
        moment as the rows copied. One statement; names only of :data:`_IDENT`'s form."""
        if not names:
            return {}
        inner = " UNION ALL ".join(
            f"SELECT '{n}' AS t, count(*) AS n, coalesce(max(xmin::text::bigint), 0) AS x "  # noqa: S608
            f'FROM "{n}"'
            for n in names
            if _IDENT.match(n)
        )
        literal = "'" + inner.replace("'", "''") + "'"
        rows = cur.execute(f"SELECT * FROM postgres_query('store', {literal})").fetchall()  # noqa: S608
        return {str(t): (int(n), int(x)) for t, n, x in rows}
