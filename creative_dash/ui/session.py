"""Who is signed in, in this browser session: only a user id, how it signed in, and when it was
last active.

A session holds the signed-in user's id and nothing else about them: the role and region are read
from the store by the write gateway at every write (``creative_dash.store.gateway``), so a
disabled account or a lowered role takes effect at the session's next write, and the frame
(``creative_dash.ui.auth.check_session``) re-reads the account on every page load. No widget has
these keys, so the browser cannot set them.

Signing in and out starts the session afresh: every key of the session state is dropped but the
language, so nothing a session gathered before signing in (a draft, a voter token, widget
values, a half-finished sign-in) carries over into the signed-in session, or out of it after
signing out. The user id is set only by :func:`sign_in`, which sign-in code calls after
:func:`creative_dash.store.users.verify_password` or
:func:`creative_dash.store.users.user_for_oidc` answered a user.
"""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from creative_dash import settings
from creative_dash.signin import idle_expired
from creative_dash.ui.lang import LANG_KEY

USER_KEY = "auth_user_id"
VIA_KEY = "auth_via"  # "password" or "oidc"
LOGIN_KEY = "auth_oidc"  # the identity provider sign-in (OidcIdentity) of an "oidc" session
SEEN_KEY = "auth_seen"  # time.time() of the session's last page load or click
NOTICE_KEY = "auth_notice"  # why the last session ended (a message key), shown once
KEEP = (LANG_KEY,)  # what starting afresh keeps
PASSWORD, OIDC = "password", "oidc"


def now() -> float:
    """Seconds since the epoch (a function, so tests can move the clock)."""
    return time.time()


def expired() -> bool:
    """Whether the signed-in session has been idle longer than CREATIVE_DASH_IDLE_MINUTES."""
    seen = st.session_state.get(SEEN_KEY)
    last = float(seen) if isinstance(seen, int | float) else None
    return idle_expired(last, now(), settings.idle_timeout())


def user_id() -> str | None:
    """The signed-in user's id, or None (a viewer, or a session idle for too long): what the
    page passes to writes as actor."""
    value = st.session_state.get(USER_KEY)
    if not isinstance(value, str) or not value or expired():
        return None
    return value


def via() -> str | None:
    return st.session_state.get(VIA_KEY) if user_id() else None


def oidc_login() -> Any:
    """The identity provider sign-in of this session (an ``OidcIdentity``), if any."""
    return st.session_state.get(LOGIN_KEY)


def _start_afresh() -> None:
    for key in list(st.session_state.keys()):
        if key not in KEEP:
            del st.session_state[key]


def sign_in(value: str, how: str = PASSWORD, login: Any = None) -> None:
    """Start the session of a user the store just signed in (see the module's docstring)."""
    _start_afresh()
    st.session_state[USER_KEY] = value
    st.session_state[VIA_KEY] = how
    if login is not None:
        st.session_state[LOGIN_KEY] = login
    touch()


def set_user_id(value: str) -> None:
    """Start a password session of a user the store just signed in (:func:`sign_in`)."""
    sign_in(value, PASSWORD)


def touch() -> None:
    """The session was active now (a page load or a click)."""
    st.session_state[SEEN_KEY] = now()


def sign_out(notice: str | None = None) -> None:
    """End the session: nothing of it is kept but the language; ``notice`` (a message key)
    says why on the next page."""
    _start_afresh()
    if notice:
        st.session_state[NOTICE_KEY] = notice


def take_notice() -> str | None:
    """Why the last session ended, once."""
    return st.session_state.pop(NOTICE_KEY, None)
