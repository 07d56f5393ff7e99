"""The server: ``streamlit run asgi.py`` (``make run``) serves ``app.py`` through Streamlit's own
Starlette server, with ``creative_dash.web``'s middleware around it: static files compressed
once and cached for their lifetime, Plotly preloaded by the pages that draw charts, a smaller
icon font, anti-framing headers.

Everything that serves the app goes through here (``make run``, the browser tests' server, the
benchmark), so what is measured and tested is what is deployed. ``streamlit run`` options and
``.streamlit/config.toml`` apply as they do to ``streamlit run app.py``.
"""

from pathlib import Path

import streamlit as st

from creative_dash import web
from creative_dash.navigation import DEFAULT_PAGE
from creative_dash.ui import ballot_page
from creative_dash.ui.cache import store
from creative_dash.ui.pages_patch import before_any_session

# Before any session: a deep link as a fresh server's first requests runs through app.py's
# st.navigation, however many arrive at once (creative_dash/ui/pages_patch.py).
before_any_session()

# Pages that draw no chart: their HTML does not preload Plotly.
CHARTLESS = frozenset({"vote", "sign_in", "users", "audit"})

# The theme's font is the system's (.streamlit/config.toml): Streamlit's preload of its Source
# Sans font (170 KB, a seventh of a first visit) is taken out of the pages, and its files are
# answered with a font without glyphs (Streamlit's loading screen, drawn before the theme
# arrives, asked for it).
UNUSED_FONTS = "SourceSansVF-"

# The light ballot the join link and QR code open on phones (/ballot?poll=<id>: a few KB of
# HTML, no Streamlit frontend; creative_dash/ui/ballot_page.py), on the app's store.
app = st.App(
    Path(__file__).resolve().parent / "app.py",
    routes=ballot_page.routes(store),
    middleware=web.middleware(
        chartless=CHARTLESS,
        default=DEFAULT_PAGE,
        unpreload=UNUSED_FONTS,
        passthrough=(ballot_page.PATH,),
    ),
)
