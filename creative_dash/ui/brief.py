"""The "Download brief (PDF)" buttons of the region and overview pages: the PDF is built when
clicked (Streamlit's deferred download: the button shows a spinner meanwhile), once per region,
language, period and data version, and kept for everyone (``cache.cached_brief``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from creative_dash import brief
from creative_dash.i18n import Translator
from creative_dash.ui.cache import Query, cached_brief, pinned, store, versions
from creative_dash.ui.sidebar import has_demo


def brief_bytes(t: Translator, iso: str | None, years: tuple[int, int]) -> Callable[[], bytes]:
    """The brief of region ``iso`` (None: the national brief) as a call for the download thread:
    the store and the versions of this run are bound now, and every read of the brief is of
    those versions (one brief, one state of the data)."""
    s = store()
    v = versions(s)
    key = ("brief", s.location, v.total, iso, t.lang, tuple(years))

    def run(name: str, **params: Any) -> Any:
        return Query.of(name, **params).frame(s)

    def build() -> bytes:
        with pinned(v):
            if iso is None:
                return brief.national_brief(brief.gather_national(run, years), t)
            return brief.region_brief(brief.gather_region(run, iso, years), t)

    return lambda: cached_brief(key, build)


def brief_filename(iso: str | None, years: tuple[int, int], lang: str, demo: bool) -> str:
    """``brief_KZ-62_2019-2026_kk_2026-12-03.pdf`` (``_demo`` before the date when the store
    holds demo rows). ASCII only."""
    first, last = years
    period = str(first) if first == last else f"{first}-{last}"
    mark = "_demo" if demo else ""
    return f"brief_{iso or 'national'}_{period}_{lang}{mark}_{date.today().isoformat()}.pdf"


def brief_button(t: Translator, iso: str | None, years: tuple[int, int]) -> None:
    """The download button (key ``brief_pdf``) of the region's brief (None: the national one);
    the file name says ``demo`` while the store holds demo rows."""
    national, demo = iso is None, has_demo()
    st.download_button(
        t("brief.download_national" if national else "brief.download"),
        data=brief_bytes(t, iso, years),
        file_name=brief_filename(iso, years, t.lang, demo),
        mime="application/pdf",
        help=t("brief.download_national_help" if national else "brief.download_help"),
        key="brief_pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )
