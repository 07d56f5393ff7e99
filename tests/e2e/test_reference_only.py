"""A store built by ``python -m creative_dash init`` without ``--demo`` (reference data only), in
Chromium, in Kazakh: the overview and the region page open without a traceback, say what the
store lacks and who fills it, draw only what reference data can draw (the region's outline), and
show no demo badge. Screenshots: test-artifacts/screenshots/reference_only_<page>_kk.png."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creative_dash.i18n import catalog
from creative_dash.views.empty import plain
from tests.e2e.browser import AppTab, page_path
from tests.e2e.conftest import ROOT, running_app

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def reference_app(
    chromium: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    work = tmp_path_factory.mktemp("e2e-reference")
    store = work / "reference.duckdb"
    subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--db", str(store)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with running_app(store, work, "streamlit-reference") as server:
        yield server


@pytest.fixture
def ref_tab(browser_context: Any, reference_app: tuple[str, Path]) -> Iterator[AppTab]:
    page = browser_context.new_page()
    try:
        yield AppTab(page, reference_app[0])
    finally:
        page.close()


@pytest.mark.parametrize(
    ("page", "query", "maps"),
    [("overview", {}, 0), ("region", {"region": "KZ-10"}, 1)],
)
def test_a_reference_only_store_says_what_is_missing_in_kazakh(
    ref_tab: AppTab, page: str, query: dict[str, str], maps: int
) -> None:
    kk = catalog("kk")
    ref_tab.open(page_path(page), lang="kk", **query)
    shot = ref_tab.screenshot(f"reference_only_{page}_kk")
    assert shot.stat().st_size > 10_000
    ref_tab.assert_healthy("kk")
    body = ref_tab.text()
    assert "Traceback" not in body
    for kind in ("initiatives", "hubs", "programme", "indicators"):
        note = ref_tab.page.locator(f".st-key-empty_{kind}")
        assert note.is_visible(), kind
        text = note.inner_text()
        assert plain(kk[f"empty.{kind}"]) in text, kind
        assert plain(kk[f"empty.{kind}_how"]) in text, kind
    badge = ref_tab.page.locator(".st-key-reference_badge")
    assert badge.is_visible() and kk["empty.badge"] in badge.inner_text()
    assert ref_tab.page.locator(".st-key-demo_badge").count() == 0
    assert kk["app.demo_badge"] not in body
    assert len([p for p in ref_tab.plots() if p["visible"]]) == maps  # the region's outline
