"""Where a page's figures come from, said under them: the store's data version and last load,
the population figures per-capita values divide by (their dates), that boundaries are
indicative, and "demo data" while the store holds demo rows (the pages of the data sections;
each dataset's own source is on the About page)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from creative_dash.i18n import Translator
from creative_dash.ui.cache import q
from creative_dash.ui.sidebar import has_demo

# The pages whose figures come from the store (the About page lists the sources in full).
SOURCED_PAGES = ("overview", "region", "initiatives", "hubs", "programme")


def sources_text(t: Translator) -> str:
    facts = q("store_facts").iloc[0]
    loads = q("dataset_loads")["loaded_at"].dropna()
    dates = q("regions")["population_as_of"].dropna()
    text = t(
        "app.sources_footer",
        version=int(facts["data_version"]),
        loaded=t.date(pd.Timestamp(loads.max())) if len(loads) else "—",
        first=t.date(dates.min()) if len(dates) else "—",
        last=t.date(dates.max()) if len(dates) else "—",
    )
    return text + (" " + t("app.sources_footer_demo") if has_demo() else "")


def sources_footer(t: Translator, nav: Any) -> None:
    """The footnote under a data page (key ``sources_footer``)."""
    pages = st.session_state.get("_pages", {})
    key = next((k for k, page in pages.items() if page == nav), None)
    if key in SOURCED_PAGES:
        with st.container(key="sources_footer"):
            st.divider()
            st.caption(":material/info: " + sources_text(t))
