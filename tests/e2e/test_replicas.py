"""Two replicas of the dashboard on one PostgreSQL (issue 17), with the real servers: Debian's
PostgreSQL, two ``streamlit run`` processes, Chromium, and nginx (deploy/nginx) in front.

The room of 100 voters: 20 are real Chromium phones (a context each, a phone's viewport, in
Kazakh, Russian or English), 10 on each replica; the other 80 are protocol-level
(tests/e2e/wsclient.py: one real websocket session per phone, speaking Streamlit's own
messages, as a phone's tab does), since 100 Chromium contexts do not fit beside two servers on
the test machine's two cores. The presenter is a real Chromium tab. The room is waited on by
its state (the tally, every phone told); its times are printed, never asserted: they are
``python -m bench.room``'s figures.
"""

from __future__ import annotations

import os
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any

import pytest
from playwright.sync_api import expect

from creative_dash.i18n import t
from creative_dash.store import Store
from tests.app.test_live import make_deck, make_poll
from tests.e2e.browser import AppTab, page_path
from tests.e2e.replicas import (
    cpu_seconds,
    descendants,
    init_store,
    log_problems,
    nginx,
    postmaster,
    prioritise,
    replica,
)
from tests.e2e.wsclient import Run, Session
from tests.unit.test_postgres import PgServer, pg_server  # noqa: F401 - the server fixture

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
VOTERS = 100
CHART = ".st-key-live_chart_0 .js-plotly-plot"
OPTIONS = 3  # make_poll's choice poll
CHROMIUM = 20  # of the VOTERS, real Chromium phones (half on each replica)
PHONE = {"width": 390, "height": 844}
LANGS = ("kk", "ru", "en")
LOCALES = {"kk": "kk-KZ", "ru": "ru-RU", "en": "en-US"}
# A generous bound on a phone's waits: 20 Chromium pages beside two servers on two shared cores
PHONE_TIMEOUT_MS = 120_000
# In a phone's page (as bench/room.py): the moments of the press on a ballot button and of the
# confirmation (its text ``told``) drawn, on the page's own clock.
PHONE_JS = """(told) => {
  window.__phone = {pressed: null, told: null};
  document.addEventListener('pointerdown', () => {
    if (window.__phone.pressed === null) window.__phone.pressed = performance.now();
  }, {capture: true});
  new MutationObserver(() => {
    const mine = document.querySelector('.st-key-vote_mine');
    if (window.__phone.told === null && window.__phone.pressed !== null
        && mine && mine.innerText.includes(told)) window.__phone.told = performance.now();
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def shared(pg_server: PgServer) -> tuple[str, str, str]:  # noqa: F811
    """(store URL, poll id, deck id): the shared store with an open poll in a deck."""
    prioritise(postmaster(pg_server.data), children=True)
    prioritise(os.getpid())  # the phones
    url = pg_server.createdb("replicas_e2e")
    init_store(url)
    s = Store(url)
    try:
        pid = make_poll(s)
        deck = make_deck(s, pid)
    finally:
        s.close()
    return url, pid, deck


@pytest.fixture(scope="module")
def two(shared, tmp_path_factory) -> Iterator[tuple[tuple[str, Path], tuple[str, Path]]]:
    workdir = tmp_path_factory.mktemp("replicas")
    with (
        replica(shared[0], workdir, "replica-a") as a,
        replica(shared[0], workdir, "replica-b") as b,
    ):
        yield a, b


def presenter_total(tab: AppTab) -> int:
    return int(
        tab.page.evaluate(
            f"() => Array.from(document.querySelector('{CHART}').data[0].x).reduce((a, b) => a + b, 0)"
        )
    )


def wait_total(tab: AppTab, total: int, timeout_s: float = 120) -> float:
    """Seconds until the presenter's chart counts ``total`` votes. The wait is on the chart's
    state; ``timeout_s`` only bounds a test that would otherwise hang. How fast it happens is a
    benchmark's figure (``python -m bench.room --replicas``), never a test's assertion: these
    machines are shared and noisy."""
    t0 = monotonic()
    tab.page.wait_for_function(
        f"() => Array.from(document.querySelector('{CHART}').data[0].x)"
        f".reduce((a, b) => a + b, 0) === {total}",
        timeout=timeout_s * 1000,
        polling=50,
    )
    return monotonic() - t0


def in_threads(n: int, work) -> list[Any]:
    """work(i) for i in range(n) in n threads released together: results or exceptions."""
    start = threading.Barrier(n)
    out: list[Any] = [None] * n

    def body(i: int) -> None:
        start.wait()
        try:
            out[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            out[i] = exc

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not any(th.is_alive() for th in threads)
    return out


@dataclass
class Phone:
    """A real Chromium phone: its own context (cookies, so its own voter), its language, the
    answer it will choose and that answer's label on its ballot."""

    context: Any
    tab: AppTab
    lang: str
    answer: int
    label: str = ""

    def told(self) -> str:
        """The phone's confirmation: its answer, in its language."""
        return f"{t(self.lang, 'live.vote.your_answer')} {self.label}"


