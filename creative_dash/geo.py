"""Region boundaries: the GeoJSON named by CREATIVE_DASH_BOUNDARIES, read once per process."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from creative_dash import settings
from creative_dash.settings import ROOT

STATIC_GEOJSON = ROOT / "static" / "kz_regions.geojson"
# Streamlit's static serving puts static/ at /app/static/ (server.enableStaticServing).
STATIC_URL_PATH = "app/static/kz_regions.geojson"


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
