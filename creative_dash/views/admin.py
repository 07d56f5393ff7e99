"""What the administrators' pages show: the accounts and the audit log as tables in the reader's
language, people by name (never by user id), and the period filter's bounds. Pure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from creative_dash.i18n import Translator

__all__ = [
    "ACTIONS",
    "AUDIT_LIMIT",
    "accounts_table",
    "actor_label",
    "audit_table",
    "default_period",
    "period_bounds",
]

# The actions an audit row can record (store.core.audit, access.REFUSED, Store.migrate).
ACTIONS = ("insert", "update", "delete", "load", "migrate", "refused")
SYSTEM_ACTORS = ("system", "cli", "anonymous")
AUDIT_LIMIT = 5000  # audit rows the page shows and exports at most, newest first


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA


def _text(value: Any) -> str:
    """A cell as text; a missing value is empty (not "None", in any language)."""
    return "" if _missing(value) else str(value)


def actor_label(actor: str, name: Any, t: Translator) -> str:
    """Who acted, as a reader knows them: the account's name, a system actor in words, or (an
    id no account has) the id itself."""
    if not _missing(name) and str(name):
        return str(name)
    if actor in SYSTEM_ACTORS:
        return t(f"audit.actor.{actor}")
    return str(actor)


def _reason(action: str, after: Any, t: Translator) -> str:
    if action != "refused" or _missing(after):
        return ""
    try:
        reason = json.loads(after).get("reason")
    except (ValueError, AttributeError):
        return ""
    return t(f"access.denied.{reason}") if reason else ""


def audit_table(df: pd.DataFrame, t: Translator, regions: Mapping[str, str]) -> pd.DataFrame:
    """The rows of ``audit_log_rows`` with headers and words in the reader's language: time,
    user (name), login, action, table, record, region, reason (of a refusal), before, after."""
    c = "audit.col."
    out = pd.DataFrame(
        {
            t(c + "time"): pd.to_datetime(df["logged_at"]),
            t(c + "user"): [
                actor_label(a, n, t) for a, n in zip(df["actor"], df["actor_name"], strict=True)
            ],
            t(c + "login"): [_text(v) for v in df["actor_login"]],
            t(c + "action"): [
                t(f"audit.action.{a}") if a in ACTIONS else str(a) for a in df["action"]
            ],
            t(c + "table"): df["table_name"].astype(str),
            t(c + "record"): df["row_key"].astype(str),
            t(c + "region"): [
                "" if _missing(r) else regions.get(str(r), str(r)) for r in df["region_iso"]
            ],
            t(c + "reason"): [
                _reason(a, after, t)
                for a, after in zip(df["action"], df["after_json"], strict=True)
            ],
            t(c + "before"): [_text(v) for v in df["before_json"]],
            t(c + "after"): [_text(v) for v in df["after_json"]],
        }
    )
    return out


def accounts_table(df: pd.DataFrame, t: Translator, regions: Mapping[str, str]) -> pd.DataFrame:
    """The rows of ``user_accounts`` for the users page, in the reader's language."""
    c = "accounts.col."
    yes, no = t("accounts.yes"), t("accounts.no")
    return pd.DataFrame(
        {
            t(c + "login"): df["login"].astype(str),
            t(c + "name"): df["display_name"].astype(str),
            t(c + "role"): [t(f"access.role.{r}") for r in df["role"]],
            t(c + "region"): [
                "" if _missing(r) else regions.get(str(r), str(r)) for r in df["region_iso"]
            ],
            t(c + "email"): [_text(v) for v in df["email"]],
            t(c + "subject"): [_text(v) for v in df["oidc_subject"]],
            t(c + "status"): [
                t("accounts.disabled") if bool(d) else t("accounts.active") for d in df["disabled"]
            ],
            t(c + "password"): [yes if bool(p) else no for p in df["has_password"]],
            t(c + "created"): pd.to_datetime(df["created_at"]),
        }
    )


def period_bounds(period: Any) -> tuple[datetime | None, datetime | None]:
    """[start, end) of a date input's value: one day or a (first, last) pair, both days whole;
    an unfinished pair (one day picked so far) is that day on; nothing is no bound."""
    days = list(period) if isinstance(period, list | tuple) else [period]
    days = [d for d in days if isinstance(d, date)]
    if not days:
        return None, None
    first = datetime.combine(min(days), time.min)
    if len(days) == 1 and isinstance(period, list | tuple):
        return first, None
    return first, datetime.combine(max(days), time.min) + timedelta(days=1)


def default_period(first: Any, today: date) -> tuple[date, date]:
    """The whole log: from its first day (``first``, a timestamp or missing) to today."""
    start = today if _missing(first) or first is pd.NaT else pd.Timestamp(first).date()
    return min(start, today), today
