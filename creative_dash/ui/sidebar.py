"""The shared sidebar (language, region, years) and the selection it holds for every page."""

from __future__ import annotations

from typing import Any, cast

import streamlit as st

from creative_dash.i18n import LANG_NAMES, LANGS, Translator
from creative_dash.text import visible
from creative_dash.ui.cache import q
from creative_dash.ui.lang import LANG_KEY, initial_lang
from creative_dash.ui.navigate import switch_page
from creative_dash.ui.urlstate import (
    choice_parser,
    forget_rejected_url_value,
    seed_from_url,
    url_selectbox,
    write_url,
    year_range_parser,
)
from creative_dash.views.about import official_populations

REGION_KEY = "region"
YEARS_KEY = "years"


def sidebar(t: Translator | None = None) -> tuple[str, str | None, tuple[int, int]]:
    """Language, region and year range: in the sidebar, in session state and in the URL.

    Returns (lang, region ISO code or None, (first year, last year))."""
    seed_from_url(LANG_KEY, choice_parser(LANGS), initial_lang())
    lang = st.sidebar.selectbox(
        Translator(st.session_state[LANG_KEY])("sidebar.language"),
        LANGS,
        key=LANG_KEY,
        format_func=LANG_NAMES.__getitem__,
    )
    write_url(LANG_KEY, lang, None, str)  # always in the URL: a shared link keeps its language
    t = Translator(lang)

    regions = q("regions")
    codes = [""] + regions["iso_code"].tolist()
    names = dict(zip(regions["iso_code"], regions[t.name_col()]))
    region = url_selectbox(
        t("sidebar.region"),
        codes,
        REGION_KEY,
        default="",
        format_func=lambda c: (
            names.get(c, t("sidebar.all_regions")) if c else t("sidebar.all_regions")
        ),
        container=st.sidebar,
    )
    bounds = q("year_bounds").iloc[0]
    lo, hi = int(bounds["min_year"]), int(bounds["max_year"])
    seed_from_url(YEARS_KEY, year_range_parser(lo, hi), (lo, hi))
    # a range slider: the value seeded in the session state above is a (first, last) pair
    years = cast(tuple[int, int], st.sidebar.slider(t("sidebar.years"), lo, hi, key=YEARS_KEY))
    write_url(YEARS_KEY, tuple(years), (lo, hi), lambda v: f"{v[0]}-{v[1]}")
    return lang, (region or None), (int(years[0]), int(years[1]))


def region_names(t: Translator) -> dict[str, str]:
    regions = q("regions")
    return dict(zip(regions["iso_code"], regions[t.name_col()]))


def selected_region() -> str | None:
    return st.session_state.get(REGION_KEY) or None


def selected_years() -> tuple[int, int]:
    value = st.session_state.get(YEARS_KEY)
    if value is None:
        bounds = q("year_bounds").iloc[0]
        return int(bounds["min_year"]), int(bounds["max_year"])
    return int(value[0]), int(value[1])


def has_demo() -> bool:
    return bool(q("store_facts").iloc[0]["has_demo"])


def demo_badge_help(t: Translator) -> str:
    """The demo badge's help: what is demo, and what is not (how many populations are official
    figures, that boundaries are indicative)."""
    regions = q("regions")
    return t("app.demo_badge_help", official=official_populations(regions), n=len(regions))


# -- choosing the region from a page (a map click, a picker) ----------------------------------------
_OPEN_KEY = "_open_region"  # set by a callback that also opens the region's dashboard


def choose_region(code: str | None, *, open_page: bool = False) -> None:
    """Make ``code`` the sidebar's region; with ``open_page``, open its dashboard too.

    For callbacks: they run before the sidebar is drawn, the only moment its value may change.
    An unknown code changes nothing."""
    if code is None or code not in set(q("regions")["iso_code"]):
        return
    st.session_state[REGION_KEY] = code
    write_url(REGION_KEY, code, "", str)
    forget_rejected_url_value(REGION_KEY)
    if open_page:
        st.session_state[_OPEN_KEY] = code


def open_chosen_region() -> None:
    """Switch to the region's dashboard when a callback of this run asked for it."""
    target = st.session_state.pop(_OPEN_KEY, None)
    if target:
        switch_page("region", region=target)


def region_picker(t: Translator, key: str, label: str, placeholder: str, **kw: Any) -> None:
    """A selectbox of the regions that makes the chosen one the sidebar's region (``kw``:
    ``open_page=True`` opens its dashboard too), then empties itself."""
    names = region_names(t)

    def picked() -> None:
        choose_region(st.session_state.get(key) or None, **kw)
        st.session_state[key] = ""

    st.selectbox(
        label,
        ["", *names],
        key=key,
        on_change=picked,
        format_func=lambda c: visible(names.get(c, c)) if c else placeholder,
    )
