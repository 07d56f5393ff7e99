"""What the server that ``make run`` starts (``asgi.py``) sends, over real HTTP: compressed
static files with their cache lifetimes, anti-framing headers, the health check through the
wrapper, and a vote page that never loads Plotly. Bytes and headers only: timings are the
benchmark's (``python -m bench.link``)."""

from __future__ import annotations

import re
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import pytest
import streamlit.file_util

from creative_dash import store as store_mod
from creative_dash import web
from creative_dash.ui import plotly_view
from tests.app.test_live import make_poll
from tests.e2e.browser import AppTab, page_path
from tests.e2e.conftest import running_app

pytestmark = pytest.mark.e2e
STREAMLIT_STATIC = Path(streamlit.file_util.get_static_dir())


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()


@pytest.fixture(scope="module")
def served(
    store_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """(base URL, id of an open poll) of ``streamlit run asgi.py`` on a demo store."""
    tmp = tmp_path_factory.mktemp("e2e-delivery")
    template = tmp / "delivery.duckdb"
    shutil.copy(store_template, template)
    pid = make_poll(store_mod.open_store(str(template)))
    store_mod.close_all()  # the server opens the file next
    with running_app(template, tmp, "streamlit-delivery") as (url, _log):
        yield url, pid


def test_the_page_and_streamlit_s_code_go_out_compressed_and_unframeable(served) -> None:
    url, _ = served
    status, headers, body = get(f"{url}/?lang=ru", **{"Accept-Encoding": "gzip, br"})
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert headers["content-security-policy"] == "frame-ancestors 'self'"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    html = brotli.decompress(body).decode()
    # the chart pages start the Plotly bundle with Streamlit's own code
    assert f'href="./{plotly_view.BUNDLE_URL}"' in html
    (main_js,) = re.findall(r'src="\./(static/js/index\.[\w-]+\.js)"', html)
    raw = (STREAMLIT_STATIC / main_js).read_bytes()
    _, headers, body = get(f"{url}/{main_js}", **{"Accept-Encoding": "gzip, deflate, br"})
    assert headers["content-encoding"] == "br"
    assert brotli.decompress(body) == raw
    assert len(body) < len(raw) * 0.35  # 480 KB as Streamlit sends it
    assert "immutable" in headers["cache-control"]


def test_the_plotly_bundle_is_compressed_and_kept_a_year(served) -> None:
    url, _ = served
    _, headers, body = get(f"{url}/{plotly_view.BUNDLE_URL}", **{"Accept-Encoding": "br"})
    assert headers["content-encoding"] == "br"
    assert headers["cache-control"] == web.YEAR
    assert len(body) < 460_000  # 1.42 MB uncompressed
    assert brotli.decompress(body) == web.PLOTLY_BUNDLE.read_bytes()


def test_the_icon_font_is_the_subset(served) -> None:
    url, _ = served
    (font,) = (STREAMLIT_STATIC / "static" / "media").glob("MaterialSymbols-Rounded.*.woff2")
    _, headers, body = get(f"{url}/static/media/{font.name}")
    assert body == web.ICON_FONT.read_bytes()
    assert len(body) < font.stat().st_size / 4


def test_the_health_check_runs_through_the_wrapper(served) -> None:
    url, _ = served
    status, headers, body = get(f"{url}/_stcore/script-health-check")
    assert status == 200 and body == b"ok"
    assert headers["x-frame-options"] == "SAMEORIGIN"  # the wrapper's middleware answered


def test_the_vote_page_never_loads_plotly(browser: Any, served) -> None:
    url, pid = served
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    try:
        tab = AppTab(context.new_page(), url)
        tab.open(page_path("vote"), poll=pid, lang="ru")
        tab.page.locator(".st-key-vote_answers button").first.wait_for()
        tab.wait_idle()
    finally:
        context.close()
    assert any("/static/js/" in u for u in requested)  # the requests were seen
    assert not [u for u in requested if "plotly" in u.lower()]
