"""Demo data says so wherever it is shown: the badge's help (what is demo, which populations are
official, that boundaries are indicative), each demo block of the programme page (which also
shows the programme's stored source); nothing of it in a store without demo rows."""

from __future__ import annotations

import pytest

from creative_dash import queries
from creative_dash.i18n import Translator, t
from creative_dash.store import open_store
from creative_dash.text import inert
from creative_dash.views.about import official_populations
from tests.app.apptest import open_page, page_text

SECTIONS = 5  # participation, competencies, satisfaction, recommendations, initiatives


def _badge(at):
    return [p.proto for p in at.get("page_link") if p.proto.label == t("en", "app.demo_badge")]


def test_the_badge_says_which_populations_are_official(demo_db):
    at = open_page("overview", "en")
    assert not at.exception
    (badge,) = _badge(at)
    official = official_populations(queries.run(open_store(str(demo_db)), "regions"))
    assert f"{official} of 20 regions have an official statistics (BNS) figure" in badge.help
    assert "estimates" in badge.help and "Boundaries are indicative" in badge.help


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_each_programme_block_says_demo_and_the_source_is_shown(demo_db, lang):
    at = open_page("programme", lang)
    assert not at.exception
    captions = [c.value for c in at.caption]
    note = t(lang, "app.section_demo")
    assert sum(note in c for c in captions) == SECTIONS
    source = str(queries.run(open_store(str(demo_db)), "programme_summary").iloc[0]["source"])
    facts = [c for c in at.caption if t(lang, "programme.facts_source") in c.value]
    # the stored source, quoted as stored (inert: the help text is Markdown)
    assert facts and facts[0].proto.help == inert(source)


def test_no_demo_marks_without_demo_rows(demo_store):
    with demo_store.transaction() as cur:
        for table in (
            "initiatives",
            "hubs",
            "participants",
            "recommendations",
            "programme_sessions",
        ):
            cur.execute(f"UPDATE {table} SET is_demo = FALSE")  # noqa: S608 -- constant names
    at = open_page("programme", "en")
    assert not at.exception
    assert t("en", "app.section_demo") not in page_text(at)
    assert not _badge(at)


@pytest.mark.parametrize("page", ["overview", "region", "initiatives", "hubs", "programme"])
def test_every_data_page_says_where_its_figures_come_from(demo_db, page):
    store = open_store(str(demo_db))
    version = int(queries.run(store, "store_facts").iloc[0]["data_version"])
    at = open_page(page, "ru", region="KZ-62")
    assert not at.exception
    (footer,) = [c.value for c in at.caption if f"версия данных {version}," in c.value]
    assert t("ru", "app.sources_footer_demo") in footer
    newest = queries.run(store, "regions")["population_as_of"].max()
    assert Translator("ru").date(newest) in footer  # the newest population figure's date


def test_the_footnote_drops_demo_without_demo_rows(demo_store):
    with demo_store.transaction() as cur:
        for table in ("initiatives", "hubs", "participants"):
            cur.execute(f"UPDATE {table} SET is_demo = FALSE")  # noqa: S608 -- constant names
    at = open_page("overview", "en")
    footer = [c.value for c in at.caption if "data version" in c.value]
    assert footer and t("en", "app.sources_footer_demo") not in footer[0]
