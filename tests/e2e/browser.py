"""Helpers of the browser tests: a tab on the running app that records what must never happen
(console errors, uncaught exceptions, requests leaving the machine) and waits on the app's own
state (Streamlit's script state, Plotly's drawn figures, the map's rendered features), never on
sleeps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

from playwright.sync_api import ConsoleMessage, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from creative_dash.i18n import catalog
from creative_dash.navigation import DEFAULT_PAGE, PAGES
from creative_dash.store import MESSAGE_KEYS as STORE_MESSAGES

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TIMEOUT_MS = 30_000
# A download the server builds when clicked (a CSV, a workbook, a PDF): under a loaded machine's
# load it may take longer than a page's wait; the wait is on the download, this only bounds it.
DOWNLOAD_TIMEOUT_MS = 120_000

# Console errors that are part of Streamlit itself, each with the reason it is harmless.
ALLOWED_CONSOLE: list[tuple[re.Pattern[str], re.Pattern[str], str]] = [
    (
        re.compile(r"status of 404"),
        re.compile(r"/[^/]+/_stcore/(health|host-config)$"),
        "On a page URL (/overview) Streamlit's frontend first probes /overview/_stcore/... "
        "and falls back to the server root; the probe's 404 is expected.",
    ),
]

# The state of every Plotly chart in the page (st.plotly_chart's or the app's chart component's):
# drawn, or why not. A MapLibre map counts as drawn
# once it has loaded and rendered features of the traces that have data; a geo (SVG) map once
# d3-geo has drawn shapes or markers (it first loads the GeoJSON and the world base map by URL).
PLOTS_STATE_JS = """
() => [...new Set(document.querySelectorAll('.js-plotly-plot, .cd-plotly'))].map((gd) => {
  const holder = gd.closest('[class*="st-key-"]');
  const match = holder && holder.className.match(/st-key-([\\w-]+)/);
  const res = {key: match ? match[1] : null, visible: gd.getClientRects().length > 0,
               state: 'ok', maps: 0, features: 0};
  // the app's chart component (static/plotly/chart.js): still loading Plotly, or a newer
  // figure from the last rerun not drawn yet
  if (gd.__cdBusy || gd.__cdWant !== gd.__cdHave) { res.state = 'drawing'; return res; }
  const full = gd._fullLayout;
  if (!full) { res.state = 'no _fullLayout'; return res; }
  if (!gd.querySelector('.main-svg')) { res.state = 'no svg'; return res; }
  if (getComputedStyle(gd).visibility === 'hidden') { res.state = 'not shown yet'; return res; }
  const ids = (full._subplots && full._subplots.map) || [];
  for (const id of ids) {
    res.maps += 1;
    const sub = full[id] && full[id]._subplot;
    const map = sub && sub.map;
    if (!map) { res.state = 'map not created'; return res; }
    if (!gd.querySelector('.maplibregl-canvas')) { res.state = 'no map canvas'; return res; }
    const withData = (gd._fullData || []).filter((tr) => tr.subplot === id && tr.visible === true
      && (((tr.locations || []).length > 0) || ((tr.lat || []).length > 0)));
    if (withData.length === 0) continue;
    if (!map.loaded()) { res.state = 'map loading'; return res; }
    const feats = map.queryRenderedFeatures();
    res.features += feats.length;
    if (feats.length === 0) { res.state = 'map drew no features'; return res; }
  }
  for (const id of (full._subplots && full._subplots.geo) || []) {
    res.maps += 1;
    const withData = (gd._fullData || []).filter((tr) => tr.geo === id && tr.visible === true
      && (((tr.locations || []).length > 0) || ((tr.lat || []).length > 0)));
    if (withData.length === 0) continue;
    const drawn = [...gd.querySelectorAll('path.choroplethlocation, g.scattergeo path.point')]
      .filter((p) => p.getAttribute('d')).length;
    res.features += drawn;
    if (drawn === 0) { res.state = 'geo map drew nothing'; return res; }
  }
  return res;
})
"""
# Streamlit loads the code of some elements (Plotly, dataframes) lazily and shows a skeleton
# meanwhile, after the script has already finished: no skeleton may be left.
SKELETON = "[data-testid='stSkeleton']"
PLOTS_READY_JS = (
    f'() => !document.querySelector("{SKELETON}") && ('
    + PLOTS_STATE_JS.strip()
    + ")().every((p) => !p.visible || p.state === 'ok')"
)
TWO_FRAMES_JS = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def page_path(key: str) -> str:
    """URL path of a page: the default page lives at the root (its own /<key> would be
    Streamlit's "page not found" dialog). A page that is not in navigation.PAGES (renamed,
    removed) fails the test that opens it."""
    keys = [spec.key for spec in PAGES]
    assert key in keys, f"no page {key!r} in navigation.PAGES ({keys})"
    return "" if key == DEFAULT_PAGE else key


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in LOCAL_HOSTS


@dataclass
class AppTab:
    """One browser tab (its own context: fresh cookies, storage and Streamlit session)."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.set_default_timeout(TIMEOUT_MS)
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        self.page.on("request", lambda req: self._on_url(req.url))
        self.page.on("websocket", lambda ws: self._on_url(ws.url))

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        url = (msg.location or {}).get("url", "")
        for text_re, url_re, _why in ALLOWED_CONSOLE:
            if text_re.search(msg.text) and url_re.search(url):
                return
        self.console_errors.append(f"{msg.text} ({url})")

    def _on_url(self, url: str) -> None:
        if not is_local(url):
            self.external.append(url)

    # -- navigation and waiting ------------------------------------------------------------------
    def open(self, path: str, **query: str) -> None:
        """Open ``/<path>?<query>`` and wait until the script has run and every chart drew."""
        url = f"{self.base_url}/{path.strip('/')}"
        if query:
            url += "?" + urlencode(query)
        self.page.goto(url)
        self.wait_idle()

    def wait_idle(self) -> None:
        self.page.wait_for_selector(APP_IDLE, state="attached")
        self.wait_for_plots()

    def download(self, selector: str, attempts: int = 3) -> Path:
        """Click the download button ``selector`` and return the file it gives.

        A download button that builds its file on click (``data=`` a callable) registers the
        file with the run that drew it, and Streamlit forgets what a newer run of the session
        no longer holds. A click that lands as a rerun replaces the button asks for a file the
        server no longer has, and nothing comes. So, as a user would, the page is waited idle
        and the button clicked again, ``attempts`` times in all, each attempt waiting for the
        download event (the time of :data:`DOWNLOAD_TIMEOUT_MS` shared between them)."""
        per_try = DOWNLOAD_TIMEOUT_MS // attempts
        for attempt in range(attempts):
            self.wait_idle()
            try:
                with self.page.expect_download(timeout=per_try) as download:
                    self.page.locator(selector).first.click()
                return Path(download.value.path())
            except PlaywrightTimeout:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def plots(self) -> list[dict]:
        return self.page.evaluate(PLOTS_STATE_JS)

    def wait_for_plots(self, timeout: float = TIMEOUT_MS) -> list[dict]:
        """Wait until every visible Plotly chart has drawn; fail naming the ones that did not."""
        try:
            self.page.wait_for_function(PLOTS_READY_JS, timeout=timeout, polling=100)
        except Exception as exc:  # playwright's TimeoutError: report which chart is stuck
            stuck = [p for p in self.plots() if p["visible"] and p["state"] != "ok"]
            skeletons = self.page.locator(SKELETON).count()
            raise AssertionError(
                f"Plotly charts did not draw: {stuck}; elements still loading: {skeletons}"
            ) from exc
        self.page.evaluate(TWO_FRAMES_JS)
        return self.plots()

    def path(self) -> str:
        return urlparse(self.page.url).path.strip("/")

    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlparse(self.page.url).query)

    # -- reading ---------------------------------------------------------------------------------
    def text(self, selector: str = "body") -> str:
        return self.page.locator(selector).first.inner_text()

    def main_text(self) -> str:
        return self.text("[data-testid='stMain']")

    def problems(self, lang: str) -> list[str]:
        """What is wrong with the page as it is now: an exception block, the generic error
        message, a chart that did not draw, console errors, uncaught JavaScript errors, requests
        to other hosts (the favicon included, which headless Chromium does not always fetch)."""
        found = []
        if self.page.locator(".st-key-lang").count() != 1:
            found.append("the frame (app.py) did not run: no language selector in the sidebar")
        dialogs = self.page.locator("[role='dialog']")
        if dialogs.count():  # e.g. Streamlit's "Page not found", shown over the main page
            found.append(f"a dialog is open: {dialogs.first.inner_text()[:200]!r}")
        exceptions = self.page.locator("[data-testid='stException']")
        if exceptions.count():
            found.append(f"exception shown: {exceptions.first.inner_text()[:500]}")
        body = self.text()
        for key in ("app.error", *STORE_MESSAGES):
            if catalog(lang)[key] in body:
                found.append(f"the page shows the message {key}")
        stuck = [p for p in self.plots() if p["visible"] and p["state"] != "ok"]
        if stuck:
            found.append(f"Plotly charts not drawn: {stuck}")
        icon = self.page.evaluate(
            "() => [...document.querySelectorAll(\"link[rel~='icon']\")].map((l) => l.href)"
        )
        external = self.external + [href for href in icon if not is_local(href)]
        if self.page_errors:
            found.append(f"uncaught JavaScript errors: {self.page_errors}")
        if self.console_errors:
            found.append(f"console errors: {self.console_errors}")
        if external:
            found.append(f"requests to other hosts: {sorted(set(external))}")
        return found

    def assert_healthy(self, lang: str) -> None:
        found = self.problems(lang)
        assert not found, "\n".join(found)

    def screenshot(self, name: str) -> Path:
        """A full-page PNG: Streamlit scrolls inside its main block, so the viewport is made as
        tall as the content first (same width, so charts keep their layout)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        out = SCREENSHOTS / f"{name}.png"
        viewport = self.page.viewport_size or {"width": 1366, "height": 900}
        height = self.page.evaluate(
            "() => Math.max(...['stMain', 'stSidebarContent', 'stMainBlockContainer']"
            ".map((id) => { const el = document.querySelector(`[data-testid='${id}']`);"
            " return el ? el.scrollHeight : 0; }))"
        )
        tall = max(viewport["height"], min(int(height) + 40, 12_000))
        self.page.set_viewport_size({"width": viewport["width"], "height": tall})
        try:
            self.wait_for_plots()
            self.page.screenshot(path=str(out), full_page=True)
        finally:
            self.page.set_viewport_size(viewport)
        self.wait_for_plots()  # the resize makes maps redraw
        return out
