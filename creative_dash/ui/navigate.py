"""Moving between pages: the ``st.Page`` objects app.py registered, by navigation key."""

from __future__ import annotations

from typing import Any

import streamlit as st

from creative_dash.ui.lang import current_lang


def page(key: str) -> Any:
    """The ``st.Page`` that app.py registered for a navigation key (e.g. ``"region"``).

    Switching by Page object rather than by file path works wherever the app is entered from
    (AppTest enters through tests/app/entry.py)."""
    return st.session_state["_pages"][key]


def switch_page(key: str, **query_params: str) -> None:
    """Open another page of the app, carrying the language and the given URL parameters."""
    params = {"lang": current_lang(), **query_params}
    st.switch_page(page(key), query_params=params)
