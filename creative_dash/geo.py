"""Region boundaries: the GeoJSON named by CREATIVE_DASH_BOUNDARIES, read once per process."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from creative_dash import settings
from creative_dash.settings import ROOT

# The copy of the boundaries the browser draws, with its rings wound for d3-geo (see
# ``wound_for_d3``); scripts/build_boundaries.py writes it next to data/boundaries/.
STATIC_GEOJSON = ROOT / "static" / "kz_regions.geojson"
# Streamlit's static serving puts static/ at /app/static/ (server.enableStaticServing).
STATIC_URL_PATH = "app/static/kz_regions.geojson"
# Plotly's geo maps load a world base map (``<topojsonURL>world_110m.json``) even when none of
# its layers is shown; plotly.js would fetch it from cdn.plot.ly. The app serves an empty one.
STATIC_TOPOJSON_URL = "app/static/topojson/"


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def boundaries() -> dict[str, Any]:
    """The FeatureCollection; every feature's ``id`` is the region's ISO code."""
    return _load(str(settings.boundaries_path()))


def region_feature(iso_code: str) -> dict[str, Any] | None:
    for feature in boundaries()["features"]:
        if feature.get("id") == iso_code:
            return feature
    return None


def bbox(feature: dict[str, Any]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of a feature."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if isinstance(coords[0], int | float):
            xs.append(coords[0])
            ys.append(coords[1])
        else:
            for c in coords:
                walk(c)

    walk(feature["geometry"]["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


@lru_cache(maxsize=4)
def _region_boxes(path: str) -> dict[str, tuple[float, float, float, float]]:
    """Every region's box, computed once per boundary file (a map is drawn on every rerun)."""
    return {f.get("id"): bbox(f) for f in _load(path)["features"]}


def regions_bbox(codes: Sequence[str] | None = None) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) around the given regions' outlines; every region's
    when ``codes`` is None, empty or names no known region."""
    every = _region_boxes(str(settings.boundaries_path()))
    boxes = [every[c] for c in dict.fromkeys(codes or ()) if c in every] or list(every.values())
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _in_ring(ring: list[list[float]], lon: float, lat: float) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def contains(feature: dict[str, Any], lon: float, lat: float) -> bool:
    """Whether the point lies inside the feature's (Multi)Polygon (even-odd rule, holes out).

    Plain Python so the app needs no geometry library at run time."""
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    for rings in polygons:
        if _in_ring(rings[0], lon, lat) and not any(_in_ring(h, lon, lat) for h in rings[1:]):
            return True
    return False


# -- ring orientation for the browser ---------------------------------------------------------------
def _signed_area(ring: list[list[float]]) -> float:
    """Twice the signed planar area of a ring in (lon, lat): > 0 counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:] + ring[:1]))


def _wind(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    out = []
    for i, ring in enumerate(rings):
        clockwise = _signed_area(ring) < 0
        # exterior (i == 0) clockwise, holes counter-clockwise
        out.append(ring if clockwise == (i == 0) else ring[::-1])
    return out


def wound_for_d3(fc: dict[str, Any]) -> dict[str, Any]:
    """A copy of the FeatureCollection whose exterior rings run clockwise and holes
    counter-clockwise, as d3-geo (Plotly's geo maps) reads them.

    GeoJSON (RFC 7946) winds the other way; d3-geo draws such a polygon as the whole globe
    *minus* the region. Which points a feature covers does not change (``contains`` ignores
    the orientation)."""
    features = []
    for f in fc["features"]:
        geometry = f["geometry"]
        if geometry["type"] == "Polygon":
            coords: Any = _wind(geometry["coordinates"])
        elif geometry["type"] == "MultiPolygon":
            coords = [_wind(polygon) for polygon in geometry["coordinates"]]
        else:
            coords = geometry["coordinates"]
        features.append({**f, "geometry": {**geometry, "coordinates": coords}})
    return {**fc, "features": features}


def browser_geojson_text(fc: dict[str, Any]) -> str:
    """The served file's text: ``wound_for_d3(fc)`` as compact UTF-8 JSON."""
    return json.dumps(wound_for_d3(fc), separators=(",", ":"), ensure_ascii=False) + "\n"
