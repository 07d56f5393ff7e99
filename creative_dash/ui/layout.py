"""Page layout helpers: tabs whose open tab lives in the URL, drawn lazily, and the print view
(``?print=1``), where every tab is a section one after another."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import streamlit as st

from creative_dash.ui.navigate import page
from creative_dash.ui.style import css_text
from creative_dash.ui.urlstate import ignore_url_values, write_url

PRINT_KEY = "print"


def print_view() -> bool:
    """Whether the page is open as its print view (``?print=1``): tabs unfolded, every section
    one after another, for paper."""
    return st.query_params.get(PRINT_KEY) == "1"


def print_view_link(label: str, page_key: str, *, on: bool = True) -> None:
    """A link to this page's print view (or back from it), keeping every other URL parameter."""
    params = {k: st.query_params[k] for k in st.query_params if k != PRINT_KEY}
    if on:
        params[PRINT_KEY] = "1"
    st.page_link(page(page_key), label=label, query_params=params, icon=":material/print:")


def print_view_toggle(page_key: str, open_label: str, close_label: str) -> None:
    """The link to the page's print view, or back from it while it is open."""
    if print_view():
        print_view_link(close_label, page_key, on=False)
    else:
        print_view_link(open_label, page_key)


class _Section:
    """A tab's stand-in in the print view: its label, then its content, always open."""

    open = True

    def __init__(self, label: str, key: str) -> None:
        # keyed, so that print.css keeps the label with its content on one sheet
        self._container = st.container(key=f"print_section_{key}")
        self._container.markdown("**" + label + "**")

    def __enter__(self) -> Any:
        return self._container.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self._container.__exit__(*exc)


def url_tabs(codes: Sequence[str], key: str, *, label: Callable[[str], str]) -> dict[str, Any]:
    """Tabs whose open tab lives in the URL as ``?key=<code>`` (the first one: no parameter),
    computed lazily: only the open tab's ``.open`` is True, so a page draws only what is seen.
    In the print view (``?print=1``) every tab is a section, one after another, all open.

    Returns {code: tab container}. The widget's own value is the tab's label, which changes with
    the language, so the code is kept beside it (``_<key>_code``)."""
    if print_view():
        return {c: _Section(label(c), f"{key}_{c}") for c in codes}
    code_key = f"_{key}_code"
    if code_key not in st.session_state:
        raw = st.query_params.get(key)
        if raw and raw not in codes:
            ignore_url_values(key, [raw])
        st.session_state[code_key] = raw if raw in codes else codes[0]
    labels = {c: label(c) for c in codes}
    by_label = {v: c for c, v in labels.items()}
    st.session_state[key] = labels[st.session_state[code_key]]

    def remember() -> None:
        st.session_state[code_key] = by_label.get(str(st.session_state.get(key)), codes[0])

    tabs = st.tabs(list(labels.values()), key=key, on_change=remember)
    st.session_state[code_key] = by_label.get(str(st.session_state.get(key)), codes[0])
    write_url(key, st.session_state[code_key], codes[0], str)
    return dict(zip(codes, tabs))


def lazy_tabs(
    key: str, sections: Mapping[str, Callable[[], Any]], *, label: Callable[[str], str]
) -> None:
    """``url_tabs`` over ``sections`` ({code: render}): only the open tab's render runs (every
    one in the print view)."""
    for code, tab in url_tabs(list(sections), key, label=label).items():
        if tab.open:
            with tab:
                sections[code]()


def lazy_expander(
    label: str, key: str, draw: Callable[[], Any], *, icon: str | None = None
) -> None:
    """An expander whose content runs, and is sent, only while it is open: opening it reruns
    the page (or its fragment). Closed, it sends its label alone: a table or a picker inside
    a closed expander was sent on every rerun (the hubs' history picker: 10 KB). In the print
    view it is open, as tabs are."""
    if print_view():
        with st.expander(label, icon=icon, expanded=True):
            draw()
        return
    box = st.expander(label, icon=icon, key=key, on_change="rerun")
    if box.open:
        with box:
            draw()


# -- places kept for what is drawn after the page's main content ----------------------------------
# The browser renders every element of a rerun again, in the order they arrive, and a chart waits
# behind the elements sent before it (bench/README.md, third pass: the main chart came 10-35 %
# sooner once the filters above it were sent after it). A page keeps a place with ``later`` where
# the element belongs on screen, in screen order, and app.py draws them once the page has run.
_LATER_KEY = "_ui_later"


def later(draw: Callable[[], Any], *, last: bool = False) -> None:
    """Keep this place on the page for ``draw()``, which runs once the page's script is done.

    ``draw`` reads nothing the page's charts need: values it shows are read before (e.g.
    ``AnyOf.value()``), so the charts can be sent first. ``last``: drawn after every other
    place (what it says depends on what they read, e.g. the link's ignored values)."""
    place = st.container()
    st.session_state.setdefault(_LATER_KEY, []).append((place, draw, last))


def draw_later() -> None:
    """Draw what the page kept places for (app.py calls this after the page has run)."""
    pending = st.session_state.pop(_LATER_KEY, [])
    for place, draw, _last in sorted(pending, key=lambda p: p[2]):  # stable: screen order
        with place:
            draw()


def forget_later() -> None:
    """Drop places a previous, interrupted run kept (app.py calls this before the page runs)."""
    st.session_state.pop(_LATER_KEY, None)


def fragment(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``st.fragment(fn)`` whose ``later`` places are drawn when ``fn`` is done: a fragment's own
    rerun runs ``fn`` alone, not app.py, which draws the page's places."""

    @functools.wraps(fn)
    def run() -> None:
        outer = st.session_state.pop(_LATER_KEY, None)
        try:
            fn()
            draw_later()
        finally:
            st.session_state.pop(_LATER_KEY, None)
            if outer is not None:
                st.session_state[_LATER_KEY] = outer

    return st.fragment(run)


# -- paper ----------------------------------------------------------------------------------------
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def print_stylesheet(*hidden: str) -> None:
    """On paper (A4): the main column only, no sidebar, toolbars or the containers keyed
    ``hidden`` (constant keys of the page) (``static/css/print.css``); in the print view
    (``?print=1``) the page is laid out at the paper's width (``static/css/paper_view.css``)."""
    for key in hidden:
        if not _KEY.match(key):
            raise ValueError(f"not a container key: {key!r}")
    extra = "".join(f", .st-key-{key}" for key in hidden)
    css = css_text("print").replace("{hidden}", extra)
    if print_view():
        css += css_text("paper_view")
    st.html(f"<style>{css}</style>")
