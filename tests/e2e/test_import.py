"""Imports in a real browser (Chromium against ``streamlit run``), in Kazakh and in Russian: an
administrator imports population figures and the region's per-capita basis changes with its new
"as of" date; a region editor downloads the initiatives template, fills it, sees three problems
listed at once, fixes them, previews, applies and sees the dashboards change. Every change is in
the audit log (checked in the store once the server has stopped)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from creative_dash import store as store_mod
from creative_dash.i18n import Translator, t
from tests.e2e.browser import DOWNLOAD_TIMEOUT_MS, AppTab, page_path
from tests.e2e.conftest import running_app
from tests.e2e.test_sign_in import _users_add, navigate, password_sign_in, wait_signed_in

ADMIN = ("ministry", "Ministry Admin", "the ministry's long password")
EDITOR = ("abai-editor", "Aigerim Abai", "the editor's long password")


@pytest.fixture(scope="module")
def import_template(store_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store with an administrator and an Abai (KZ-10) editor, added by the CLI."""
    path = tmp_path_factory.mktemp("e2e-import") / "import.duckdb"
    shutil.copy(store_template, path)
    _users_add(path, ADMIN[0], "admin", ADMIN[1], ADMIN[2])
    result_db = store_mod.Store(str(path))
    try:
        from creative_dash.access import CLI
        from creative_dash.store import users

        users.create_user(
            result_db,
            CLI,
            login=EDITOR[0],
            role="region_editor",
            region="KZ-10",
            display_name=EDITOR[1],
            password=EDITOR[2],
        )
    finally:
        result_db.close()
    return path


@contextmanager
def app_tab(
    browser: Any, template: Path, tmp_path: Path, name: str
) -> Iterator[tuple[AppTab, Path]]:
    with running_app(template, tmp_path, name) as (url, _log):
        context = browser.new_context(
            viewport={"width": 1366, "height": 1000}, accept_downloads=True
        )
        try:
            yield AppTab(context.new_page(), url), tmp_path / f"{name}.duckdb"
        finally:
            context.close()


def sign_in(tab: AppTab, who: tuple[str, str, str], lang: str) -> None:
    password_sign_in(tab, who[0], who[2], lang)
    wait_signed_in(tab, who[1])


def open_import(tab: AppTab, lang: str) -> None:
    navigate(tab, "data_import", t(lang, "nav.data_import"), t(lang, "imports.title"))


def choose_table(tab: AppTab, lang: str, table: str) -> None:
    tab.page.locator(".st-key-import_table [role='combobox']").click()
    tab.page.get_by_role("option", name=t(lang, f"imports.tables.{table}"), exact=True).click()
    tab.wait_idle()


def upload(tab: AppTab, path: Path) -> None:
    remove = tab.page.locator(".st-key-import_file [data-testid='stFileChipDeleteBtn']")
    if remove.count():  # the file uploaded before: removed as a user does, then the new one
        remove.click()
        remove.wait_for(state="detached")
        tab.wait_idle()
    tab.page.locator(".st-key-import_file input[type='file']").set_input_files(str(path))
    tab.page.locator(".st-key-import_file").get_by_text(path.name).wait_for()
    tab.wait_idle()


def alert(tab: AppTab, kind: str, text: str) -> None:
    tab.page.locator(f"[data-testid='stAlertContent{kind}']").get_by_text(text).wait_for()


def audit_actions(db: Path) -> list[tuple[str, str]]:
    s = store_mod.Store(str(db), read_only=True)
    try:
        rows = s.query(
            "SELECT a.table_name, a.action FROM audit_log a JOIN users u ON u.user_id = a.actor "
            "WHERE u.login IN ('ministry', 'abai-editor') AND a.action <> 'refused' "
            "ORDER BY a.logged_at"
        )
        return [tuple(r) for r in rows.itertuples(index=False)]
    finally:
        s.close()


# region and the new figure per language, so the two runs are independent
POPULATION = {
    "kk": ("KZ-11", 801_234, date(2026, 7, 1)),
    "ru": ("KZ-39", 822_345, date(2026, 7, 1)),
}


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_an_admin_imports_population_and_per_capita_figures_use_the_new_date(
    browser, import_template, tmp_path, lang
):
    tr = Translator(lang)
    iso, people, as_of = POPULATION[lang]
    file = tmp_path / f"population_{lang}.csv"
    header = ";".join(
        tr(f"imports.col.{n}") for n in ("region", "as_of", "population", "status", "source")
    )
    file.write_text(
        f"{header}\n{iso};{as_of:%d.%m.%Y};{people:,};official;BNS e2e\n".replace(",", " "),
        encoding="utf-8-sig",
    )
    with app_tab(browser, import_template, tmp_path, f"pop-{lang}") as (tab, db):
        sign_in(tab, ADMIN, lang)
        open_import(tab, lang)
        choose_table(tab, lang, "population")
        upload(tab, file)
        preview = tab.page.locator("[data-testid='stMetric']").first
        preview.get_by_text(tr("imports.preview_new")).wait_for()
        assert preview.inner_text().split("\n")[-1] == "1"
        tab.page.locator(".st-key-import_apply button").click()
        alert(tab, "Success", tr("imports.applied", new=1, updated=0, unchanged=0))
        tab.assert_healthy(lang)
        tab.screenshot(f"import-population-{lang}")
        # a reader's region page divides by the new figure, and says as of when
        viewer = AppTab(browser.new_page(viewport={"width": 1366, "height": 1000}), tab.base_url)
        try:
            viewer.open(page_path("region"), lang=lang, region=iso)
            caption = viewer.page.locator("[data-testid='stCaptionContainer']").first.inner_text()
            assert tr.num(people) in caption and tr.date(as_of) in caption
            note = tr("region.population_note", date=tr.date(as_of))
            viewer.page.get_by_text(note).wait_for()
            viewer.assert_healthy(lang)
        finally:
            viewer.page.close()
    assert audit_actions(db) == [("region_population", "insert"), ("imports", "import")]


