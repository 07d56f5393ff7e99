"""Drive headless Debian Chromium: page loads, filter changes, websocket bytes, outside requests.

Timings are taken inside the page with ``performance.now()`` by a script installed before any
of the app's code runs (``INIT_SCRIPT``):

- every Plotly graph div's ``plotly_afterplot`` (Plotly assigns ``gd.emit`` once per div; a
  setter on ``HTMLDivElement.prototype`` wraps it, so no draw is missed, even the first);
- every ``rerun_script`` message the browser sends and every ``script_finished`` it receives
  on Streamlit's websocket (the top-level protobuf field is enough to tell them apart).

Python waits with ``page.wait_for_function`` (polling inside the page), never with sleeps.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, WebSocket
from playwright.sync_api import Error as PlaywrightError
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.state.common import user_key_from_element_id

from bench.servers import Server

# The app draws its charts with a custom component, the floor app with st.plotly_chart.
from creative_dash.ui import plotly_view
from creative_dash.ui.plotly_view import COMPONENT_NAME as PLOTLY_COMPONENT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# A run is over when nothing (draw, message) has happened for this long after script_finished;
# only the collection waits for it: every figure is a timestamp taken when the event happened.
QUIET_MS = 300

_FWD = ForwardMsg.DESCRIPTOR.fields_by_name
_BACK = BackMsg.DESCRIPTOR.fields_by_name

INIT_SCRIPT = (
    (Path(__file__).parent / "probe.js")
    .read_text(encoding="utf-8")
    .replace("__FINISHED__", str(_FWD["script_finished"].number))
    .replace("__NEW_SESSION__", str(_FWD["new_session"].number))
    .replace("__RERUN__", str(_BACK["rerun_script"].number))
)


class BenchError(RuntimeError):
    """A page did not do what the benchmark needs (the message says what and where)."""


def launch(pw: Playwright) -> Browser:
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def new_context(browser: Browser) -> BrowserContext:
    """One context per server: its pages share the HTTP cache (Streamlit's JavaScript is
    fetched once, as for a returning user) while each page is its own Streamlit session."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    return context


