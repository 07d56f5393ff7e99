"""Drawing: charts through the chart component, KPI cards and download buttons."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import streamlit as st

from creative_dash import settings
from creative_dash.store import StoreError, store_fault
from creative_dash.text import inert, visible
from creative_dash.ui import plotly_view
from creative_dash.ui.cache import Query, built, q
from creative_dash.ui.lang import tr
from creative_dash.ui.sidebar import has_demo
from creative_dash.ui.urlstate import seed_from_url, url_number_input, write_url

log = logging.getLogger(__name__)


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


def section_header(title: str, demo: bool = False) -> None:
    """A section's header; with ``demo`` (its figures are demo data), a caption saying so."""
    st.header(title)
    if demo:
        st.caption(":material/science: " + tr()("app.section_demo"))


def tab_charts(f: Any, t: Any) -> Callable[..., Callable[[], Any]]:
    """``mix(key, build, query, title, **kw)``: the chart of the named query under the page's
    filters ``f``, as a call for ``lazy_tabs`` (drawn only when its tab is open)."""

    def mix(key: str, build: Callable[..., Any], query: str, title: str, **kw: Any) -> Any:
        return lambda: chart(key, build, Query.of(query, filters=f), t, title=title, **kw)

    return mix


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


def metric_cards(rows: Any, *, border: bool = True) -> None:
    """Rows of cards (``views.overview.card_rows`` output, or rows of ``views.cards.Card``) as
    st.metric, a row at a time."""
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
                border=border,
            )


# How long the rerun that a click on a download button starts waits for the build (which runs in
# another thread at the same time) to say whether it got an export slot: the build starts as
# soon as the browser's request arrives, normally within milliseconds.
CLICK_WAIT_S = 5.0


def _outcomes(button_key: str) -> Any:
    """The button's record of its builds (``export.Outcomes``), kept for the session."""
    from creative_dash.export import Outcomes

    return st.session_state.setdefault(f"_outcomes_{button_key}", Outcomes())


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
    df = plain_frame(df)
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


def _cells(df: Any, convert: Callable[[Any], str]) -> Any:
    """``df`` with ``convert`` applied to its headers and to every text cell (numbers, dates and
    empty cells stay as they are)."""
    out = df.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype).startswith("str"):
            out[column] = [
                v if v is None or not isinstance(v, str) else convert(v) for v in out[column]
            ]
    out.columns = [convert(str(c)) for c in out.columns]
    return out


def plain_frame(df: Any) -> Any:
    """A table for ``st.dataframe`` (which shows text as text): its invisible controls shown
    (``text.visible``: an RTL override is named, not obeyed)."""
    return _cells(df, visible)


def static_table(df: Any) -> None:
    """A small table that prints well (``st.table``), every cell and header inert: ``st.table``
    renders Markdown in cells, and its cells hold text from the store."""
    st.table(_cells(df, inert), hide_index=True)


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
    user's language. ``csv``/``xlsx`` build the file only when the user clicks, in Streamlit's
    download thread, and only while an export slot is free (``export.GATE``). When none is, the
    click's rerun says "try again in a moment" under the buttons; when the store fails the build
    (damaged data), the page says so (in the container ``<key>_failed``) instead of leaving the
    click without an answer."""
    from creative_dash.export import GATE, MIME, export_filename

    t = tr()
    demo = has_demo()  # the file name says "demo" while the store holds demo rows
    refused = False
    for (kind, build), col in zip((("csv", csv), ("xlsx", xlsx)), st.columns(2, width=520)):
        button_key = f"{key}_{kind}"
        outcomes = _outcomes(button_key)
        guarded = _Build(GATE.guarded(build, outcomes))
        clicked = col.download_button(
            t(f"export.{kind}"),
            data=guarded,
            mime=MIME[kind],
            file_name=export_filename(page, region, years, kind, demo=demo),
            help=t(f"export.{kind}_help"),
            key=button_key,
            disabled=disabled,
            # the click's rerun first waits for the build, to tell a refusal or a fault
            on_click=_after_click,
            args=(guarded, key),
            icon=":material/download:",
        )
        if clicked and outcomes.take(CLICK_WAIT_S) is False:
            refused = True
    if refused:
        st.warning(t("export.busy"), icon=":material/hourglass_top:")
    failed = st.session_state.pop(_fault_key(key), None)
    if failed:
        with st.container(key=f"{key}_failed"):
            st.error(t("export.failed", reason=t(failed)))


# How long the rerun of a download click waits for Streamlit to start building the file, and
# for the file to be built.
BUILD_START_WAIT_S = 10.0
BUILD_WAIT_S = 600.0


class _Build:
    """A download button's file builder that keeps the store's fault, if the store fails it.

    Streamlit calls it on a click, in a thread of its own where nothing can be drawn; the same
    click starts a rerun, whose first step (:func:`_after_click`) waits for this build and keeps
    its fault for the page to show."""

    def __init__(self, build: Callable[[], bytes]) -> None:
        self._build = build
        self.started = threading.Event()
        self.done = threading.Event()
        self.fault: StoreError | None = None

    def __call__(self) -> bytes:
        self.started.set()
        try:
            return self._build()
        except Exception as exc:
            fault = store_fault(exc, settings.db_location())
            if fault is None:
                raise
            self.fault = fault
            log.error("download failed: %s", fault)
            raise fault from None
        finally:
            self.done.set()


def _fault_key(key: str) -> str:
    return f"_{key}_download_fault"


def _after_click(build: _Build, key: str) -> None:
    """First step of a download click's rerun: wait for the file (built meanwhile in Streamlit's
    download thread) and keep the store's fault, if any, for :func:`download_buttons` to show.
    A click whose file Streamlit never starts to build (a button already redrawn) is not
    waited for longer than ``BUILD_START_WAIT_S``."""
    from streamlit import runtime

    if not runtime.exists():  # AppTest: no download thread
        return
    if build.started.wait(BUILD_START_WAIT_S) and build.done.wait(BUILD_WAIT_S) and build.fault:
        st.session_state[_fault_key(key)] = build.fault.message_key
