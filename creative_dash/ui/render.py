"""Drawing: charts through the chart component, KPI cards and download buttons."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import streamlit as st

from creative_dash.ui import plotly_view
from creative_dash.ui.cache import built
from creative_dash.ui.lang import tr
from creative_dash.ui.urlstate import seed_from_url, url_number_input, write_url


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


def metric_cards(rows: Any, *, border: bool = True) -> None:
    """Rows of cards (``views.overview.card_rows`` output, or rows of ``views.cards.Card``) as
    st.metric, a row at a time."""
    for row_cards in rows:
        for col, card in zip(st.columns(len(row_cards)), row_cards):
            col.metric(
                card.label,
                card.value,
                delta=card.delta,
                delta_color=card.delta_color,
                delta_arrow=card.delta_arrow,
                help=card.help,
                border=border,
            )


def frame_downloads(
    key: str, page: str, region: str | None, years: tuple[int, int] | None, frame: Any, sheet: str
) -> None:
    """``download_buttons`` of a table the page holds (CSV, and XLSX with the sheet ``sheet``)."""
    from creative_dash.export import to_csv_bytes, to_xlsx_bytes

    csv, xlsx = partial(to_csv_bytes, frame), partial(to_xlsx_bytes, frame, sheet)
    download_buttons(key, page, region, years, csv=csv, xlsx=xlsx)


def pager(key: str, total: int, page_size: int, selection: Any, container: Any = st) -> int:
    """The page of a long table to show, in the URL as ``?key=<n>``; back to the first page
    whenever ``selection`` (what the table lists: filters, sort) changes."""
    t = tr()
    signature = repr(selection)
    seen = f"_{key}_selection"
    if st.session_state.get(seen) not in (None, signature):
        st.session_state[key] = 1
    st.session_state[seen] = signature
    pages = max(1, -(-int(total) // int(page_size)))
    return url_number_input(
        t("initiatives.page"),
        key,
        min_value=1,
        max_value=pages,
        default=1,
        container=container,
        help=t("initiatives.page_help", pages=t.num(pages), size=page_size),
    )


def data_table(
    df: Any,
    key: str,
    *,
    progress: Mapping[str, str] | None = None,
    wide: tuple[str, ...] = (),
    choose: tuple[str, list[int]] | None = None,
    rows_visible: bool = False,
    heading: str | None = None,
) -> None:
    """A table (under a subheader ``heading``): ``progress`` columns ({header: help}) as bars
    of 0-100 %, ``wide`` columns wide; ``choose`` = (state key, the rows' ids) lets the reader
    pick a row, whose id goes to ``st.session_state[state key]`` (see ``chosen_row``);
    ``rows_visible``: every row shown without inner scrolling."""
    if heading:
        st.subheader(heading)
    config: dict[str, Any] = {
        name: st.column_config.ProgressColumn(
            name, help=text, format="%d%%", min_value=0, max_value=100
        )
        for name, text in (progress or {}).items()
    }
    config.update({name: st.column_config.TextColumn(name, width="large") for name in wide})
    kw: dict[str, Any] = {}
    if choose is not None:
        state, ids = choose

        def pick() -> None:
            rows = st.session_state[key].selection.rows
            st.session_state[state] = ids[rows[0]] if rows else None

        kw = {"on_select": pick, "selection_mode": "single-row"}
    if rows_visible:
        kw["height"] = (len(df) + 1) * 35 + 3
    st.dataframe(df, hide_index=True, width="stretch", key=key, column_config=config, **kw)


def chosen_row(key: str) -> int | None:
    """The id of the row chosen in a ``data_table(..., choose=(key, ids))``, in the URL as
    ``?key=<id>`` (a positive integer; anything else in a link is ignored)."""

    def parse(raw: list[str]) -> int | None:
        return int(raw[0]) if int(raw[0]) > 0 else None

    seed_from_url(key, parse, None)
    value = st.session_state.get(key)
    write_url(key, value, None, str)
    return int(value) if value else None


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
