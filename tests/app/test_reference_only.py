"""A store with no demo rows (``init`` without ``--demo``: reference data only) is a mode of its
own: every page opens without an error in kk, ru and en, says what the store lacks and who fills
it how (in the page's language), draws no chart of nothing, and shows no demo label."""

from __future__ import annotations

from pathlib import Path

import pytest

from creative_dash.i18n import LANGS, Translator, t
from creative_dash.live import SceneRef, save_deck
from creative_dash.navigation import PAGES
from creative_dash.store import MESSAGE_KEYS as STORE_MESSAGES
from creative_dash.store import open_store
from creative_dash.views import empty as view
from tests.app.apptest import charts, open_page, page_text
from tests.app.test_editing import signed_in
from tests.conftest import presenter_id

# What each page says is missing (the kinds its figures would be drawn from), and the charts it
# still draws on reference data (the region's outline, from the boundaries).
MISSING = {
    "overview": ("initiatives", "hubs", "programme", "recommendations", "indicators"),
    "region": ("initiatives", "hubs", "programme", "recommendations", "indicators"),
    "initiatives": ("initiatives",),
    "hubs": ("hubs",),
    "programme": ("initiatives", "programme", "recommendations"),
    "live": ("initiatives", "hubs", "programme", "recommendations", "indicators"),
    "about": ("initiatives", "hubs", "programme", "recommendations", "indicators"),
    "data_import": ("initiatives", "hubs", "programme", "recommendations", "indicators"),
}
QUERY = {"region": {"region": "KZ-10"}}
DRAWN = {"region": {"rg_map"}}
CASES = [
    pytest.param(s.path, lang, id=f"{Path(s.path).stem}-{lang}") for s in PAGES for lang in LANGS
]


def has_points(figure: dict) -> bool:
    """Whether any trace of the figure carries data (a list, or Plotly's typed array)."""
    for trace in figure["data"]:
        for key in ("x", "y", "z", "values", "locations", "lat", "lon"):
            value = trace.get(key)
            if isinstance(value, dict) and value.get("bdata") or isinstance(value, list) and value:
                return True
    return False


def notes(at) -> list[str]:
    return [str(i.value) for i in at.info]


def badge(at, lang: str):
    return [p.proto for p in at.get("page_link") if p.proto.label == t(lang, "empty.badge")]


def no_demo_label(at, lang: str) -> None:
    labels = [p.proto.label for p in at.get("page_link")]
    assert t(lang, "app.demo_badge") not in labels
    text = page_text(at)
    assert t(lang, "app.section_demo") not in text
    assert t(lang, "about.demo_title") not in [s.value for s in at.subheader]


@pytest.mark.parametrize(("path", "lang"), CASES)
def test_every_page_says_what_is_empty_and_draws_nothing_empty(reference_db, path, lang):
    page = Path(path).stem
    at = open_page(page, lang, **QUERY.get(page, {}))
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    for key in ("app.error", *STORE_MESSAGES):
        assert t(lang, key) not in errors
    # on every page: the badge says the store holds reference data only, and links to About
    (link,) = badge(at, lang)
    assert link.help == view.badge_help(Translator(lang), view.empty_kinds(dict(_nothing())))
    for kind in MISSING.get(page, ()):
        assert any(n.startswith(t(lang, f"empty.{kind}")) for n in notes(at)), (page, kind)
        assert any(t(lang, f"empty.{kind}_how") in n for n in notes(at)), (page, kind)
    drawn = {c.key for c in charts(at)}
    assert drawn == DRAWN.get(page, set()), drawn
    for chart in charts(at):
        assert has_points(chart.figure), chart.key
    no_demo_label(at, lang)


def _nothing() -> dict[str, int]:
    kinds = ("initiatives", "hubs", "programme_sessions", "participants", "assessments")
    return {
        **dict.fromkeys(kinds, 0),
        "recommendations": 0,
        "indicators": 0,
        "regions": 20,
        "regions_with_population": 20,
    }


@pytest.mark.parametrize("lang", LANGS)
def test_the_overviews_intro_does_not_point_at_a_map_it_does_not_draw(reference_db, lang):
    at = open_page("overview", lang)
    intro = at.caption[0].value
    reference_tail = t(lang, "overview.intro_reference", period="@").split("@")[1]
    click_tail = t(lang, "overview.intro", period="@").split("@")[1]
    assert intro.endswith(reference_tail) and click_tail not in intro


def test_a_viewer_gets_no_import_link(reference_db):
    at = open_page("overview", "en")
    assert t("en", "empty.link") not in [p.proto.label for p in at.get("page_link")]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_an_admin_gets_the_import_link(reference_db, lang):
    at = signed_in("admin", "overview", lang)
    links = [p.proto for p in at.get("page_link") if p.proto.label == t(lang, "empty.link")]
    assert len(links) == 4  # initiatives, hubs, recommendations, indicators: not the programme
    assert all(p.page.endswith("data_import") or "data_import" in p.page for p in links)


def test_an_editor_can_add_the_first_initiative_here(reference_db):
    at = signed_in("editor-kz10", "initiatives", "kk")
    assert any(n.startswith(t("kk", "empty.initiatives")) for n in notes(at))
    assert t("kk", "empty.link") in [p.proto.label for p in at.get("page_link")]
    assert at.toggle(key="ed_initiatives_on")  # the edit mode, though there is nothing to list
    at.toggle(key="ed_initiatives_on").set_value(True).run()
    assert not at.exception
    assert len(at.session_state["ed_initiatives_base"][2]) == 0


@pytest.mark.parametrize("page", ["overview", "region"])
def test_the_print_view_says_it_too(reference_db, page):
    at = open_page(page, "kk", print="1", **QUERY.get(page, {}))
    assert not at.exception
    assert any(n.startswith(t("kk", "empty.initiatives")) for n in notes(at))
    assert {c.key for c in charts(at)} == DRAWN.get(page, set())


def test_a_presenters_chart_slide_says_what_is_missing(reference_db):
    store = open_store(str(reference_db))
    deck = save_deck(
        store,
        title="Day 2",
        actor=presenter_id(store),
        scenes=[
            SceneRef("ranking", {"metric": "jobs_per_100k", "period": "all"}),
            SceneRef("hub_map", {"region": "all"}),
        ],
    )
    at = open_page("live", "ru", deck=deck)
    assert not at.exception
    assert t("ru", "empty.initiatives") in notes(at)
    assert not charts(at)
    assert t("ru", "live.present.demo_mark") not in [m.value for m in at.markdown]
