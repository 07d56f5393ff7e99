"""What the web server adds around Streamlit (ASGI middleware, run by ``asgi.py``).

Streamlit 1.67's Starlette server sends its own JavaScript bundles (``/static/``) uncompressed
on purpose (``SelectiveGZipMiddleware``: it would compress them again on every request, and it
expects a proxy in front to do it), gzips the app's static files (``/app/static/``) at level 9 on
every request and gives them no cache lifetime. On a slow regional link (bench/README.md,
"The regional link") that is most of a first visit: 3.7 MB, of which 2.4 MB JavaScript that
compresses to a quarter. So the server that ``make run`` starts does it itself, once per file:

- **compression** (:class:`Delivery`): a text response (JavaScript, CSS, HTML, JSON, GeoJSON,
  SVG) of at least ``MIN_SIZE`` bytes goes out as brotli (or gzip for a browser without it). Each
  file is compressed once per version (keyed by its ETag or its bytes): first at a fast level,
  then again at the highest one by one background thread, which later requests get;
- **cache lifetimes**: Streamlit's hashed bundles keep their ``immutable`` year; a file of
  ``static/`` requested with ``?v=<the first 12 hex digits of its SHA-256>`` (how the app
  links its Plotly bundle, chart code and boundaries) gets the same; other files of
  ``static/`` an hour;
- **a smaller icon font**: Streamlit loads its Material Symbols font (375 KB, 4,000 icons) on
  every page; the server answers that URL with ``static/fonts/`` 's subset, holding the icons
  Streamlit's own code and the app name (``scripts/subset_icons.py``;
  ``tests/unit/test_web.py`` checks that every icon the app and Streamlit name is in it);
- **anti-framing** (:class:`FrameGuard`): ``Content-Security-Policy: frame-ancestors`` and, where
  it can say the same, ``X-Frame-Options``, from ``CREATIVE_DASH_FRAME_ANCESTORS`` (default: the
  app's own origin only).

Nothing here imports Streamlit: it is plain ASGI (Starlette's types), tested on its own.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import brotli  # type: ignore[import-untyped]  # no stubs in the venv; its values are Any

from creative_dash import settings
from creative_dash.settings import ROOT

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

STATIC = ROOT / "static"
# Smaller than this, a response goes out as it is (the headers would eat the gain).
MIN_SIZE = 1024
# The levels: the first request of a file waits for FAST (the Plotly bundle: about 40 ms);
# BEST (about 2.7 s for it, 18% fewer bytes than gzip -9) is done in the background.
BR_FAST, BR_BEST = 5, 11
GZIP_FAST, GZIP_BEST = 6, 9
# Compressed bytes kept in memory, all files together (Streamlit's bundles that a page loads
# come to about 1 MB compressed).
CACHE_BYTES = 64 * 1024 * 1024
YEAR = "public, max-age=31536000, immutable"
HOUR = "public, max-age=3600"
# The app's own files (static/ at /app/static/); Streamlit's own bundles are under /static/.
APP_STATIC = "/app/static/"
# Streamlit's icon font: its URL carries Streamlit's content hash, the body is our subset.
ICON_FONT_URL = re.compile(r"^/static/media/MaterialSymbols-Rounded\.[\w-]+\.woff2$")
ICON_FONT = STATIC / "fonts" / "MaterialSymbols-Rounded-subset.woff2"
EMPTY_FONT = STATIC / "fonts" / "empty.woff2"  # answered for fonts the theme does not use
# The subset may gain icons with a new version of the app under the same URL: revalidated daily.
ICON_FONT_CACHE = "public, max-age=86400"
_COMPRESSIBLE = re.compile(
    r"^(text/|application/(javascript|json|[\w.+-]*\+json|xml|wasm|x-javascript)|"
    r"image/svg\+xml|font/(ttf|otf))",
    re.IGNORECASE,
)
# Responses whose bodies are not files: left to Streamlit (its own gzip for what it sends).
_PASS = ("/_stcore/", "/media/")


def content_hash(data: bytes) -> str:
    """The version the app puts in a static file's URL (``?v=``): 12 hex digits of SHA-256."""
    return hashlib.sha256(data).hexdigest()[:12]


def static_url(path: Path) -> str:
    """The URL of a file of ``static/`` (relative to the page, like Streamlit's static
    serving), with its version, so browsers keep it a year and never run a stale copy."""
    return f"app/static/{path.relative_to(STATIC).as_posix()}?v={content_hash(path.read_bytes())}"


