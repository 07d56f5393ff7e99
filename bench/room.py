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

    python -m bench.room --ballot [--voters 100] [--browsers 20] [--spread 8]

The same room with the phones on the light ballot the join link and QR code open
(``/ballot?poll=<id>``, creative_dash/ui/ballot_page.py): the Chromium phones load it and press
an answer (a form post, answered by a redirect to the page saying the vote is recorded; the
confirmation timed by the page's own navigation timing, from the post's start to the answer
page's content loaded), the other phones are plain HTTP clients with their own cookies (the
page, then the post; no websocket, no timer: the page has none). Written to the marked section
"A full room on the light ballot", with the same budgets.

    python -m bench.room --replicas [--voters 100] [--browsers 20] [--spread 8]

The same room on two replicas (issue 17): a throw-away PostgreSQL (Debian's, tests/pg.py), the
store built on it by ``python -m creative_dash init --db URL --demo``, two ``streamlit run
asgi.py`` processes (A and B) on it and nginx in front with deploy/nginx's configuration
(tests/e2e/replicas.py). The presenter's live page is on A directly; every phone comes through
nginx (the protocol phones each with their own route cookie, as a phone's browser keeps the one
its first answer set), so nginx splits them between A and B. No officials. Before the room
votes, one more phone routed to B votes alone: how soon the presenter on A counts it. Measured,
and written to the marked section "A full room on two replicas (PostgreSQL)": the tally exact
(the presenter's chart, the rows read from PostgreSQL after the servers stopped: per answer,
distinct voters), all votes in <= 10 s, the presenter on A at the final tally <= 2 s after the
last phone was told, B's vote on A's screen <= 2 s, p95 confirmation <= 1 s; the CPU-seconds
of each replica, PostgreSQL, the bench's own processes and the rest of the machine (what a
missed time budget was up against), the errors in both replicas' logs and the load average.

