"""What a store without data rows says: which kinds are empty, the notes in kk/ru/en (who fills
what, how, a link only for a viewer who may import it), what a page leaves out."""

from __future__ import annotations

import pytest

from creative_dash import queries
from creative_dash.i18n import LANGS, Translator, t
from creative_dash.imports.spec import TABLES
from creative_dash.live import scenes
from creative_dash.metrics import METRIC_BY_CODE, METRICS, PEER_METRICS
from creative_dash.store import Store
from creative_dash.views import empty as view
from creative_dash.views.region import peers_empty

FULL = {
    "initiatives": 3,
    "hubs": 2,
    "programme_sessions": 1,
    "participants": 5,
    "assessments": 9,
    "recommendations": 4,
    "indicators": 7,
    "regions": 20,
    "regions_with_population": 20,
}
NOTHING = {**{k: 0 for k in FULL}, "regions": 20, "regions_with_population": 20}


def test_a_full_store_lacks_nothing() -> None:
    assert view.empty_kinds(FULL) == frozenset()
    assert not view.reference_only(view.empty_kinds(FULL))


def test_a_reference_store_lacks_every_kind_but_population() -> None:
    empty = view.empty_kinds(NOTHING)
    assert empty == set(view.KINDS) - {"population"}
    assert view.reference_only(empty)


def test_any_programme_table_is_programme_data() -> None:
    assert "programme" not in view.empty_kinds({**NOTHING, "assessments": 1})
    assert "programme" in view.empty_kinds(
        {**FULL, "programme_sessions": 0, "participants": 0, "assessments": 0}
    )


def test_a_region_without_population_is_missing_population() -> None:
    empty = view.empty_kinds({**FULL, "regions_with_population": 17})
    assert empty == {"population"}
    (note,) = view.notes(Translator("en"), empty, missing_population=3)
    assert note.text.startswith("**3 regions have no population figure")


def test_the_store_counts_what_it_holds(demo_store: Store, tmp_path) -> None:
    from creative_dash.store.bootstrap import ensure_store

    full = queries.run(demo_store, "store_contents").iloc[0]
    assert view.empty_kinds(full) == frozenset()
    plain = Store(str(tmp_path / "plain.duckdb"))
    ensure_store(plain, with_demo=False)
    row = queries.run(plain, "store_contents").iloc[0]
    assert view.reference_only(view.empty_kinds(row))
    assert int(row["regions"]) == 20 and int(row["regions_with_population"]) == 20
    plain.close()


def test_every_metric_and_scene_has_a_kind() -> None:
    for metric in METRICS:
        assert view.metric_kind(metric) in view.KINDS, metric.code
    assert set(view.SCENE_KIND) == set(scenes.SCENES), "a new scene needs its kind in SCENE_KIND"


def test_a_scene_is_empty_by_its_data_or_its_metric() -> None:
    empty = frozenset({"initiatives"})
    assert view.scene_empty("per_year", {}, empty) == "initiatives"
    assert view.scene_empty("hub_map", {}, empty) is None
    assert view.scene_empty("poll", {"poll": "x"}, empty) is None
    assert view.scene_empty("ranking", {"metric": "jobs_per_100k"}, empty) == "initiatives"
    assert view.scene_empty("ranking", {"metric": "hubs_per_100k"}, empty) is None
    assert view.scene_empty("ranking", {"metric": "nonsense"}, empty) is None


def test_metric_emptiness_follows_what_it_counts() -> None:
    empty = frozenset({"initiatives"})
    assert view.metric_empty(METRIC_BY_CODE["initiatives_per_100k"], empty)
    assert view.metric_empty(METRIC_BY_CODE["private_impact_share"], empty)
    assert not view.metric_empty(METRIC_BY_CODE["hubs"], empty)
    assert not peers_empty(empty)  # hubs, participants... can still be compared
    every = {view.metric_kind(METRIC_BY_CODE[c]) for c in PEER_METRICS}
    assert peers_empty(every) and not peers_empty(every - {"hubs"})


@pytest.mark.parametrize("lang", LANGS)
def test_each_note_says_what_who_and_how_in_the_language(lang: str) -> None:
    tr = Translator(lang)
    notes = {n.kind: n for n in view.notes(tr, view.empty_kinds(NOTHING), page="initiatives")}
    assert list(notes) == ["initiatives", "hubs", "programme", "recommendations", "indicators"]
    for kind, n in notes.items():
        assert n.text.startswith(t(lang, f"empty.{kind}")), kind
        assert t(lang, f"empty.{kind}_how") in n.text
        if kind in view.IMPORTED:  # the command line the ministry's scripts use
            assert f"`python -m creative_dash import {kind} FILE`" in n.text
    # edit mode: on this page for initiatives, on the hubs page for hubs; none for the rest
    assert t(lang, "empty.edit_here") in notes["initiatives"].text
    assert t(lang, "empty.edit_on", page=t(lang, "nav.hubs")) in notes["hubs"].text
    assert t(lang, "empty.edit_here") not in notes["programme"].text
    assert "python -m" not in notes["programme"].text  # nothing imports it: no command offered


def test_the_import_link_only_for_what_the_viewer_may_import() -> None:
    empty = view.empty_kinds(NOTHING)
    viewer = view.notes(Translator("en"), empty)
    assert not any(n.link for n in viewer)
    editor = view.notes(Translator("en"), empty, importable={"initiatives", "hubs"})
    assert {n.kind for n in editor if n.link} == {"initiatives", "hubs"}
    admin = view.notes(Translator("en"), empty, importable=set(TABLES))
    assert {n.kind for n in admin if n.link} == {
        "initiatives",
        "hubs",
        "recommendations",
        "indicators",
    }  # the programme: no import


def test_imported_kinds_are_import_tables() -> None:
    assert view.IMPORTED <= set(TABLES)


def test_only_the_asked_kinds_and_plain_text_for_paper() -> None:
    notes = view.notes(Translator("ru"), view.empty_kinds(NOTHING), ("hubs",))
    assert [n.kind for n in notes] == ["hubs"]
    plain = view.plain(notes[0].text)
    assert "**" not in plain and "`" not in plain and "python -m creative_dash import hubs" in plain


@pytest.mark.parametrize("lang", LANGS)
def test_the_badge_names_what_is_missing(lang: str) -> None:
    text = view.badge_help(Translator(lang), view.empty_kinds(NOTHING))
    for kind in ("initiatives", "hubs", "indicators"):
        assert t(lang, f"empty.kind.{kind}") in text
