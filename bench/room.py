"""A full room (issue 19): a presenter with 100 phones voting at once, on ONE app process, with
the presenter's chart on the projector and two ministry officials browsing the overview.

    python -m bench.room [--voters 100] [--browsers 20] [--spread 8] [--out bench/results.md]

One server (``streamlit run asgi.py``, what ``make run`` starts) on a demo store with an open
three-answer poll in a deck. In one Chromium: the presenter's live page (the poll's chart), two
officials on the overview (each changing the sidebar's years, as bench/ measures a filter
change), and ``--browsers`` phones (real Chromium contexts, a phone's viewport); the other
phones are protocol-level sessions (tests/e2e/wsclient.py: one real websocket each, speaking
Streamlit's own messages, as a phone's tab does). Every phone votes once within ``--spread``
seconds (spread evenly, as a room does when the question is shown).

Measured, and written to the marked section "A full room" of bench/results.md:
- every vote counted exactly once: the presenter's chart per answer and the store's rows
  (read after the server stopped) equal what the phones chose, and every phone was told;
- the presenter's chart shows the final tally <= 2 s after the last phone was told;
- p95 vote confirmation on the phone <= 1 s (the Chromium phones from the pointer's press to
  the confirmation drawn, in the page; the protocol phones from the click sent to the run
  that confirms it);
- the officials' filter changes (every chart redrawn) no more than 1.5x slower than on the
  idle server, measured just before;
- server memory <= 10 MB per extra session (resident memory before and after the phones
  joined).
Clocks: wall-clock milliseconds (``Date.now()`` in the pages, ``time.time()`` here) where
moments of different processes are compared; each latency uses one clock.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from bench import sections
from bench.browser import Findings, Visit, launch, new_context
from bench.servers import ROOT, Server, start_all
from bench.targets import DEFAULT_FILTER, MAIN_CHART
from creative_dash.i18n import t

HERE = Path(__file__).resolve().parent
SECTION_START, SECTION_END = sections.markers("full room", "bench.room")
OPTIONS = 3
CHART = ".st-key-live_chart_0 .js-plotly-plot"
PHONE = {"width": 390, "height": 844}
RECORDED = t("ru", "live.vote.recorded")  # what a phone is told once its vote is in
TICK_S = 3.0  # pages/vote.py: st.fragment(ballot, run_every=3)
TAIL_S = 3.0  # the phones keep their timers this long after the last vote
BUDGET = {"all_votes_s": 10.0, "presenter_s": 2.0, "p95_ms": 1000.0, "officials": 1.5, "mb": 10.0}

# In a phone's page: the press of the pointer on a ballot button and the confirmation drawn.
PHONE_JS = """() => {
  window.__room = {pressed: null, told: null, toldWall: null};
  document.addEventListener('pointerdown', () => {
    if (window.__room.pressed === null) window.__room.pressed = performance.now();
  }, {capture: true});
  const seen = () => {
    if (window.__room.told === null && window.__room.pressed !== null
        && document.querySelector('.st-key-vote_mine')) {
      window.__room.told = performance.now(); window.__room.toldWall = Date.now();
    }
  };
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true});
}"""
# In the presenter's page: the wall-clock moment its chart first counts ``total`` votes.
PRESENTER_JS = """(total) => {
  window.__room = {at: null};
  const sum = () => {
    const el = document.querySelector('__CHART__');
    return el && el.data ? Array.from(el.data[0].x).reduce((a, b) => a + b, 0) : -1;
  };
  const timer = setInterval(() => {
    if (sum() === total) { window.__room.at = Date.now(); clearInterval(timer); }
  }, 20);
}""".replace("__CHART__", CHART)


def say(msg: str) -> None:
    print(f"[room {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def percentile(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


@dataclass
class Result:
    meta: dict[str, Any] = field(default_factory=dict)
    confirm_ms: dict[str, list[float]] = field(default_factory=dict)  # chromium / protocol
    votes_span_s: float = float("nan")  # first click to the last phone told
    presenter_s: float = float("nan")  # last phone told -> presenter's chart at the total
    presenter_counts: list[int] = field(default_factory=list)
    expected_counts: list[int] = field(default_factory=list)
    stored_rows: int = -1
    stored_counts: list[int] = field(default_factory=list)
    stored_voters: int = -1
    told: int = 0
    officials_idle_ms: list[float] = field(default_factory=list)
    officials_busy_ms: list[float] = field(default_factory=list)
    rss_before_mb: float = float("nan")
    rss_after_mb: float = float("nan")
    cpu_s: float = float("nan")
    ticks: int = 0  # the protocol phones' timed reruns of their ballot
    errors: list[str] = field(default_factory=list)


def make_poll(db: Path) -> tuple[str, str]:
    """(poll id, deck id): an open three-answer poll, alone in a deck, as a presenter makes it."""
    code = (
        "from creative_dash.store.core import open_store\n"
        "from creative_dash import live\n"
        "from creative_dash.access import SYSTEM\n"
        "from creative_dash.live.model import SceneRef\n"
        f"s = open_store({str(db)!r})\n"
        "q = {'kk': 'Қай шара маңызды?', 'ru': 'Какая мера важна?', 'en': 'Which measure?'}\n"
        "o = [{'kk': 'Гранттар', 'ru': 'Гранты', 'en': 'Grants'},\n"
        "     {'kk': 'Салық', 'ru': 'Налоги', 'en': 'Taxes'},\n"
        "     {'kk': 'Орын', 'ru': 'Помещения', 'en': 'Spaces'}]\n"
        "p = live.create_poll(s, kind='choice', question=q, options=o, actor=SYSTEM)\n"
        "live.open_poll(s, p, actor=SYSTEM)\n"
        "d = live.save_deck(s, title='Room', actor=SYSTEM, scenes=[SceneRef('poll', {'poll': p})])\n"
        "print(p, d)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    poll, deck = out.stdout.strip().splitlines()[-1].split()
    return poll, deck


STORED_JS = """
import json, sys
from creative_dash.store.core import open_store
s = open_store(sys.argv[1])
df = s.query("SELECT answer, voter_token FROM votes WHERE poll_id = $p", {"p": sys.argv[2]})
counts = df["answer"].astype(str).value_counts().to_dict()
print(json.dumps([len(df), counts, int(df["voter_token"].nunique())]))
"""


def stored_votes(db: Path, poll: str) -> tuple[int, list[int], int]:
    """(rows, rows per answer, distinct voters) of the poll, read from the stopped server's file."""
    out = subprocess.run(
        [sys.executable, "-c", STORED_JS, str(db), poll],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    rows, counts, voters = json.loads(out.stdout.strip().splitlines()[-1])
    return rows, [int(counts.get(str(i), 0)) for i in range(OPTIONS)], voters


def protocol_phones(url: str, poll: str, n: int) -> list[Any]:
    """n protocol-level phones, each with its ballot drawn (joined in parallel, as a room
    scanning the QR code)."""
    from tests.e2e.wsclient import Session

    out: list[Any] = [None] * n

    def join(i: int) -> None:
        s = Session(url, "vote", f"poll={poll}&lang=ru")
        run = s.run()
        if len([k for k in run.buttons if k.startswith("vote_answer_")]) != OPTIONS:
            raise RuntimeError(f"phone {i}: no ballot ({run.alerts or run.exceptions})")
        out[i] = (s, run)

    threads = [threading.Thread(target=join, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    missing = [i for i, o in enumerate(out) if o is None]
    if missing:
        raise RuntimeError(f"{len(missing)} protocol phones did not get a ballot")
    return out


def run_room(args: argparse.Namespace, tmp: Path, res: Result) -> None:
    say("building the demo store")
    db = tmp / "room.duckdb"
    subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--db", str(db), "--demo"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    poll, deck = make_poll(db)
    env = {"CREATIVE_DASH_DB": str(db), "CREATIVE_DASH_DEMO_ON_START": "0"}
    server = Server("room", "asgi.py", env, tmp / "room.log")
    start_all([server])
    n_browsers = min(args.browsers, args.voters)
    n_protocol = args.voters - n_browsers
    answers = [i % OPTIONS for i in range(args.voters)]  # phone i chooses answers[i]
    res.expected_counts = [answers.count(a) for a in range(OPTIONS)]
    sessions: list[Any] = []
    try:
        from tests.e2e.wsclient import Session

        warm = Session(server.url, "", "lang=ru")  # app.py's first run (a cold deep link
        warm.run()  # runs outside st.navigation)
        warm.close()
        with sync_playwright() as pw:
            browser = launch(pw)
            res.meta["chromium"] = browser.version
            found = Findings()
            say("presenter and two officials")
            projector = browser.new_context(viewport={"width": 1920, "height": 1080})
            presenter = projector.new_page()
            presenter.goto(f"{server.url}/live?deck={deck}&lang=ru")
            presenter.locator(CHART).wait_for(timeout=120_000)
            officials_ctx = new_context(browser)
            officials = [
                Visit(officials_ctx, server, "/?lang=ru", found, listen=False) for _ in range(2)
            ]
            for v in officials:
                v.open()
                v.wait_loaded()
            main = MAIN_CHART.get("overview")

            def change(v: Visit) -> float:
                c = v.change(DEFAULT_FILTER, main)
                return c.all_ms

            say("officials' filter changes on the idle server")
            for _ in range(args.idle_changes):
                for v in officials:
                    res.officials_idle_ms.append(change(v))

            rss0 = server.rss_bytes()
            say(f"{n_protocol} protocol phones and {n_browsers} Chromium phones join")
            joined = protocol_phones(server.url, poll, n_protocol)
            sessions = [s for s, _ in joined]
            phones = []
            for _ in range(n_browsers):
                ctx = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True)
                page = ctx.new_page()
                page.goto(f"{server.url}/vote?poll={poll}&lang=ru")
                page.locator(".st-key-vote_answer_0 button").wait_for(timeout=120_000)
                page.evaluate(PHONE_JS)
                phones.append(page)
            res.rss_before_mb = rss0 / 2**20
            res.rss_after_mb = server.rss_bytes() / 2**20
            presenter.evaluate(PRESENTER_JS, args.voters)

            # The vote: protocol phones in threads, each at its moment within the spread; the
            # Chromium phones are pressed first (one thread drives Chromium), then the
            # officials change filters while the room is still voting.
            say("the room votes")
            told_wall: list[float] = []
            proto_ms: list[float] = []
            lock = threading.Lock()
            ticks = [0]
            start_wall = time.time() + 0.5

            end_wall = start_wall + args.spread + TAIL_S

            def phone(k: int) -> None:
                """One protocol phone: its ballot's timer (every TICK_S, out of step with the
                other phones, as a browser's tab sends it), and its vote at its moment."""
                s, ballot = joined[k]
                i = n_browsers + k
                fragment = ballot.fragments[f"vote_answer_{answers[i]}"]
                vote_at = start_wall + args.spread * k / max(1, n_protocol)
                tick_at = time.time() + TICK_S * ((k * 0.37) % 1.0)
                voted = False
                while True:
                    now = time.time()
                    if not voted and now >= vote_at:
                        t0 = time.time()
                        run = s.run(click=f"vote_answer_{answers[i]}", last=ballot)
                        t1 = time.time()
                        voted = True
                        with lock:
                            if RECORDED in run.alerts:
                                proto_ms.append((t1 - t0) * 1000)
                                told_wall.append(t1 * 1000)
                            else:
                                res.errors.append(f"phone {k}: {run.alerts or run.exceptions}")
                        continue
                    if now >= end_wall and voted:
                        return
                    if now >= tick_at:
                        s.tick(fragment)
                        tick_at += TICK_S
                        with lock:
                            ticks[0] += 1
                        continue
                    wake = min(tick_at, end_wall, vote_at if not voted else end_wall)
                    time.sleep(max(0.0, wake - time.time()))  # a person's moment, not a wait

            cpu0 = server.cpu_seconds()
            threads = [threading.Thread(target=phone, args=(k,)) for k in range(n_protocol)]
            for th in threads:
                th.start()
            time.sleep(max(0.0, start_wall - time.time()))
            for i, page in enumerate(phones):
                page.locator(f".st-key-vote_answer_{answers[i]} button").click(no_wait_after=True)
            while any(th.is_alive() for th in threads):
                for v in officials:
                    if any(th.is_alive() for th in threads):
                        res.officials_busy_ms.append(change(v))
            for th in threads:
                th.join()
            chrome_ms: list[float] = []
            for i, page in enumerate(phones):
                try:
                    page.wait_for_function("() => window.__room.told !== null", timeout=60_000)
                    r = page.evaluate("() => window.__room")
                    chrome_ms.append(r["told"] - r["pressed"])
                    told_wall.append(r["toldWall"])
                except Exception as exc:  # noqa: BLE001 - reported in the results
                    res.errors.append(f"Chromium phone {i}: not told ({str(exc)[:120]})")
            res.cpu_s = server.cpu_seconds() - cpu0
            res.ticks = ticks[0]
            res.confirm_ms = {"chromium": chrome_ms, "protocol": proto_ms}
            res.told = len(told_wall)
            res.votes_span_s = (max(told_wall) / 1000 - start_wall) if told_wall else float("nan")
            try:
                presenter.wait_for_function("() => window.__room.at !== null", timeout=30_000)
                at = presenter.evaluate("() => window.__room.at")
                res.presenter_s = (at - max(told_wall)) / 1000
            except Exception as exc:  # noqa: BLE001
                res.errors.append(f"presenter never showed {args.voters}: {str(exc)[:120]}")
            res.presenter_counts = [
                int(x)
                for x in presenter.evaluate(
                    f"() => Array.from(document.querySelector('{CHART}').data[0].x)"
                )
            ]
            res.errors += sorted(found.page_errors)
            browser.close()
    finally:
        for s in sessions:
            try:
                s.close()
            except Exception:  # noqa: BLE001 - the server may be gone
                pass
        server.stop()
        out = HERE / "out"
        out.mkdir(exist_ok=True)
        if server.log_path.exists():
            shutil.copy(server.log_path, out / "room-server.log")
    res.stored_rows, res.stored_counts, res.stored_voters = stored_votes(db, poll)
    log = (tmp / "room.log").read_text(encoding="utf-8", errors="replace")
    res.errors += [ln for ln in log.splitlines() if re.search(r"Traceback|ERROR", ln)][:5]


def verdict(ok: bool) -> str:
    return "met" if ok else "**MISSED**"


def render(res: Result) -> str:
    m = res.meta
    chrome, proto = res.confirm_ms.get("chromium", []), res.confirm_ms.get("protocol", [])
    both = chrome + proto
    p95 = percentile(both, 95)
    idle, busy = median(res.officials_idle_ms), median(res.officials_busy_ms)
    ratio = busy / idle if idle else float("nan")
    per_session = (res.rss_after_mb - res.rss_before_mb) / max(1, m["voters"])
    exact = (
        res.presenter_counts == res.expected_counts
        and res.stored_counts == res.expected_counts
        and res.stored_rows == m["voters"]
        and res.stored_voters == m["voters"]
        and res.told == m["voters"]
    )
    lines = [
        SECTION_START,
        "## A full room",
        "",
        f"Measured {m['started']} by `python -m bench.room`: {m['voters']} phones "
        f"({m['browsers']} real Chromium contexts with a phone's viewport, "
        f"{m['voters'] - m['browsers']} protocol-level websocket sessions) vote once each within "
        f"{m['spread']:.0f} s on ONE app process (`streamlit run asgi.py`, demo store), while "
        "the presenter's live page (the poll's chart) is open and two officials change the "
        "overview's years (time until every chart is redrawn). Load average "
        f"{m['load_start']:.2f} at the start, {m['load_end']:.2f} at the end, {m['nproc']} "
        f"cores shared; Chromium {m.get('chromium', '?')}.",
        "",
        "| what | figure | budget | |",
        "|---|---|---|---|",
        f"| every vote counted exactly once | presenter {res.presenter_counts}, store "
        f"{res.stored_counts} ({res.stored_rows} rows, {res.stored_voters} voters), phones told "
        f"{res.told}/{m['voters']}; expected {res.expected_counts} | exact | {verdict(exact)} |",
        f"| all votes in (first press → last phone told) | {res.votes_span_s:.1f} s | "
        f"≤ {BUDGET['all_votes_s']:.0f} s | {verdict(res.votes_span_s <= BUDGET['all_votes_s'])} |",
        f"| presenter's chart at the final tally after the last phone was told | "
        f"{res.presenter_s:.2f} s | ≤ {BUDGET['presenter_s']:.0f} s | "
        f"{verdict(res.presenter_s <= BUDGET['presenter_s'])} |",
        f"| vote confirmation on the phone, p95 (median) | {p95:,.0f} ms ({median(both):,.0f}); "
        f"Chromium p95 {percentile(chrome, 95):,.0f} ms, protocol p95 "
        f"{percentile(proto, 95):,.0f} ms | ≤ {BUDGET['p95_ms']:,.0f} ms | "
        f"{verdict(p95 <= BUDGET['p95_ms'])} |",
        f"| officials' filter change, during the vote vs idle (median, every chart redrawn) | "
        f"{busy:,.0f} ms vs {idle:,.0f} ms = {ratio:.2f}× ({len(res.officials_busy_ms)} and "
        f"{len(res.officials_idle_ms)} changes) | ≤ {BUDGET['officials']}× | "
        f"{verdict(ratio <= BUDGET['officials'])} |",
        f"| server memory per extra session | {per_session:.2f} MB ({res.rss_before_mb:.0f} → "
        f"{res.rss_after_mb:.0f} MB for {m['voters']} phones) | ≤ {BUDGET['mb']:.0f} MB | "
        f"{verdict(per_session <= BUDGET['mb'])} |",
        "",
        f"Server CPU during the vote: {res.cpu_s:.1f} s. The protocol phones also sent their "
        f"ballot's timed rerun every {TICK_S:.0f} s as a browser does ({res.ticks} reruns), so "
        "the room costs the server what 100 open phones cost.",
    ]
    if res.errors:
        lines += ["", "Problems seen:", *[f"- {e}" for e in res.errors[:10]]]
    lines += ["", SECTION_END, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.room", description=__doc__)
    parser.add_argument("--voters", type=int, default=100)
    parser.add_argument("--browsers", type=int, default=20, help="phones that are Chromium")
    parser.add_argument("--spread", type=float, default=8.0, help="seconds the votes span")
    parser.add_argument("--idle-changes", type=int, default=3, help="per official, idle")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    res = Result()
    res.meta = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": os.getloadavg()[0],
        "nproc": os.cpu_count(),
        "voters": args.voters,
        "browsers": min(args.browsers, args.voters),
        "spread": args.spread,
    }
    tmp = Path(tempfile.mkdtemp(prefix="creative-room-"))
    try:
        run_room(args, tmp, res)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res.meta["load_end"] = os.getloadavg()[0]
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "room.json").write_text(json.dumps(asdict(res), indent=1, default=str))
    section = render(res)
    sections.write(args.out, section, SECTION_START, SECTION_END)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
