"""The reader's language: from the sidebar's choice, else the URL, the browser, the setting."""

from __future__ import annotations

import streamlit as st

from creative_dash import settings
from creative_dash.i18n import Translator, normalize_lang

LANG_KEY = "lang"


def initial_lang() -> str:
    return (
        normalize_lang(st.query_params.get(LANG_KEY))
        or normalize_lang(st.context.locale)
        or normalize_lang(settings.get("CREATIVE_DASH_DEFAULT_LANG"))
        or "kk"
    )


def current_lang() -> str:
    return st.session_state.get(LANG_KEY) or initial_lang()


def tr() -> Translator:
    return Translator(current_lang())
