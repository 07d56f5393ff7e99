"""Accounts: local pilot accounts with Argon2 passwords, and the mapping of an identity
provider's users (subject or e-mail) to a role and region.

Every change to ``users`` goes through the write gateway as the acting admin (or the command
line's system actor :data:`creative_dash.access.CLI`), so only admins change accounts and each
change leaves an audit row (the password hash is masked there).

Signing in with a password (:func:`verify_password`) answers the same ``None`` for an unknown
login, a wrong password, a disabled account and a throttled attempt, and takes about as long for
an unknown login as for a known one (a dummy hash is checked). Attempts are rate-limited per
login and per client:

- after :data:`ACCOUNT_FREE_FAILURES` failures of a login since its last success (within
  :data:`ACCOUNT_WINDOW`), each further attempt must wait :data:`BASE_DELAY`, doubled for every
  further failure, at most :data:`MAX_DELAY` after the last failure; attempts made sooner are
  refused without checking the password (outcome ``throttled``);
- a client (the address the UI reports) gets the same after :data:`CLIENT_FREE_FAILURES`
  failures within :data:`CLIENT_WINDOW`, whatever logins it tried; a success does not reset it.

Unknown logins are limited like known ones, so the delays tell nothing about which logins exist.
Every attempt is a row of ``sign_in_attempts`` (the sign-in log), the failure that starts a
delay has outcome ``locked``, and delays are logged as warnings.

A session is a user id the UI holds after signing in; the role and region are never kept with
it: the gateway reads them from ``users`` on every write.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from creative_dash import access
from creative_dash.access import ADMIN, INSERT, REGION_EDITOR, ROLES, SYSTEM, UPDATE, Actor
from creative_dash.store import gateway
from creative_dash.store.core import Store, StoreConflict, retry_conflicts
from creative_dash.store.gateway import ActorRef

__all__ = [
    "ACCOUNT_FREE_FAILURES",
    "ACCOUNT_WINDOW",
    "BASE_DELAY",
    "CLIENT_FREE_FAILURES",
    "CLIENT_WINDOW",
    "MAX_DELAY",
    "MIN_PASSWORD",
    "User",
    "UserError",
    "create_user",
    "disable_user",
    "enable_user",
    "find_user",
    "get_user",
    "list_users",
    "reset_password",
    "set_identity",
    "set_role",
    "sign_in_wait",
    "user_for_oidc",
    "verify_password",
]

log = logging.getLogger(__name__)

# -- rate limiting (see the module's docstring) -------------------------------------------------
ACCOUNT_FREE_FAILURES = 5  # failures of one login before delays start
CLIENT_FREE_FAILURES = 20  # failures from one client before delays start
BASE_DELAY = timedelta(seconds=30)  # the first delay; doubled for each further failure
MAX_DELAY = timedelta(minutes=15)  # the longest delay
ACCOUNT_WINDOW = timedelta(hours=24)  # failures older than this are forgotten (per login)
CLIENT_WINDOW = timedelta(hours=1)  # likewise per client

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_LOGIN_RE = re.compile(r"[a-z0-9][a-z0-9._@-]{1,63}")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_FAILED = ("bad", "locked", "disabled")

# Argon2id with argon2-cffi's defaults (RFC 9106 "low memory": t=3, m=64 MiB, p=4).
_HASHER = PasswordHasher()
_DUMMY_HASH: str | None = None
# Sign-in attempts of this process queue here between reading the counts and recording the
# attempt, so parallel guesses cannot all slip under the limit.
_ATTEMPT_LOCK = threading.Lock()


class UserError(ValueError):
    """A refused account change; ``key`` names the message ``users.error.<key>``."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}" if params else key)
        self.key = key
        self.params = params

    def message(self, t: Any) -> str:
        return t(f"users.error.{self.key}", **self.params)


@dataclass(frozen=True)
class User:
    user_id: str
    login: str
    display_name: str
    role: str
    region_iso: str | None
    email: str | None
    oidc_subject: str | None
    disabled: bool
    has_password: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    role_changed_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor(self.user_id, self.role, self.region_iso, self.disabled)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> User:
        return cls(
            user_id=row["user_id"],
            login=row["login"],
            display_name=row["display_name"],
            role=row["role"],
            region_iso=row["region_iso"],
            email=row["email"],
            oidc_subject=row["oidc_subject"],
            disabled=bool(row["disabled"]),
            has_password=row["password_hash"] is not None,
            created_at=row["created_at"],
            created_by=row["created_by"],
            updated_at=row["updated_at"],
            role_changed_at=row["role_changed_at"],
        )