Clocks: wall-clock milliseconds (``Date.now()`` in the pages, ``time.time()`` here) where
moments of different processes are compared; each latency uses one clock.
"""

from __future__ import annotations

import argparse
import itertools
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
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from bench import sections
from bench.browser import Findings, Visit, launch, new_context
from bench.servers import CLK_TCK, ROOT, Server, start_all
from bench.targets import DEFAULT_FILTER, MAIN_CHART
from creative_dash.i18n import t

HERE = Path(__file__).resolve().parent
SECTION_START, SECTION_END = sections.markers("full room", "bench.room")
BALLOT_START, BALLOT_END = sections.markers("full room on the ballot", "bench.room --ballot")
OPTIONS = 3
CHART = ".st-key-live_chart_0 .js-plotly-plot"
PHONE = {"width": 390, "height": 844}
RECORDED = t("ru", "live.vote.recorded")  # what a phone is told once its vote is in
YOUR_ANSWER = t("ru", "live.vote.your_answer")  # and the answer it recorded, after this
TICK_S = 3.0  # pages/vote.py: st.fragment(ballot, run_every=3)
TAIL_S = 3.0  # the phones keep their timers this long after the last vote
BUDGET = {"all_votes_s": 10.0, "presenter_s": 2.0, "p95_ms": 1000.0, "officials": 1.5, "mb": 10.0}

# In a phone's page: the press of the pointer on a ballot button and the confirmation drawn.
# Told: the confirmation box names the phone's answer ("Ваш ответ: ..."): the box is drawn
# a moment before its text, holding the previous run's elements meanwhile.
PHONE_JS = """(yourAnswer) => {
  window.__room = {pressed: null, told: null, toldWall: null};
  document.addEventListener('pointerdown', () => {
    if (window.__room.pressed === null) window.__room.pressed = performance.now();
  }, {capture: true});
  const seen = () => {
    if (window.__room.told === null && window.__room.pressed !== null
        && (document.querySelector('.st-key-vote_mine') || {}).textContent?.includes(yourAnswer)) {
      window.__room.told = performance.now(); window.__room.toldWall = Date.now();
    }
  };
  new MutationObserver(seen).observe(document.body, {subtree: true, childList: true, characterData: true});
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
    # during the vote: wall seconds, and CPU-seconds of the server, the bench's own processes
    # (this driver and its phones, Chromium) and the whole machine
    window: dict[str, float] = field(default_factory=dict)
    ticks: int = 0  # the protocol phones' timed reruns of their ballot
    errors: list[str] = field(default_factory=list)


def make_poll(db: str) -> tuple[str, str]:
    """(poll id, deck id): an open three-answer poll, alone in a deck, as a presenter makes it."""
    code = (
        "from creative_dash.store.core import open_store\n"
        "from creative_dash import live\n"
        "from creative_dash.access import SYSTEM\n"
        "from creative_dash.live.model import SceneRef\n"
        f"s = open_store({db!r})\n"
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


def stored_votes(db: str, poll: str) -> tuple[int, list[int], int]:
    """(rows, rows per answer, distinct voters) of the poll, read from the store (a file or a
    PostgreSQL URL) once the servers have stopped."""
    out = subprocess.run(
        [sys.executable, "-c", STORED_JS, db, poll],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    rows, counts, voters = json.loads(out.stdout.strip().splitlines()[-1])
    return rows, [int(counts.get(str(i), 0)) for i in range(OPTIONS)], voters


def build_store(location: str) -> None:
    """The demo store, as the README builds it (a DuckDB file or a PostgreSQL URL)."""
    subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--db", location, "--demo"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def warm(url: str) -> None:
    """app.py's first run on a fresh server (a cold deep link runs outside st.navigation)."""
    from tests.e2e.wsclient import Session

    s = Session(url, "", "lang=ru")
    s.run()
    s.close()


def open_presenter(browser: Browser, url: str, deck: str) -> Page:
    """The presenter's live page on the projector, its poll chart drawn."""
    page = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
    page.goto(f"{url}/live?deck={deck}&lang=ru")
    page.locator(CHART).wait_for(timeout=120_000)
    return page


def protocol_phones(url: str, poll: str, n: int, *, routed: bool = False) -> list[Any]:
    """n protocol-level phones, each with its ballot drawn (joined in parallel, as a room
    scanning the QR code). ``routed``: through nginx, each phone with its own route cookie, as
    a phone's browser keeps the one its first answer set (deploy/nginx)."""
    from tests.e2e.wsclient import Session

    def join(i: int) -> tuple[Any, Any]:
        cookie = f"cd_route=phone-{i}" if routed else None
        s = Session(url, "vote", f"poll={poll}&lang=ru", cookie=cookie)
        run = s.run()
        if len([k for k in run.buttons if k.startswith("vote_answer_")]) != OPTIONS:
            raise RuntimeError(f"phone {i}: no ballot ({run.alerts or run.exceptions})")
        return s, run

    return in_parallel(n, join, "protocol phones")


def in_parallel(n: int, join: Callable[[int], Any], what: str) -> list[Any]:
    """``join(i)`` for i in range(n), in threads at once (a room scanning the QR code); their
    results in order, or an error naming how many phones got no ballot."""
    out: list[Any] = [None] * n

    def run(i: int) -> None:
        out[i] = join(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    missing = [i for i, o in enumerate(out) if o is None]
    if missing:
        raise RuntimeError(f"{len(missing)} {what} did not get a ballot")
    return out


def chromium_phones(browser: Browser, url: str, poll: str, n: int) -> list[tuple[Page, str]]:
    """n Chromium phones with their ballot drawn, each with the replica that answered its page
    (nginx's X-Test-Replica; empty without the proxy)."""
    out = []
    for _ in range(n):
        ctx = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True)
        page = ctx.new_page()
        answer = page.goto(f"{url}/vote?poll={poll}&lang=ru")
        page.locator(".st-key-vote_answer_0 button").wait_for(timeout=120_000)
        page.evaluate(PHONE_JS, YOUR_ANSWER)
        out.append((page, (answer.headers.get("x-test-replica", "") if answer else "")))
    return out


def vote_room(
    joined: list[Any],
    phones: list[Page],
    answers: list[int],
    spread: float,
    res: Result,
    meanwhile: Callable[[], None] | None = None,
) -> dict[int, float]:
    """The vote: protocol phones in threads, each at its moment within ``spread``; the Chromium
    phones are pressed first (one thread drives Chromium), then ``meanwhile`` is called again
    and again while the room is still voting. Fills the confirmations, the span, the phones
    told and the ticks of ``res``; returns the wall-clock ms each phone was told (phone i
    chose answers[i]; the Chromium phones come first)."""
    n_browsers, n_protocol = len(phones), len(joined)
    told: dict[int, float] = {}
    proto_ms: list[float] = []
    lock = threading.Lock()
    ticks = [0]
    start_wall = time.time() + 0.5
    end_wall = start_wall + spread + TAIL_S

    def phone(k: int) -> None:
        """One protocol phone: its ballot's timer (every TICK_S, out of step with the other
        phones, as a browser's tab sends it), and its vote at its moment."""
        s, ballot = joined[k]
        i = n_browsers + k
        fragment = ballot.fragments[f"vote_answer_{answers[i]}"]
        vote_at = start_wall + spread * k / max(1, n_protocol)
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
                        told[i] = t1 * 1000
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

    threads = [threading.Thread(target=phone, args=(k,)) for k in range(n_protocol)]
    for th in threads:
        th.start()
    time.sleep(max(0.0, start_wall - time.time()))
    for i, page in enumerate(phones):
        page.locator(f".st-key-vote_answer_{answers[i]} button").click(no_wait_after=True)
    while meanwhile is not None and any(th.is_alive() for th in threads):
        meanwhile()
    for th in threads:
        th.join()
    chrome_ms: list[float] = []
    for i, page in enumerate(phones):
        try:
            page.wait_for_function("() => window.__room.told !== null", timeout=60_000)
            r = page.evaluate("() => window.__room")
            chrome_ms.append(r["told"] - r["pressed"])
            told[i] = r["toldWall"]
        except Exception as exc:  # noqa: BLE001 - reported in the results
            res.errors.append(f"Chromium phone {i}: not told ({str(exc)[:120]})")
    res.ticks = ticks[0]
    res.confirm_ms = {"chromium": chrome_ms, "protocol": proto_ms}
    res.told = len(told)
    res.votes_span_s = (max(told.values()) / 1000 - start_wall) if told else float("nan")
    return told


# -- the phones on the light ballot (--ballot) ---------------------------------------------------
class HttpPhone:
    """A phone on the light ballot as plain HTTP: its own cookies, the page, then the post (a
    303 to the page, followed as a browser does)."""

    def __init__(self, url: str, poll: str) -> None:
        self.page_url = f"{url}/ballot?poll={poll}&lang=ru"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def open(self) -> str:
        with self.opener.open(self.page_url, timeout=120) as resp:
            return str(resp.read().decode("utf-8"))

    def vote(self, answer: int) -> str:
        data = urllib.parse.urlencode({"answer": str(answer)}).encode()
        with self.opener.open(self.page_url, data=data, timeout=120) as resp:
            return str(resp.read().decode("utf-8"))


def http_ballot_phones(url: str, poll: str, n: int) -> list[HttpPhone]:
    """n HTTP phones, each with its ballot loaded (joined in parallel, as a room scanning the QR
    code)."""

    def join(i: int) -> HttpPhone:
        phone = HttpPhone(url, poll)
        if phone.open().count('name="answer"') != OPTIONS:
            raise RuntimeError(f"phone {i}: no ballot")
        return phone

    return in_parallel(n, join, "HTTP phones")


def chromium_ballot_phones(browser: Browser, url: str, poll: str, n: int) -> list[Page]:
    out = []
    for _ in range(n):
        ctx = browser.new_context(viewport=PHONE, locale="ru-RU", is_mobile=True)
        page = ctx.new_page()
        page.goto(f"{url}/ballot?poll={poll}&lang=ru")
        page.locator("form button").nth(OPTIONS - 1).wait_for(timeout=120_000)
        out.append(page)
    return out


# The answer page after a phone's post: its navigation (the post, the redirect, the page) from
# its start to the content loaded, and that moment on the wall clock.
BALLOT_TOLD_JS = """() => { const n = performance.getEntriesByType('navigation')[0];
  return {ms: n.domContentLoadedEventEnd - n.startTime,
          wall: performance.timeOrigin + n.domContentLoadedEventEnd, type: n.type}; }"""


def vote_room_ballot(
    http_phones: list[HttpPhone],
    phones: list[Page],
    answers: list[int],
    spread: float,
    res: Result,
    meanwhile: Callable[[], None] | None = None,
) -> dict[int, float]:
    """As :func:`vote_room`, on the light ballot: the HTTP phones post in threads at their
    moments within ``spread``, the Chromium phones are pressed at theirs by this thread, which
    calls ``meanwhile`` in between."""
    n_browsers, n_http = len(phones), len(http_phones)
    told: dict[int, float] = {}
    http_ms: list[float] = []
    lock = threading.Lock()
    start_wall = time.time() + 0.5

    def phone(k: int) -> None:
        i = n_browsers + k
        time.sleep(max(0.0, start_wall + spread * k / max(1, n_http) - time.time()))
        t0 = time.time()
        try:
            html = http_phones[k].vote(answers[i])
        except Exception as exc:  # noqa: BLE001 - reported in the results
            with lock:
                res.errors.append(f"HTTP phone {k}: {str(exc)[:120]}")
            return
        t1 = time.time()
        with lock:
            if RECORDED in html and YOUR_ANSWER in html:
                http_ms.append((t1 - t0) * 1000)
                told[i] = t1 * 1000
            else:
                res.errors.append(f"HTTP phone {k}: not told")

    threads = [threading.Thread(target=phone, args=(k,)) for k in range(n_http)]
    for th in threads:
        th.start()
    time.sleep(max(0.0, start_wall - time.time()))
    # The Chromium phones press at their moments within the spread too, and the officials
    # change their filters in between (one thread drives Chromium: a press waits for a change
    # in progress; its confirmation is timed from its own post, in the page).
    pending = list(enumerate(phones))
    while pending or any(th.is_alive() for th in threads):
        due = [
            (i, page) for i, page in pending if time.time() >= start_wall + spread * i / n_browsers
        ]
        for i, page in due:
            page.locator("form button").nth(answers[i]).click(no_wait_after=True)
            pending.remove((i, page))
        if meanwhile is not None:
            meanwhile()
        elif pending:
            time.sleep(0.05)  # the next press's moment: not a wait on state, a person's timing
        else:
            break
    for th in threads:
        th.join()
    chrome_ms: list[float] = []
    for i, page in enumerate(phones):
        try:
            page.get_by_text(RECORDED).wait_for(timeout=60_000)
            r = page.evaluate(BALLOT_TOLD_JS)
            chrome_ms.append(r["ms"])
            told[i] = r["wall"]
        except Exception as exc:  # noqa: BLE001 - reported in the results
            res.errors.append(f"Chromium phone {i}: not told ({str(exc)[:120]})")
    res.confirm_ms = {"chromium": chrome_ms, "protocol": http_ms}
    res.told = len(told)
    res.votes_span_s = (max(told.values()) / 1000 - start_wall) if told else float("nan")
    return told


def presenter_final(presenter: Page, total: int, last_told_ms: float, res: Result) -> None:
    """The presenter's chart at ``total`` votes (PRESENTER_JS installed before the vote): how
    long after the last phone was told, and its counts."""
    try:
        presenter.wait_for_function("() => window.__room.at !== null", timeout=30_000)
        at = presenter.evaluate("() => window.__room.at")
        res.presenter_s = (at - last_told_ms) / 1000
    except Exception as exc:  # noqa: BLE001
        res.errors.append(f"presenter never showed {total}: {str(exc)[:120]}")
    res.presenter_counts = [
        int(x)
        for x in presenter.evaluate(
            f"() => Array.from(document.querySelector('{CHART}').data[0].x)"
        )
    ]


def run_room(args: argparse.Namespace, tmp: Path, res: Result) -> None:
    say("building the demo store")
    db = str(tmp / "room.duckdb")
    build_store(db)
    poll, deck = make_poll(db)
    env = {"CREATIVE_DASH_DB": db, "CREATIVE_DASH_DEMO_ON_START": "0"}
    server = Server("room", "asgi.py", env, tmp / "room.log")
    start_all([server])
    # A deployment's server has its machine to itself; here the room's 20 Chromium phones, the
    # officials' browser and this driver share its two cores. At the highest priority (as the
    # e2e replica test runs its servers) the server is served first and the clients get the
    # rest: the figures measure the server, not the contention for the bench's own cores.
    from tests.e2e.replicas import prioritise

    prioritise(server.pid)
    res.meta["server_priority"] = os.getpriority(os.PRIO_PROCESS, server.pid)
    n_browsers = min(args.browsers, args.voters)
    n_protocol = args.voters - n_browsers
    answers = [i % OPTIONS for i in range(args.voters)]  # phone i chooses answers[i]
    res.expected_counts = [answers.count(a) for a in range(OPTIONS)]
    sessions: list[Any] = []
    try:
        warm(server.url)
        with sync_playwright() as pw:
            browser = launch(pw)
            res.meta["chromium"] = browser.version
            found = Findings()
            say("presenter and two officials")
            presenter = open_presenter(browser, server.url, deck)
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
            kind = "HTTP" if args.ballot else "protocol"
            say(f"{n_protocol} {kind} phones and {n_browsers} Chromium phones join")
            if args.ballot:
                http = http_ballot_phones(server.url, poll, n_protocol)
                phones = chromium_ballot_phones(browser, server.url, poll, n_browsers)
            else:
                joined = protocol_phones(server.url, poll, n_protocol)
                sessions = [s for s, _ in joined]
                phones = [
                    page for page, _ in chromium_phones(browser, server.url, poll, n_browsers)
                ]
            res.rss_before_mb = rss0 / 2**20
            res.rss_after_mb = server.rss_bytes() / 2**20
            presenter.evaluate(PRESENTER_JS, args.voters)

            # The officials change filters while the room is still voting.
            say("the room votes")
            turn = itertools.cycle(officials)
            cpu0, at0 = one_cpu_now(server), time.monotonic()
            meanwhile = lambda: res.officials_busy_ms.append(change(next(turn)))  # noqa: E731
            if args.ballot:
                told = vote_room_ballot(http, phones, answers, args.spread, res, meanwhile)
            else:
                told = vote_room(joined, phones, answers, args.spread, res, meanwhile)
            res.window = spent(cpu0, one_cpu_now(server), time.monotonic() - at0)
            res.cpu_s = res.window["server"]
            presenter_final(presenter, args.voters, max(told.values(), default=0.0), res)
            res.errors += sorted(found.page_errors)
            browser.close()
    finally:
        close_all(sessions)
        server.stop()
        keep_log(server.log_path, "room-server.log")
    res.stored_rows, res.stored_counts, res.stored_voters = stored_votes(db, poll)
    log = (tmp / "room.log").read_text(encoding="utf-8", errors="replace")
    res.errors += [ln for ln in log.splitlines() if re.search(r"Traceback|ERROR", ln)][:5]


def close_all(sessions: list[Any]) -> None:
    for s in sessions:
        try:
            s.close()
        except Exception:  # noqa: BLE001 - the server may be gone
            pass


def keep_log(path: Path, name: str) -> None:
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    if path.exists():
        shutil.copy(path, out / name)


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
    ballot = bool(m.get("ballot"))
    phones = (
        f"({m['browsers']} real Chromium contexts with a phone's viewport on the light ballot, "
        f"`/ballot?poll=<id>`, the page the join link and QR code open; "
        f"{m['voters'] - m['browsers']} plain HTTP clients with their own cookies, loading the "
        "page and posting their answer)"
        if ballot
        else f"({m['browsers']} real Chromium contexts with a phone's viewport, "
        f"{m['voters'] - m['browsers']} protocol-level websocket sessions on the Streamlit vote "
        "page)"
    )
    lines = [
        BALLOT_START if ballot else SECTION_START,
        "## A full room on the light ballot" if ballot else "## A full room",
        "",
        f"Measured {m['started']} by `python -m bench.room{' --ballot' if ballot else ''}`: "
        f"{m['voters']} phones {phones} vote once each within "
        f"{m['spread']:.0f} s on ONE app process (`streamlit run asgi.py`, demo store), while "
        "the presenter's live page (the poll's chart) is open and two officials change the "
        "overview's years (time until every chart is redrawn). "
        + (
            f"The server runs at priority {m['server_priority']} (a machine of its own, as in a "
            "deployment; the bench's clients share what it leaves of the cores). "
            if m.get("server_priority", 0) < 0
            else ""
        )
        + "Load average "
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
        f"Chromium p95 {percentile(chrome, 95):,.0f} ms, {'HTTP' if ballot else 'protocol'} p95 "
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
        (
            f"Server CPU during the vote: {res.cpu_s:.1f} s. Confirmation: the Chromium phones "
            "from the post's start to the answer page's content loaded (its navigation timing), "
            "the HTTP phones from the post sent to the answer page read (the redirect followed)."
            " The light ballot has no timer: an open phone costs the server nothing until it "
            "votes."
            if ballot
            else f"Server CPU during the vote: {res.cpu_s:.1f} s. The protocol phones also sent "
            f"their ballot's timed rerun every {TICK_S:.0f} s as a browser does ({res.ticks} "
            "reruns), so the room costs the server what 100 open phones cost. The join link "
            "and QR code now open the light ballot instead (`python -m bench.room --ballot`, "
            'the section "A full room on the light ballot"); this room is the Streamlit vote '
            "page's, `/vote?poll=<id>`."
        ),
    ]
    if res.window:
        lines += ["", window_text(res.window, m["nproc"])]
    if res.errors:
        lines += ["", "Problems seen:", *[f"- {e}" for e in res.errors[:10]]]
    lines += ["", BALLOT_END if ballot else SECTION_END, ""]
    return "\n".join(lines)


# -- the room on two replicas (--replicas) -------------------------------------------------------
REPLICAS_START, REPLICAS_END = sections.markers("two replicas on postgresql", "bench.room")
BUDGET_REPLICAS = {"all_votes_s": 10.0, "presenter_s": 2.0, "b_on_a_s": 2.0, "p95_ms": 1000.0}


@dataclass
class ReplicaResult(Result):
    phones_on: dict[str, int] = field(default_factory=dict)  # replica -> phones nginx sent there
    b_on_a_s: float = float("nan")  # a vote sent on B -> the presenter's chart on A counts it
    b_told_s: float = float("nan")  # that vote sent -> its phone told
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)  # window -> who -> seconds
    problems: dict[str, list[str]] = field(default_factory=dict)  # replica -> its log's lines


def one_cpu_now(server: Server) -> dict[str, float]:
    """CPU-seconds so far: the one app process, the bench's own processes (this driver with its
    phone threads and officials, its Chromium), the whole machine."""
    from tests.e2e.replicas import descendants

    ours = [p for p in (os.getpid(), *descendants(os.getpid())) if p != server.pid]
    return {"server": server.cpu_seconds(), "bench": cpu_of(ours), "machine": machine_busy_s()}


def window_text(w: dict[str, float], nproc: int) -> str:
    """Who used the machine during the vote, and what that says of the missed times."""
    wall, capacity = w["wall"], w["wall"] * nproc
    text = (
        f"Where the CPU went during the vote ({wall:.1f} s, {capacity:.1f} CPU-seconds on "
        f"{nproc} cores): the server {w['server']:.1f} s ({w['server'] / wall:.0%} of a core), "
        f"the bench's own phones, officials and Chromium {w['bench']:.1f} s, the whole machine "
        f"{w['machine']:.1f} s."
    )
    queue = (
        "one Python process runs its sessions' scripts one at a time (the GIL), so votes, the "
        "phones' timers and the officials' page runs queue behind each other"
    )
    if w["server"] >= 0.85 * wall:
        text += f" The server was CPU-bound: {queue}."
    elif w["server"] >= 0.5 * wall:
        text += f" The server was busy most of the vote: {queue}."
    if w["machine"] >= 0.8 * capacity:
        share = "mostly by" if w["bench"] >= w["machine"] / 2 else "partly by"
        text += (
            f" The machine's cores were {'saturated' if w['machine'] >= 0.9 * capacity else 'nearly saturated'}, "
            f"{share} the bench's own clients: on their own devices the phones and the "
            "officials' browsers would not share the server's cores."
        )
    return text


def machine_busy_s() -> float:
    """CPU-seconds every core of the machine has been busy (not idle, not waiting on I/O)."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLK_TCK


def cpu_now(a: Server, b: Server, pg_data: str) -> dict[str, float]:
    """CPU-seconds so far: each replica; PostgreSQL (its server and connections); the bench's own
    processes (this driver with its phone threads, its Chromium, nginx); the whole machine."""
    from tests.e2e.replicas import descendants, postmaster

    pg = [root := postmaster(pg_data), *descendants(root)]
    servers = {a.pid, b.pid, *descendants(a.pid), *descendants(b.pid), *pg}
    ours = [p for p in (os.getpid(), *descendants(os.getpid())) if p not in servers]
    return {
        "A": a.cpu_seconds(),
        "B": b.cpu_seconds(),
        "PostgreSQL": cpu_of(pg),
        "bench": cpu_of(ours),
        "machine": machine_busy_s(),
    }


def cpu_of(pids: list[int]) -> float:
    from tests.e2e.replicas import cpu_seconds

    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:  # a process that ended meanwhile
            pass
    return total


def spent(before: dict[str, float], after: dict[str, float], wall: float) -> dict[str, float]:
    return {"wall": wall} | {k: after[k] - before[k] for k in before}


def probe_on(proxy: str, poll: str, replica: str) -> tuple[Any, Any]:
    """A phone through nginx whose route lands on ``replica`` (host:port), its ballot drawn."""
    from tests.e2e.wsclient import Session

    for j in range(200):
        s = Session(proxy, "vote", f"poll={poll}&lang=ru", cookie=f"cd_route=probe-{j}")
        if s.headers.get("x-test-replica") == replica:
            return s, s.run()
        s.close()
    raise RuntimeError(f"no route to {replica} in 200 tries")


def run_replicas(args: argparse.Namespace, tmp: Path, res: ReplicaResult) -> None:
    from tests.e2e.replicas import log_problems, nginx
    from tests.pg import throwaway_server

    n_browsers = min(args.browsers, args.voters)
    n_protocol = args.voters - n_browsers
    answers = [i % OPTIONS for i in range(args.voters)]  # phone i chooses answers[i]
    probe_answer = 0
    res.expected_counts = [answers.count(a) + (a == probe_answer) for a in range(OPTIONS)]
    with throwaway_server() as pg:
        say("building the demo store on PostgreSQL")
        url = pg.createdb("room")
        build_store(url)
        poll, deck = make_poll(url)
        env = {"CREATIVE_DASH_DB": url, "CREATIVE_DASH_DEMO_ON_START": "0"}
        a, b = (Server(f"replica-{x}", "asgi.py", env, tmp / f"replica-{x}.log") for x in "ab")
        start_all([a, b])
        name = {a.url.split("//")[1]: "A", b.url.split("//")[1]: "B"}
        sessions: list[Any] = []
        try:
            warm(a.url)
            warm(b.url)
            with nginx([a.url, b.url], tmp) as proxy, sync_playwright() as pw:
                browser = launch(pw)
                res.meta["chromium"] = browser.version
                say("the presenter on replica A")
                presenter = open_presenter(browser, a.url, deck)
                say(f"{n_protocol} protocol phones and {n_browsers} Chromium phones join via nginx")
                joined = protocol_phones(proxy, poll, n_protocol, routed=True)
                sessions = [s for s, _ in joined]
                chrome = chromium_phones(browser, proxy, poll, n_browsers)
                on = [name.get(r, "?") for _, r in chrome]
                on += [name.get(s.headers.get("x-test-replica", ""), "?") for s in sessions]
                res.phones_on = {x: on.count(x) for x in sorted(set(on))}

                say("one phone on replica B votes alone; the presenter on A")
                probe, ballot = probe_on(proxy, poll, b.url.split("//")[1])
                sessions.append(probe)
                presenter.evaluate(PRESENTER_JS, 1)
                cpu0, t0 = cpu_now(a, b, pg.data), time.time()
                run = probe.run(click=f"vote_answer_{probe_answer}", last=ballot)
                res.b_told_s = time.time() - t0
                if RECORDED not in run.alerts:
                    res.errors.append(f"the phone on B: {run.alerts or run.exceptions}")
                try:
                    presenter.wait_for_function("() => window.__room.at !== null", timeout=30_000)
                    res.b_on_a_s = presenter.evaluate("() => window.__room.at") / 1000 - t0
                except Exception as exc:  # noqa: BLE001 - reported in the results
                    res.errors.append(f"the vote on B never shown on A: {str(exc)[:120]}")
                res.cpu["probe"] = spent(cpu0, cpu_now(a, b, pg.data), time.time() - t0)

                say("the room votes")
                presenter.evaluate(PRESENTER_JS, args.voters + 1)
                phones = [page for page, _ in chrome]
                cpu0, t0 = cpu_now(a, b, pg.data), time.time()
                told = vote_room(joined, phones, answers, args.spread, res)
                res.cpu["vote"] = spent(cpu0, cpu_now(a, b, pg.data), time.time() - t0)
                presenter_final(presenter, args.voters + 1, max(told.values(), default=0.0), res)
                browser.close()
        finally:
            close_all(sessions)
            for server in (a, b):
                server.stop()
                keep_log(server.log_path, f"room-{server.name}.log")
        res.stored_rows, res.stored_counts, res.stored_voters = stored_votes(url, poll)
    res.problems = {x: log_problems(s.log_path) for x, s in (("A", a), ("B", b))}


def why(cpu: dict[str, float], nproc: int) -> str:
    """In words, where the CPU went during a window (what a missed time budget was up against):
    were the cores saturated, by whom most, and was a replica CPU-bound."""
    wall, busy = cpu["wall"], cpu["machine"]
    share = {
        "the replicas": cpu["A"] + cpu["B"],
        "PostgreSQL": cpu["PostgreSQL"],
        "the bench's own phones, Chromium and nginx": cpu["bench"],
    }
    share["other jobs on the machine"] = busy - sum(share.values())
    top = max(share, key=lambda k: share[k])
    bound = [x for x in ("A", "B") if cpu[x] >= 0.9 * wall]
    return (
        f"the {nproc} cores were {'saturated' if busy >= 0.9 * nproc * wall else 'not saturated'}"
        f" ({busy:.1f} of {nproc * wall:.1f} CPU-seconds busy in those {wall:.1f} s), most by "
        f"{top} ({share[top] / busy:.0%}); "
        + (f"replica {' and '.join(bound)} CPU-bound" if bound else "neither replica CPU-bound")
        + f" (A {cpu['A']:.1f} s, {cpu['A'] / wall:.0%} of a core; B {cpu['B']:.1f} s, "
        f"{cpu['B'] / wall:.0%}); PostgreSQL {cpu['PostgreSQL']:.1f} s, the bench's own phones, "
        f"Chromium and nginx {cpu['bench']:.1f} s, other jobs "
        f"{share['other jobs on the machine']:.1f} s"
    )


def render_replicas(res: ReplicaResult) -> str:
    m, bud = res.meta, BUDGET_REPLICAS
    total = m["voters"] + 1
    chrome, proto = res.confirm_ms.get("chromium", []), res.confirm_ms.get("protocol", [])
    both = chrome + proto
    p95 = percentile(both, 95)
    exact = (
        res.presenter_counts == res.expected_counts
        and res.stored_counts == res.expected_counts
        and res.stored_rows == total
        and res.stored_voters == total
        and res.told == m["voters"]
    )
    vote, probe = res.cpu.get("vote"), res.cpu.get("probe")
    rows = [
        (
            "every vote counted exactly once (the room and the phone on B)",
            f"presenter {res.presenter_counts}, PostgreSQL {res.stored_counts} "
            f"({res.stored_rows} rows, {res.stored_voters} voters), room's phones told "
            f"{res.told}/{m['voters']}; expected {res.expected_counts}",
            "exact",
            exact,
            None,
        ),
        (
            "all votes in (first press → last phone told)",
            f"{res.votes_span_s:.1f} s",
            f"≤ {bud['all_votes_s']:.0f} s",
            res.votes_span_s <= bud["all_votes_s"],
            vote,
        ),
        (
            "presenter's chart on A at the final tally after the last phone was told",
            f"{res.presenter_s:.2f} s",
            f"≤ {bud['presenter_s']:.0f} s",
            res.presenter_s <= bud["presenter_s"],
            vote,
        ),
        (
            "a vote sent on B → the presenter's chart on A counts it (before the room votes)",
            f"{res.b_on_a_s:.2f} s (its phone told after {res.b_told_s:.2f} s)",
            f"≤ {bud['b_on_a_s']:.0f} s",
            res.b_on_a_s <= bud["b_on_a_s"],
            probe,
        ),
        (
            "vote confirmation on the phone, p95 (median)",
            f"{p95:,.0f} ms ({median(both):,.0f}); Chromium p95 {percentile(chrome, 95):,.0f} ms, "
            f"protocol p95 {percentile(proto, 95):,.0f} ms",
            f"≤ {bud['p95_ms']:,.0f} ms",
            p95 <= bud["p95_ms"],
            vote,
        ),
    ]
    split = ", ".join(f"{n} on {x}" for x, n in res.phones_on.items())
    lines = [
        REPLICAS_START,
        "## A full room on two replicas (PostgreSQL)",
        "",
        f"Measured {m['started']} by `python -m bench.room --replicas`: two app processes "
        "(`streamlit run asgi.py`, A and B) on one throw-away PostgreSQL (Debian's, default "
        "settings; the demo store built by `python -m creative_dash init --db URL --demo`), "
        "nginx in front with deploy/nginx's configuration (sticky by the `cd_route` cookie). "
        "The presenter's live page (Chromium) is on A directly; the phones come through nginx "
        f"({split}): {m['voters']} phones ({m['browsers']} real Chromium contexts with a "
        f"phone's viewport, {m['voters'] - m['browsers']} protocol-level websocket sessions, "
        "each with its own route cookie) vote once each within "
        f"{m['spread']:.0f} s. Before them, one more phone routed to B votes alone, to time B's "
        f"vote on A's screen. Load average {m['load_start']:.2f} at the start, "
        f"{m['load_end']:.2f} at the end, {m['nproc']} cores shared; Chromium "
        f"{m.get('chromium', '?')}.",
        "",
        "| what | figure | budget | |",
        "|---|---|---|---|",
        *[f"| {w} | {fig} | {b} | {verdict(ok)} |" for w, fig, b, ok, _ in rows],
    ]
    missed = [(w, cpu) for w, _f, _b, ok, cpu in rows if not ok and cpu is not None]
    if missed:
        lines += ["", "Why the missed ones were missed (CPU-seconds measured in /proc):"]
        lines += [f"- {w}: {why(cpu, m['nproc'])}." for w, cpu in missed]
    if vote:
        lines += [
            "",
            f"CPU during the room's vote ({vote['wall']:.1f} s: from just before the first press "
            f"until the phones' timers stopped, {TAIL_S:.0f} s after the spread): "
            f"replica A {vote['A']:.1f} s, replica B {vote['B']:.1f} s, PostgreSQL "
            f"{vote['PostgreSQL']:.1f} s, the bench's own phones, Chromium and nginx "
            f"{vote['bench']:.1f} s, the whole machine {vote['machine']:.1f} s. The "
            f"protocol phones also sent their ballot's timed rerun every {TICK_S:.0f} s as a "
            f"browser does ({res.ticks} reruns).",
        ]
    counts = "; ".join(f"{x} {len(p)}" for x, p in res.problems.items()) or "not read"
    lines += ["", f"Errors in the replicas' logs (tracebacks, errors, exceptions): {counts}."]
    lines += [f"- {x}: `{p[:160]}`" for x, ps in res.problems.items() for p in ps[:3]]
    if res.errors:
        lines += ["", "Problems seen:", *[f"- {e}" for e in res.errors[:10]]]
    lines += ["", REPLICAS_END, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.room", description=__doc__)
    parser.add_argument("--voters", type=int, default=100)
    parser.add_argument("--browsers", type=int, default=20, help="phones that are Chromium")
    parser.add_argument("--spread", type=float, default=8.0, help="seconds the votes span")
    parser.add_argument("--idle-changes", type=int, default=3, help="per official, idle")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument(
        "--replicas", action="store_true", help="two replicas on PostgreSQL behind nginx"
    )
    parser.add_argument(
        "--ballot", action="store_true", help="the phones on the light ballot (/ballot)"
    )
    args = parser.parse_args(argv)
    res = ReplicaResult() if args.replicas else Result()
    res.meta = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": os.getloadavg()[0],
        "nproc": os.cpu_count(),
        "voters": args.voters,
        "browsers": min(args.browsers, args.voters),
        "spread": args.spread,
        "ballot": args.ballot,
    }
    tmp = Path(tempfile.mkdtemp(prefix="creative-room-"))
    try:
        if isinstance(res, ReplicaResult):
            run_replicas(args, tmp, res)
        else:
            run_room(args, tmp, res)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    res.meta["load_end"] = os.getloadavg()[0]
    (HERE / "out").mkdir(exist_ok=True)
    raw = (
        "room-replicas.json"
        if args.replicas
        else "room-ballot.json"
        if args.ballot
        else "room.json"
    )
    (HERE / "out" / raw).write_text(json.dumps(asdict(res), indent=1, default=str))
    if isinstance(res, ReplicaResult):
        section = render_replicas(res)
        sections.write(args.out, section, REPLICAS_START, REPLICAS_END)
    elif args.ballot:
        section = render(res)
        sections.write(args.out, section, BALLOT_START, BALLOT_END)
    else:
        section = render(res)
        sections.write(args.out, section, SECTION_START, SECTION_END)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
