"""The map of creative hubs: region outlines and one marker per hub, offline.

A Plotly ``geo`` map (SVG, see ``charts.maps``): the outlines are a ``Choropleth`` whose GeoJSON
is the relative URL Streamlit serves from ``static/`` (a few KB per rerun instead of the 150 KB
file); the hubs are ``Scattergeo`` markers, coloured *and shaped* by type (colour is never the
only carrier of meaning) and sized by residents or floor area. The hover names the hub, its type
and status, its city and both sizes; the table under the map has every other fact (sectors,
opening date), which keeps each rerun's payload small.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from creative_dash import geo, vocab
from creative_dash.charts.base import (
    HUB_TYPE_COLORS,
    HUB_TYPE_SYMBOLS,
    add_empty_note,
    esc,
    esc_all,
    new_figure,
)
from creative_dash.charts.maps import geo_layout
from creative_dash.i18n import Translator

HUB_TYPES = vocab.HUB_TYPES
SIZE_MEASURES: tuple[str, ...] = ("residents", "floor_area_m2")
MIN_PX, MAX_PX = 6.0, 24.0
# The whole country piles each city's hubs onto one spot: smaller markers there keep the
# mixture of types visible; zoomed to regions the hubs spread out and may be larger.
COUNTRY_MAX_PX = 16.0
OUTLINE_FILL = "#EEF6FA"
FOCUS_FILL = "#CFE6F0"
OUTLINE_LINE = "#7A99A8"
MAP_HEIGHT = 560


def marker_sizes(values: Iterable[float | None], max_px: float = MAX_PX) -> list[float]:
    """Marker diameters in px with the marker's *area* proportional to the value.

    The largest value gets ``max_px``; missing, zero or negative values get ``MIN_PX``."""
    arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(float)
    arr = np.where(np.isfinite(arr) & (arr > 0), arr, 0.0)
    top = arr.max() if len(arr) else 0.0
    if top <= 0:
        return [MIN_PX] * len(arr)
    return [round(MIN_PX + (max_px - MIN_PX) * math.sqrt(v / top), 2) for v in arr]


def _hover_rows(df: pd.DataFrame, t: Translator) -> list[list[str]]:
    """customdata per hub: name, " · status" (empty for an operating hub, as most are: the
    hover names only the exception), city (region), residents, floor area; every text
    preformatted in the UI language and escaped (the type is its trace's, in the template)."""
    columns = ("name", "status", "city", "region_name", "residents", "floor_area_m2")
    # plain lists of the six columns used (rows of all thirteen cost a map rerun milliseconds)
    return [
        [
            esc(name),
            "" if status == "operating" else " · " + esc(t.enum("hub_status", status)),
            esc(city) + " (" + esc(region) + ")",
            t.num(residents) if pd.notna(residents) else "—",
            t("hubs.area_value", area=t.num(area)) if pd.notna(area) else "—",
        ]
        for name, status, city, region, residents, area in zip(
            *(df[c].tolist() for c in columns), strict=True
        )
    ]


def hub_map(
    df: pd.DataFrame,
    t: Translator,
    *,
    region_codes: Sequence[str],
    region_names: Mapping[str, str],
    size_by: str = "residents",
    focus: Sequence[str] = (),
    counts: Mapping[str, int] | None = None,
    geojson: str | dict[str, Any] = geo.STATIC_URL_PATH,
) -> go.Figure:
    """Region outlines (those in ``focus`` shaded and framed), one marker per hub coloured and
    shaped by type and sized by ``size_by`` (area-proportional), hover with its name, type,
    status, city and sizes.

    ``df``: rows of the ``hubs_for_map`` query. ``focus``: region codes the view zooms to
    (empty: the whole country). ``counts``: hubs per type for the legend (default: counted in
    ``df``, which may differ when some hubs have no coordinates)."""
    if size_by not in SIZE_MEASURES:
        raise ValueError(f"size_by must be one of {SIZE_MEASURES}")
    # A short title and the key in a subtitle: Plotly does not wrap titles, and on a phone a
    # long one is cut off.
    fig = new_figure(t, t("hubs.map_title"))
    fig.update_layout(title_subtitle_text=esc(t("hubs.map_subtitle_" + size_by)))
    focus_set = set(focus)
    fig.add_trace(
        go.Choropleth(
            geojson=geojson,
            locationmode="geojson-id",
            featureidkey="id",
            locations=list(region_codes),
            z=[1 if c in focus_set else 0 for c in region_codes],
            zmin=0,
            zmax=1,
            colorscale=[[0, OUTLINE_FILL], [1, FOCUS_FILL]],
            showscale=False,
            marker={"line": {"color": OUTLINE_LINE, "width": 1}, "opacity": 0.9},
            text=esc_all(region_names.get(c, c) for c in region_codes),
            hovertemplate="%{text}<extra></extra>",
            name=t("hubs.regions_layer"),
            showlegend=False,
        )
    )
    points = df.dropna(subset=["lat", "lon"])
    max_px = MAX_PX if focus else COUNTRY_MAX_PX
    sizes = dict(zip(points.index, marker_sizes(points[size_by], max_px))) if len(points) else {}
    sizes_line = (
        esc(t("hubs.col_residents"))
        + ": %{customdata[3]}<br>"
        + esc(t("hubs.col_floor_area"))
        + ": %{customdata[4]}<extra></extra>"
    )
    for hub_type in HUB_TYPES:
        part = points[points["hub_type"] == hub_type]
        if part.empty:
            continue
        n = int(counts.get(hub_type, len(part))) if counts is not None else len(part)
        fig.add_trace(
            go.Scattergeo(
                lat=part["lat"].tolist(),
                lon=part["lon"].tolist(),
                mode="markers",
                marker={
                    "size": [sizes[i] for i in part.index],
                    "color": HUB_TYPE_COLORS[hub_type],
                    "symbol": HUB_TYPE_SYMBOLS[hub_type],
                    "opacity": 0.8,
                    "line": {"color": "#FFFFFF", "width": 0.5},
                },
                name=esc(t("hubs.legend_entry", type=t.enum("hub_type", hub_type), n=t.num(n))),
                customdata=_hover_rows(part, t),
                hovertemplate="<b>%{customdata[0]}</b><br>"
                + esc(t.enum("hub_type", hub_type))
                + "%{customdata[1]}<br>%{customdata[2]}<br>"
                + sizes_line,
                legendgroup=hub_type,
            )
        )
    fig.update_layout(
        geo=geo_layout(geo.regions_bbox(list(focus) or list(region_codes))),
        height=MAP_HEIGHT,
        margin={"l": 0, "r": 0, "t": 70, "b": 10},
        # Below the map: on a phone the five types wrap onto several lines, which above the
        # map would run into the title. Plotly grows the bottom margin to fit it.
        legend={
            "title": {"text": esc(t("hubs.legend_title")), "side": "left"},
            "itemsizing": "constant",
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": -0.01,
            "yanchor": "top",
        },
        # A new focus re-centres the map; other filter changes keep the user's pan and zoom.
        uirevision="|".join(sorted(focus_set)) or "country",
    )
    if points.empty:
        add_empty_note(fig, t, bgcolor="rgba(255,255,255,0.8)")
    return fig