# -- choosing an encoding ---------------------------------------------------------------------
def accepted(header: str) -> str | None:
    """``br``, ``gzip`` or None (send as is), from an ``Accept-Encoding`` header."""
    offered: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            key, _, value = p.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        offered[name.strip().lower()] = q
    for encoding in ("br", "gzip"):
        if offered.get(encoding, offered.get("*", 0.0)) > 0:
            return encoding
    return None


def compress(data: bytes, encoding: str, best: bool) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=BR_BEST if best else BR_FAST)
    return gzip.compress(data, compresslevel=GZIP_BEST if best else GZIP_FAST, mtime=0)


def _lowest_priority() -> None:
    """The background compression takes only the CPU nothing else wants (on Linux, a thread's
    nice value is its own): a page's first script runs are not slowed by it."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):  # not Linux: it runs at normal priority
        pass


class CompressedCache:
    """Compressed bodies by (file version, encoding), the best level replacing the fast one
    when the background thread has made it; least recently used out beyond ``limit`` bytes."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self._items: OrderedDict[tuple[str, str], tuple[bytes, bool]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._pending: set[tuple[str, str]] = set()
        self._worker = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="compress", initializer=_lowest_priority
        )

    def get(self, key: tuple[str, str]) -> tuple[bytes, bool] | None:
        """(compressed bytes, at the best level) or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item

    def put(self, key: tuple[str, str], body: bytes, best: bool) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= len(old[0])
                if old[1] and not best:  # never replace the best level by the fast one
                    body, best = old
            self._items[key] = (body, best)
            self._size += len(body)
            while self._size > self.limit and len(self._items) > 1:
                _, (dropped, _) = self._items.popitem(last=False)
                self._size -= len(dropped)

    def improve_later(self, key: tuple[str, str], data: bytes) -> None:
        """Compress ``data`` at the best level in the background (once per key)."""
        with self._lock:
            if key in self._pending:
                return
            self._pending.add(key)

        def work() -> None:
            try:
                self.put(key, compress(data, key[1], True), True)
            except Exception:  # the fast version stays: a failure here loses nothing
                log.exception("background compression of %s failed", key[0])
            finally:
                with self._lock:
                    self._pending.discard(key)

        self._worker.submit(work)

    def drain(self) -> None:
        """Wait until the background compressions asked for so far are done (tests)."""
        self._worker.submit(lambda: None).result()


CACHE = CompressedCache()


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers", [])}


def _set(headers: list[tuple[bytes, bytes]], name: bytes, value: bytes | None) -> None:
    """Replace (or with None remove) a header of a raw ASGI header list, in place."""
    headers[:] = [(k, v) for k, v in headers if k.lower() != name]
    if value is not None:
        headers.append((name, value))


def _get(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


FAST_TAG = "-fast"  # ETag suffix of the fast level's bytes (other bytes, so another ETag)
_TAG = re.compile(rb"-(br|gzip)(?:" + FAST_TAG.encode() + rb')?"')


def _tagged(etag: bytes, encoding: str, best: bool = True) -> bytes:
    """The ETag of an encoded variant: the file's, with the encoding (and ``-fast`` for the
    fast level) before the closing quote: other bytes, another ETag."""
    tag = (encoding + ("" if best else FAST_TAG)).encode()
    if etag.endswith(b'"'):
        return etag[:-1] + b"-" + tag + b'"'
    return etag + b"-" + tag


def _untagged(header: bytes) -> bytes:
    """An ``If-None-Match`` with our encoding suffixes taken off, for Streamlit to compare."""
    return _TAG.sub(b'"', header)


class Delivery:
    """Compression, cache lifetimes and the icon font subset, around Streamlit's HTTP server."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        cache: CompressedCache | None = None,
        head: Callable[[str], str] | None = None,
        unpreload: str | None = None,
        passthrough: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        # Paths answered as the app answers them (Streamlit's own, and the app's own routes,
        # whose small dynamic pages gain nothing from a compressed copy cached per body).
        self.passthrough = _PASS + passthrough
        self.cache = cache or CACHE
        self.head = head  # request path -> what the page's HTML gets before </head>
        # Streamlit's index.html preloads its Source Sans font whatever the theme's font: a
        # preload whose URL matches this pattern is taken out of the page's HTML, and the
        # font files it matches are answered with a font without glyphs.
        self.unpreload = (
            re.compile(
                rb'<link\s+rel="preload"\s+href="[^"]*(?:'
                + unpreload.encode()
                + rb')[^"]*"[^>]*>\s*'
            )
            if unpreload
            else None
        )
        self.unused = re.compile(unpreload) if unpreload else None  # ... and its files: empty

    def rewrite(self, path: str, html: bytes) -> bytes:
        """The page's HTML as this server sends it (``head``, ``unpreload``)."""
        if self.unpreload is not None:
            html = self.unpreload.sub(b"", html)
        extra = self.head(path) if self.head is not None else ""
        if extra and b"</head>" in html:
            html = html.replace(b"</head>", extra.encode() + b"</head>", 1)
        return html

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") not in ("GET", "HEAD")
            or path.startswith(self.passthrough)
        ):
            await self.app(scope, receive, send)
            return
        if ICON_FONT_URL.match(path) and ICON_FONT.is_file():
            await self._icon_font(scope, send)
            return
        if (
            self.unused is not None
            and path.startswith("/static/media/")
            and self.unused.search(path)
        ):
            # Before the app's theme arrives, Streamlit draws its loading screen in its default
            # font: on a slow link that alone fetched it. A font without glyphs (268 bytes):
            # the browser draws with the next font of the stack (a 404 would log an error).
            data = EMPTY_FONT.read_bytes()
            headers = [
                (b"content-type", b"font/woff2"),
                (b"content-length", str(len(data)).encode()),
                (b"cache-control", HOUR.encode()),
            ]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": data})
            return
        request = _headers(scope)
        encoding = (
            None
            if b"range" in request
            else accepted(request.get(b"accept-encoding", b"").decode("latin-1"))
        )
        inner = dict(scope)
        # Streamlit's own gzip stays out of what this class compresses.
        inner["headers"] = [
            (k, _untagged(v) if k.lower() == b"if-none-match" else v)
            for k, v in scope.get("headers", [])
            if k.lower() != b"accept-encoding"
        ]
        version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        app_static = path.startswith(APP_STATIC)
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish(
                    scope, send, start, b"".join(chunks), encoding, version, app_static
                )

        await self.app(inner, receive, capture)

    async def _finish(
        self,
        scope: Scope,
        send: Send,
        start: Message,
        body: bytes,
        encoding: str | None,
        version: str,
        app_static: bool,
    ) -> None:
        headers = [(k, v) for k, v in start.get("headers", [])]
        status = start["status"]
        ctype = (_get(headers, b"content-type") or b"").decode("latin-1")
        compressible = bool(_COMPRESSIBLE.match(ctype)) and not _get(headers, b"content-encoding")
        if app_static and status in (200, 304):
            # body is empty for HEAD and 304: only a GET can prove the version, and a 304
            # keeps the lifetime the 200 gave
            fresh = bool(version) and (status == 304 or (body and content_hash(body) == version))
            _set(headers, b"cache-control", (YEAR if fresh else HOUR).encode())
        if status == 200 and ctype.startswith("text/html"):
            html = self.rewrite(scope.get("path", ""), body)
            if html != body:
                body = html
                # the page's HTML differs by path now: it is sent whole, never revalidated
                _set(headers, b"etag", None)
                _set(headers, b"last-modified", None)
                _set(headers, b"content-length", str(len(body)).encode())
        if compressible:
            _set(headers, b"vary", b"Accept-Encoding")
        etag = _get(headers, b"etag")
        encode = (
            compressible
            and encoding is not None
            and status == 200
            and scope.get("method") == "GET"
            and len(body) >= MIN_SIZE
        )
        if status == 304 and etag is not None:
            # the browser revalidated an encoded copy: the ETag it holds is the encoded one
            asked = _TAG.search(_headers(scope).get(b"if-none-match", b""))
            if asked:
                _set(headers, b"etag", _tagged(etag, asked.group(1).decode()))
        if encode:
            assert encoding is not None
            version_key = etag.decode("latin-1") if etag else hashlib.sha1(body).hexdigest()
            key = (f"{scope.get('path', '')}|{version_key}", encoding)
            found = self.cache.get(key)
            if found is None:
                import anyio.to_thread

                found = (await anyio.to_thread.run_sync(compress, body, encoding, False), False)
                self.cache.put(key, *found)
            packed, best = found
            if not best:
                self.cache.improve_later(key, body)
            body = packed
            _set(headers, b"content-encoding", encoding.encode())
            _set(headers, b"content-length", str(len(body)).encode())
            if etag is not None:
                _set(headers, b"etag", _tagged(etag, encoding, best))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _icon_font(self, scope: Scope, send: Send) -> None:
        data = _icon_font_bytes()
        etag = f'"{content_hash(data)}"'.encode()
        request = _headers(scope)
        not_modified = etag in [t.strip() for t in request.get(b"if-none-match", b"").split(b",")]
        headers = [
            (b"content-type", b"font/woff2"),
            (b"cache-control", ICON_FONT_CACHE.encode()),
            (b"etag", etag),
        ]
        if not_modified:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope.get("method") == "HEAD" else data
        await send({"type": "http.response.body", "body": body})


