"""Region boundaries: the GeoJSON named by CREATIVE_DASH_BOUNDARIES, read and checked once per
version of the file.

The file is replaceable (an official boundary file may take the place of the shipped one), so
it is never trusted: :func:`check` says what is wrong with it (missing, unreadable, not JSON,
not a GeoJSON FeatureCollection, regions without an outline, outlines without a region code) and
:func:`boundaries` returns only its usable outlines -- possibly none. Nothing here raises for a
bad file: the maps draw what they can and the pages say what is missing
(``ui.boundaries_warning``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from creative_dash import settings
from creative_dash.settings import DATA_DIR, ROOT

log = logging.getLogger(__name__)

# The copy of the boundaries the browser draws, with its rings wound for d3-geo (see
# ``wound_for_d3``); scripts/build_boundaries.py writes it next to data/boundaries/.
STATIC_GEOJSON = ROOT / "static" / "kz_regions.geojson"


def _versioned(path: Path, url: str) -> str:
    """``url`` with the file's version (``?v=``: 12 hex digits of its SHA-256, as
    ``creative_dash.web`` checks), so browsers keep it a year and fetch a new file at once."""
    try:
        return f"{url}?v={hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"
    except OSError:
        return url


# Streamlit's static serving puts static/ at /app/static/ (server.enableStaticServing).
STATIC_URL_PATH = _versioned(STATIC_GEOJSON, "app/static/kz_regions.geojson")
# Plotly's geo maps load a world base map (``<topojsonURL>world_110m.json``) even when none of
# its layers is shown; plotly.js would fetch it from cdn.plot.ly. The app serves an empty one.
STATIC_TOPOJSON_URL = "app/static/topojson/"
# The regions the file must outline when the caller names none (the store holds the same).
REGIONS_CSV = DATA_DIR / "reference" / "regions.csv"
# Kazakhstan's box (min lon, min lat, max lon, max lat): the view when no outline is usable.
COUNTRY_BBOX = (46.49, 40.57, 87.32, 55.44)

# What can be wrong with the file as a whole (message keys ``boundaries.<problem>``).
MISSING, UNREADABLE, NOT_JSON, NOT_GEOJSON = "missing", "unreadable", "not_json", "not_geojson"
_EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}


@dataclass(frozen=True, eq=False)  # one object per version of the file (cached): keyed by identity
class Read:
    """One version of the file, read: its usable outlines and what was wrong."""

    fc: dict[str, Any]  # a FeatureCollection of the usable features only
    problem: str | None = None  # MISSING, UNREADABLE, NOT_JSON, NOT_GEOJSON; None: it parsed
    line: int = 0  # where the JSON broke (NOT_JSON)
    column: int = 0
    without_id: int = 0  # features with no region code in ``id``
    unusable: tuple[str, ...] = ()  # ids whose geometry is not a usable (Multi)Polygon


@dataclass(frozen=True)
class BoundaryCheck:
    """What is wrong with the boundaries file for the given regions (nothing when ``ok``)."""

    file: Path
    problem: str | None = None
    line: int = 0
    column: int = 0
    missing: tuple[str, ...] = ()  # regions with no usable outline, in the order asked
    without_id: int = 0
    unknown: tuple[str, ...] = ()  # ids that are none of the regions' codes

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.missing and not self.without_id


def _stamp(path: Path) -> tuple[int, int] | None:
    """Changes when the file does: (modification time in ns, size); None when it is absent."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _is_position(p: Any) -> bool:
    return (
        isinstance(p, list)
        and len(p) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2])
        and all(math.isfinite(v) for v in p[:2])
    )


def _is_ring(ring: Any) -> bool:
    return isinstance(ring, list) and len(ring) >= 4 and all(_is_position(p) for p in ring)


def _is_polygon(rings: Any) -> bool:
    return isinstance(rings, list) and bool(rings) and all(_is_ring(r) for r in rings)


def _usable_geometry(geometry: Any) -> bool:
    if not isinstance(geometry, dict):
        return False
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Polygon":
        return _is_polygon(coords)
    if geometry.get("type") == "MultiPolygon":
        return isinstance(coords, list) and bool(coords) and all(_is_polygon(p) for p in coords)
    return False