def open_phone(browser: Any, base_url: str, pid: str, lang: str, answer: int) -> Phone:
    """A phone that scanned the QR code: the ballot open in its language, drawn."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale=LOCALES[lang])
    try:
        phone = Phone(context, AppTab(context.new_page(), base_url), lang, answer)
        phone.tab.page.set_default_timeout(PHONE_TIMEOUT_MS)
        phone.tab.open(page_path("vote"), poll=pid, lang=lang)
        phone.label = phone.tab.page.locator(f".st-key-vote_answer_{answer} button").inner_text()
        phone.tab.page.evaluate(PHONE_JS, phone.told())
    except BaseException:
        context.close()  # the test's finally closes only the phones that opened
        raise
    return phone


def confirmed(phone: Phone) -> float:
    """Wait for the phone's confirmation (in its language, naming its answer; the container
    shows before its texts are drawn), assert its page healthy; the milliseconds from its press
    to the confirmation drawn."""
    mine = phone.tab.page.locator(".st-key-vote_mine")
    expect(mine).to_contain_text(phone.told(), timeout=PHONE_TIMEOUT_MS)
    assert t(phone.lang, "live.vote.recorded") in mine.inner_text()
    phone.tab.assert_healthy(phone.lang)
    times = phone.tab.page.evaluate("() => window.__phone")
    return float(times["told"] - times["pressed"])


def in_background(work) -> tuple[threading.Thread, list[Any]]:
    """work() started in a thread; its result (or exception) in the list once joined."""
    out: list[Any] = [None]

    def body() -> None:
        try:
            out[0] = work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            out[0] = exc

    thread = threading.Thread(target=body)
    thread.start()
    return thread, out


def test_hundred_voters_on_two_replicas(two, shared, browser: Any) -> None:
    (url_a, log_a, pid_a), (url_b, log_b, pid_b) = two
    store_url, pid, deck = shared
    # voter i is on replica B when i is even, on A when odd; the last CHROMIUM are Chromium
    replica_of = {i: url_b if i % 2 == 0 else url_a for i in range(VOTERS)}
    answers = {i: i % OPTIONS for i in range(VOTERS)}
    protocol = VOTERS - CHROMIUM
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    sessions: list[Session] = []
    phones: list[Phone] = []
    try:
        presenter = AppTab(context.new_page(), url_a)  # the presenter is on replica A
        for child in descendants(os.getpid()):  # the presenter's Chromium, its tab's too
            prioritise(child)
        presenter.open(page_path("live"), deck=deck, lang="en")
        presenter.page.locator(CHART).wait_for()
        assert presenter_total(presenter) == 0

        # Each replica has run app.py once (as its health check does after a start): a fresh
        # server's first deep link runs outside st.navigation (ui/pages_patch.py, cold start)
        for url in (url_a, url_b):
            warm = Session(url, "", "lang=en")
            assert not warm.run().exceptions
            warm.close()

        # The Chromium phones open their ballots first, one after another, before the protocol
        # phones join: their page loads then take no CPU from the vote.
        t0 = monotonic()
        for i in range(protocol, VOTERS):
            lang = LANGS[(i // 2) % len(LANGS)]  # not tied to the replica or the answer
            phones.append(open_phone(browser, replica_of[i], pid, lang, answers[i]))
        phones_opened = monotonic() - t0
        for child in descendants(os.getpid()):  # the phones' tabs too
            prioritise(child)

        # The rest of the room scans the QR code: protocol phones open the ballot in parallel.
        def join(i: int) -> tuple[Session, Run]:
            s = Session(replica_of[i], "vote", f"poll={pid}&lang=en")
            return s, s.run()

        joined = in_threads(protocol, join)
        errors = [j for j in joined if isinstance(j, BaseException)]
        assert not errors, errors[:3]
        sessions = [s for s, _run in joined]
        ballots = [run for _s, run in joined]
        assert all(len(b.buttons) == OPTIONS for b in ballots), ballots[0]

        # One phone on replica B votes: the presenter on A sees it (how soon: bench.room).
        first = sessions[0].run(click=f"vote_answer_{answers[0]}", last=ballots[0])
        assert t("en", "live.vote.recorded") in first.alerts, first
        seen_after = wait_total(presenter, 1)

        # The other 99 vote at once, on both replicas: the protocol phones in threads, the
        # Chromium phones pressed from this thread (Playwright's API is single-threaded).
        cpu0 = cpu_seconds(pid_a), cpu_seconds(pid_b)
        t0 = monotonic()
        voting, out = in_background(
            lambda: in_threads(
                protocol - 1,
                lambda k: sessions[k + 1].run(
                    click=f"vote_answer_{answers[k + 1]}", last=ballots[k + 1]
                ),
            )
        )
        try:
            for phone in phones:
                phone.tab.page.locator(f".st-key-vote_answer_{phone.answer} button").click(
                    no_wait_after=True
                )
            confirm_ms = [confirmed(phone) for phone in phones]
        finally:
            voting.join(timeout=600)
        elapsed = monotonic() - t0
        cpu = cpu_seconds(pid_a) - cpu0[0], cpu_seconds(pid_b) - cpu0[1]
        assert not voting.is_alive()
        runs = out[0]
        assert not isinstance(runs, BaseException), runs
        failed = [r for r in runs if isinstance(r, BaseException)]
        assert not failed, failed[:3]
        refused = [r for r in runs if t("en", "live.vote.recorded") not in r.alerts]
        assert not refused, refused[:3]  # every phone was told (the Chromium ones: confirmed)
        load = os.getloadavg()

        # The tally is exact, in the store and on the presenter's screen.
        s = Store(store_url)
        try:
            stored = s.query(
                "SELECT answer, count(*) AS n FROM votes WHERE poll_id = $p GROUP BY answer",
                {"p": pid},
            )
        finally:
            s.close()
        expected = Counter(str(a) for a in answers.values())
        assert dict(zip(stored["answer"], stored["n"].astype(int), strict=True)) == expected
        final_after = wait_total(presenter, VOTERS)
        x = presenter.page.evaluate(
            f"() => Array.from(document.querySelector('{CHART}').data[0].x)"
        )
        assert x == [expected[str(i)] for i in range(OPTIONS)]
        presenter.assert_healthy("en")
        confirm_ms.sort()
        print(
            f"{CHROMIUM} Chromium phones opened in {phones_opened:.1f} s; "
            f"B's vote on A's screen after {seen_after:.2f} s; "
            f"99 votes ({protocol - 1} protocol, {CHROMIUM} Chromium) in {elapsed:.2f} s, "
            f"Chromium confirmations median {confirm_ms[len(confirm_ms) // 2]:.0f} ms, "
            f"max {confirm_ms[-1]:.0f} ms; "
            f"the final tally on A's screen {final_after:.2f} s later, "
            f"replicas' CPU {cpu[0]:.2f} s + {cpu[1]:.2f} s, load {load}"
        )
    finally:
        for s in sessions:
            s.close()
        for phone in phones:
            phone.context.close()
        context.close()
    for log in (log_a, log_b):
        assert log_problems(log) == [], log.name


def settled(tab: AppTab, lang: str) -> None:
    """Assert the page healthy once it has settled: on PostgreSQL a chart's first draw may be
    followed by a second run's figure (the waits are on the page's state, never on time)."""
    for _attempt in range(3):
        tab.wait_idle()
        if not tab.problems(lang):
            return
    tab.assert_healthy(lang)


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()


def test_the_app_through_nginx(two, shared, browser: Any, tmp_path: Path) -> None:
    """deploy/nginx in front of both replicas: sticky sessions, compression, cached assets,
    the health check, and Chromium using the app (pages, the websocket, a vote) through it."""
    (url_a, _log_a, _pid_a), (url_b, _log_b, _pid_b) = two
    _store_url, pid, deck = shared
    with nginx([url_a, url_b], tmp_path) as proxy:
        # a browser's first answer sets its route; with it, it stays on one replica
        status, headers, _body = get(proxy + "/")
        assert status == 200 and "cd_route=" in headers["set-cookie"]
        route = headers["set-cookie"].split(";")[0]
        replicas = {get(proxy + "/", {"Cookie": route})[1]["x-test-replica"] for _ in range(5)}
        assert len(replicas) == 1
        # different browsers spread over both replicas
        spread = {
            get(proxy + "/", {"Cookie": f"cd_route=browser-{i}"})[1]["x-test-replica"]
            for i in range(20)
        }
        assert spread == {u.split("//")[1] for u in (url_a, url_b)}
        # Streamlit's hashed assets: compressed and kept for a year
        index = get(proxy + "/")[2].decode()
        asset = index.split('src="./static/js/', 1)[1].split('"', 1)[0]
        status, headers, _body = get(
            f"{proxy}/static/js/{asset}", {"Accept-Encoding": "gzip", "Cookie": route}
        )
        assert status == 200 and headers.get("content-encoding") == "gzip"
        assert (
            "immutable" in headers["cache-control"]
            and "max-age=31536000" in headers["cache-control"]
        )
        # the health check through the proxy
        assert get(proxy + "/_stcore/script-health-check")[:1] == (200,)

        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU")
        phone = browser.new_context(viewport={"width": 400, "height": 800}, locale="kk-KZ")
        try:
            presenter = AppTab(context.new_page(), proxy)
            presenter.open(page_path("overview"), lang="ru")
            settled(presenter, "ru")
            presenter.open(page_path("live"), deck=deck, lang="ru")
            presenter.page.locator(CHART).wait_for()
            before = presenter_total(presenter)
            voter = AppTab(phone.new_page(), proxy)
            voter.open(page_path("vote"), poll=pid, lang="kk")
            voter.page.locator(".st-key-vote_answer_2 button").click()
            voter.page.locator(".st-key-vote_mine").wait_for()
            wait_total(presenter, before + 1)
            presenter.assert_healthy("ru")
            voter.assert_healthy("kk")
            shot = tmp_path / "through-nginx.png"
            presenter.page.screenshot(path=str(shot))
        finally:
            context.close()
            phone.close()


def test_pages_wait_for_a_restarted_postgresql_and_come_back(
    two,
    pg_server: PgServer,  # noqa: F811
    browser: Any,
) -> None:
    """Runs last in this module: it restarts the module's PostgreSQL."""
    (url_a, _log_a, _pid_a), _b = two
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="kk-KZ")
    try:
        tab = AppTab(context.new_page(), url_a)
        tab.open(page_path("overview"), lang="kk")
        settled(tab, "kk")
        pg_server.stop()
        try:
            tab.open(page_path("overview"), lang="kk")  # the next view, while it is down
            box = tab.page.locator(".st-key-store_retrying")
            box.wait_for()
            assert t("kk", "store.retrying") in box.inner_text()
            assert t("kk", "store.unreachable") in tab.main_text()
        finally:
            pg_server.start()
        # no reload, no click: the page comes back by itself
        box.wait_for(state="detached", timeout=60_000)
        settled(tab, "kk")
    finally:
        context.close()
