"""Signing in, without Streamlit or the store: whether the identity provider's configuration (the
``[auth]`` section of ``.streamlit/secrets.toml``) can work, who an ID token names, and when a
session has been idle too long.

The UI (``creative_dash.ui.auth``) checks the configuration once per process, logs each problem
with what to change, and offers no identity provider sign-in until it is fixed: a wrong
``redirect_uri`` would send users to the provider and back to a page that does not exist, and a
short ``cookie_secret`` would let anyone who guesses it forge the identity cookie.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "CALLBACK",
    "MIN_COOKIE_SECRET",
    "Logins",
    "OidcIdentity",
    "OidcSetup",
    "Problem",
    "check_setup",
    "identity",
    "idle_expired",
]

MIN_COOKIE_SECRET = 32  # characters: what `secrets.token_urlsafe(24)` gives, 192 bits
CALLBACK = "oauth2callback"  # the path Streamlit serves the provider's answer on
PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")
DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Problem:
    """Why identity provider sign-in cannot start: ``key`` names it, ``detail`` tells the
    operator what to change (English, for the server log)."""

    key: str
    detail: str


@dataclass(frozen=True)
class OidcSetup:
    """The ``[auth]`` section as checked: ``providers`` are the names ``st.login`` takes
    (``default`` for a provider configured in ``[auth]`` itself)."""

    configured: bool
    providers: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def ready(self) -> bool:
        return self.configured and bool(self.providers) and not self.problems


def _providers(auth: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    if any(k in auth for k in PROVIDER_KEYS):
        found["default"] = auth
    for name, value in auth.items():
        if isinstance(value, Mapping) and any(k in value for k in PROVIDER_KEYS):
            found[str(name)] = value
    return found


def _redirect_problems(
    uri: str, *, server_port: int, base_path: str, public_url: str
) -> list[Problem]:
    if not uri:
        return [Problem("redirect_uri_missing", "[auth] redirect_uri is not set.")]
    uri = uri.replace("{port}", str(server_port))
    try:
        parsed = urlsplit(uri)
        port = parsed.port or DEFAULT_PORTS.get(parsed.scheme)
    except ValueError:
        parsed, port = None, None
    if parsed is None or parsed.scheme not in DEFAULT_PORTS or not parsed.hostname:
        return [Problem("redirect_uri_invalid", f"[auth] redirect_uri {uri!r} is not a URL.")]
    if public_url:
        expected = f"{public_url.rstrip('/')}/{CALLBACK}"
        if uri.rstrip("/") != expected:
            return [
                Problem(
                    "redirect_uri_public_url",
                    f"[auth] redirect_uri is {uri!r}, but the app's public address "
                    f"(CREATIVE_DASH_PUBLIC_URL) gives {expected!r}: the provider would send "
                    "users back to another address.",
                )
            ]
        return []
    path = "/" + "/".join(p for p in (base_path.strip("/"), CALLBACK) if p)
    problems = []
    if parsed.path.rstrip("/") != path:
        problems.append(
            Problem(
                "redirect_uri_path",
                f"[auth] redirect_uri {uri!r} must end with {path!r} (the server's "
                "server.baseUrlPath and Streamlit's callback).",
            )
        )
    if port != server_port:
        problems.append(
            Problem(
                "redirect_uri_port",
                f"[auth] redirect_uri {uri!r} names port {port}, but this server listens on "
                f"{server_port}. Behind a reverse proxy, set CREATIVE_DASH_PUBLIC_URL to the "
                "public address instead.",
            )
        )
    return problems


def check_setup(
    auth: Mapping[str, Any] | None,
    *,
    server_port: int,
    base_path: str = "",
    public_url: str = "",
    authlib: bool = True,
) -> OidcSetup:
    """Whether identity provider sign-in can start with this ``[auth]`` section (None: not
    configured), for a server on ``server_port`` under ``base_path`` whose public address is
    ``public_url`` (empty: the server's own). ``authlib``: whether Authlib is installed."""
    if not auth:
        return OidcSetup(configured=False)
    problems: list[Problem] = []
    if not authlib:
        problems.append(
            Problem("authlib_missing", "Authlib is not installed: pip install -r requirements.txt")
        )
    secret = auth.get("cookie_secret")
    if not secret:
        problems.append(Problem("cookie_secret_missing", "[auth] cookie_secret is not set."))
    elif not isinstance(secret, str) or len(secret) < MIN_COOKIE_SECRET:
        problems.append(
            Problem(
                "cookie_secret_short",
                f"[auth] cookie_secret has {len(str(secret))} characters; it needs at least "
                f"{MIN_COOKIE_SECRET} random ones, e.g. from "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'.",
            )
        )
    problems += _redirect_problems(
        str(auth.get("redirect_uri") or ""),
        server_port=server_port,
        base_path=base_path,
        public_url=public_url,
    )
    providers = _providers(auth)
    if not providers:
        problems.append(
            Problem(
                "no_provider",
                f"[auth] names no identity provider: set {', '.join(PROVIDER_KEYS)} in [auth] "
                "or in an [auth.<name>] section.",
            )
        )
    for name, section in providers.items():
        missing = [k for k in PROVIDER_KEYS if not section.get(k)]
        if missing:
            where = "[auth]" if name == "default" else f"[auth.{name}]"
            problems.append(Problem("provider_keys", f"{where} is missing {', '.join(missing)}."))
        if "_" in name:
            problems.append(
                Problem("provider_name", f"[auth.{name}]: provider names cannot contain '_'.")
            )
    return OidcSetup(configured=True, providers=tuple(providers), problems=tuple(problems))


@dataclass(frozen=True)
class OidcIdentity:
    """Who the provider's ID token names: its subject, its e-mail address when the provider
    says it is verified (None otherwise), when the token was issued (seconds since the epoch)."""

    subject: str
    email: str | None
    issued_at: float | None

    @property
    def key(self) -> tuple[str, float | None]:
        """One sign-in at the provider: the same in every tab of the browser that signed in."""
        return (self.subject, self.issued_at)


def identity(info: Mapping[str, Any]) -> OidcIdentity | None:
    """The identity in ``st.user``'s claims, or None when nobody is signed in there."""
    if info.get("is_logged_in") is not True:
        return None
    subject = info.get("sub")
    if not isinstance(subject, str) or not subject.strip():
        return None
    verified = info.get("email_verified")
    email = info.get("email") if verified is True or str(verified).lower() == "true" else None
    issued = info.get("iat")
    issued_at = float(issued) if isinstance(issued, int | float) and issued > 0 else None
    return OidcIdentity(
        subject=subject.strip(),
        email=email.strip() if isinstance(email, str) and email.strip() else None,
        issued_at=issued_at,
    )


def idle_expired(last_seen: float | None, now: float, idle: timedelta) -> bool:
    """Whether a session last active at ``last_seen`` (seconds) has been idle too long."""
    return last_seen is not None and now - last_seen > idle.total_seconds()


class Logins:
    """The identity provider sign-ins this process has seen, with their last activity.

    The provider's identity cookie outlives a browser tab (30 days), and every new tab or reload
    is a new session: without this, reloading a page left idle would sign its user in again. A
    sign-in (:attr:`OidcIdentity.key`) is active while it was seen within the idle time; one
    this process never saw is active only if the provider issued it within the idle time (so a
    server restart asks older sign-ins to sign in again); one that ended (sign-out, idle, a
    disabled account) stays ended."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[tuple[str, float | None], tuple[float, bool]] = {}

    def active(self, identity: OidcIdentity, now: float, idle: timedelta) -> bool:
        with self._lock:
            entry = self._last.get(identity.key)
        if entry is not None:
            last, ended = entry
            return not ended and not idle_expired(last, now, idle)
        if identity.issued_at is None:  # nothing to go by: the session's own idle time decides
            return True
        return not idle_expired(identity.issued_at, now, idle)

    def seen(self, identity: OidcIdentity, now: float, idle: timedelta) -> None:
        with self._lock:
            entry = self._last.get(identity.key)
            if entry is None or not entry[1]:
                self._last[identity.key] = (now, False)
            self._prune(now, idle)

    def end(self, identity: OidcIdentity, now: float, idle: timedelta) -> None:
        with self._lock:
            self._last[identity.key] = (now, True)
            self._prune(now, idle)

    def _prune(self, now: float, idle: timedelta) -> None:
        # An entry idle for longer than the idle time says no more than its absence would: its
        # sign-in was issued before its last activity, so it is expired either way.
        stale = [k for k, (last, _) in self._last.items() if idle_expired(last, now, idle)]
        for key in stale:
            if key[1] is not None:  # without an issue time, absence would mean "active"
                del self._last[key]