@lru_cache(maxsize=8)
def _read(path: str, stamp: tuple[int, int] | None) -> Read:
    if stamp is None:
        return Read(_EMPTY, MISSING)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("boundaries file %s cannot be read: %s", path, exc)
        return Read(_EMPTY, UNREADABLE)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        log.warning("boundaries file %s is not valid JSON: %s", path, exc)
        return Read(_EMPTY, NOT_JSON, line=exc.lineno, column=exc.colno)
    except RecursionError:
        return Read(_EMPTY, NOT_JSON)
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or data.get("type") != "FeatureCollection":
        log.warning("boundaries file %s is not a GeoJSON FeatureCollection", path)
        return Read(_EMPTY, NOT_GEOJSON)
    usable: list[dict[str, Any]] = []
    seen: set[str] = set()
    without_id = 0
    unusable: list[str] = []
    for feature in features:
        fid = feature.get("id") if isinstance(feature, dict) else None
        if not isinstance(fid, str) or not fid:
            without_id += 1
        elif not _usable_geometry(feature.get("geometry")):
            unusable.append(fid)
        elif fid not in seen:  # the first outline of a code is the one drawn
            seen.add(fid)
            usable.append(feature)
    if without_id or unusable:
        log.warning(
            "boundaries file %s: %d features without an id, unusable geometry for %s",
            path,
            without_id,
            unusable,
        )
    return Read({**data, "features": usable}, without_id=without_id, unusable=tuple(unusable))


def _current() -> tuple[str, Read]:
    path = settings.boundaries_path()
    return str(path), _read(str(path), _stamp(path))


@lru_cache(maxsize=1)
def reference_codes() -> tuple[str, ...]:
    """The regions' ISO codes from data/reference/regions.csv."""
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        return tuple(row["iso_code"] for row in csv.DictReader(f))


@lru_cache(maxsize=16)
def _check(path: str, read: Read, codes: tuple[str, ...]) -> BoundaryCheck:
    ids = [f["id"] for f in read.fc["features"]]
    present = set(ids)
    return BoundaryCheck(
        file=Path(path),
        problem=read.problem,
        line=read.line,
        column=read.column,
        missing=tuple(c for c in dict.fromkeys(codes) if c not in present),
        without_id=read.without_id,
        unknown=tuple(i for i in dict.fromkeys(ids + list(read.unusable)) if i not in codes),
    )


def check(codes: Iterable[str] | None = None) -> BoundaryCheck:
    """What is wrong with the boundaries file in use, for the regions ``codes`` (by default
    those of data/reference/regions.csv). Cheap: the file is read once per version."""
    path, read = _current()
    return _check(path, read, tuple(codes) if codes is not None else reference_codes())


def boundaries() -> dict[str, Any]:
    """The FeatureCollection of the file's usable outlines; every feature's ``id`` is a region's
    ISO code and its geometry a (Multi)Polygon. Empty when the file is missing or broken."""
    return _current()[1].fc


def region_feature(iso_code: str) -> dict[str, Any] | None:
    for feature in boundaries()["features"]:
        if feature.get("id") == iso_code:
            return feature
    return None


def bbox(feature: Mapping[str, Any]) -> tuple[float, float, float, float]:
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


@lru_cache(maxsize=8)
def _region_boxes(read: Read) -> dict[str, tuple[float, float, float, float]]:
    """Every region's box, computed once per version of the file (a map is drawn on every
    rerun)."""
    return {f["id"]: bbox(f) for f in read.fc["features"]}


def regions_bbox(codes: Sequence[str] | None = None) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) around the given regions' outlines; every region's
    when ``codes`` is None, empty or names no known region; the country's box when the file has
    no usable outline."""
    every = _region_boxes(_current()[1])
    boxes = [every[c] for c in dict.fromkeys(codes or ()) if c in every] or list(every.values())
    if not boxes:
        return COUNTRY_BBOX
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
