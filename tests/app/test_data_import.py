"""The import page under AppTest: who sees it and what (uploading is the browser tests' part:
AppTest cannot upload a file)."""

from __future__ import annotations

import pytest

from creative_dash.i18n import KAZAKH_LETTERS, LANGS, t
from creative_dash.navigation import PAGES
from creative_dash.ui.session import USER_KEY
from tests.app.apptest import open_page, page_text

SPEC = next(p for p in PAGES if p.key == "data_import")


def as_user(user_id: str | None, lang: str):
    at = open_page("overview", lang)
    if user_id:
        at.session_state[USER_KEY] = user_id
    at.switch_page("../../pages/data_import.py").run()
    assert not at.exception
    return at


@pytest.mark.parametrize("lang", LANGS)
def test_an_admin_chooses_any_table_and_gets_its_templates(demo_store, admin, lang):
    at = as_user(admin, lang)
    box = at.selectbox(key="import_table")
    assert box.options == [
        t(lang, f"imports.tables.{n}")
        for n in ("initiatives", "hubs", "recommendations", "indicators", "population")
    ]
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        t(lang, "imports.template_xlsx"),
        t(lang, "imports.template_csv"),
        t(lang, "imports.export_current"),
    ]
    assert t(lang, "imports.upload") in [u.label for u in at.get("file_uploader")]
    if lang == "kk":
        assert set(page_text(at)) & KAZAKH_LETTERS


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_region_editor_sees_only_the_tables_of_their_region(demo_store, editor_kz10, lang):
    at = as_user(editor_kz10, lang)
    assert at.selectbox(key="import_table").options == [
        t(lang, f"imports.tables.{n}") for n in ("initiatives", "hubs", "recommendations")
    ]
    region = "Абай облысы" if lang == "kk" else "Абайская область"
    assert t(lang, "imports.intro_editor", region=region) in page_text(at)


@pytest.mark.parametrize(
    ("who", "key"), [(None, "imports.sign_in"), ("presenter", "imports.not_allowed")]
)
def test_others_are_told_why_there_is_nothing(demo_store, presenter, who, key):
    at = as_user(presenter if who else None, "ru")
    assert t("ru", key) in page_text(at)
    assert not at.get("file_uploader") and not at.get("download_button")


def test_the_page_is_in_the_menu_of_admins_and_region_editors_only(
    demo_store, admin, editor_kz10, presenter, monkeypatch
):
    from creative_dash.ui import auth

    assert SPEC.editor and not SPEC.admin and not SPEC.hidden
    seen = {}
    for name, uid in (
        ("viewer", None),
        ("presenter", presenter),
        ("editor", editor_kz10),
        ("admin", admin),
    ):
        monkeypatch.setattr(auth.session, "user_id", lambda uid=uid: uid)
        seen[name] = auth.in_menu(SPEC)
    assert seen == {"viewer": False, "presenter": False, "editor": True, "admin": True}


def test_the_about_page_names_the_imported_population_file(demo_store):
    from creative_dash.access import CLI
    from creative_dash.store import importer
    from tests.app.apptest import ROOT

    path = ROOT / "data/imports/bns_population_2026-01-01.csv"
    data = path.read_bytes()
    importer.apply(
        demo_store,
        CLI,
        importer.read_file(demo_store, "population", data, path.name, "ru"),
        data=data,
    )
    at = open_page("about", "ru")
    assert not at.exception
    assert t("ru", "about.imports_title") in page_text(at)
    loads, imported, regions = (d.value for d in at.dataframe)
    assert imported.iloc[0].tolist()[:2] == [t("ru", "imports.tables.population"), path.name]
    abai = regions[regions.iloc[:, 0] == "KZ-10"].iloc[0].tolist()
    assert any("BNS" in str(c) for c in abai) and t("ru", "pop_status.official") in abai
