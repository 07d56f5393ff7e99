"""The boundaries file in use is checked, never trusted: each kind of bad file gives a check
that says what is wrong, usable outlines only, maps that still build, and a warning text that
names the file (and the missing regions in the reader's language)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from creative_dash import geo
from creative_dash.charts import maps
from creative_dash.charts.hubs import hub_map
from creative_dash.i18n import LANGS, Translator, catalog
from creative_dash.metrics import METRIC_BY_CODE
from creative_dash.text import inert
from creative_dash.views.boundaries import boundaries_warning

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "data" / "boundaries" / "kz_regions.geojson"
CODES = geo.reference_codes()
REGIONS = pd.read_csv(ROOT / "data" / "reference" / "regions.csv")
NAMES = {lang: dict(zip(REGIONS["iso_code"], REGIONS[f"name_{lang}"])) for lang in LANGS}


def good_fc() -> dict:
    return json.loads(GOOD.read_text(encoding="utf-8"))


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def five_regions() -> str:
    fc = good_fc()
    fc["features"] = fc["features"][:5]
    return json.dumps(fc)


def without_ids() -> str:
    fc = good_fc()
    for feature in fc["features"]:
        del feature["id"]
    return json.dumps(fc)


def some_without_ids_and_old_codes() -> str:
    fc = good_fc()
    del fc["features"][0]["id"]  # KZ-10
    fc["features"][1]["id"] = "KZ-AKM"  # KZ-11 under its former code
    fc["features"][2]["geometry"] = {"type": "Point", "coordinates": [70, 50]}  # KZ-15
    return json.dumps(fc)


# name, content, expected problem, expected missing codes (None: all 20)
BAD_FILES = {
    "truncated": (GOOD.read_text(encoding="utf-8")[:5000], geo.NOT_JSON, None),
    "empty_object": ("{}", geo.NOT_GEOJSON, None),
    "empty_file": ("", geo.NOT_JSON, None),
    "a_list": ("[1, 2]", geo.NOT_GEOJSON, None),
    "not_utf8": (b"\xff\xfe{\x00", geo.UNREADABLE, None),
    "five_regions": (five_regions(), None, CODES[5:]),
    "without_ids": (without_ids(), None, None),
    "mixed": (some_without_ids_and_old_codes(), None, ("KZ-10", "KZ-11", "KZ-15")),
}


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch):
    def _use(path: Path) -> geo.BoundaryCheck:
        monkeypatch.setenv("CREATIVE_DASH_BOUNDARIES", str(path))
        return geo.check()

    return _use


def test_the_shipped_file_is_fine(use):
    check = use(GOOD)
    assert check.ok and check.problem is None and not check.missing and not check.unknown
    assert len(geo.boundaries()["features"]) == 20
    assert boundaries_warning(Translator("en"), check, NAMES["en"]) is None
    assert maps.geojson_source() == geo.STATIC_URL_PATH


def test_a_missing_file(use, tmp_path):
    check = use(tmp_path / "nowhere.geojson")
    assert check.problem == geo.MISSING and not check.ok
    assert check.missing == CODES
    assert geo.boundaries()["features"] == []
    text = boundaries_warning(Translator("en"), check, NAMES["en"])
    assert text and "`nowhere.geojson`" in text and "not found" in text


def test_a_directory_in_place_of_the_file(use, tmp_path):
    check = use(tmp_path)
    assert check.problem == geo.UNREADABLE


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_each_bad_file_is_named_and_explained(use, tmp_path, kind):
    content, problem, missing = BAD_FILES[kind]
    check = use(write(tmp_path, f"{kind}.geojson", content))
    assert not check.ok
    assert check.problem == problem
    assert check.missing == (CODES if missing is None else tuple(missing))
    drawn = (set(CODES) - set(check.missing)) | set(check.unknown)  # unknown codes: harmless
    assert {f["id"] for f in geo.boundaries()["features"]} == drawn
    for lang in LANGS:
        text = boundaries_warning(Translator(lang), check, NAMES[lang])
        assert text and f"`{kind}.geojson`" in text
        assert "{" not in text  # every placeholder filled
        if problem is None and missing is not None:  # the missing regions, named in the language
            for code in check.missing:
                assert inert(NAMES[lang][code]) in text  # inert: the warning is Markdown


def test_truncated_json_says_where_it_breaks(use, tmp_path):
    check = use(write(tmp_path, "cut.geojson", '{"type": "FeatureCollection",\n "features": [{'))
    assert check.problem == geo.NOT_JSON and check.line == 2
    text = boundaries_warning(Translator("ru"), check, NAMES["ru"])
    assert "строке 2" in text


def test_features_without_ids_and_unknown_codes_are_counted(use, tmp_path):
    check = use(write(tmp_path, "mixed.geojson", some_without_ids_and_old_codes()))
    assert check.without_id == 1
    assert check.unknown == ("KZ-AKM",)
    text = boundaries_warning(Translator("kk"), check, NAMES["kk"])
    assert "`KZ-AKM`" in text and "Абай облысы" in text


def test_codes_from_the_file_are_quoted_only_when_they_look_like_codes(use, tmp_path):
    fc = good_fc()
    fc["features"][0]["id"] = "[x](javascript:alert(1))"
    check = use(write(tmp_path, "odd.geojson", json.dumps(fc)))
    text = boundaries_warning(Translator("en"), check, NAMES["en"])
    assert "javascript" not in text and "?" in text


def test_the_check_follows_a_changed_file(use, tmp_path):
    path = write(tmp_path, "b.geojson", "{}")
    assert use(path).problem == geo.NOT_GEOJSON
    path.write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different stamp even within the clock's resolution
    assert use(path).ok


def test_the_check_is_against_the_regions_asked_for(use):
    use(GOOD)
    assert geo.check(["KZ-71", "KZ-99"]).missing == ("KZ-99",)


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_maps_still_build_with_a_bad_file(use, tmp_path, kind):
    content, _problem, _missing = BAD_FILES[kind]
    check = use(write(tmp_path, f"{kind}.geojson", content))
    t = Translator("en")
    source = maps.geojson_source()
    assert isinstance(source, dict)  # the usable outlines inline, never the served URL
    drawn = (set(CODES) - set(check.missing)) | set(check.unknown)
    assert {f["id"] for f in source["features"]} == drawn
    metrics = pd.DataFrame(
        {
            "iso_code": REGIONS["iso_code"],
            "name_en": REGIONS["name_en"],
            "kind": REGIONS["kind"],
            "admin_center_lat": REGIONS["admin_center_lat"],
            "admin_center_lon": REGIONS["admin_center_lon"],
            "initiatives": range(len(REGIONS)),
        }
    )
    metric = METRIC_BY_CODE["initiatives"]
    fig = maps.national_map(metrics, metric, t, geojson=source, title="T")
    assert fig.layout.geo.lonaxis.range is not None
    hubs = pd.DataFrame(columns=["lat", "lon", "hub_type", "residents", "floor_area_m2"])
    hub_map(hubs, t, region_codes=list(CODES), region_names=NAMES["en"], geojson=source)
    assert geo.regions_bbox() == (
        geo.COUNTRY_BBOX if not source["features"] else geo.regions_bbox(list(CODES))
    )
    for code in CODES:
        assert (geo.region_feature(code) is None) == (code in check.missing)


def test_every_language_has_the_boundaries_messages():
    keys = {k for k in catalog("en") if k.startswith("boundaries.")}
    assert keys >= {f"boundaries.{p}" for p in (geo.MISSING, geo.UNREADABLE, geo.NOT_JSON)}
    for lang in LANGS:
        assert keys <= set(catalog(lang))


@pytest.mark.parametrize("kind", ["empty_object", "five_regions", "without_ids"])
@pytest.mark.parametrize("scene", ["national_map", "hub_map"])
def test_presenter_map_scenes_build_with_a_bad_file(use, tmp_path, demo_store, kind, scene):
    from creative_dash import queries
    from creative_dash.live import SceneRef, scenes

    use(write(tmp_path, f"{kind}.geojson", BAD_FILES[kind][0]))
    t = Translator("kk")

    def run(name: str, **params: object) -> pd.DataFrame:
        return queries.run(demo_store, name, **params)

    fig = scenes.figure(SceneRef(scene, scenes.default_params(scene, run, t)), run, t)
    assert fig.data
