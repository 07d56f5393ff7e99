"""navigation.PAGES is the one list of pages: it equals the files in pages/, and its titles and
sections exist in every language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from creative_dash.i18n import LANGS, catalog
from creative_dash.navigation import DEFAULT_PAGE, PAGES

ROOT = Path(__file__).resolve().parents[2]


def test_pages_equal_the_files_in_pages_dir() -> None:
    files = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "pages").glob("*.py")
        if p.name != "__init__.py"
    }
    listed = [spec.path for spec in PAGES]
    assert sorted(set(listed) - files) == [], "listed in PAGES but no such file"
    assert sorted(files - set(listed)) == [], "file in pages/ missing from PAGES (orphan)"


def test_keys_and_paths_are_unique() -> None:
    keys = [spec.key for spec in PAGES]
    paths = [spec.path for spec in PAGES]
    assert len(keys) == len(set(keys)), keys
    assert len(paths) == len(set(paths)), paths


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.key)
def test_page_spec_is_well_formed(spec) -> None:
    # the key is the page's URL path (/overview?lang=kk): lower-case, URL-safe
    assert re.fullmatch(r"[a-z][a-z0-9_]*", spec.key), spec.key
    assert spec.path == f"pages/{Path(spec.path).name}" and spec.path.endswith(".py")
    # a browser's /<key> and AppTest's switch to pages/<key>.py name the same page
    assert Path(spec.path).stem == spec.key
    assert re.fullmatch(r":material/[a-z0-9_]+:", spec.icon), spec.icon


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.key)
@pytest.mark.parametrize("lang", LANGS)
def test_titles_and_sections_exist(spec, lang: str) -> None:
    assert spec.title_key in catalog(lang), f"{spec.title_key} missing in {lang}"
    assert spec.section_key in catalog(lang), f"{spec.section_key} missing in {lang}"


def test_titles_are_distinct_in_every_language() -> None:
    for lang in LANGS:
        titles = [
            catalog(lang)[spec.title_key] for spec in PAGES if spec.title_key in catalog(lang)
        ]
        assert len(titles) == len(set(titles)), (lang, titles)


def test_default_page_and_about_last() -> None:
    assert DEFAULT_PAGE in {spec.key for spec in PAGES}
    visible = [spec for spec in PAGES if not spec.hidden]
    assert visible[-1].key == "about"
