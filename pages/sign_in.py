"""Sign in: through the identity provider (when ``[auth]`` is configured in
``.streamlit/secrets.toml``), or with a pilot account's login and password. Reading needs no
sign-in unless CREATIVE_DASH_SIGN_IN_TO_READ is 1; signing in is for changing data."""

from __future__ import annotations

import streamlit as st

from creative_dash import settings, ui
from creative_dash.ui import auth

t = ui.tr()
st.title(t("auth.title"))
st.caption(t("auth.intro_read" if settings.sign_in_to_read() else "auth.intro"))
auth.sign_in_panel(t)
