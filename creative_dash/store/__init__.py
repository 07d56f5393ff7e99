"""The store layer: the DuckDB database (an embedded file or a PostgreSQL attached through
DuckDB's postgres extension) and everything that writes it wholesale.

- ``core``: the connection, a cursor per query, migrations, transactions and audit rows;
- ``schema/``: the migrations, applied in order;
- ``reference``: the real facts in ``data/reference/`` and their loading;
- ``demo``: the deterministic demo data;
- ``bootstrap``: bringing a store to the current schema with its reference (and demo) data;
- ``gateway``: the one write path: checks the acting user's role and region in the store
  (rules in ``creative_dash.access``) and writes the audit row with each write;
- ``users``: accounts, Argon2 passwords, rate-limited sign-in, the identity provider mapping.
"""

from creative_dash.store.core import (
    MESSAGE_KEYS,
    SCHEMA_VERSION,
    TOPICS,
    Params,
    Store,
    StoreBadLocation,
    StoreConflict,
    StoreDamaged,
    StoreError,
    StoreLocked,
    StoreNoPermission,
    StoreNoSpace,
    StoreUnreachable,
    Versions,
    audit,
    close_all,
    is_conflict,
    open_store,
    retry_conflicts,
    store_fault,
    topic_of,
)

__all__ = [
    "MESSAGE_KEYS",
    "TOPICS",
    "SCHEMA_VERSION",
    "Params",
    "Store",
    "StoreBadLocation",
    "StoreConflict",
    "StoreDamaged",
    "StoreError",
    "StoreLocked",
    "StoreNoPermission",
    "StoreNoSpace",
    "StoreUnreachable",
    "Versions",
    "audit",
    "is_conflict",
    "retry_conflicts",
    "topic_of",
    "close_all",
    "open_store",
    "store_fault",
]
