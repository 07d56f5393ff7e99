"""On PostgreSQL: a local copy of the analytic tables in each process, refreshed by data version.

The postgres extension runs a query's filters, joins and aggregations in DuckDB, over rows it
copies from PostgreSQL (``COPY ... TO STDOUT`` with the columns the query needs; only simple
comparisons of a column with a constant are pushed down, ``pg_experimental_filter_pushdown``).
The pages' queries scan the initiatives (1.5 million rows in the largest store planned for) with
conditions it cannot push (``list_contains``, ``year()``, links to other tables), so at that size
each one pulled every row across: 1-5 s a query, where the DuckDB file answers in tens of ms
(``bench/results.md``, "PostgreSQL at 1.5 M initiatives").

So each process keeps a copy of the tables whose data topic (``core.topic_of``) is in
:data:`COPIED_TOPICS` in an in-memory DuckDB database attached as :data:`CATALOG`, and the
store's plain reads (``Store.query``, ``Store.scalar``, ``Store.snapshot``) run the same SQL
there. The copy's key is the versions of those topics and the schema's version. Before each read
the store asks PostgreSQL for the key (one small statement run by PostgreSQL itself,
``postgres_query``); when it has moved (a write by this process or by another replica, a
migration), the first reader copies every table again, in one PostgreSQL transaction
(``REPEATABLE READ``: the tables and the key of one moment), while readers of the same process
wait for it: a read never returns rows older than the versions it was checked against. Tables of
the other topics (live votes, accounts, the audit log) and the versions themselves are not
copied: the copy holds views that read them from PostgreSQL, so a query over both still runs.

Writes (``Store.transaction``), rows read for share, migrations and the init lock always use
PostgreSQL itself. ``CREATIVE_DASH_PG_LOCAL_COPY=0`` switches the copy off (every read goes
through the postgres scanner, as before). A DuckDB file never uses it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import duckdb

log = logging.getLogger(__name__)

CATALOG = "local_copy"
# The topics whose tables are copied: what the analytic pages read. Live data (votes), accounts
# and the audit log change with every vote and sign-in and are read row by row: read live.
COPIED_TOPICS = ("data", "reference")
# Never copied: the versions (read live, they are the copy's key).
LIVE_TABLES = frozenset({"data_versions", "data_version", "schema_version"})
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")

# The copy's key, run by PostgreSQL: the copied topics' versions and the schema's version.
# (A constant: the topics of COPIED_TOPICS, spelled out.)
KEY_SQL = (
    "SELECT topic, version FROM data_versions WHERE topic IN ('data', 'reference') "
    "UNION ALL SELECT 'schema', coalesce(max(version), 0) FROM schema_version"
)

Key = tuple[tuple[str, int], ...]


def _key(rows: list[tuple[Any, ...]]) -> Key:
    return tuple(sorted((str(name), int(version)) for name, version in rows))


class LocalCopy:
    """The copy of one store's analytic tables (see the module's docstring)."""

    def __init__(self, topic_of: Callable[[str], str]) -> None:
        self._topic_of = topic_of
        self._lock = threading.Lock()
        self.key: Key | None = None  # the versions the copy holds; None: none yet
        self.refreshes = 0  # how many times the tables were copied (tests and the bench read it)
        self.refresh_s = 0.0  # how long the last copy took
        self.copied: tuple[str, ...] = ()  # the tables copied, the last time

    @staticmethod
    def attach(con: duckdb.DuckDBPyConnection) -> None:
        """Attach the (empty) in-memory database of the copy to a new connection."""
        con.execute(f"ATTACH ':memory:' AS {CATALOG} (COMPRESS)")
        # one scan per table, in PostgreSQL's order of the rows (their order of insertion, as in
        # a DuckDB file): the copy's zone maps then skip row groups as the file's do
        con.execute("SET pg_use_ctid_scan = false")

    def key_now(self, cur: duckdb.DuckDBPyConnection) -> Key:
        """The key of the store's data now, read by PostgreSQL (one round trip)."""
        literal = "'" + KEY_SQL.replace("'", "''") + "'"
        return _key(cur.execute(f"SELECT * FROM postgres_query('store', {literal})").fetchall())  # noqa: S608

    def ensure(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Make the copy as new as the store is now (``cur``: a cursor of the store's
        connection, not in a transaction)."""
        now = self.key_now(cur)
        if now == self.key:
            return
        with self._lock:
            if now == self.key:
                return  # another reader copied it meanwhile
            self._refresh(cur)

    def forget(self) -> None:
        """The connection holding the copy was replaced: the next read copies again."""
        with self._lock:
            self.key = None

    def _refresh(self, cur: duckdb.DuckDBPyConnection) -> None:
        t0 = time.perf_counter()
        cur.execute("BEGIN TRANSACTION")
        try:
            # the key read in the same PostgreSQL transaction as the tables: of the same moment
            key = _key(
                cur.execute(
                    "SELECT topic, version FROM store.data_versions WHERE list_contains($t, topic)"
                    " UNION ALL SELECT 'schema', coalesce(max(version), 0) "
                    "FROM store.schema_version",
                    {"t": list(COPIED_TOPICS)},
                ).fetchall()
            )
            names = [
                str(r[0])
                for r in cur.execute(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_catalog = 'store' AND table_schema = 'public' ORDER BY 1"
                ).fetchall()
            ]
            held = {
                str(r[0])
                for r in cur.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_catalog = $c",
                    {"c": CATALOG},
                ).fetchall()
            }
            copied = []
            for name in names:
                if not _IDENT.match(name):  # not one of ours: never named in SQL
                    continue
                target = f"{CATALOG}.main.{name}"
                source = f"store.public.{name}"
                if name in LIVE_TABLES or self._topic_of(name) not in COPIED_TOPICS:
                    if name not in held:
                        cur.execute(f"CREATE VIEW {target} AS SELECT * FROM {source}")  # noqa: S608
                    continue
                cur.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT * FROM {source}")  # noqa: S608
                copied.append(name)
            cur.execute("COMMIT")
        except BaseException:
            try:
                cur.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
        self.key = key
        self.copied = tuple(copied)
        self.refreshes += 1
        self.refresh_s = time.perf_counter() - t0
        log.info(
            "local copy of the store refreshed in %.2f s (%d tables, key %s)",
            self.refresh_s,
            len(copied),
            key,
        )