# -- what one filter change is ------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    """A filter changed on the widget whose key is ``key``, committing exactly one new value.

    A session changes it again and again, each time to a value it has not had yet, so the
    rerun misses the server's caches as it does for a user exploring the data:
    - selectbox: the keyboard opens it and moves one option down (``alternate``: down, then
      up on the next change, for the floor, which has no cache), and Enter commits;
    - multiselect: the keyboard adds the first option not yet selected (below "Select
      all") and closes the menu, which commits;
    - slider (single or range): the mouse drags one thumb (alternating thumbs) to the nearest
      position giving a value the session has not had, and releases it once.
    Only the last input commits, so the rerun starts at a known moment.
    """

    key: str
    kind: str  # selectbox | multiselect | slider
    note: str = ""
    alternate: bool = False

    def describe(self) -> str:
        return self.note or f"{self.kind} `{self.key}`"

    def apply(self, page: Page, variant: int, seen: set[Any], mark: Any) -> float:
        """Change the value; returns the in-page time just before the committing input."""
        box = page.locator(f".st-key-{self.key}")
        if self.kind == "slider":
            return self._drag(page, box, variant, seen, mark)
        box.locator("input").first.focus()
        if self.kind == "multiselect":
            # The menu's first row is "Select all": skip it. The menu stays open after Enter
            # and the value is committed when it closes.
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowDown")
            since = mark()
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            return since
        page.keyboard.press("ArrowUp" if self.alternate and variant % 2 else "ArrowDown")
        since = mark()
        page.keyboard.press("Enter")
        return since

    @staticmethod
    def _drag(page: Page, box: Any, variant: int, seen: set[Any], mark: Any) -> float:
        inputs = box.locator("input[type='range']")
        inputs.first.wait_for(state="attached", timeout=30_000)
        n = inputs.count()
        first = inputs.nth(0)
        lo, hi = float(first.get_attribute("min")), float(first.get_attribute("max"))
        step = float(first.get_attribute("step") or 1)
        values = tuple(float(inputs.nth(i).get_attribute("value")) for i in range(n))
        seen.add(values)
        grid = [lo + k * step for k in range(round((hi - lo) / step) + 1)]
        move = None
        for thumb in (variant % 2, 1 - variant % 2) if n == 2 else (0,):
            current = values[thumb]
            for g in sorted((g for g in grid if g != current), key=lambda g: (abs(g - current), g)):
                new = tuple(g if k == thumb else v for k, v in enumerate(values))
                if new not in seen and list(new) == sorted(new):
                    move = (thumb, g, new)
                    break
            if move:
                break
        if move is None:
            raise BenchError("the slider has no value left that this session has not had")
        thumb, target, new = move
        seen.add(new)
        if abs(target - values[thumb]) <= step * 1.001:
            # One step: the arrow key commits exactly that value (a short drag may not move).
            inputs.nth(thumb).focus()
            since = mark()
            page.keyboard.press("ArrowRight" if target > values[thumb] else "ArrowLeft")
            return since
        track = box.locator("[role='group'] > div").first.bounding_box()
        handle = inputs.nth(thumb).locator("xpath=../..").bounding_box()
        if track is None or handle is None:
            raise BenchError("the slider is not visible")
        y = handle["y"] + handle["height"] / 2
        page.mouse.move(handle["x"] + handle["width"] / 2, y)
        page.mouse.down()
        page.mouse.move(track["x"] + track["width"] * (target - lo) / (hi - lo), y, steps=4)
        since = mark()
        page.mouse.up()
        return since


# -- results -------------------------------------------------------------------------------------
@dataclass
class Load:
    ttfc_ms: float  # navigation start -> script finished and every chart drawn
    script_ms: float  # navigation start -> last script_finished
    charts: int
    ws_bytes: int
    cpu_ms: float
    queries: int  # named queries run (st.cache_data misses) during the load
    query_ms: float
    errors: list[str] = field(default_factory=list)  # error boxes / exceptions shown
    drawn: dict[str, float] = field(default_factory=dict)  # chart key -> ms to first draw
    elements: dict[str, int] = field(default_factory=dict)  # bytes by element on load
    chart_parts: dict[str, int] = field(default_factory=dict)  # big parts of chart specs


@dataclass
class Change:
    rerun_ms: float  # rerun_script sent -> script_finished received
    main_ms: float | None  # rerun_script sent -> the main chart's first afterplot
    all_ms: float  # ... -> the last chart that redrew has drawn (rerun_ms when none did)
    charts: int
    changed: int
    main_key: str | None
    ws_bytes: int
    cpu_ms: float
    queries: int  # named queries run (st.cache_data misses) during the rerun
    query_ms: float
    errors: list[str] = field(default_factory=list)
    runs: int = 1  # script runs the change caused (script_finished messages)
    redrawn: dict[str, float] = field(default_factory=dict)  # chart key -> ms to its redraw
    elements: dict[str, int] = field(default_factory=dict)  # bytes by element of this rerun
    chart_parts: dict[str, int] = field(default_factory=dict)
    deltas: int = 0  # elements and blocks the rerun sent (each one the browser renders)


# -- websocket frames ----------------------------------------------------------------------------
def _label(msg: ForwardMsg) -> str:
    kind = msg.WhichOneof("type") or "?"
    if kind != "delta":
        return kind
    dtype = msg.delta.WhichOneof("type")
    if dtype != "new_element":
        return f"delta.{dtype}"
    el = msg.delta.new_element
    etype = el.WhichOneof("type") or "?"
    inner = getattr(el, etype, None)
    element_id = getattr(inner, "id", "") if inner is not None else ""
    key = user_key_from_element_id(element_id) if isinstance(element_id, str) else None
    return f"{etype}[{key}]" if key else etype


def _messages(frames: list[bytes]) -> Iterator[Any]:
    """The ForwardMsgs of the websocket frames (a frame that is not one is skipped)."""
    for payload in frames:
        try:
            yield ForwardMsg.FromString(payload)
        except Exception:
            continue


def delta_count(frames: list[bytes]) -> int:
    """How many elements and blocks the frames carry (``new_element`` and ``add_block`` deltas,
    and ``ref_hash``: an element Streamlit sent before, referred to by its hash): what the
    browser renders for a run."""
    return sum(
        msg.WhichOneof("type") == "ref_hash"
        or (
            msg.WhichOneof("type") == "delta"
            and msg.delta.WhichOneof("type") in ("new_element", "add_block")
        )
        for msg in _messages(frames)
    )


def frame_breakdown(frames: list[bytes]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for payload in frames:
        try:
            out[_label(ForwardMsg.FromString(payload))] += len(payload)
        except Exception:  # not a ForwardMsg: count it anyway
            out["(unparsed)"] += len(payload)
    return dict(out)


def _json_parts(node: Any, path: str, depth: int, out: dict[str, int]) -> int:
    """Size of ``node`` as UTF-8 JSON, as it is sent; parts of at least 2 KB down to ``depth``
    levels go in out."""
    if isinstance(node, dict) and depth:
        size = (
            2
            + sum(
                len(json.dumps(k, ensure_ascii=False).encode())
                + 1
                + _json_parts(v, f"{path}.{k}", depth - 1, out)
                for k, v in node.items()
            )
            + max(len(node) - 1, 0)
        )
    elif isinstance(node, list) and depth and node and isinstance(node[0], dict):
        size = (
            2
            + sum(_json_parts(v, f"{path}[{i}]", depth - 1, out) for i, v in enumerate(node))
            + len(node)
            - 1
        )
    else:
        size = len(json.dumps(node, separators=(",", ":"), ensure_ascii=False).encode())
    if size >= 2000 and path.count(".") + path.count("[") > 1:
        out[path] = max(out.get(path, 0), size)
    return size


def is_chart(el: Any) -> bool:
    """A Plotly chart element: ``st.plotly_chart`` (the floor app) or the app's chart component
    (``creative_dash.ui.plotly_view``)."""
    kind = el.WhichOneof("type")
    return kind == "plotly_chart" or (
        kind == "bidi_component" and el.bidi_component.component_name == PLOTLY_COMPONENT
    )


def chart_spec(el: Any) -> tuple[str, dict[str, Any]] | None:
    """(key, figure) of a chart element (``is_chart``), None if its figure cannot be read."""
    try:
        if el.WhichOneof("type") == "plotly_chart":
            key = user_key_from_element_id(el.plotly_chart.id) or "plotly_chart"
            return key, json.loads(el.plotly_chart.spec)
        key = user_key_from_element_id(el.bidi_component.id) or PLOTLY_COMPONENT
        return key, plotly_view.decode(el.bidi_component.bytes)["spec"]
    except (ValueError, KeyError, TypeError):
        return None


def new_elements(frames: list[bytes]) -> Iterator[Any]:
    """Every element sent in full (``new_element`` deltas) in the websocket frames."""
    for msg in _messages(frames):
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            yield msg.delta.new_element


def chart_parts(frames: list[bytes]) -> dict[str, int]:
    """The big parts of every Plotly spec sent: ``ov_map.data[0].geojson`` -> bytes.

    A trace is named by its index and type (``data[1]:scattermap``); the deepest parts of at
    least 2 KB are kept, so a miss on websocket bytes points at what to trim."""
    out: dict[str, int] = {}
    for el in new_elements(frames):
        found = chart_spec(el) if is_chart(el) else None
        if found is None:
            continue
        key, spec = found
        parts: dict[str, int] = {}
        for i, trace in enumerate(spec.get("data", [])):
            _json_parts(trace, f"{key}.data[{i}]:{trace.get('type', '?')}", 2, parts)
        _json_parts(spec.get("layout", {}), f"{key}.layout", 3, parts)
        for k, v in parts.items():
            # keep only the deepest big parts: drop a part whose big child is listed
            if not any(o != k and o.startswith(k) for o in parts):
                out[k] = max(out.get(k, 0), v)
    return out


def page_errors(frames: list[bytes]) -> list[str]:
    """Error boxes and exceptions the page showed (st.error, st.exception, uncaught errors)."""
    out = []
    for el in new_elements(frames):
        etype = el.WhichOneof("type")
        if etype == "alert" and el.alert.format == Alert.Format.ERROR:
            out.append(f"error box: {el.alert.body[:200]}")
        elif etype == "exception":
            out.append(f"exception: {el.exception.type}: {el.exception.message[:200]}")
    return out


def plotly_in_last_run(frames: list[bytes]) -> int:
    """Plotly charts the last script run sent (full messages or references to earlier ones)."""
    count = 0
    seen: dict[str, bool] = {}
    for msg in _messages(frames):
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            count = 0
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            chart = is_chart(msg.delta.new_element)
            if msg.hash:
                seen[msg.hash] = chart
            count += chart
        elif kind == "ref_hash":
            count += seen.get(msg.ref_hash, False)
    return count


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "devtools"):
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


# Opened on a deep link (/hubs), Streamlit's frontend first looks for the server under that
# path (/hubs/_stcore/health, 404) and then at the root: its own probe, not the app's error.
_BASE_PROBE = re.compile(r"://[^/]+/[^?#]+/_stcore/(health|host-config)$")


@dataclass
class Findings:
    """What every page of the run did besides its figures (kept as sets of lines)."""

    outside: set[str] = field(default_factory=set)  # requests that left localhost
    http_errors: set[str] = field(default_factory=set)  # responses with status >= 400
    console: set[str] = field(default_factory=set)  # console errors
    page_errors: set[str] = field(default_factory=set)  # error boxes / exceptions shown


# -- one session ---------------------------------------------------------------------------------
class Visit:
    """A new tab in the server's browser context: a fresh Streamlit session on one URL."""

    def __init__(
        self,
        context: BrowserContext,
        server: Server,
        path: str,
        found: Findings,
        *,
        listen: bool = True,
    ) -> None:
        self.server = server
        self.path = path
        self.url = server.url + path
        self.found = found
        self.frames: list[bytes] = []
        self.seen: set[Any] = set()  # filter values this session has had
        self.changes = 0
        self.page: Page = context.new_page()
        self.page.on("request", self._on_request)
        self.page.on("websocket", self._on_ws)
        if listen:  # HTTP and console errors (not for tabs whose Plotly bundle is blocked)
            self.page.on("response", self._on_response)
            self.page.on("console", self._on_console)

    def _on_request(self, request: Any) -> None:
        if not is_local(request.url):
            self.found.outside.add(f"{self.path}: {request.url}")

    def _on_response(self, response: Any) -> None:
        if response.status >= 400 and not _BASE_PROBE.search(response.url):
            self.found.http_errors.add(f"{self.path}: HTTP {response.status} {response.url}")

    def _on_console(self, msg: Any) -> None:
        where = (msg.location or {}).get("url", "")
        if msg.type == "error" and not _BASE_PROBE.search(where):
            self.found.console.add(f"{self.path}: {msg.text[:300]}")

    def _on_ws(self, ws: WebSocket) -> None:
        if not is_local(ws.url):
            self.found.outside.add(f"{self.path}: websocket {ws.url}")
        ws.on("framereceived", self._on_frame)

    def _on_frame(self, payload: bytes | str) -> None:
        self.frames.append(payload.encode() if isinstance(payload, str) else payload)

    def _wait_done(
        self, since: float, expected: int, quiet: int, timeout_ms: float, what: str
    ) -> None:
        try:
            self.page.wait_for_function(
                "([s, e, q]) => window.__bench && window.__bench.done(s, e, q)",
                arg=[since, expected, quiet],
                timeout=timeout_ms,
                polling=50,
            )
        except Exception as exc:
            try:
                state = self.page.evaluate("() => window.__bench && window.__bench.report(0)")
            except Exception:
                state = "?"
            raise BenchError(
                f"{what} on {self.path} did not finish in {timeout_ms / 1000:.0f} s "
                f"({type(exc).__name__}); page state: {str(state)[:1500]}"
            ) from None

    def open(self, timeout_ms: float = 120_000) -> None:
        """Start the navigation (returns once the server answered the document request)."""
        self.page.goto(self.url, wait_until="commit", timeout=timeout_ms)

    def wait_script(self, timeout_ms: float = 120_000) -> None:
        """Until the script run finished and the page has been quiet for a moment."""
        self._wait_done(0, 0, QUIET_MS, timeout_ms, "page load")

    def wait_loaded(self, timeout_ms: float = 120_000) -> None:
        """Until the script finished and every chart it sent has drawn, then quiet."""
        self._wait_done(0, 0, 0, timeout_ms, "page load")
        # The frames tell how many charts the run sent; the lazily loaded Plotly bundle may
        # not have created their divs yet. Loop in case another run followed.
        for _ in range(3):
            expected = plotly_in_last_run(self.frames)
            self._wait_done(0, expected, QUIET_MS, timeout_ms, f"drawing {expected} charts")
            if plotly_in_last_run(self.frames) == expected:
                break
        for e in page_errors(self.frames):
            self.found.page_errors.add(f"{self.path} ({self.server.name}): {e}")

    def load(self, timeout_ms: float = 120_000) -> Load:
        q0 = len(self.server.queries_run())
        cpu0 = self.server.cpu_seconds()
        self.open(timeout_ms)
        self.wait_loaded(timeout_ms)
        cpu1 = self.server.cpu_seconds()
        ran = self.server.queries_run()[q0:]
        rep = self.page.evaluate("() => window.__bench.report(0)")
        script_ms = rep["finished"][-1]
        first_draws = [c["draws"][0] for c in rep["charts"] if c["draws"]]
        return Load(
            ttfc_ms=max([script_ms, *first_draws]),
            script_ms=script_ms,
            charts=len(rep["charts"]),
            ws_bytes=sum(map(len, self.frames)),
            cpu_ms=(cpu1 - cpu0) * 1000,
            queries=len(ran),
            query_ms=sum(r["ms"] for r in ran),
            errors=page_errors(self.frames),
            drawn={
                c["key"] or f"#{i}": c["draws"][0]
                for i, c in enumerate(rep["charts"])
                if c["draws"]
            },
            elements=frame_breakdown(self.frames),
            chart_parts=chart_parts(self.frames),
        )

    def change(self, flt: Filter, main_key: str | None, timeout_ms: float = 120_000) -> Change:
        # A kept tab is in the background once newer tabs opened, and Chromium pauses
        # requestAnimationFrame in hidden tabs (a map draws on it): bring it to the front.
        self.page.bring_to_front()
        n_frames = len(self.frames)
        q0 = len(self.server.queries_run())
        cpu0 = self.server.cpu_seconds()
        since = flt.apply(
            self.page, self.changes, self.seen, lambda: self.page.evaluate("performance.now()")
        )
        self.changes += 1
        try:
            self.page.wait_for_function(
                "(s) => window.__bench.reruns.some((t) => t > s)", arg=since, timeout=15_000
            )
        except PlaywrightError:
            raise BenchError(
                f"filter change ({flt.describe()}) on {self.path} sent no rerun"
            ) from None
        self._wait_done(since, 0, QUIET_MS, timeout_ms, f"filter change ({flt.describe()})")
        cpu1 = self.server.cpu_seconds()
        ran = self.server.queries_run()[q0:]
        rep = self.page.evaluate("(s) => window.__bench.report(s)", since)
        if not rep["reruns"]:
            raise BenchError(f"filter change ({flt.describe()}) on {self.path} sent no rerun")
        sent = rep["reruns"][0]
        finished = [t for t in rep["finished"] if t > sent]
        if not finished:
            raise BenchError(f"no script_finished after the rerun on {self.path}")
        charts = rep["charts"]
        redrawn = {
            c["key"] or f"#{i}": c["draws"][0] - sent for i, c in enumerate(charts) if c["draws"]
        }
        keys = [c["key"] or f"#{i}" for i, c in enumerate(charts)]
        main = main_key if main_key in keys else (keys[0] if keys else None)
        frames = self.frames[n_frames:]
        for e in page_errors(frames):
            self.found.page_errors.add(f"{self.path} ({self.server.name}, after a change): {e}")
        return Change(
            rerun_ms=finished[0] - sent,
            main_ms=redrawn.get(main) if main else None,
            all_ms=max(redrawn.values()) if redrawn else finished[0] - sent,
            charts=len(charts),
            changed=len(redrawn),
            main_key=main,
            ws_bytes=sum(map(len, frames)),
            cpu_ms=(cpu1 - cpu0) * 1000,
            queries=len(ran),
            query_ms=sum(r["ms"] for r in ran),
            errors=page_errors(frames),
            runs=len(finished),
            redrawn=redrawn,
            elements=frame_breakdown(frames),
            chart_parts=chart_parts(frames),
            deltas=delta_count(frames),
        )

    def close(self) -> None:
        self.page.close()
