"""Captions that say what a page's selection (its :class:`~creative_dash.filters.Filters`)
counts, where pages could otherwise disagree: a hub's opening year is not an initiative's start
year, the overview is national, the programme page is one programme's.

Pure functions, no Streamlit."""

from __future__ import annotations

from creative_dash.filters import Filters
from creative_dash.i18n import Translator
from creative_dash.text import inert
from creative_dash.views.overview import period_text


def chosen_count(filters: Filters, *fields: str) -> int:
    """How many values are chosen in these fields (a page's "n filters on")."""
    return sum(len(getattr(filters, name)) for name in fields)


def national_caption(t: Translator, region_name: str | None) -> str | None:
    """On the overview with a region chosen in the sidebar: the figures stay national."""
    return t("overview.scope_region", region=inert(region_name)) if region_name else None


def hub_period_caption(t: Translator, years: tuple[int, int]) -> str:
    """Which hubs the period keeps, and why the first year does not narrow them."""
    first, last = years
    return t("hubs.period_note", period=period_text(t, first, last), first=first, last=last)


def programme_period_caption(t: Translator, dates: str, years: tuple[int, int]) -> str:
    """What the sidebar's years change on the programme page: its initiatives only."""
    return t("programme.period_note", dates=dates, period=period_text(t, *years))
