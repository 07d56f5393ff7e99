"""Unknown values in a link are named, not dropped silently (issue 15, item 10): on every page one
caption in the reader's language names each ignored ``parameter=value``, shown as text; known
values of the same parameter are kept."""

from __future__ import annotations

import html

import pytest

from creative_dash.i18n import t
from creative_dash.navigation import PAGES
from creative_dash.text import WORD_JOINER
from tests.app.apptest import open_page

# Each page's own URL-bound filters, given values it does not know (and the sidebar's years).
BAD = {
    "overview": (
        {"ov_sectors": "music,planet", "ov_mix": "nope"},
        ["ov_sectors=planet", "ov_mix=nope"],
    ),
    "region": ({"region": "KZ-10", "rg_peers": "xyz"}, ["rg_peers=xyz"]),
    "hubs": (
        {"hubs_type": "cluster,nope", "hubs_years": "1-2"},
        ["hubs_type=nope", "hubs_years=1-2"],
    ),
    "initiatives": (
        {"in_status": "bogus", "in_sort": "nope", "in_id": "abc"},
        ["in_status=bogus", "in_sort=nope", "in_id=abc"],
    ),
    "programme": (
        {"prog_rec_category": "zzz", "prog_comp_tab": "nope"},
        ["prog_rec_category=zzz", "prog_comp_tab=nope"],
    ),
}
CASES = [
    pytest.param(spec.key, lang, id=f"{spec.key}-{lang}")
    for spec in PAGES
    for lang in ("kk", "ru", "en")
    if spec.key != "vote" or lang == "en"
]


def notice(at) -> str | None:
    """The notice as the reader sees it (its Markdown references read), or None."""
    for el in at.caption:
        text = html.unescape(str(el.value)).replace(WORD_JOINER, "")
        if text.startswith(t(at.session_state["lang"], "app.url_ignored", values="")):
            return text
    return None


@pytest.mark.parametrize(("page", "lang"), CASES)
def test_every_page_names_the_link_values_it_ignored(demo_db, page: str, lang: str) -> None:
    query, named = BAD.get(page, ({}, []))
    query = {**query, "years": "abc"}
    if page == "vote":
        query["poll"] = "nosuchpoll"
    at = open_page(page, lang, **query)
    assert not at.exception
    text = notice(at)
    assert text is not None, f"no notice on {page}"
    assert text.startswith(t(lang, "app.url_ignored", values=""))
    for item in [*named, "years=abc"]:
        assert item in text
    at.run()  # named once: the next run of the page no longer says it
    assert notice(at) is None


def test_known_values_of_a_list_are_kept(demo_db) -> None:
    at = open_page("hubs", "en", hubs_type="cluster,nope")
    assert at.session_state["hubs_type"] == ["cluster"]
    assert "hubs_type=nope" in (notice(at) or "")


def test_markup_in_an_ignored_value_is_shown_as_text(demo_db) -> None:
    at = open_page("overview", "en", ov_sectors="<img src=x onerror=alert(1)>,**b**")
    raw = next(str(el.value) for el in at.caption if "&#60;img" in str(el.value))
    assert "<img" not in raw and "**" not in raw
    assert "ov_sectors=<img src=x onerror=alert(1)>, ov_sectors=**b**" in notice(at)


def test_the_region_page_names_an_unknown_region_once(demo_db) -> None:
    at = open_page("region", "en", region="KZ-99")
    assert any("KZ-99" in html.unescape(str(e.value)) for e in at.error)
    assert notice(at) is None  # the page's own message names it


def test_a_clean_link_has_no_notice(demo_db) -> None:
    at = open_page("overview", "en", ov_sectors="music")
    assert notice(at) is None
