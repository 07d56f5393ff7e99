"""A bad region boundaries file (CREATIVE_DASH_BOUNDARIES): the pages with maps render without
an exception and say once, in the reader's language, which file is wrong and how; the good file
says nothing. (The kinds of bad file and the check itself: tests/unit/test_boundaries_check.py.)"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from creative_dash.i18n import t
from tests.app.apptest import charts, open_page, page_text

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "data" / "boundaries" / "kz_regions.geojson"
MAP_KEYS = {"overview": "ov_map", "region": "rg_map", "hubs": "hubs_map"}
PAGES = [("overview", {}), ("region", {"region": "KZ-71"}), ("hubs", {})]


def _fc() -> dict:
    return json.loads(GOOD.read_text(encoding="utf-8"))


def _five_regions() -> str:
    fc = _fc()
    fc["features"] = [f for f in fc["features"] if f["id"] != "KZ-71"][:5]
    return json.dumps(fc)


def _without_ids() -> str:
    fc = _fc()
    for feature in fc["features"]:
        del feature["id"]
    return json.dumps(fc)


# file name -> (content, None: the file is absent), the message that must be shown
BAD = {
    "missing": (None, "boundaries.missing"),
    "truncated": (GOOD.read_text(encoding="utf-8")[:4000], "boundaries.not_json"),
    "empty_object": ("{}", "boundaries.not_geojson"),
    "five_regions": (_five_regions(), "boundaries.missing_regions"),
    "without_ids": (_without_ids(), "boundaries.without_id"),
}
LANG_OF = dict(zip(BAD, ["kk", "ru", "en", "kk", "ru"]))
REGION_NAMES = {  # KZ-71 (Astana) in Kazakh, the language of the "five_regions" case
    row["iso_code"]: row["name_kk"]
    for row in csv.DictReader((ROOT / "data" / "reference" / "regions.csv").open(encoding="utf-8"))
}


def _warnings(at) -> list[str]:
    return [str(w.value) for w in at.warning]


def _fragments(lang: str, key: str) -> list[str]:
    """The message's own words: its text between the placeholders."""
    blank = dict.fromkeys(("file", "n", "total", "regions", "line", "column"), "\0")
    return [part for part in t(lang, key, **blank).split("\0") if part.strip()]


@pytest.mark.parametrize("kind", list(BAD))
@pytest.mark.parametrize(("page", "query"), PAGES, ids=[p for p, _ in PAGES])
def test_a_bad_boundaries_file_is_named_once_and_the_page_still_renders(
    demo_db, tmp_path, monkeypatch, page, query, kind
):
    content, key = BAD[kind]
    path = tmp_path / f"{kind}.geojson"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("CREATIVE_DASH_BOUNDARIES", str(path))
    lang = LANG_OF[kind]
    at = open_page(page, lang, **query)
    assert not at.exception
    assert t(lang, "app.error") not in page_text(at)
    notices = [w for w in _warnings(at) if f"`{path.name}`" in w]
    assert len(notices) == 1, _warnings(at)  # once per page
    for part in _fragments(lang, key) + _fragments(lang, "boundaries.fix"):
        assert part in notices[0]
    if kind == "five_regions":  # the regions left out, by name in the reader's language
        listed = notices[0].replace(t(lang, "boundaries.fix"), "")
        assert REGION_NAMES["KZ-71"] in listed and "KZ-71" not in listed
    drawn = {c.key for c in charts(at)}
    # The map draws what the file has; the region page has no map of a region without outline.
    assert (MAP_KEYS[page] in drawn) == (page != "region")


@pytest.mark.parametrize(("page", "query"), PAGES, ids=[p for p, _ in PAGES])
def test_the_good_file_gives_no_warning(demo_db, page, query):
    at = open_page(page, "en", **query)
    assert not at.exception
    assert not _warnings(at)
    assert MAP_KEYS[page] in {c.key for c in charts(at)}
