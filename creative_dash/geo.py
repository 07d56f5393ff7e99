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
