"""Plotly charts that are updated in place across reruns (a Streamlit v2 custom component).

``st.plotly_chart`` gives a chart a new React key whenever its figure changes, so a filter
change throws the chart away and draws it again with ``Plotly.newPlot``; bench/README.md has the
measurements. This component is keyed by the chart's key alone: the browser keeps the chart and
draws the next figure with ``Plotly.react``. The browser code is ``static/plotly/chart.js``;
Plotly is a partial bundle served next to it (bar, scatter, choropleth and scattergeo, a third of
Streamlit's own).

The figure travels as UTF-8 JSON bytes (``payload``); a click on a point comes back as the
trigger ``select``:
``{"points": [{"curve_number", "point_number", "location", "customdata", "x", "y"}]}``.

For screen readers the chart is an image (``role="img"``) named by its title (``name``, plain
text); a real button, reached with Tab, puts it on the whole screen and back (``labels``).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import plotly.io as pio
import streamlit as st

from creative_dash import web
from creative_dash.settings import ROOT

COMPONENT_NAME = "creative_dash_plotly"
STATIC = ROOT / "static"
BUNDLE_FILE = web.PLOTLY_BUNDLE
MODULE_FILE = web.CHART_MODULE  # the component's code in the browser
# Locales the browser has: "ru" in the bundle, "kk" registered by chart.js; others show English.
LOCALES = frozenset({"ru", "kk"})


# The URLs of files of static/ (Streamlit's static serving, relative to the page like the
# GeoJSON), with their content hash: a browser keeps them a year (creative_dash.web) and never
# runs a stale copy after an update. Pages that draw charts preload the same two URLs.
BUNDLE_URL = web.static_url(BUNDLE_FILE)
MODULE_URL = web.static_url(MODULE_FILE)

# What Streamlit sends with every chart element (so kept short): a loader. The module is
# imported once per tab; Streamlit keeps the cleanup returned by the last call for the unmount.
_LOADER_JS = (
    # (a newline: Streamlit takes a one-line string for the path of a file)
    f"const u=new URL({json.dumps(MODULE_URL)},document.baseURI).href;\n"
    "export default function(c){const w=window,m=(w.__cdChart||=import(u));let f=null,g=!1;"
    "m.then(x=>{if(!g)f=x.render(c)},e=>{w.__cdChart=null;console.error(e)});"
    "return()=>{g=!0;if(f)f()}}"
)

_component = st.components.v2.component(
    COMPONENT_NAME,
    js=_LOADER_JS,
    # Plotly adds its own CSS (hover labels, toolbar) to the document, so the chart must not
    # live in a shadow root. The chart's own CSS is added by chart.js, once.
    isolate_styles=False,
)


def to_spec(fig: Any) -> str:
    """The figure as the JSON text the component draws (Plotly's own encoder, no validation)."""
    return pio.to_json(fig, validate=False)


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


def plain_text(markup: str | None) -> str:
    """Plotly label markup as the text it shows: a line break (``<br>``) a space, other tags
    (``<b>``) dropped, the entities the builders escape user text with (``&amp;``, ``&lt;``)
    read back, spaces collapsed."""
    text = _TAG.sub("", _BREAK.sub(" ", markup or ""))
    return " ".join(html.unescape(text).split())


def accessible_name(fig: Any) -> str:
    """The chart's name for screen readers: its title as plain text (``plain_text``); empty
    when the figure has no title."""
    title = getattr(getattr(getattr(fig, "layout", None), "title", None), "text", None)
    return plain_text(None if title is None else str(title))


@cache
def bundle_trace_types() -> frozenset[str]:
    """The trace types the partial Plotly bundle draws (each trace module registers itself as
    ``moduleType:"trace",name:"<type>"``); a trace of another type is not drawn at all."""
    text = BUNDLE_FILE.read_text(encoding="utf-8")
    return frozenset(re.findall(r'moduleType:"trace",name:"(\w+)"', text))


def config(lang: str) -> dict[str, Any]:
    """The Plotly config that depends on the page: Plotly's locale. chart.js adds the rest
    (PNG export, the full-screen button, the offline world map URL ``geo.STATIC_TOPOJSON_URL``)."""
    return {"locale": lang} if lang in LOCALES else {}


def payload(
    spec: str, *, lang: str, labels: Mapping[str, str], name: str = "", select: bool = False
) -> bytes:
    """What the browser gets: one UTF-8 JSON object ``{"config", "bundle", "labels", "name",
    "select", "spec"}`` whose ``spec`` is the figure itself, not a string in a string. ``name``:
    the chart's accessible name (``accessible_name``), set as its ``aria-label``.

    Sent as bytes: as a dict, Streamlit would ``json.dumps`` it with ASCII escapes (every
    Cyrillic letter six bytes instead of two) and the figure text with every quote escaped."""
    meta = {
        "config": config(lang),
        "bundle": BUNDLE_URL,
        "labels": dict(labels),
        "name": name,
        "select": select,
    }
    head = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    return (head[:-1] + ',"spec":' + spec + "}").encode("utf-8")


def decode(data: bytes) -> dict[str, Any]:
    """``payload`` read back (tests and the benchmark look at what was sent)."""
    return json.loads(data.decode("utf-8"))


def show(
    spec: str,
    *,
    key: str,
    lang: str,
    labels: Mapping[str, str],
    name: str,
    on_select: Callable[[], None] | None = None,
) -> Any:
    """Draw ``spec`` (``to_spec``) under ``key``, named ``name`` for screen readers;
    ``on_select`` runs when a point is clicked (read the click with ``clicked``)."""
    data = payload(spec, lang=lang, labels=labels, name=name, select=on_select is not None)
    if on_select is None:
        return _component(key=key, data=data, width="stretch", height="content")
    return _component(
        key=key, data=data, width="stretch", height="content", on_select_change=on_select
    )


def clicked(key: str) -> dict[str, Any]:
    """The last click on the chart ``key`` (inside its ``on_select`` callback): ``{"points":
    [...]}``, empty points when there was none. Streamlit presents a v2 component's state as a
    mapping of its state and trigger values."""
    state = st.session_state.get(key)
    value = state.get("select") if isinstance(state, Mapping) else None
    points = value.get("points") if isinstance(value, Mapping) else None
    return {"points": list(points or [])}
