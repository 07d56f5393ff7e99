"""Maps drawn offline: the national choropleth and one region's outline with its hubs.

Nothing here may reach the internet. The national map is a ``go.Choropleth`` on a Plotly
``geo`` subplot: d3-geo draws our GeoJSON as SVG paths (by its static URL when the boundary file
in use is the served one, so each rerun sends ~5 KB instead of 150 KB), with every base layer of
the world map off and ``topojsonURL`` pointing at the app's own empty world file (plotly.js
would otherwise fetch it from cdn.plot.ly). No WebGL and no MapLibre: Streamlit re-creates a
chart whose figure changed, and an SVG map is drawn again in about a third of the time a
MapLibre map needs to start (bench/results.md). Markers can take any symbol.

The region map needs hub markers *shaped* by type (colour is never the only carrier of meaning)
and an outline with the aspect ratio of the region's latitude: it is an ordinary x/y figure.

Every hover text carries the region's ISO code as ``customdata[0]``: ``clicked_region`` reads it
back from a Streamlit selection event.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from creative_dash import settings
from creative_dash.charts.base import (
    HUB_TYPE_COLORS,
    HUB_TYPE_SYMBOLS,
    SEQUENTIAL,
    empty_figure,
    esc,
    new_figure,
)
from creative_dash.charts.overview import titled
from creative_dash.geo import (
    STATIC_GEOJSON,
    STATIC_URL_PATH,
    bbox,
    boundaries,
    browser_geojson_text,
    check,
    regions_bbox,
    wound_for_d3,
)
from creative_dash.i18n import Translator
from creative_dash.metrics import Metric, format_value, rank_words, ranks

NO_DATA_COLOR = "#D5DCE0"
OUTLINE_COLOR = "#FFFFFF"
HIGHLIGHT_COLOR = "#10222B"
CITY_DOT_COLOR = "#10222B"
NATIONAL_HEIGHT = 520
PHONE_HEIGHT = 400


# -- the GeoJSON and the view -----------------------------------------------------------------------
@cache
def _served_copy_matches(in_use: str, stamps: tuple[Any, Any]) -> bool:
    try:
        served = STATIC_GEOJSON.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return served == browser_geojson_text(boundaries())


@cache
def _inline(in_use: str, stamp: Any) -> dict[str, Any]:
    return wound_for_d3(boundaries())


def geojson_source() -> str | dict[str, Any]:
    """The static URL of the served boundary file when it is the browser's copy of the file in
    use, else the file's usable outlines (``geo.boundaries``), wound for d3: a deployment
    pointing CREATIVE_DASH_BOUNDARIES elsewhere still gets its own file, and a broken or partial
    file draws what it can (the pages say what is missing: ``ui.boundaries_warning``)."""
    in_use = settings.boundaries_path()
    try:
        file_stat, served_stat = in_use.stat(), STATIC_GEOJSON.stat()
    except OSError:  # no file in use (nothing to draw), or no served copy
        return wound_for_d3(boundaries())
    stamps = (
        (file_stat.st_mtime_ns, file_stat.st_size),
        (served_stat.st_mtime_ns, served_stat.st_size),
    )
    key = str(in_use.resolve())
    if check().problem is None and _served_copy_matches(key, stamps):
        return STATIC_URL_PATH
    return _inline(key, stamps[0])


def geo_layout(box: tuple[float, float, float, float], padding: float = 0.04) -> dict[str, Any]:
    """Layout of a ``geo`` subplot showing ``box`` (min lon, min lat, max lon, max lat) with
    ``padding`` of its size around it, and nothing but our shapes: every base layer off.

    The axis ranges, not ``fitbounds``, set the view: they also give the subplot the box's
    aspect ratio, so a wide country fills a wide chart (``fitbounds`` zooms inside the square
    of the whole Mercator world)."""
    west, south, east, north = box
    dx, dy = max((east - west) * padding, 0.02), max((north - south) * padding, 0.02)
    return {
        "visible": False,
        "projection": {"type": "mercator"},
        "bgcolor": "rgba(0,0,0,0)",
        "lonaxis": {"range": [round(west - dx, 4), round(east + dx, 4)]},
        "lataxis": {"range": [round(south - dy, 4), round(north + dy, 4)]},
    }


# -- the national choropleth ------------------------------------------------------------------------
def _hover_rows(df: pd.DataFrame, metric: Metric, t: Translator) -> list[list[str]]:
    """customdata per region: [iso, name, value, rank, population line]."""
    rank = ranks(df[metric.code], metric.higher_is_better)
    n = int(df[metric.code].notna().sum())
    rows = []
    for (_, row), r in zip(df.iterrows(), rank):
        rank_text = rank_words(t, int(r), n) if not pd.isna(r) else t("overview.no_rank")
        pop_text = ""
        if metric.per_capita:
            pop_text = t(
                "overview.hover_population",
                population=t.num(row["population"]),
                date=t.date(row["population_as_of"]),
            )
        rows.append(
            [
                row["iso_code"],
                esc(row[t.name_col()]),
                esc(format_value(t, metric, row[metric.code])),
                esc(rank_text),
                esc(pop_text),
            ]
        )
    return rows


def national_map(
    df: pd.DataFrame,
    metric: Metric,
    t: Translator,
    *,
    geojson: str | Mapping[str, Any],
    title: str,
    highlight: str | None = None,
    height: int = NATIONAL_HEIGHT,
) -> go.Figure:
    """Choropleth of ``metric`` over the regions of ``df`` (the ``region_metrics`` frame).

    Traces: the regions with a value (trace 0, colour scale), the regions without one (grey),
    the highlighted region's outline (if any), then the three cities as ringed dots."""
    if df.empty:
        return titled(empty_figure(t, title), title)
    fig = new_figure(t, title, height=height, margin={"l": 0, "r": 0, "t": 60, "b": 0})
    custom = _hover_rows(df, metric, t)
    label = esc(metric.label(t))
    hover = (
        "<b>%{customdata[1]}</b><br>" + label + ": <b>%{customdata[2]}</b><br>"
        "%{customdata[3]}<br>%{customdata[4]}<extra></extra>"
    )
    has_value = df[metric.code].notna().to_numpy()
    values = df[metric.code].astype(float)
    zmax = float(values.max()) if has_value.any() else 1.0
    zmin = min(0.0, float(values.min())) if has_value.any() else 0.0
    fig.add_trace(
        go.Choropleth(
            geojson=geojson,
            locationmode="geojson-id",
            featureidkey="id",
            locations=df["iso_code"][has_value].tolist(),
            z=values[has_value].tolist(),
            customdata=[c for c, keep in zip(custom, has_value) if keep],
            hovertemplate=hover,
            colorscale=SEQUENTIAL,
            zmin=zmin,
            zmax=zmax if zmax > zmin else zmin + 1,
            marker={"line": {"color": OUTLINE_COLOR, "width": 1}, "opacity": 0.95},
            colorbar={
                "title": {"text": esc(metric.unit_text(t)), "side": "top"},
                "orientation": "h",
                "x": 0.5,
                "xanchor": "center",
                "y": -0.02,
                "yanchor": "top",
                "len": 0.7,
                "thickness": 12,
            },
            name=label,
            showlegend=False,
        )
    )
    if (~has_value).any():
        fig.add_trace(
            go.Choropleth(
                geojson=geojson,
                locationmode="geojson-id",
                featureidkey="id",
                locations=df["iso_code"][~has_value].tolist(),
                z=[0] * int((~has_value).sum()),
                customdata=[c for c, keep in zip(custom, has_value) if not keep],
                hovertemplate=hover,
                colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
                showscale=False,
                marker={"line": {"color": OUTLINE_COLOR, "width": 1}},
                name=esc(t("overview.no_data")),
                showlegend=True,
            )
        )
    if highlight and highlight in set(df["iso_code"]):
        fig.add_trace(
            go.Choropleth(
                geojson=geojson,
                locationmode="geojson-id",
                featureidkey="id",
                locations=[highlight],
                z=[0],
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker={"line": {"color": HIGHLIGHT_COLOR, "width": 3}},
                hoverinfo="skip",
                name=esc(t("overview.map_selected")),
                showlegend=False,
            )
        )
    cities = df["kind"] == "city"
    if cities.any():
        city_custom = [c for c, keep in zip(custom, cities) if keep]
        lat = df.loc[cities, "admin_center_lat"].tolist()
        lon = df.loc[cities, "admin_center_lon"].tolist()
        # A dark dot in a white ring: it stands out on any fill colour.
        fig.add_trace(
            go.Scattergeo(
                lat=lat,
                lon=lon,
                mode="markers",
                marker={
                    "size": 12,
                    "color": CITY_DOT_COLOR,
                    "line": {"color": OUTLINE_COLOR, "width": 3},
                },
                customdata=city_custom,
                hovertemplate=hover,
                name=esc(t("overview.map_cities")),
                showlegend=True,
            )
        )
    fig.update_layout(
        geo=geo_layout(regions_bbox()),
        # bottom left (over the Caspian): clear of a title on two lines
        legend={
            "y": 0.01,
            "yanchor": "bottom",
            "x": 0.01,
            "xanchor": "left",
            "bgcolor": "rgba(255,255,255,0.85)",
        },
        # keeps the user's pan and zoom when a filter or the metric changes
        uirevision="national-map",
    )
    return titled(fig, title, top=60)


