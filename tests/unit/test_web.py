"""The server's middleware (creative_dash/web.py): what it sends, byte for byte and header by
header, around a small ASGI app that serves files the way Streamlit's server does."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import importlib.util
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import brotli
import pytest
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles

from creative_dash import web
from creative_dash.settings import ROOT

JS = ("function f(a){return a*2}\n" * 4000).encode()  # 100 KB of compressible text


def call(
    app: Any, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes, dict[str, str]]:
    """(status, response headers, body, request headers the inner app saw) of one request."""
    path, _, query = path.partition("?")
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
    }

    asked = []

    async def receive() -> dict[str, Any]:
        if not asked:
            asked.append(1)
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected: only a cancel ends this
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    # In a thread with its own event loop: a browser test earlier in the session (Playwright's
    # sync API) keeps a loop running in the main thread, where asyncio.run would refuse to start.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = messages[0]
    body = b"".join(m.get("body", b"") for m in messages[1:])
    out = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], out, body, SEEN.pop() if SEEN else {}


SEEN: list[dict[str, str]] = []


def recording(app: Any) -> Any:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        SEEN.append({k.decode(): v.decode() for k, v in scope.get("headers", [])})
        await app(scope, receive, send)

    return inner


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "bundle").mkdir()
    (tmp_path / "bundle" / "index.abc123.js").write_bytes(JS)
    (tmp_path / "bundle" / "tiny.js").write_bytes(b"let a=1;")
    (tmp_path / "bundle" / "font.woff2").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "chart.js").write_bytes(JS)
    (tmp_path / "index.html").write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        + "<div>text</div>" * 200
        + "</body></html>",
        encoding="utf-8",
    )
    return tmp_path


class _Bundles(StaticFiles):
    """Streamlit's /static/: hashed bundles with a year's immutable lifetime."""

    async def get_response(self, path: str, scope: Any) -> Any:
        response = await super().get_response(path, scope)
        response.headers["Cache-Control"] = "public, immutable, max-age=31536000"
        return response


def inner_app(root: Path) -> Any:
    async def app_static(request: Any) -> Any:  # as Streamlit's /app/static/: no lifetime
        return FileResponse(root / "app" / request.path_params["path"])

    async def document(request: Any) -> Any:  # index.html for every page, never cached
        response = FileResponse(root / "index.html", media_type="text/html")
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def stcore(request: Any) -> Any:
        return FileResponse(root / "app" / "chart.js")

    return recording(
        Router(
            [
                Mount("/static", _Bundles(directory=root / "bundle")),
                Route("/app/static/{path:path}", app_static),
                Route("/_stcore/thing", stcore),
                Route("/{page:path}", document),
            ]
        )
    )


@pytest.fixture
def cache() -> web.CompressedCache:
    return web.CompressedCache()


@pytest.fixture
def app(files: Path, cache: web.CompressedCache) -> Any:
    head = web.page_head(frozenset({"vote"}), "overview")
    return web.Delivery(inner_app(files), cache=cache, head=head)


# -- compression ----------------------------------------------------------------------------------
def test_a_bundle_goes_out_brotli_compressed_and_keeps_its_year(app: Any) -> None:
    status, headers, body, seen = call(
        app, "/static/index.abc123.js", {"Accept-Encoding": "gzip, deflate, br, zstd"}
    )
    assert status == 200
    assert headers["content-encoding"] == "br"
    assert brotli.decompress(body) == JS
    assert int(headers["content-length"]) == len(body) < len(JS) / 10
    assert headers["vary"] == "Accept-Encoding"
    assert headers["cache-control"] == "public, immutable, max-age=31536000"
    assert "accept-encoding" not in seen  # Streamlit's own gzip is kept out of it


def test_gzip_for_a_browser_without_brotli_and_nothing_for_one_without_either(app: Any) -> None:
    _, headers, body, _ = call(app, "/static/index.abc123.js", {"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == JS
    _, headers, body, _ = call(app, "/static/index.abc123.js", {"Accept-Encoding": "br;q=0"})
    assert "content-encoding" not in headers
    assert body == JS
    _, headers, body, _ = call(app, "/static/index.abc123.js")
    assert "content-encoding" not in headers
    assert body == JS


def test_the_background_thread_replaces_the_fast_level_with_the_best(
    app: Any, cache: web.CompressedCache, files: Path
) -> None:
    big = b"".join(hashlib.sha256(str(i).encode()).hexdigest().encode() for i in range(20000))
    fast = brotli.compress(big, quality=web.BR_FAST)
    best = brotli.compress(big, quality=web.BR_BEST)
    assert len(best) < len(fast)
    (files / "bundle" / "big.js").write_bytes(big)
    _, h1, first, _ = call(app, "/static/big.js", {"Accept-Encoding": "br"})
    assert first == fast
    assert h1["etag"].endswith('-br-fast"')  # other bytes, another ETag
    cache.drain()
    _, h2, second, _ = call(app, "/static/big.js", {"Accept-Encoding": "br"})
    assert second == best and int(h2["content-length"]) == len(best)
    assert brotli.decompress(second) == big
    assert h2["etag"] == h1["etag"].replace('-br-fast"', '-br"')
    status, h3, _, seen = call(
        app, "/static/big.js", {"Accept-Encoding": "br", "If-None-Match": h1["etag"]}
    )
    assert status == 304 and seen["if-none-match"] == h2["etag"].replace('-br"', '"')


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/static/tiny.js", {"Accept-Encoding": "br"}),  # smaller than MIN_SIZE
        ("/static/font.woff2", {"Accept-Encoding": "br"}),  # compressed already
        ("/static/index.abc123.js", {"Accept-Encoding": "br", "Range": "bytes=0-99"}),
    ],
    ids=["tiny", "woff2", "range"],
)
def test_left_as_they_are(app: Any, path: str, headers: dict[str, str]) -> None:
    status, out, body, _ = call(app, path, headers)
    assert status in (200, 206)
    assert "content-encoding" not in out
    assert len(body) == int(out["content-length"])


def test_streamlit_s_own_paths_are_not_touched(app: Any) -> None:
    _, headers, body, seen = call(app, "/_stcore/thing", {"Accept-Encoding": "br"})
    assert seen["accept-encoding"] == "br"  # Streamlit decides there
    assert "content-encoding" not in headers and body == JS


def test_an_encoded_etag_revalidates_to_304(app: Any, cache: web.CompressedCache) -> None:
    call(app, "/static/index.abc123.js", {"Accept-Encoding": "br"})
    cache.drain()
    _, headers, _, _ = call(app, "/static/index.abc123.js", {"Accept-Encoding": "br"})
    etag = headers["etag"]
    assert etag.endswith('-br"')
    status, headers, body, seen = call(
        app, "/static/index.abc123.js", {"Accept-Encoding": "br", "If-None-Match": etag}
    )
    assert status == 304 and body == b""
    assert headers["etag"] == etag
    assert seen["if-none-match"] == etag.replace('-br"', '"')


# -- lifetimes --------------------------------------------------------------------------------
def test_a_versioned_app_file_is_kept_a_year_only_with_its_true_version(app: Any) -> None:
    version = web.content_hash(JS)
    _, headers, _, _ = call(app, f"/app/static/chart.js?v={version}", {"Accept-Encoding": "br"})
    assert headers["cache-control"] == web.YEAR
    _, headers, _, _ = call(app, "/app/static/chart.js?v=000000000000")
    assert headers["cache-control"] == web.HOUR
    _, headers, _, _ = call(app, "/app/static/chart.js")
    assert headers["cache-control"] == web.HOUR


def test_the_app_links_its_static_files_with_their_true_versions() -> None:
    from creative_dash import geo
    from creative_dash.ui import plotly_view

    for url, path in (
        (plotly_view.BUNDLE_URL, web.PLOTLY_BUNDLE),
        (plotly_view.MODULE_URL, web.CHART_MODULE),
        (geo.STATIC_URL_PATH, geo.STATIC_GEOJSON),
    ):
        assert url == f"app/static/{path.relative_to(web.STATIC).as_posix()}?v=" + (
            web.content_hash(path.read_bytes())
        )


# -- the pages' HTML ------------------------------------------------------------------------------
def test_chart_pages_preload_plotly_and_the_vote_page_does_not(app: Any) -> None:
    from creative_dash.ui import plotly_view

    for page in ("/", "/region", "/hubs"):
        _, headers, body, _ = call(app, page, {"Accept-Encoding": "br"})
        html = brotli.decompress(body).decode()
        assert f'<link rel="preload" as="script" href="./{plotly_view.BUNDLE_URL}">' in html
        assert f'<link rel="modulepreload" href="./{plotly_view.MODULE_URL}">' in html
        assert html.index("preload") < html.index("</head>")
        assert "etag" not in headers and "last-modified" not in headers
        assert headers["cache-control"] == "no-cache"
    _, headers, body, _ = call(app, "/vote", {"Accept-Encoding": "br"})
    html = brotli.decompress(body).decode()
    assert "plotly" not in html
    assert "etag" in headers  # untouched: revalidated as Streamlit serves it


def test_the_unused_font_preload_is_taken_out_of_every_page(files: Path, cache: Any) -> None:
    html = (files / "index.html").read_text(encoding="utf-8")
    link = (
        '<link\n      rel="preload"\n      href="./static/media/SourceSansVF-Upright.ttf.B.woff2"'
        '\n      as="font"\n      type="font/woff2"\n      crossorigin\n    />'
    )
    (files / "index.html").write_text(html.replace("<title>", link + "<title>"), encoding="utf-8")
    app = web.Delivery(
        inner_app(files),
        cache=cache,
        head=web.page_head(frozenset({"vote"}), "overview"),
        unpreload="SourceSansVF-",
    )
    for page in ("/", "/vote"):
        _, headers, body, _ = call(app, page)
        text = body.decode()
        assert "SourceSans" not in text and "<title>x</title>" in text
        assert int(headers["content-length"]) == len(body)
    status, headers, body, _ = call(app, "/static/media/SourceSansVF-Italic.ttf.Bt9VkdQ3.woff2")
    # not even the loading screen gets it: a font without glyphs, the next font draws
    assert status == 200 and body == web.EMPTY_FONT.read_bytes() and len(body) < 1000
    assert headers["content-type"] == "font/woff2"
    # without it (streamlit run app.py) the preload stays
    _, _, body, _ = call(web.Delivery(inner_app(files), cache=cache), "/")
    assert b"SourceSansVF-Upright" in body


def test_the_theme_does_not_use_the_font_whose_preload_is_dropped() -> None:
    import tomllib

    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]
    assert "source" not in theme["font"].lower()
    assert theme["font"].split(",")[-1].strip() != "sans-serif"  # Streamlit's Source Sans
    assert "SourceSansVF-" in (ROOT / "asgi.py").read_text()


# -- the icon font --------------------------------------------------------------------------------
def test_streamlit_s_icon_font_url_gets_the_subset(app: Any) -> None:
    path = "/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2"
    status, headers, body, _ = call(app, path, {"Accept-Encoding": "br"})
    assert status == 200
    assert body == web.ICON_FONT.read_bytes()
    assert len(body) < 100_000  # Streamlit's whole font: about 375 KB
    assert headers["content-type"] == "font/woff2"
    assert headers["cache-control"] == web.ICON_FONT_CACHE
    status, headers, body, _ = call(app, path, {"If-None-Match": headers["etag"]})
    assert status == 304 and body == b""


def _subset_script() -> Any:
    spec = importlib.util.spec_from_file_location(
        "subset_icons", ROOT / "scripts" / "subset_icons.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_icon_the_app_or_streamlit_names_is_in_the_subset() -> None:
    pytest.importorskip("fontTools")
    from fontTools.ttLib import TTFont

    script = _subset_script()
    have = script.ligatures(TTFont(web.ICON_FONT))
    app_icons = script.app_icons()
    assert {"map", "how_to_vote", "check_circle"} <= app_icons  # the scan finds them
    assert not app_icons - have.keys(), "run scripts/subset_icons.py"
    streamlit_icons: set[str] = set()
    for js in (Path(script.streamlit_static()) / "static" / "js").glob("*.js"):
        streamlit_icons |= set(
            re.findall(r":material/([a-z0-9_]+):", js.read_text(errors="ignore"))
        )
    assert {"keyboard_double_arrow_left", "expand_more"} <= streamlit_icons
    # (Streamlit names a few its own font lacks, e.g. star_filled: those it cannot draw either)
    drawable = streamlit_icons & script.ligatures(TTFont(script.source_font())).keys()
    assert len(drawable) > 50
    assert not drawable - have.keys(), "run scripts/subset_icons.py"
    # ... and the ones its table draws by name
    assert {"more_vert", "audio_file", "video_file"} <= have.keys()


# -- framing ----------------------------------------------------------------------------------
async def _plain(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.mark.parametrize(
    ("value", "csp", "xfo"),
    [
        (None, "frame-ancestors 'self'", "SAMEORIGIN"),  # the default
        ("'none'", "frame-ancestors 'none'", "DENY"),
        (
            "'self' https://intranet.example.kz",
            "frame-ancestors 'self' https://intranet.example.kz",
            None,
        ),
        ("*", None, None),
    ],
)
def test_frame_ancestors(
    monkeypatch: pytest.MonkeyPatch, value: str | None, csp: str | None, xfo: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("CREATIVE_DASH_FRAME_ANCESTORS", raising=False)
    else:
        monkeypatch.setenv("CREATIVE_DASH_FRAME_ANCESTORS", value)
    _, headers, body, _ = call(web.FrameGuard(_plain), "/")
    assert body == b"ok" and headers["x-a"] == "1"
    assert headers.get("content-security-policy") == csp
    assert headers.get("x-frame-options") == xfo


@pytest.mark.parametrize(
    "hostile", ["'self'; script-src *", "https://a.kz\r\nSet-Cookie: x=1", "'self',https://a.kz"]
)
def test_an_unreadable_frame_setting_gives_the_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, hostile: str
) -> None:
    monkeypatch.setenv("CREATIVE_DASH_FRAME_ANCESTORS", hostile)
    with caplog.at_level(logging.ERROR, logger="creative_dash.web"):
        _, headers, _, _ = call(web.FrameGuard(_plain), "/")
    assert headers["content-security-policy"] == "frame-ancestors 'self'"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert "CREATIVE_DASH_FRAME_ANCESTORS" in caplog.text
