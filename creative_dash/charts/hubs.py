"""The map of creative hubs: region outlines and one point per hub, offline.

The outlines are a ``Choroplethmap`` whose GeoJSON is the relative URL Streamlit serves from
``static/`` (a few KB per rerun instead of the 150 KB file); the points are ``Scattermap``
circles on the ``white-bg`` style, so the browser fetches no tiles, fonts or icons.

Why circles only: MapLibre draws any other marker symbol from the style's sprite sheet, which
``white-bg`` lacks, and Plotly then fetches the icon from cdn.jsdelivr.net (checked in Chromium):
a request we must not make. Hub types are therefore told apart by colour *and* by text: the
legend names every type with its count, the hover names the type, and the page's type filter
isolates one type.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from creative_dash import geo, vocab
from creative_dash.charts.base import HUB_TYPE_COLORS, add_empty_note, esc, esc_all, new_figure
from creative_dash.i18n import Translator

HUB_TYPES = vocab.HUB_TYPES
SIZE_MEASURES: tuple[str, ...] = ("residents", "floor_area_m2")
MIN_PX, MAX_PX = 6.0, 24.0
# The whole country piles each city's hubs onto one spot: smaller circles there keep the
# mixture of types visible; zoomed to regions the hubs spread out and may be larger.
COUNTRY_MAX_PX = 16.0
OUTLINE_FILL = "#EEF6FA"
FOCUS_FILL = "#CFE6F0"
OUTLINE_LINE = "#7A99A8"
MAP_HEIGHT = 560
# Map width the initial zoom is fitted to: the map column is ~650-900 px wide on a laptop;
# phones see the middle of the view and can pinch.
FIT_WIDTH_PX, FIT_HEIGHT_PX = 760, MAP_HEIGHT - 90
# Kazakhstan as a whole, when no region is in focus (all 20 regions' bounding box).
COUNTRY_BBOX = (46.49, 40.57, 87.32, 55.44)


def marker_sizes(values: Iterable[float | None], max_px: float = MAX_PX) -> list[float]:
    """Marker diameters in px with the circle's *area* proportional to the value.

    The largest value gets ``max_px``; missing, zero or negative values get ``MIN_PX``."""
    arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce").to_numpy(float)
    arr = np.where(np.isfinite(arr) & (arr > 0), arr, 0.0)
    top = arr.max() if len(arr) else 0.0
    if top <= 0:
        return [MIN_PX] * len(arr)
    return [round(MIN_PX + (max_px - MIN_PX) * math.sqrt(v / top), 2) for v in arr]


def _mercator_y(lat: float) -> float:
    lat = max(min(lat, 85.0), -85.0)
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_view(
    bbox: Sequence[float], width_px: int = FIT_WIDTH_PX, height_px: int = FIT_HEIGHT_PX
) -> tuple[dict[str, float], float]:
    """(center, zoom) of a MapLibre map showing ``bbox`` (min lon, min lat, max lon, max lat)
    in a ``width_px`` x ``height_px`` window (512-px world at zoom 0)."""
    lon0, lat0, lon1, lat1 = bbox
    dlon = max(lon1 - lon0, 0.05)
    dy = max(_mercator_y(lat1) - _mercator_y(lat0), 0.001)
    zoom_x = math.log2(width_px * 360.0 / (512.0 * dlon))
    zoom_y = math.log2(height_px * 2 * math.pi / (512.0 * dy))
    zoom = max(1.5, min(zoom_x, zoom_y, 11.0) - 0.15)  # a little margin around the region
    cy = (_mercator_y(lat0) + _mercator_y(lat1)) / 2
    center_lat = math.degrees(2 * math.atan(math.exp(cy)) - math.pi / 2)
    return {"lat": round(center_lat, 4), "lon": round((lon0 + lon1) / 2, 4)}, round(zoom, 2)


def regions_bbox(codes: Sequence[str]) -> tuple[float, float, float, float]:
    """Bounding box of the given regions' outlines (the whole country when none is known)."""
    boxes = [geo.bbox(f) for c in codes if (f := geo.region_feature(c)) is not None]
    if not boxes:
        return COUNTRY_BBOX
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _hover_rows(df: pd.DataFrame, t: Translator) -> list[list[str]]:
    """customdata per hub: every text preformatted in the UI language and escaped."""
    return [
        [
            esc(r.name),
            esc(t.enum("hub_type", r.hub_type)),
            esc(t.enum("hub_status", r.status)),
            esc(r.sectors) if r.sectors else "—",
            esc(r.city),
            esc(r.region_name),
            t.date(r.opened_on) if pd.notna(r.opened_on) else "—",
            t.num(r.residents) if pd.notna(r.residents) else "—",
            t("hubs.area_value", area=t.num(r.floor_area_m2)) if pd.notna(r.floor_area_m2) else "—",
        ]
        for r in df.itertuples(index=False)
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
    """Region outlines (those in ``focus`` shaded and framed), one circle per hub coloured by
    type and sized by ``size_by`` (area-proportional), hover with every fact of the hub.

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
        go.Choroplethmap(
            geojson=geojson,
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
    hovertemplate = (
        "<b>%{customdata[0]}</b><br>"
        + esc(t("hubs.col_type"))
        + ": %{customdata[1]}<br>"
        + esc(t("hubs.col_status"))
        + ": %{customdata[2]}<br>"
        + esc(t("hubs.col_sectors"))
        + ": %{customdata[3]}<br>"
        + esc(t("hubs.col_city"))
        + ": %{customdata[4]} (%{customdata[5]})<br>"
        + esc(t("hubs.col_opened"))
        + ": %{customdata[6]}<br>"
        + esc(t("hubs.col_residents"))
        + ": %{customdata[7]}<br>"
        + esc(t("hubs.col_floor_area"))
        + ": %{customdata[8]}<extra></extra>"
    )
    for hub_type in HUB_TYPES:
        part = points[points["hub_type"] == hub_type]
        if part.empty:
            continue
        n = int(counts.get(hub_type, len(part))) if counts is not None else len(part)
        fig.add_trace(
            go.Scattermap(
                lat=part["lat"].tolist(),
                lon=part["lon"].tolist(),
                mode="markers",
                marker={
                    "size": [sizes[i] for i in part.index],
                    "color": HUB_TYPE_COLORS[hub_type],
                    "opacity": 0.8,
                },
                name=esc(t("hubs.legend_entry", type=t.enum("hub_type", hub_type), n=t.num(n))),
                customdata=_hover_rows(part, t),
                hovertemplate=hovertemplate,
                legendgroup=hub_type,
            )
        )
    center, zoom = fit_view(regions_bbox(list(focus) or list(region_codes)))
    fig.update_layout(
        map={"style": "white-bg", "center": center, "zoom": zoom},
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
