"""Editing in the browser (issue 16), in Chromium against a real ``streamlit run``, in Kazakh and
in Russian: a region editor edits a hub of their region and saves; an administrator who opened
the same rows before that save (another browser context: another person) saves the same row and
is refused with "changed by X at T"; the change is in the row's history and in the audit log."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from creative_dash import store as store_mod
from creative_dash.i18n import t
from tests.e2e.browser import AppTab
from tests.e2e.conftest import ROOT, running_app
from tests.e2e.test_sign_in import choose, navigate, password_sign_in, wait_signed_in

pytestmark = pytest.mark.e2e

EDITOR = ("abai-ed", "Айгерим Абай", "the editor's long password")
ADMIN = ("ministry-16", "Министрлік Әкімші", "the ministry's long password")
ROW_H = 35  # the data grid's header and row height, in CSS pixels


def users_add(db: Path, login: str, role: str, name: str, password: str, *extra: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "creative_dash", "users", "--db", str(db), "add", login]
        + ["--role", role, "--name", name, *extra],
        cwd=ROOT,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def edit_app(
    store_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    work = tmp_path_factory.mktemp("e2e-editing")
    template = work / "editing.duckdb"
    template.write_bytes(store_template.read_bytes())
    users_add(template, EDITOR[0], "region_editor", EDITOR[1], EDITOR[2], "--region", "KZ-10")
    users_add(template, ADMIN[0], "admin", ADMIN[1], ADMIN[2])
    s = store_mod.open_store(str(template))
    abai = {
        lang: s.scalar(f"SELECT name_{lang} FROM regions WHERE iso_code = 'KZ-10'")  # noqa: S608
        for lang in ("kk", "ru")
    }
    store_mod.close_all()
    with running_app(template, work, "streamlit-editing") as (url, _log):
        yield url, abai


@contextmanager
def person(browser: Any, url: str, locale: str) -> Iterator[AppTab]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    try:
        yield AppTab(context.new_page(), url)
    finally:
        context.close()


def open_hub_editor(tab: AppTab, lang: str) -> None:
    navigate(tab, "hubs", t(lang, "nav.hubs"), t(lang, "hubs.title"))
    tab.page.locator(".st-key-ed_hubs_on label").click()
    tab.page.locator("[data-testid='stDataFrame']").filter(
        has=tab.page.locator("[data-testid='stDataFrameResizable']")
    ).last.wait_for()
    tab.wait_idle()


def type_into_first_row(tab: AppTab, text: str) -> None:
    """Type ``text`` into the first row's second column (the hub's name) of the editor."""
    grid = tab.page.locator(".st-key-ed_hubs_box [data-testid='stDataFrame']")
    # The first row's id (right of the row markers' column), then the name's cell: Enter opens
    # the cell's editor (an overlay with a text box). A click that lands before the grid takes
    # input opens nothing (seen on an idle machine, both languages): then it is done again.
    overlay = tab.page.locator("#portal textarea, textarea.gdg-input").first
    for attempt in range(10):
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()  # again each time: the page above may have moved it
        assert box is not None
        tab.page.mouse.click(box["x"] + 60, box["y"] + ROW_H + ROW_H / 2)
        tab.page.keyboard.press("ArrowRight")
        tab.page.keyboard.press("Enter")
        try:
            overlay.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            assert attempt < 9, "the name's cell editor never opened"
            tab.page.keyboard.press("Escape")
    overlay.fill(text)  # Kazakh letters are not keys of the test keyboard: filled, not typed
    overlay.press("Enter")
    tab.wait_idle()
    tab.page.locator(".st-key-ed_hubs_save button").wait_for()


def alert(tab: AppTab, kind: str, text: str) -> None:
    tab.page.locator(f"[data-testid='stAlertContent{kind}']").filter(has_text=text).first.wait_for()


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_an_editor_saves_and_a_second_editors_conflicting_save_is_refused(
    browser: Any, edit_app: tuple[str, dict[str, str]], lang: str
) -> None:
    url, abai = edit_app
    new_name = f"Жаңа хаб <b>{lang}</b> **"
    locale = "kk-KZ" if lang == "kk" else "ru-RU"
    with person(browser, url, locale) as editor, person(browser, url, locale) as admin:
        password_sign_in(editor, EDITOR[0], EDITOR[2], lang)
        wait_signed_in(editor, EDITOR[1])
        password_sign_in(admin, ADMIN[0], ADMIN[2], lang)
        wait_signed_in(admin, ADMIN[1])
        choose(admin, "region", abai[lang])  # the administrator edits the sidebar's region
        admin.wait_idle()
        open_hub_editor(editor, lang)
        open_hub_editor(admin, lang)  # both now hold the same row versions

        type_into_first_row(editor, new_name)
        editor.page.locator(".st-key-ed_hubs_save button").click()
        alert(editor, "Success", t(lang, "editing.saved", counts="").strip())
        editor.screenshot(f"editing_saved_{lang}")

        type_into_first_row(admin, f"Басқа атау {lang}")
        admin.page.locator(".st-key-ed_hubs_save button").click()
        changed = t(lang, "access.stale.changed", who=EDITOR[1], when="@")
        before_when, after_when = changed.split("@")
        alert(admin, "Error", after_when.strip())
        message = admin.text("[data-testid='stAlertContentError']")
        assert EDITOR[1] in message and before_when.strip() in message
        admin.screenshot(f"editing_conflict_{lang}")

        # the audit log (the administrator's page) has the editor's change, by name
        navigate(admin, "audit", t(lang, "nav.audit"), t(lang, "nav.audit"))
        csv_file = admin.download(".st-key-audit_dl_csv button")
        rows = list(csv.DictReader(io.StringIO(csv_file.read_text("utf-8-sig"))))
        mine = [r for r in rows if r[t(lang, "audit.col.table")] == "hubs"]
        assert mine and mine[0][t(lang, "audit.col.user")] == EDITOR[1]
        assert new_name in mine[0][t(lang, "audit.col.after")]
        hub_id = mine[0][t(lang, "audit.col.record")]

        # the row's history, on the hubs page: who changed what, the markup as plain text
        navigate(editor, "hubs", t(lang, "nav.hubs"), t(lang, "hubs.title"))
        history = editor.page.locator(".st-key-ed_hubs_history_pick")
        editor.page.get_by_text(t(lang, "editing.history_title.hubs")).click()
        # opening the expander reruns the page, which draws the picker: wait for that run
        history.locator("[role='combobox']").wait_for()
        editor.wait_idle()
        history.locator("[role='combobox']").click()
        # The hub's whole label is typed: it is the first option (others hold "4 ·" too, and
        # the list is virtualised: an option further down may not be drawn) and the focused
        # one, which Enter chooses. A pointer click is not used: the list redraws its options
        # under the pointer, and under load Playwright's click kept waiting on a redrawn one.
        label = f"{hub_id} · {new_name}"
        editor.page.keyboard.type(label)
        first = editor.page.get_by_role("option").first
        expect(first).to_have_accessible_name(label, timeout=30_000)
        expect(first).to_have_attribute("data-focused", "true", timeout=30_000)
        editor.page.keyboard.press("Enter")
        editor.wait_idle()
        # the table is drawn on a canvas; its cells' text is in the grid's accessible cells
        cells = editor.page.locator(".st-key-ed_hubs_history_box [id^='glide-cell-']")
        cells.first.wait_for(state="attached")
        shown = " ".join(c.text_content() or "" for c in cells.all())
        assert EDITOR[1] in shown and new_name in shown
        editor.screenshot(f"editing_history_{lang}")
        editor.assert_healthy(lang)
