"""Who is signed in, in this browser session: only a user id.

A session holds the signed-in user's id and nothing else about them: the role and region are read
from the store by the write gateway at every write (``creative_dash.store.gateway``), so a
disabled account or a lowered role takes effect at the session's next write. Sign-in pages set
the id after :func:`creative_dash.store.users.verify_password` or
:func:`creative_dash.store.users.user_for_oidc` answered a user; no widget has this key, so the
browser cannot set it.
"""

from __future__ import annotations

import streamlit as st

USER_KEY = "auth_user_id"


def user_id() -> str | None:
    """The signed-in user's id, or None (a viewer): what the page passes to writes as actor."""
    value = st.session_state.get(USER_KEY)
    return value if isinstance(value, str) and value else None


def set_user_id(value: str) -> None:
    """Start the session of a user the store just signed in."""
    st.session_state[USER_KEY] = value


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)
