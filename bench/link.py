"""``python -m bench.link``: the pages on a slow regional link (Chromium's network emulation),
first visit with a cold browser cache and repeat visit with a warm one, the app as ``make run``
serves it (``asgi.py``) against the same app served plainly (``streamlit run app.py``), in one
run. Writes the section "The regional link" of bench/results.md (``make bench`` runs it after
``python -m bench``). See bench/README.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench import sections
from bench.browser import INIT_SCRIPT, VIEWPORT, launch
from bench.servers import ROOT, Server, start_all

HERE = Path(__file__).resolve().parent
# The link (Chromium DevTools' Network.emulateNetworkConditions): an akimat office on a slow
# mobile or ADSL line. Throughputs in bytes per second.
LINK = {
    "offline": False,
    "latency": 150,  # ms added to every round trip
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}
LINK_TEXT = "1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip (Chromium network emulation)"
# Budgets (bytes: HTTP bodies and headers as sent, plus the websocket's frames).
BUDGET = {
    "overview": {"cold_ms": 8000, "bytes": 1_200_000, "warm_ms": 3000},
    "region": {"cold_ms": 8000, "bytes": 1_200_000, "warm_ms": 3000},
    "vote": {"cold_ms": 4000, "bytes": None, "warm_ms": 3000},
    "ballot": {"cold_ms": 4000, "bytes": None, "warm_ms": 3000},
}
# Pages that draw no chart: Plotly must not load.
CHARTLESS = ("vote", "ballot")
# Pages only the app's own server has (asgi.py's routes): not measured on ``before``.
NEW_PAGES = ("ballot",)
SECTION_START, SECTION_END = sections.markers("regional link", "bench.link")
QUIET_MS = 500
TIMEOUT_MS = 120_000


def say(msg: str) -> None:
    print(f"[link {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Visit:
    ready_ms: float  # charts drawn (or the ballot shown), from navigation start
    finished_ms: float  # the script's run finished (its last message received), from then
    http_bytes: int  # encoded bytes of every HTTP response (what went over the link)
    ws_bytes: int  # websocket frames received
    requests: int  # HTTP requests the page made (cache hits included)
    from_network: int  # of which over the network
    plotly: bool  # the Plotly bundle was requested
    biggest: list[tuple[str, int]] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # every URL requested


def _ready_js(kind: str) -> str:
    """A predicate polled in the page: true when the page is usable; records the moment."""
    if kind == "ballot":
        usable = "document.querySelector('.st-key-vote_answers button') !== null"
    else:
        usable = "B.live().length > 0 && B.live().every((p) => p.draws.length > 0)"
    return f"""() => {{
      const B = window.__bench;
      if (!B || B.state() !== 'notRunning' || !B.finished.length || !({usable})) return false;
      if (!B.readyAt) B.readyAt = performance.now();
      return performance.now() - Math.max(B.lastDraw, B.lastMsg) >= {QUIET_MS};
    }}"""


def visit(context: Any, url: str, kind: str, *, link: bool = True) -> Visit:
    """One page load on the emulated link (``link``; else at full speed), in ``context`` (its
    HTTP cache as it is). ``kind``: "charts" (a Streamlit page drawing charts), "ballot" (the
    Streamlit vote page) or "html" (a page of plain HTML: ready once loaded, its buttons there)."""
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if link:
        cdp.send("Network.emulateNetworkConditions", LINK)
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cached: set[str] = set()
    ws = [0]
    cdp.on(
        "Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"])
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])),
    )
    cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))

    def frame(e: dict[str, Any]) -> None:
        r = e["response"]
        data = r.get("payloadData", "")
        ws[0] += len(base64.b64decode(data)) if r.get("opcode") == 2 else len(data.encode())

    cdp.on("Network.webSocketFrameReceived", frame)
    try:
        page.goto(url, wait_until="commit")
        if kind == "html":
            page.wait_for_load_state("load", timeout=TIMEOUT_MS)
            page.locator("form button").first.wait_for(timeout=TIMEOUT_MS)
            times = page.evaluate(
                """() => { const n = performance.getEntriesByType('navigation')[0];
                  return {finished: n.responseEnd, draws: [], readyAt: n.loadEventEnd}; }"""
            )
        else:
            page.wait_for_function(_ready_js(kind), timeout=TIMEOUT_MS, polling="raf")
            times = page.evaluate(
                """() => { const B = window.__bench;
                  const draws = B.live().map((p) => p.draws[0]);
                  return {finished: B.finished[0], draws, readyAt: B.readyAt}; }"""
            )
    finally:
        page.close()
    if kind in ("ballot", "html"):
        ready = max(times["finished"], times["readyAt"])
    else:
        ready = max([times["finished"], *times["draws"]])
    over = {rid: n for rid, n in sizes.items() if rid not in cached and n > 0}
    biggest = sorted(((urls.get(r, "?"), n) for r, n in over.items()), key=lambda x: -x[1])
    return Visit(
        ready_ms=ready,
        finished_ms=float(times["finished"]),
        http_bytes=sum(over.values()),
        ws_bytes=ws[0],
        requests=len(urls),
        from_network=len(over),
        plotly=any("plotly-creative" in u for u in urls.values()),
        biggest=[(re.sub(r"^https?://[^/]+", "", u)[:90], n) for u, n in biggest[:6]],
        urls=sorted(set(urls.values())),
    )


def settle(browser: Any, server: Server, pages: list[tuple[str, str, str]]) -> None:
    """Visit each page once at full speed, then fetch what they loaded until no file comes at
    the fast level: the server compresses each file once at a fast level, then at its best in
    the background (creative_dash/web.py), and a server that has served others has done both."""
    urls: set[str] = set()
    for _key, path, kind in pages:
        ctx = browser.new_context(viewport=VIEWPORT)
        ctx.add_init_script(INIT_SCRIPT)
        try:
            urls |= set(visit(ctx, server.url + path, kind, link=False).urls)
        finally:
            ctx.close()
    statics = sorted(u for u in urls if u.startswith(server.url) and "/static/" in u)
    for _ in range(300):
        fast = 0
        for u in statics:
            req = urllib.request.Request(u, headers={"Accept-Encoding": "br, gzip"})
            try:
                with urllib.request.urlopen(req, timeout=30) as resp:
                    resp.read()
                    # creative_dash.web tags the fast level's bytes: their ETag ends in -fast"
                    fast += (resp.headers.get("ETag") or "").endswith('-fast"')
            except urllib.error.HTTPError:  # a file the server does not serve (unused font)
                continue
        if not fast:
            return
        time.sleep(1)  # the background compression works meanwhile
    raise RuntimeError(f"{server.name}: files still compressed at the fast level after 5 min")


def add_poll(db: Path) -> str:
    """An open region poll in the store (the vote page needs one), as a presenter makes it."""
    code = (
        "from creative_dash.store.core import open_store\n"
        "from creative_dash import live\n"
        "from creative_dash.access import SYSTEM\n"
        f"s = open_store({str(db)!r})\n"
        "q = {'kk': 'Қай өңір?', 'ru': 'Какой регион?', 'en': 'Which region?'}\n"
        "p = live.create_poll(s, kind='region', question=q, actor=SYSTEM)\n"
        "live.open_poll(s, p, actor=SYSTEM)\n"
        "print(p)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def why(key: str, visits: dict[str, list[dict[str, Any]]]) -> str:
    """In words, what a page's cold and repeat visits spent their time on: the bytes at the
    link's speed (a floor no server can beat), the requests' round trips, and what is left (the
    script's run and the browser's work on a shared machine)."""
    cold, warm = visits.get("cold") or [], visits.get("warm") or []
    if not cold or not warm:
        return "no visit completed."
    rate = LINK["downloadThroughput"]  # bytes per second
    c_ready = median([v["ready_ms"] for v in cold]) / 1000
    c_bytes = median([v["http_bytes"] + v["ws_bytes"] for v in cold])
    c_net = int(median([v["from_network"] for v in cold]))
    c_script = median([v.get("finished_ms", 0.0) for v in cold]) / 1000
    w_ready = median([v["ready_ms"] for v in warm]) / 1000
    w_net = int(median([v["from_network"] for v in warm]))
    w_script = median([v.get("finished_ms", 0.0) for v in warm]) / 1000
    floor = c_bytes / rate
    if key == "ballot":
        return (
            f"cold {c_ready:.1f} s: one page of plain HTML, {c_bytes / 1e3:.1f} KB in "
            f"{c_net} request(s) (no Streamlit frontend, no websocket, no Plotly), ready when "
            f"loaded; its bytes alone take {floor:.2f} s at the link's speed, the rest is the "
            f"round trips ({LINK['latency']} ms each: the connection, the request) and the "
            f"server's answer. Repeat {w_ready:.1f} s (the page is not cached: it shows the "
            "device's current answer)."
        )
    drawn = (
        "the ballot was shown (no chart, no Plotly: the bytes are Streamlit's own frontend)"
        if key == "vote"
        else "the charts were drawn"
    )
    return (
        f"cold {c_ready:.1f} s: its {c_bytes / 1e6:.2f} MB alone take {floor:.1f} s at the "
        f"link's speed ({floor / c_ready:.0%} of it); {c_net} requests went over the network, "
        f"each at least one {LINK['latency']} ms round trip (six at a time, partly during the "
        f"transfer); the script's run finished at {c_script:.1f} s, {drawn} by "
        f"{c_ready:.1f} s. Repeat {w_ready:.1f} s with {w_net} requests over the network: "
        f"the script's run finished at {w_script:.1f} s (a new session: the websocket, the "
        "page's run and its messages over the link), then drawing."
    )


def render(res: dict[str, Any]) -> str:
    m = res["meta"]
    out = [
        SECTION_START,
        "## The regional link",
        "",
        f"Measured {m['started']} by `python -m bench.link` ({m['reps']} cold and {m['reps']} "
        f"repeat visits per page and server, medians; load average {m['load_start']:.2f} at "
        f"the start, {m['load_end']:.2f} at the end, {m['nproc']} cores shared).",
        "",
        f"- **Link:** {LINK_TEXT}. Throttled in the browser: every HTTP request and the "
        "websocket share it.",
        "- **Cold:** a new browser context (empty HTTP cache), the page opened in Russian. "
        "**Repeat:** a new tab in the same context (warm HTTP cache), a new Streamlit session.",
        "- **Ready:** the script has finished and every chart on the page has drawn (overview, "
        "region), or the ballot's buttons are shown (vote: the Streamlit vote page; ballot: the "
        "light ballot the join link and QR code open, plain HTML, loaded). The server has served "
        "the pages before (its caches, and its compressed files, are warm).",
        "- **before:** `streamlit run app.py` (as `make run` was); **after:** `streamlit run "
        "asgi.py` (as `make run` is now). Same store, same browser, alternating.",
        "- **Bytes:** HTTP responses as sent (bodies and headers) plus websocket frames.",
        "",
        "| page | server | cold: ready | cold: bytes | requests | repeat: ready | repeat: "
        "bytes | Plotly loaded | budget |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts: list[str] = []
    for key, per in res["pages"].items():
        budget = BUDGET.get(key, BUDGET["overview"])
        for srv in ("before", "after"):
            if srv not in per:
                out.append(f"| {key} | {srv} | (no such page) | | | | | | |")
                continue
            cold = per[srv]["cold"]
            warm = per[srv]["warm"]
            if not cold:
                out.append(f"| {key} | {srv} | error: {per[srv].get('errors')} | | | | | | |")
                continue
            c_ms = median([v["ready_ms"] for v in cold])
            c_b = median([v["http_bytes"] + v["ws_bytes"] for v in cold])
            w_ms = median([v["ready_ms"] for v in warm])
            w_b = median([v["http_bytes"] + v["ws_bytes"] for v in warm])
            reqs = int(median([v["requests"] for v in cold]))
            plotly = "yes" if any(v["plotly"] for v in cold) else "no"
            checks = [c_ms <= budget["cold_ms"], w_ms <= budget["warm_ms"]]
            text = f"≤ {budget['cold_ms'] / 1000:g} s"
            if budget["bytes"]:
                checks.append(c_b <= budget["bytes"])
                text += f", ≤ {budget['bytes'] / 1e6:.1f} MB"
            text += f"; repeat ≤ {budget['warm_ms'] / 1000:g} s"
            if key in CHARTLESS:
                checks.append(plotly == "no")
                text += "; no Plotly"
            met = all(checks)
            if srv == "after":
                verdicts.append(f"{key}: {'met' if met else '**MISSED**'}")
            out.append(
                f"| {key} | {srv} | {c_ms / 1000:.1f} s | {c_b / 1e6:.2f} MB | {reqs} | "
                f"{w_ms / 1000:.1f} s | {w_b / 1e3:.0f} KB | {plotly} | {text}: "
                f"{'met' if met else '**MISSED**'} |"
            )
    out += ["", "Budgets (after): " + "; ".join(verdicts) + ".", ""]
    out += ["Where a visit's time goes (after, medians; read from this run):", ""]
    out += [f"- {key}: {why(key, per['after'])}" for key, per in res["pages"].items()]
    out += [""]
    out += ["Largest responses of one cold visit (after):", ""]
    for key, per in res["pages"].items():
        cold = per["after"]["cold"]
        if cold:
            parts = ", ".join(f"`{u}` {n / 1e3:.0f} KB" for u, n in cold[0]["biggest"])
            out.append(f"- {key}: {parts}")
    out += ["", SECTION_END, ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.link", description=__doc__)
    parser.add_argument("--reps", type=int, default=2, help="visits per page and server")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    meta: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": os.getloadavg()[0],
        "nproc": os.cpu_count(),
        "reps": args.reps,
        "link": LINK,
    }
    tmp = Path(tempfile.mkdtemp(prefix="creative-link-"))
    servers: list[Server] = []
    res: dict[str, Any] = {"meta": meta, "pages": {}}
    try:
        say("building the demo store")
        db = tmp / "before.duckdb"
        subprocess.run(
            [sys.executable, "-m", "creative_dash", "init", "--db", str(db), "--demo"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        poll = add_poll(db)
        shutil.copy(db, tmp / "after.duckdb")  # a DuckDB file has one process
        env = {"CREATIVE_DASH_DEMO_ON_START": "0"}
        before = Server(
            "before", "app.py", {**env, "CREATIVE_DASH_DB": str(db)}, tmp / "before.log"
        )
        after = Server(
            "after",
            "asgi.py",
            {**env, "CREATIVE_DASH_DB": str(tmp / "after.duckdb")},
            tmp / "after.log",
        )
        servers = [before, after]
        start_all(servers)
        pages = [
            ("overview", "/?lang=ru", "charts"),
            ("region", "/region?region=KZ-71&lang=ru", "charts"),
            ("vote", f"/vote?poll={poll}&lang=ru", "ballot"),
            ("ballot", f"/ballot?poll={poll}&lang=ru", "html"),
        ]
        with sync_playwright() as pw:
            browser = launch(pw)
            meta["chromium"] = browser.version
            for srv in servers:
                say(f"warming {srv.name}")
                settle(browser, srv, [p for p in pages if srv is after or p[0] not in NEW_PAGES])
            for key, _path, _kind in pages:
                res["pages"][key] = {
                    s.name: {"cold": [], "warm": []}
                    for s in servers
                    if not (key in NEW_PAGES and s is before)
                }
            for rep in range(args.reps):
                for key, path, kind in pages:
                    for srv in servers:  # alternating: the machine's load hits both alike
                        if srv.name not in res["pages"][key]:
                            continue
                        into = res["pages"][key][srv.name]
                        ctx = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
                        ctx.add_init_script(INIT_SCRIPT)
                        try:
                            cold = visit(ctx, srv.url + path, kind)
                            warm = visit(ctx, srv.url + path, kind)
                            cold.urls, warm.urls = [], []  # (kept short in link.json)
                            into["cold"].append(asdict(cold))
                            into["warm"].append(asdict(warm))
                            say(
                                f"{rep + 1}/{args.reps} {key} {srv.name}: cold "
                                f"{cold.ready_ms / 1000:.1f} s "
                                f"{(cold.http_bytes + cold.ws_bytes) / 1e6:.2f} MB, repeat "
                                f"{warm.ready_ms / 1000:.1f} s"
                            )
                        except Exception as exc:  # one broken visit does not stop the run
                            into.setdefault("errors", []).append(str(exc)[:300])
                            say(f"{key} {srv.name}: error {str(exc)[:200]}")
                        finally:
                            ctx.close()
            browser.close()
    finally:
        for s in servers:
            s.stop()
        logs = HERE / "out"
        logs.mkdir(exist_ok=True)
        for s in servers:
            if s.log_path.exists():
                shutil.copy(s.log_path, logs / f"link-{s.log_path.name}")
        shutil.rmtree(tmp, ignore_errors=True)
    meta["load_end"] = os.getloadavg()[0]
    (HERE / "out" / "link.json").write_text(json.dumps(res, indent=1, default=str))
    section = render(res)
    sections.write(args.out, section, SECTION_START, SECTION_END)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
