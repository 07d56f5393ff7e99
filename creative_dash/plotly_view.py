"""Plotly charts that are updated in place across reruns (a Streamlit v2 custom component).

``st.plotly_chart`` gives a chart a new React key whenever its figure changes, so a filter
change throws the chart away and draws it again with ``Plotly.newPlot``; bench/README.md has the
measurements. This component is keyed by the chart's key alone: the browser keeps the chart and
draws the next figure with ``Plotly.react``. Plotly is a partial bundle served by the app
(``static/plotly/``: bar, scatter, choropleth and scattergeo), smaller than Streamlit's own.

The figure travels as JSON text; a click on a point comes back as the trigger ``select``:
``{"points": [{"curve_number", "point_number", "location", "customdata", "x", "y"}]}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import plotly.io as pio
import streamlit as st

from creative_dash import geo

COMPONENT_NAME = "creative_dash_plotly"
# Served by Streamlit's static serving (server.enableStaticServing); relative like the GeoJSON.
BUNDLE_URL = "app/static/plotly/plotly-creative.min.js"
# Locales registered in the bundle (scripts/plotly_bundle/index.js); others show English.
BUNDLE_LOCALES = frozenset({"ru"})

_HERE = Path(__file__).parent
_CSS = """
.cd-plotly { width: 100%; }
.cd-plotly:fullscreen { background: #FFFFFF; padding: 1rem; box-sizing: border-box; }
@media print { .cd-plotly .modebar-container { display: none !important; } }
"""

_component = st.components.v2.component(
    COMPONENT_NAME,
    js=(_HERE / "plotly_view.js").read_text(encoding="utf-8"),
    css=_CSS,
    # Plotly adds its own CSS (hover labels, toolbar) to the document, so the chart must not
    # live in a shadow root.
    isolate_styles=False,
)


def to_spec(fig: Any) -> str:
    """The figure as the JSON text the component draws (Plotly's own encoder, no validation)."""
    return pio.to_json(fig, validate=False)


def config(lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "toImageButtonOptions": {"format": "png", "scale": 2},
        # geo maps load their (empty) world base map from the app, not from cdn.plot.ly
        "topojsonURL": geo.STATIC_TOPOJSON_URL,
    }
    if lang in BUNDLE_LOCALES:
        out["locale"] = lang
    return out


def show(
    spec: str,
    *,
    key: str,
    lang: str,
    labels: Mapping[str, str],
    on_select: Callable[[], None] | None = None,
) -> Any:
    """Draw ``spec`` (``to_spec``) under ``key``; ``on_select`` runs when a point is clicked
    (read the click with ``clicked``)."""
    data = {
        "spec": spec,
        "config": config(lang),
        "bundle": BUNDLE_URL,
        "labels": dict(labels),
        "select": on_select is not None,
    }
    callbacks = {"on_select_change": on_select} if on_select is not None else {}
    return _component(key=key, data=data, width="stretch", height="content", **callbacks)


def clicked(key: str) -> dict[str, Any]:
    """The last click on the chart ``key`` (inside its ``on_select`` callback): ``{"points":
    [...]}``, empty points when there was none."""
    state = st.session_state.get(key)
    value = None
    if state is not None:
        try:
            value = state["select"]
        except (KeyError, TypeError):
            value = getattr(state, "select", None)
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, Mapping):
        return {"points": []}
    return {"points": list(value.get("points") or [])}
