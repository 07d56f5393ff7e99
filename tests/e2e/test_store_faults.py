"""The store's faults seen from outside (issue 15), against a real ``streamlit run``: the
health check reports the store, not only the web server; a download of damaged rows says so
on the page instead of doing nothing."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from creative_dash.i18n import t
from tests.e2e.browser import AppTab, page_path
from tests.e2e.conftest import running_app
from tests.unit.test_store_faults import damage_blocks

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=90) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_health_check_reports_the_store(store_template: Path, tmp_path: Path) -> None:
    with running_app(store_template, tmp_path, "streamlit-health-ok") as (url, _log):
        assert get(f"{url}/_stcore/script-health-check") == (200, "ok")
    damaged = tmp_path / "damaged.duckdb"
    damaged.write_bytes(b"not a database\n" * 300)
    with running_app(damaged, tmp_path, "streamlit-health-damaged") as (url, log):
        assert get(f"{url}/_stcore/script-health-check") == (503, "error")
        # the web server itself is up: browsers still connect and are told what is wrong
        assert get(f"{url}/_stcore/health") == (200, "ok")
        assert "health check: The store" in log.read_text(encoding="utf-8", errors="replace")
        assert "is damaged" in log.read_text(encoding="utf-8", errors="replace")


def test_a_download_of_damaged_rows_says_so(
    store_template: Path, browser: Any, tmp_path: Path
) -> None:
    damaged = tmp_path / "template.duckdb"
    shutil.copy(store_template, damaged)
    # rows only the initiatives download reads (the page shows none of them)
    damage_blocks(damaged, "initiative_sectors")
    with running_app(damaged, tmp_path, "streamlit-damaged-rows") as (url, _log):
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
        try:
            tab = AppTab(context.new_page(), url)
            tab.open("", lang="en")  # a first request to a deep link runs twice (test_cold_start)
            tab.open(page_path("initiatives"), lang="en")
            tab.assert_healthy("en")  # the page itself works
            downloads: list[Any] = []
            tab.page.on("download", lambda d: downloads.append(d))
            button = tab.page.locator(".st-key-in_dl_csv button").first
            button.scroll_into_view_if_needed()
            button.click()
            message = tab.page.locator(".st-key-in_dl_failed")
            message.wait_for(state="visible")
            expected = t("en", "export.failed", reason=t("en", "store.damaged"))
            assert message.inner_text().strip() == expected
            assert downloads == []
        finally:
            context.close()