def caption_of(tr: Translator, total: int) -> str:
    from creative_dash.queries.initiatives import PAGE_SIZE
    from creative_dash.views.initiatives import rows_caption as caption

    return caption(tr, 1, PAGE_SIZE, total)


def fill(path: Path, rows: list[dict[str, Any]], tr: Translator) -> None:
    """Replace the template's example row with ``rows`` (column name -> cell value)."""
    from creative_dash.imports.spec import TABLES

    names = TABLES["initiatives"].names
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [tr(f"imports.col.{n}") for n in names]
    sheet.delete_rows(2)
    for i, row in enumerate(rows, start=2):
        for j, name in enumerate(names, start=1):
            sheet.cell(i, j).value = row.get(name)
    book.save(path)


def initiative(tr: Translator, title: str, **over: Any) -> dict[str, Any]:
    row = {
        "title": title,
        "region": tr("imports.col.region")
        and ("Абай облысы" if tr.lang == "kk" else "Абайская область"),
        "sector": "music",
        "status": tr("status.in_progress"),
        "start_date": date(2026, 3, 1),
        "budget_planned_kzt": 1_000_000,
        "budget_spent_kzt": 0,
        "funding_source": tr("funding.local"),
        "jobs_created": 3,
        "beneficiaries_youth": 40,
        "beneficiaries_women": 20,
    }
    row.update(over)
    return row


def rows_caption(tab: AppTab, tr: Translator) -> str:
    """The initiatives table's caption ('rows 1–50 of N · ...')."""
    captions = tab.page.locator("[data-testid='stCaptionContainer']")
    return captions.filter(has_text=tr("initiatives.table_help")).first.inner_text()


def initiatives_total(db: Path) -> int:
    s = store_mod.Store(str(db), read_only=True)
    try:
        return int(s.scalar("SELECT count(*) FROM initiatives"))
    finally:
        s.close()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_region_editor_fixes_three_problems_previews_and_applies(
    browser, import_template, tmp_path, lang
):
    tr = Translator(lang)
    titles = [f"E2E {lang} Семей жастар театры", f"E2E {lang} Абай мұражайы", f"E2E {lang} Ән кеші"]
    total = initiatives_total(import_template)
    with app_tab(browser, import_template, tmp_path, f"editor-{lang}") as (tab, db):
        sign_in(tab, EDITOR, lang)
        navigate(tab, "initiatives", t(lang, "nav.initiatives"), t(lang, "initiatives.title"))
        before = rows_caption(tab, tr)
        assert caption_of(tr, total) in before
        open_import(tab, lang)
        choose_table(tab, lang, "initiatives")
        with tab.page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as download:
            tab.page.locator(".st-key-import_template_xlsx button").click()
        filled = tmp_path / f"initiatives_{lang}.xlsx"
        download.value.save_as(filled)
        # three mistakes: another region's row, an impossible date, a negative budget
        fill(
            filled,
            [
                initiative(tr, titles[0], region="KZ-75"),
                initiative(tr, titles[1], start_date="31.02.2026"),
                initiative(tr, titles[2], budget_planned_kzt=-100),
            ],
            tr,
        )
        upload(tab, filled)
        alert(tab, "Error", tr("imports.problems_title", count=3))
        tab.page.locator("[data-testid='stDataFrame']").first.wait_for()
        assert tab.page.locator(".st-key-import_apply button").is_disabled()
        tab.screenshot(f"import-problems-{lang}")
        fixed = tmp_path / f"ok_{lang}.xlsx"
        shutil.copy(filled, fixed)
        fill(fixed, [initiative(tr, title) for title in titles], tr)
        upload(tab, fixed)
        preview = tab.page.locator("[data-testid='stMetric']").first
        preview.get_by_text(tr("imports.preview_new")).wait_for()
        tab.page.locator("[data-testid='stMetricValue']").first.get_by_text(
            "3", exact=True
        ).wait_for()
        tab.page.locator(".st-key-import_apply button").click()
        alert(tab, "Success", tr("imports.applied", new=3, updated=0, unchanged=0))
        tab.assert_healthy(lang)
        navigate(tab, "initiatives", t(lang, "nav.initiatives"), t(lang, "initiatives.title"))
        assert caption_of(tr, total + 3) in rows_caption(tab, tr)
        tab.assert_healthy(lang)
    assert audit_actions(db) == [("initiatives", "insert")] * 3 + [("imports", "import")]