_ICON_FONT_BYTES: dict[str, bytes] = {}


def _icon_font_bytes() -> bytes:
    data = _ICON_FONT_BYTES.get("font")
    if data is None:
        data = _ICON_FONT_BYTES["font"] = ICON_FONT.read_bytes()
    return data


# -- framing ------------------------------------------------------------------------------------
_SOURCE = re.compile(
    r"^('self'|'none'|\*|(https?://)?(\*\.)?[\w.-]+(:(\d+|\*))?(/[\w./-]*)?|https?:)$"
)


def frame_policy(value: str) -> tuple[str | None, str | None]:
    """(``Content-Security-Policy`` value, ``X-Frame-Options`` value) for a
    ``CREATIVE_DASH_FRAME_ANCESTORS`` value: a CSP source list (``'self'``, ``'none'``, origins
    such as ``https://intranet.example.kz``) or ``*`` (any site may frame the app: no header).
    A value that is not such a list gives the default, ``'self'`` (and is logged)."""
    sources = value.split()
    if not sources or not all(_SOURCE.match(s) for s in sources):
        log.error(
            "CREATIVE_DASH_FRAME_ANCESTORS=%r is not a list of frame ancestors: using 'self'",
            value,
        )
        sources = ["'self'"]
    if sources == ["*"]:
        return None, None
    if "'none'" in sources:
        return "frame-ancestors 'none'", "DENY"
    csp = "frame-ancestors " + " ".join(sources)
    # X-Frame-Options can say "this origin only", not a list: older browsers get nothing else.
    return csp, "SAMEORIGIN" if sources == ["'self'"] else None