# -- reading ------------------------------------------------------------------------------------
def _rows(store: Store, where: str = "TRUE", params: Mapping[str, Any] | None = None) -> list[dict]:
    # ``where`` is one of this module's literals; values are bound
    with store.snapshot() as cur:
        res = cur.execute(f"SELECT * FROM users WHERE {where} ORDER BY login", dict(params or {}))  # noqa: S608
        cols = [d[0] for d in res.description]
        return [dict(zip(cols, row, strict=True)) for row in res.fetchall()]


def get_user(store: Store, user_id: str) -> User | None:
    rows = _rows(store, "user_id = $u", {"u": user_id})
    return User.from_row(rows[0]) if rows else None


def find_user(store: Store, login: str) -> User | None:
    rows = _rows(store, "login = $l", {"l": _norm_login(login)})
    return User.from_row(rows[0]) if rows else None


def list_users(store: Store) -> list[User]:
    return [User.from_row(r) for r in _rows(store)]


def _norm_login(login: Any) -> str:
    return str(login or "").strip().lower()


def _check_login(login: str) -> str:
    norm = _norm_login(login)
    if not _LOGIN_RE.fullmatch(norm) or norm in {a.name for a in access.SYSTEM_ACTORS}:
        raise UserError("bad_login")
    return norm


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise UserError("password_short", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise UserError("password_long", max=MAX_PASSWORD)


def _check_role(store: Store, role: str, region: str | None) -> str | None:
    if role not in ROLES:
        raise UserError("bad_role", roles=", ".join(ROLES))
    if role != REGION_EDITOR:
        if region:
            raise UserError("region_not_allowed")
        return None
    if not region:
        raise UserError("region_required")
    region = region.strip().upper()
    if not store.scalar("SELECT count(*) FROM regions WHERE iso_code = $r", {"r": region}):
        raise UserError("bad_region", region=region)
    return region


def _check_email(email: str | None) -> str | None:
    if email is None or not email.strip():
        return None
    email = email.strip().lower()
    if not _EMAIL_RE.fullmatch(email):
        raise UserError("bad_email")
    return email


def _hash(password: str) -> str:
    return _HASHER.hash(password)


# -- changing (admins only, through the gateway) ----------------------------------------------
def _new_user_id() -> str:
    return "u-" + secrets.token_hex(6)


def create_user(
    store: Store,
    actor: ActorRef,
    *,
    login: str,
    role: str,
    region: str | None = None,
    display_name: str | None = None,
    password: str | None = None,
    email: str | None = None,
    oidc_subject: str | None = None,
) -> User:
    """A new account. ``password`` None: the account can only sign in through the identity
    provider (by ``oidc_subject``, or by ``email`` until a subject is bound)."""
    login = _check_login(login)
    region = _check_role(store, role, region)
    email = _check_email(email)
    if password is not None:
        _check_password(password)
    if find_user(store, login) is not None:
        raise UserError("login_taken", login=login)
    _check_identity_free(store, None, oidc_subject, email)
    now = datetime.now()
    name = gateway.actor_name(actor)
    user_id = _new_user_id()
    row: dict[str, Any] = {
        "user_id": user_id,
        "login": login,
        "display_name": " ".join((display_name or login).split())[:200],
        "role": role,
        "region_iso": region,
        "password_hash": None if password is None else _hash(password),
        "oidc_subject": oidc_subject or None,
        "email": email,
        "disabled": False,
        "created_at": now,
        "created_by": name,
        "updated_at": now,
        "updated_by": name,
        "role_changed_at": now,
        "password_set_at": None if password is None else now,
        "version": 1,
    }
    with gateway.write(store, actor, "users", key=user_id, action=INSERT) as w:
        cols = ", ".join(row)
        values = ", ".join(f"${c}" for c in row)
        w.cur.execute(f"INSERT INTO users ({cols}) VALUES ({values})", row)  # noqa: S608
    user = get_user(store, user_id)
    assert user is not None
    return user


def _update(store: Store, actor: ActorRef, login: str, changes: Mapping[str, Any]) -> User:
    """Set columns of the account ``login`` (column names from this module's literals)."""
    user = find_user(store, login)
    if user is None:
        raise UserError("no_such_user", login=_norm_login(login))
    values = {**changes, "updated_at": datetime.now(), "updated_by": gateway.actor_name(actor)}
    sets = ", ".join(f"{c} = ${c}" for c in values)
    with gateway.write(store, actor, "users", key=user.user_id, action=UPDATE) as w:
        w.cur.execute(
            f"UPDATE users SET {sets}, version = version + 1 WHERE user_id = $user_id",  # noqa: S608
            {**values, "user_id": user.user_id},
        )
    updated = get_user(store, user.user_id)
    assert updated is not None
    return updated


def _would_leave_no_admin(store: Store, user: User) -> bool:
    if user.role != ADMIN or user.disabled:
        return False
    others = store.scalar(
        "SELECT count(*) FROM users WHERE role = 'admin' AND NOT disabled AND user_id <> $u",
        {"u": user.user_id},
    )
    return not others


def reset_password(store: Store, actor: ActorRef, login: str, password: str) -> User:
    """Set a new password (an admin's reset; the old one stops working at once)."""
    _check_password(password)
    return _update(
        store,
        actor,
        login,
        {"password_hash": _hash(password), "password_set_at": datetime.now()},
    )


def disable_user(store: Store, actor: ActorRef, login: str) -> User:
    """Disable the account: its sessions' next write is refused, it cannot sign in. The last
    enabled admin cannot be disabled."""
    user = find_user(store, login)
    if user is not None and _would_leave_no_admin(store, user):
        raise UserError("last_admin")
    return _update(store, actor, login, {"disabled": True})


def enable_user(store: Store, actor: ActorRef, login: str) -> User:
    return _update(store, actor, login, {"disabled": False})


def set_role(
    store: Store, actor: ActorRef, login: str, role: str, region: str | None = None
) -> User:
    """Change the account's role (and region, required for a region editor). Takes effect at the
    account's next write. The last enabled admin cannot be demoted."""
    region = _check_role(store, role, region)
    user = find_user(store, login)
    if user is not None and role != ADMIN and _would_leave_no_admin(store, user):
        raise UserError("last_admin")
    return _update(
        store, actor, login, {"role": role, "region_iso": region, "role_changed_at": datetime.now()}
    )


_UNCHANGED: Any = object()


def set_identity(
    store: Store,
    actor: ActorRef,
    login: str,
    *,
    oidc_subject: str | None = _UNCHANGED,
    email: str | None = _UNCHANGED,
) -> User:
    """Map the identity provider's subject and/or e-mail to this account (None clears)."""
    changes: dict[str, Any] = {}
    if oidc_subject is not _UNCHANGED:
        changes["oidc_subject"] = (oidc_subject or "").strip() or None
    if email is not _UNCHANGED:
        changes["email"] = _check_email(email)
    user = find_user(store, login)
    if user is None:
        raise UserError("no_such_user", login=_norm_login(login))
    _check_identity_free(store, user.user_id, changes.get("oidc_subject"), changes.get("email"))
    return _update(store, actor, login, changes)


def _check_identity_free(
    store: Store, user_id: str | None, subject: str | None, email: str | None
) -> None:
    """An identity provider's subject or e-mail maps to one account only."""
    for col, value in (("oidc_subject", subject), ("email", email)):
        if not value:
            continue
        # col is one of the two literals above
        taken = store.scalar(
            f"SELECT count(*) FROM users WHERE lower({col}) = lower($v) "  # noqa: S608
            "AND user_id IS DISTINCT FROM $u",
            {"v": value, "u": user_id},
        )
        if taken:
            raise UserError("identity_taken")


# -- signing in ---------------------------------------------------------------------------------
def _delay(failures: int, free: int) -> timedelta:
    if failures < free:
        return timedelta(0)
    return min(BASE_DELAY * (2 ** (failures - free)), MAX_DELAY)


def _counts(
    cur: duckdb.DuckDBPyConnection, column: str, value: str, since: datetime
) -> tuple[int, datetime | None]:
    """(failures, time of the last failure) of one login or client since ``since``."""
    # column is "login" or "client", from this module
    row = cur.execute(
        f"SELECT count(*), max(attempted_at) FROM sign_in_attempts WHERE {column} = $v "  # noqa: S608
        "AND attempted_at > $since AND outcome IN ('bad', 'locked', 'disabled')",
        {"v": value, "since": since},
    ).fetchone()
    return (int(row[0]), row[1]) if row else (0, None)


def _login_failures(
    cur: duckdb.DuckDBPyConnection, login: str, now: datetime
) -> tuple[int, datetime | None]:
    """Failures of a login since its last success (at most ACCOUNT_WINDOW back)."""
    found = cur.execute(
        "SELECT max(attempted_at) FROM sign_in_attempts WHERE login = $l AND ok",
        {"l": login},
    ).fetchone()
    last_ok = found[0] if found else None
    since = now - ACCOUNT_WINDOW
    if last_ok is not None and last_ok > since:
        since = last_ok
    return _counts(cur, "login", login, since)


def _wait(cur: duckdb.DuckDBPyConnection, login: str, client: str, now: datetime) -> timedelta:
    waits = [timedelta(0)]
    for (failures, last), free in (
        (_login_failures(cur, login, now), ACCOUNT_FREE_FAILURES),
        (_counts(cur, "client", client, now - CLIENT_WINDOW), CLIENT_FREE_FAILURES),
    ):
        if last is not None:
            waits.append(last + _delay(failures, free) - now)
    return max(waits)


def sign_in_wait(store: Store, login: str, client: str, *, now: datetime | None = None) -> float:
    """Seconds before an attempt for ``login`` from ``client`` will be checked (0: now). The
    same for known and unknown logins; a sign-in page may show it."""
    now = now or datetime.now()
    with store.snapshot() as cur:
        return _wait(cur, _norm_login(login), str(client or "?"), now).total_seconds()


def _record_attempt(
    store: Store, login: str, client: str, now: datetime, ok: bool, outcome: str
) -> None:
    def record() -> None:
        # versioned by no topic: no cached read shows sign-in attempts, and a room signing in
        # at once must not queue on one version row
        with store.transaction(topic=None) as cur:
            cur.execute(
                "INSERT INTO sign_in_attempts VALUES ($id, $l, $c, $at, $ok, $o)",
                {
                    "id": uuid.uuid4().hex,
                    "l": login,
                    "c": client,
                    "at": now,
                    "ok": ok,
                    "o": outcome,
                },
            )

    try:
        retry_conflicts(record, attempts=20, where=store.where)
    except StoreConflict:
        log.error("could not record a sign-in attempt for %r from %r", login, client)


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hash(secrets.token_urlsafe(16))
    return _DUMMY_HASH


def verify_password(
    store: Store, login: str, password: str, client: str, *, now: datetime | None = None
) -> User | None:
    """The signed-in user, or None -- whatever the reason (unknown login, wrong password,
    disabled account, too many recent failures). ``client`` identifies where the attempt comes
    from (the UI passes the client's address); ``now`` is for tests."""
    now = now or datetime.now()
    norm = _norm_login(login)[:200]
    client = str(client or "?")[:200]
    with _ATTEMPT_LOCK:
        with store.snapshot() as cur:
            wait = _wait(cur, norm, client, now)
            row = cur.execute(
                "SELECT user_id, password_hash, disabled FROM users WHERE login = $l", {"l": norm}
            ).fetchone()
        if wait > timedelta(0):
            _record_attempt(store, norm, client, now, False, "throttled")
            log.warning("sign-in throttled: login %r, client %r (%s s)", norm, client, wait)
            return None
        stored = row[1] if row and row[1] else None
        try:
            # an unknown login or one without a password costs the same as a wrong password
            good = _HASHER.verify(stored or _dummy_hash(), str(password or "")) and bool(stored)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            good = False
        outcome = ("disabled" if row and row[2] else "ok") if good else "bad"
        if outcome != "ok":
            with store.snapshot() as cur:
                failures, _last = _login_failures(cur, norm, now)
            if failures + 1 >= ACCOUNT_FREE_FAILURES:
                outcome = "locked" if outcome == "bad" else outcome
                log.warning(
                    "sign-in: login %r failed %d times in a row: next attempt delayed %s",
                    norm,
                    failures + 1,
                    _delay(failures + 1, ACCOUNT_FREE_FAILURES),
                )
        _record_attempt(store, norm, client, now, outcome == "ok", outcome)
    if outcome != "ok":
        return None
    assert row is not None and stored is not None
    if _HASHER.check_needs_rehash(stored):
        _update(store, SYSTEM, norm, {"password_hash": _hash(str(password))})
    return get_user(store, row[0])


def user_for_oidc(store: Store, subject: str | None, email: str | None) -> User | None:
    """The enabled account an identity provider's user maps to: the one bound to ``subject``,
    else the one whose ``email`` matches (case-insensitively) and has no subject bound yet.
    The UI passes ``email`` only when the provider says it is verified."""
    if subject:
        rows = _rows(store, "oidc_subject = $s", {"s": subject})
        if rows:
            user = User.from_row(rows[0])
            return None if user.disabled else user
    if email and email.strip():
        rows = _rows(
            store, "lower(email) = lower($e) AND oidc_subject IS NULL", {"e": email.strip()}
        )
        if len(rows) == 1 and not rows[0]["disabled"]:
            return User.from_row(rows[0])
    return None
