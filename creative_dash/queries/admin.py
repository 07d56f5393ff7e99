"""Queries of the administrators' pages: the accounts and the audit log.

Only the pages for ministry administrators call these (``creative_dash.ui.auth.admin_user``
decides who sees them); no query returns a password hash.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from creative_dash.queries.registry import query
from creative_dash.store import Store

AUDIT_LIMIT = 5000  # rows a page shows or exports at most, newest first

# The region of an audit row: the record's own region_iso (after the write, else before it), else
# that of the initiative, hub or participant it belongs to, else the acting user's region (a
# refused write records no record).
_AUDIT_ROWS = """
WITH a AS (
    SELECT l.audit_id, l.logged_at, l.actor, l.table_name, l.row_key, l.action,
           l.before_json, l.after_json,
           coalesce(json_extract_string(l.after_json, '$.region_iso'),
                    json_extract_string(l.before_json, '$.region_iso')) AS own_region,
           TRY_CAST(coalesce(json_extract_string(l.after_json, '$.initiative_id'),
                             json_extract_string(l.before_json, '$.initiative_id')) AS INTEGER)
               AS initiative_id,
           TRY_CAST(coalesce(json_extract_string(l.after_json, '$.hub_id'),
                             json_extract_string(l.before_json, '$.hub_id')) AS INTEGER) AS hub_id,
           TRY_CAST(coalesce(json_extract_string(l.after_json, '$.participant_id'),
                             json_extract_string(l.before_json, '$.participant_id')) AS INTEGER)
               AS participant_id
    FROM audit_log l
    WHERE ($start IS NULL OR l.logged_at >= $start)
      AND ($end IS NULL OR l.logged_at < $end)
      AND ($actor IS NULL OR l.actor = $actor)
      AND ($table_name IS NULL OR l.table_name = $table_name)
),
r AS (
    SELECT a.*, u.display_name AS actor_name, u.login AS actor_login,
           coalesce(a.own_region, i.region_iso, h.region_iso, p.region_iso, u.region_iso)
               AS region_iso
    FROM a
    LEFT JOIN users u ON u.user_id = a.actor
    LEFT JOIN initiatives i ON i.initiative_id = a.initiative_id
    LEFT JOIN hubs h ON h.hub_id = a.hub_id
    LEFT JOIN participants p ON p.participant_id = a.participant_id
)
SELECT logged_at, actor, actor_name, actor_login, table_name, row_key, action, region_iso,
       before_json, after_json
FROM r
WHERE ($region IS NULL OR region_iso = $region)
ORDER BY logged_at DESC, audit_id
LIMIT $limit
"""


@query
def audit_log_rows(
    store: Store,
    actor: str | None = None,
    region: str | None = None,
    table_name: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = AUDIT_LIMIT,
) -> pd.DataFrame:
    """Audit rows, newest first, filtered by the acting user's id (``actor``), the region, the
    table and the period [``start``, ``end``).

    Columns: logged_at, actor (a user id or a system actor's name), actor_name and actor_login
    (NULL for system actors and ids no account has), table_name, row_key, action (insert, update,
    delete, load, migrate, refused), region_iso (see above; NULL when none applies),
    before_json, after_json."""
    return store.query(
        _AUDIT_ROWS,
        {
            "actor": actor,
            "region": region,
            "table_name": table_name,
            "start": start,
            "end": end,
            "limit": int(limit),
        },
    )


@query
def audit_actors(store: Store) -> pd.DataFrame:
    """Everyone the audit log names, accounts first by name.

    Columns: actor, actor_name (NULL for system actors), actor_login."""
    return store.query(
        """
        SELECT DISTINCT l.actor, u.display_name AS actor_name, u.login AS actor_login
        FROM audit_log l LEFT JOIN users u ON u.user_id = l.actor
        ORDER BY actor_name NULLS LAST, actor_login, l.actor
        """
    )


@query
def audit_tables(store: Store) -> pd.DataFrame:
    """The tables the audit log names. Columns: table_name."""
    return store.query("SELECT DISTINCT table_name FROM audit_log ORDER BY table_name")


@query
def audit_period(store: Store) -> pd.DataFrame:
    """One row: the first and last time the audit log records (NULL when empty).

    Columns: first_at, last_at."""
    return store.query(
        "SELECT min(logged_at) AS first_at, max(logged_at) AS last_at FROM audit_log"
    )


@query
def user_accounts(store: Store) -> pd.DataFrame:
    """Every account, by login (no password hashes).

    Columns: user_id, login, display_name, role, region_iso, email, oidc_subject, disabled,
    has_password, created_at, created_by, updated_at."""
    return store.query(
        """
        SELECT user_id, login, display_name, role, region_iso, email, oidc_subject, disabled,
               password_hash IS NOT NULL AS has_password, created_at, created_by, updated_at
        FROM users ORDER BY login
        """
    )
