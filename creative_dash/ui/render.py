"""Drawing: charts through the chart component, KPI cards and download buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from creative_dash.ui import plotly_view
from creative_dash.ui.cache import built
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


def metric_cards(rows: Any) -> None:
    """KPI cards (``views.overview.card_rows`` output: rows of cards) as bordered st.metric."""
    for row_cards in rows:
        # at least three columns: a row of one or two cards keeps the width of the cards above
        for col, card in zip(st.columns(max(len(row_cards), 3)), row_cards):
            col.metric(
                card.label,
                card.value,
                delta=card.delta,
                delta_color=card.delta_color,
                delta_arrow=card.delta_arrow,
                help=card.help,
                border=True,
            )


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
    user's language. ``csv``/``xlsx`` build the file only when the user clicks."""
    from creative_dash.export import MIME, export_filename

    t = tr()
    for (kind, build), col in zip((("csv", csv), ("xlsx", xlsx)), st.columns(2, width=520)):
        col.download_button(
            t(f"export.{kind}"),
            data=build,
            mime=MIME[kind],
            file_name=export_filename(page, region, years, kind),
            help=t(f"export.{kind}_help"),
            key=f"{key}_{kind}",
            disabled=disabled,
            on_click="ignore",
            icon=":material/download:",
        )
