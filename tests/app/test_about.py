from __future__ import annotations

import pytest

from creative_dash.i18n import KAZAKH_LETTERS, t
from tests.app.apptest import open_page, page_text


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_about_renders_in_each_language(demo_db, lang):
    at = open_page("about", lang)
    assert not at.exception
    assert at.title[0].value == t(lang, "about.title")
    text = page_text(at)
    assert t(lang, "about.boundaries_title") in text
    assert t(lang, "about.demo_text").split(".")[0] in text  # the demo store says it is demo
    regions = at.dataframe[1].value
    assert len(regions) == 20
    if lang == "kk":
        assert set(text) & KAZAKH_LETTERS


def test_demo_badge_links_to_about(demo_db):
    at = open_page("about", "ru")
    links = [el for el in at.get("page_link")]
    assert any(t("ru", "app.demo_badge") == el.proto.label for el in links)


def test_language_from_url_is_kept(demo_db):
    at = open_page("about", "en")
    assert at.session_state["lang"] == "en"
    assert at.query_params["lang"] in ("en", ["en"])