class FrameGuard:
    """Anti-framing headers on every HTTP response (clickjacking: another site must not show
    the app, its sign-in or its buttons in a frame), per ``CREATIVE_DASH_FRAME_ANCESTORS``."""

    def __init__(self, app: ASGIApp, *, ancestors: str | None = None) -> None:
        self.app = app
        csp, xfo = frame_policy(
            settings.get("CREATIVE_DASH_FRAME_ANCESTORS") if ancestors is None else ancestors
        )
        self.extra: list[tuple[bytes, bytes]] = []
        if csp:
            self.extra.append((b"content-security-policy", csp.encode()))
        if xfo:
            self.extra.append((b"x-frame-options", xfo.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.extra:
            await self.app(scope, receive, send)
            return

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A second Content-Security-Policy header adds its directive to any other
                # policy (browsers enforce every one); X-Frame-Options is ours alone.
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-frame-options"
                ]
                message = {**message, "headers": headers + self.extra}
            await send(message)

        await self.app(scope, receive, add)


# -- what a page's HTML starts loading at once --------------------------------------------------
PLOTLY_BUNDLE = STATIC / "plotly" / "plotly-creative.min.js"
CHART_MODULE = STATIC / "plotly" / "chart.js"


def chart_preloads() -> str:
    """``<link>`` tags that start the Plotly bundle and the chart module downloading with
    Streamlit's own code, instead of after the page's first chart element arrived (on a slow
    link the bundle alone takes seconds). The URLs are the ones the chart component loads."""
    bundle, module = static_url(PLOTLY_BUNDLE), static_url(CHART_MODULE)
    return (
        f'<link rel="preload" as="script" href="./{bundle}">'
        f'<link rel="modulepreload" href="./{module}">'
    )


def page_head(chartless: frozenset[str], default: str) -> Callable[[str], str]:
    """For :class:`Delivery`: the preloads of the pages that draw charts; none for the page keys
    in ``chartless`` (the phone's vote page must not pay for Plotly). ``default``: the page at
    ``/``."""
    links = chart_preloads()

    def head(path: str) -> str:
        page = path.strip("/").split("/")[-1] or default
        return "" if page in chartless else links

    return head


def middleware(
    *,
    chartless: frozenset[str] = frozenset(),
    default: str = "",
    unpreload: str | None = None,
    passthrough: tuple[str, ...] = (),
) -> list[Any]:
    """The middleware ``asgi.py`` gives ``st.App``, outermost first; ``passthrough``: paths of
    the app's own routes, answered as they are (no rewriting, no compression)."""
    from starlette.middleware import Middleware

    return [
        Middleware(FrameGuard),
        Middleware(
            Delivery,
            head=page_head(chartless, default),
            unpreload=unpreload,
            passthrough=passthrough,
        ),
    ]