def clicked_region(selection: Mapping[str, Any] | None) -> str | None:
    """The ISO code of the region a Streamlit selection event points at, if any."""
    if not selection:
        return None
    points = selection.get("points") or []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, Sequence) and not isinstance(custom, str) and custom:
            return str(custom[0])
        if point.get("location"):
            return str(point["location"])
    return None


# -- one region -------------------------------------------------------------------------------------
def _rings(geometry: Mapping[str, Any]) -> Iterable[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def _outline_xy(feature: Mapping[str, Any]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in _rings(feature["geometry"]):
        xs.extend(p[0] for p in ring)
        ys.extend(p[1] for p in ring)
        xs.append(None)
        ys.append(None)
    return xs, ys


def _clipped(
    xs: list[float | None], ys: list[float | None], box: tuple[float, float, float, float]
) -> tuple[list[float | None], list[float | None]]:
    """The outline's points near ``box`` (west, south, east, north): a point is kept when it
    or a point next to it on its ring is inside, so every segment that enters the box is drawn;
    the runs kept are separated by gaps (None). A neighbour's outline far outside the zoomed
    view was most of the region map's bytes (Akmola's 600 points around Astana's 75)."""
    west, south, east, north = box

    def inside(i: int) -> bool:
        x, y = xs[i], ys[i]
        return x is not None and y is not None and west <= x <= east and south <= y <= north

    n = len(xs)
    keep = [
        xs[i] is not None
        and (inside(i) or (i > 0 and inside(i - 1)) or (i + 1 < n and inside(i + 1)))
        for i in range(n)
    ]
    out_x: list[float | None] = []
    out_y: list[float | None] = []
    for i in range(n):
        if keep[i]:
            out_x.append(xs[i])
            out_y.append(ys[i])
        elif out_x and out_x[-1] is not None:
            out_x.append(None)
            out_y.append(None)
    return out_x, out_y


def _typed(values: list[float | None]) -> np.ndarray:
    """Coordinates as a float32 array, gaps as NaN: Plotly sends a numpy array as a typed array
    (base64, 4 bytes a number) instead of JSON text (8-9 characters a number), and plotly.js
    breaks a line at NaN as at null. Four decimals of a degree (11 m) fit float32's precision."""
    return np.array([np.nan if v is None else v for v in values], dtype=np.float32)


def region_map(
    feature: Mapping[str, Any],
    hubs: pd.DataFrame,
    t: Translator,
    *,
    title: str,
    region_name: str,
    neighbours: Sequence[Mapping[str, Any]] = (),
) -> go.Figure:
    """The region's outline, zoomed to its bounding box, with its hubs coloured *and* shaped by
    type (one trace per type, in the legend). Neighbouring outlines are drawn faintly.

    ``hubs``: the ``region_hubs`` frame."""
    fig = new_figure(t, title, height=480, margin={"l": 0, "r": 0, "t": 60, "b": 0})
    west, south, east, north = bbox(feature)
    pad_x = (east - west) * 0.06 + 0.02
    pad_y = (north - south) * 0.06 + 0.02
    # what of the neighbours can be seen: the axes' ranges below are the view (constrain=domain
    # keeps them when the aspect ratio is fixed), and a little more
    view = (west - 2 * pad_x, south - 2 * pad_y, east + 2 * pad_x, north + 2 * pad_y)
    for other in neighbours:
        xs, ys = _clipped(*_outline_xy(other), view)
        fig.add_trace(
            go.Scatter(
                x=_typed(xs),
                y=_typed(ys),
                mode="lines",
                line={"color": "#B8C7CF", "width": 1},
                hoverinfo="skip",
                showlegend=False,
                name="",
            )
        )
    xs, ys = _outline_xy(feature)
    fig.add_trace(
        go.Scatter(
            x=_typed(xs),
            y=_typed(ys),
            mode="lines",
            fill="toself",
            fillcolor="rgba(0,118,156,0.08)",
            line={"color": "#0B4F6C", "width": 2},
            hoverinfo="skip",
            name=esc(region_name),
            showlegend=False,
        )
    )
    hover = (
        "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}<br>"
        "%{customdata[3]}<br>" + esc(t("region.hub_sectors")) + ": %{customdata[4]}"
        "<extra></extra>"
    )
    sector_col = t.name_col("sectors")
    for hub_type, symbol in HUB_TYPE_SYMBOLS.items():
        rows = hubs[hubs["hub_type"] == hub_type]
        if rows.empty:
            continue
        custom = [
            [
                esc(r["name"]),
                esc(t.enum("hub_type", hub_type)),
                esc(t.enum("hub_status", r["status"])),
                esc(r["city"]),
                esc(r[sector_col] if isinstance(r[sector_col], str) else "—"),
            ]
            for _, r in rows.iterrows()
        ]
        fig.add_trace(
            go.Scatter(
                x=rows["lon"].tolist(),
                y=rows["lat"].tolist(),
                mode="markers",
                marker={
                    "symbol": symbol,
                    "color": HUB_TYPE_COLORS[hub_type],
                    "size": 13,
                    "line": {"color": "#FFFFFF", "width": 1},
                },
                customdata=custom,
                hovertemplate=hover,
                name=esc(t.enum("hub_type", hub_type)),
            )
        )
    mid_lat = (north + south) / 2
    fig.update_xaxes(visible=False, range=[west - pad_x, east + pad_x], constrain="domain")
    # One degree of latitude is 1/cos(latitude) degrees of longitude on the ground.
    fig.update_yaxes(
        visible=False,
        range=[south - pad_y, north + pad_y],
        scaleanchor="x",
        scaleratio=1 / math.cos(math.radians(mid_lat)),
        constrain="domain",
    )
    # Five hub types wrap over several lines: below the map they cannot cover the title.
    fig.update_layout(
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        margin={"b": 90},
        hovermode="closest",
        dragmode="pan",
    )
    return titled(fig, title, top=60)
