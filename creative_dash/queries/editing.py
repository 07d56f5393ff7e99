"""Queries of editing in the browser: a region's rows as the editor starts from them, and a
row's history from the audit log."""

from __future__ import annotations

import pandas as pd

from creative_dash.editing import SPECS
from creative_dash.queries.registry import query
from creative_dash.store import Store

EDIT_LIMIT = 500  # rows of one region the editor holds at most (the newest first)
HISTORY_TABLES = ("initiatives", "hubs", "recommendations")
HISTORY_LIMIT = 200


@query
def edit_rows(store: Store, *, table: str, region: str, limit: int = EDIT_LIMIT) -> pd.DataFrame:
    """The region's rows of ``table`` (one of ``creative_dash.editing.SPECS``), newest first:
    the key, ``version`` (the row version the editor read), the read-only columns shown beside
    the editable ones, and the editable columns."""
    spec = SPECS[table]  # the table and its columns come from this allow-list, never from text
    cols = ", ".join((spec.key, "version", *spec.shown, *spec.columns))
    return store.query(
        f"SELECT {cols} FROM {spec.table} WHERE region_iso = $r "  # noqa: S608
        f"ORDER BY {spec.key} DESC LIMIT $n",
        {"r": region, "n": int(limit)},
    )


@query
def edit_row_count(store: Store, *, table: str, region: str) -> pd.DataFrame:
    """How many rows of ``table`` the region has. Columns: n."""
    spec = SPECS[table]
    return store.query(
        f"SELECT count(*) AS n FROM {spec.table} WHERE region_iso = $r",  # noqa: S608
        {"r": region},
    )


@query
def row_history(store: Store, *, table: str, key: int, limit: int = HISTORY_LIMIT) -> pd.DataFrame:
    """Who changed one row of ``table`` (initiatives, hubs or recommendations), what and when,
    newest first; refused attempts are left out (the audit page lists them).

    Columns: logged_at, actor, actor_name (the account's display name; NULL for system actors
    and ids no account has), action, before_json, after_json."""
    if table not in HISTORY_TABLES:
        raise ValueError(f"no history of {table!r}")
    return store.query(
        """
        SELECT l.logged_at, l.actor, u.display_name AS actor_name, l.action,
               l.before_json, l.after_json
        FROM audit_log l LEFT JOIN users u ON u.user_id = l.actor
        WHERE l.table_name = $t AND l.row_key = $k AND l.action <> 'refused'
        ORDER BY l.logged_at DESC, l.audit_id
        LIMIT $n
        """,
        {"t": table, "k": str(int(key)), "n": int(limit)},
    )
