"""Drawing: charts through the chart component, KPI cards and download buttons."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import streamlit as st

from creative_dash import settings
from creative_dash.store import StoreError, store_fault
from creative_dash.ui import plotly_view
from creative_dash.ui.cache import built, q
from creative_dash.ui.lang import tr

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
    user's language. ``csv``/``xlsx`` build the file only when the user clicks, in Streamlit's
    download thread, and only while an export slot is free (``export.GATE``). When none is, the
    click's rerun says "try again in a moment" under the buttons; when the store fails the build
    (damaged data), the page says so (in the container ``<key>_failed``) instead of leaving the
    click without an answer."""
    from creative_dash.export import GATE, MIME, export_filename

    t = tr()
    refused = False
    for (kind, build), col in zip((("csv", csv), ("xlsx", xlsx)), st.columns(2, width=520)):
        button_key = f"{key}_{kind}"
        outcomes = _outcomes(button_key)
        guarded = _Build(GATE.guarded(build, outcomes))
        clicked = col.download_button(
            t(f"export.{kind}"),
            data=guarded,
            mime=MIME[kind],
            file_name=export_filename(page, region, years, kind),
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
