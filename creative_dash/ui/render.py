"""Drawing: charts through the chart component, KPI cards and download buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from creative_dash.ui import plotly_view
from creative_dash.ui.cache import built, q
from creative_dash.ui.lang import tr


def chart(
    key: str,
    build: Callable[..., Any],
    *args: Any,
    on_select: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Build (or reuse, see ``cache.figure``) ``build(*args, **kwargs)`` and draw it under
    ``key``. Pass a :class:`~creative_dash.ui.cache.Query` in place of a query's frame: the
    query then runs only when the figure is not cached. ``on_select``: a callback for a click
    on a point (read it with ``clicked(key)``)."""
    fig, spec = built(build, args, kwargs)
    return _show(fig, spec, key, on_select)


def plotly(fig: Any, key: str, on_select: Callable[[], None] | None = None) -> Any:
    """Draw a figure built by the page under a stable key, with an offline, PNG-capable,
    full-screen-capable toolbar, updated in place on the next rerun (``plotly_view``)."""
    return _show(fig, plotly_view.to_spec(fig), key, on_select)


def _show(fig: Any, spec: str, key: str, on_select: Callable[[], None] | None) -> Any:
    t = tr()
    labels = {
        "fullscreen": t("chart.fullscreen"),
        "exit_fullscreen": t("chart.exit_fullscreen"),
        "failed": t("chart.failed"),
    }
    # a chart without a title still has a name for screen readers
    name = plotly_view.accessible_name(fig) or t("chart.untitled")
    return plotly_view.show(
        spec, key=key, lang=t.lang, labels=labels, name=name, on_select=on_select
    )


def clicked(key: str) -> dict[str, Any]:
    """The click that ran the chart ``key``'s ``on_select`` callback: ``{"points": [...]}``."""
    return plotly_view.clicked(key)


def boundaries_warning() -> None:
    """Once on each page with a map, near it: a warning naming the boundaries file and what is
    wrong with it or which regions the maps leave out, when the file is not fully usable
    (``geo.check``). The maps themselves draw whatever outlines the file has."""
    from creative_dash import geo
    from creative_dash.views.boundaries import boundaries_warning as warning_text

    t = tr()
    regions = q("regions")
    names = dict(zip(regions["iso_code"], regions[t.name_col()]))
    text = warning_text(t, geo.check(list(names) or None), names)
    if text:
        st.warning(text, icon=":material/map:")


def metric_cards(rows: Any) -> None:
    """KPI cards (``views.overview.card_rows`` output: rows of cards) as bordered st.metric."""
    for row_cards in rows:
        for col, card in zip(st.columns(len(row_cards)), row_cards):
            col.metric(
                card.label,
                card.value,
                delta=card.delta,
                delta_color=card.delta_color,
                delta_arrow=card.delta_arrow,
                help=card.help,
                border=True,
            )


# How long the rerun that a click on a download button starts waits for the build (which runs in
# another thread at the same time) to say whether it got an export slot: the build starts as
# soon as the browser's request arrives, normally within milliseconds.
CLICK_WAIT_S = 5.0


def _outcomes(button_key: str) -> Any:
    """The button's record of its builds (``export.Outcomes``), kept for the session."""
    from creative_dash.export import Outcomes

    return st.session_state.setdefault(f"_outcomes_{button_key}", Outcomes())


def download_buttons(
    key: str,
    page: str,
    region: str | None,
    years: tuple[int, int] | None,
    *,
    csv: Callable[[], bytes],
    xlsx: Callable[[], bytes],
    disabled: bool = False,
) -> None:
    """CSV and XLSX download buttons (keys ``<key>_csv`` and ``<key>_xlsx``), labelled in the
    user's language. ``csv``/``xlsx`` build the file only when the user clicks, and only while
    an export slot is free (``export.GATE``); when none is, the click's rerun says "try again in
    a moment" under the buttons."""
    from creative_dash.export import GATE, MIME, export_filename

    t = tr()
    refused = False
    for (kind, build), col in zip((("csv", csv), ("xlsx", xlsx)), st.columns(2, width=520)):
        button_key = f"{key}_{kind}"
        outcomes = _outcomes(button_key)
        clicked = col.download_button(
            t(f"export.{kind}"),
            data=GATE.guarded(build, outcomes),
            mime=MIME[kind],
            file_name=export_filename(page, region, years, kind),
            help=t(f"export.{kind}_help"),
            key=button_key,
            disabled=disabled,
            # a rerun, so that a refused build can be told to the user
            on_click="rerun",
            icon=":material/download:",
        )
        if clicked and outcomes.take(CLICK_WAIT_S) is False:
            refused = True
    if refused:
        st.warning(t("export.busy"), icon=":material/hourglass_top:")
