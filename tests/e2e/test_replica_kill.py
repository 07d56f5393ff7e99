"""Kill -9 one of two replicas mid-poll (issue 17), with the real servers: Debian's PostgreSQL,
two ``streamlit run`` processes and nginx (deploy/nginx) in front of them.

Phones are protocol-level websocket sessions (tests/e2e/wsclient.py) that go through nginx, as a
phone's tab does, with its cookies: the route cookie nginx set (its replica) and the voter
cookie the vote page's script set (its voter token). Replica A is SIGKILLed while its phones
and B's are voting. Then: every vote a phone was shown as recorded is in the store; A's phones
reconnect through nginx with their cookies, land on B, are the same voters there (their
recorded answer shown, no new token) and vote once more without being counted twice; B's
phones never noticed; the tally is exact.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from time import monotonic
from typing import Any

import pytest

from creative_dash import queries
from creative_dash.i18n import t
from creative_dash.store import Store
from creative_dash.ui.live import COOKIE
from tests.app.test_live import make_poll
from tests.e2e.replicas import (
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
PHONES_PER_REPLICA = 24
WORKERS = 3  # phones of one replica voting at the same moment
KILL_AFTER = 8  # A is killed once this many of its phones were shown their vote as recorded
OPTIONS = 3  # make_poll's choice poll
RECORDED = t("en", "live.vote.recorded")
YOUR_ANSWER = t("en", "live.vote.your_answer")
LABELS = ("Grants", "Taxes", "Spaces")  # make_poll's options in English


@dataclass
class Phone:
    route: str  # the cd_route cookie nginx hashes to a replica
    answer: int
    session: Session | None = None
    ballot: Run | None = None
    token: str = ""
    acknowledged: bool = False  # the phone was shown its vote as recorded
    failure: BaseException | None = field(default=None, repr=False)

    def cookie(self, poll_id: str) -> str:
        parts = [f"cd_route={self.route}"]
        if self.token:
            parts.append(f"{COOKIE}_{poll_id}={self.token}")
        return "; ".join(parts)


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def replica_of(proxy: str, route: str) -> str:
    """host:port of the replica nginx sends the route cookie ``route`` to."""
    req = urllib.request.Request(proxy + "/_stcore/health", headers={"Cookie": f"cd_route={route}"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.headers["X-Test-Replica"]


def recorded_answer(run: Run) -> str | None:
    """The answer the ballot shows as this phone's recorded vote (None: no vote shown)."""
    if RECORDED not in run.alerts:
        return None
    mine = [x for x in run.texts if x.startswith(YOUR_ANSWER)]
    assert len(mine) == 1, run
    return mine[0].removeprefix(YOUR_ANSWER).strip()


@pytest.fixture(scope="module")
def poll(pg_server: PgServer) -> tuple[str, str]:  # noqa: F811
    """(store URL, id of an open poll) on a fresh shared store."""
    prioritise(postmaster(pg_server.data), children=True)
    prioritise(os.getpid())  # the phones
    url = pg_server.createdb("replica_kill")
    init_store(url)
    s = Store(url)
    try:
        return url, make_poll(s)
    finally:
        s.close()


@pytest.fixture
def servers(poll, tmp_path: Path) -> Iterator[tuple[Any, ...]]:
    """Replicas A and B, (base URL, log, pid) each, and nginx in front of them."""
    with (
        replica(poll[0], tmp_path, "kill-replica-a") as a,
        replica(poll[0], tmp_path, "kill-replica-b") as b,
        nginx([a[0], b[0]], tmp_path) as proxy,
    ):
        yield a, b, proxy


def vote_all(phones: list[Phone], poll_id: str, acked: threading.Semaphore) -> None:
    """The phones vote, ``WORKERS`` at a time; each acknowledgement releases ``acked``."""
    todo: queue.SimpleQueue[Phone] = queue.SimpleQueue()
    for p in phones:
        todo.put(p)

    def worker() -> None:
        while True:
            try:
                p = todo.get_nowait()
            except queue.Empty:
                return
            assert p.session is not None and p.ballot is not None
            try:
                run = p.session.run(click=f"vote_answer_{p.answer}", last=p.ballot)
            except BaseException as exc:  # noqa: BLE001 - a killed replica's phone; judged later
                p.failure = exc
                continue
            if recorded_answer(run) == LABELS[p.answer]:
                p.acknowledged = True
                acked.release()
            else:
                p.failure = AssertionError(f"not recorded: {run}")

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=600)
    assert not any(th.is_alive() for th in threads)


def test_a_replica_killed_mid_poll_loses_no_acknowledged_vote(servers, poll) -> None:
    (url_a, _log_a, pid_a), (url_b, log_b, _pid_b), proxy = servers
    store_url, poll_id = poll
    host_a, host_b = url_a.split("//")[1], url_b.split("//")[1]
    query = f"poll={poll_id}&lang=en"

    # Each replica has run app.py once, as its health check does after a start (a fresh
    # server's first deep link runs outside st.navigation: ui/pages_patch.py).
    for url in (url_a, url_b):
        warm = Session(url, "", "lang=en")
        assert not warm.run().exceptions
        warm.close()

    # Phones as nginx spreads them: route cookies until each replica has its share.
    on: dict[str, list[Phone]] = {host_a: [], host_b: []}
    i = 0
    while min(len(v) for v in on.values()) < PHONES_PER_REPLICA:
        route = f"phone-{i}"
        group = on[replica_of(proxy, route)]
        if len(group) < PHONES_PER_REPLICA:
            group.append(Phone(route, answer=len(group) % OPTIONS))
        i += 1
        assert i < 50 * PHONES_PER_REPLICA, "nginx sends every route to one replica"
    phones_a, phones_b = on[host_a], on[host_b]
    try:
        # The room opens the ballot through nginx; the page sets the voter cookie.
        for p in phones_a + phones_b:
            p.session = Session(proxy, "vote", query, cookie=p.cookie(poll_id))
            expected = host_a if p in phones_a else host_b
            assert p.session.headers["x-test-replica"] == expected
            p.ballot = p.session.run()
            assert len(p.ballot.buttons) == OPTIONS and not p.ballot.exceptions, p.ballot
            p.token = p.ballot.cookies[f"{COOKIE}_{poll_id}"]
        assert len({p.token for p in phones_a + phones_b}) == 2 * PHONES_PER_REPLICA

        # Both rooms vote; A is killed once some of its phones were told their vote counted.
        acked_a = threading.Semaphore(0)
        voting_a = threading.Thread(target=vote_all, args=(phones_a, poll_id, acked_a))
        voting_b = threading.Thread(
            target=vote_all, args=(phones_b, poll_id, threading.Semaphore(0))
        )
        voting_a.start()
        voting_b.start()
        for _ in range(KILL_AFTER):
            assert acked_a.acquire(timeout=120), "A's phones are not acknowledged"
        os.kill(pid_a, signal.SIGKILL)
        voting_a.join(timeout=600)
        voting_b.join(timeout=600)
        assert not voting_a.is_alive() and not voting_b.is_alive()
        deadline = monotonic() + 30
        while healthy(url_a):
            assert monotonic() < deadline, "replica A still answers after SIGKILL"
        assert healthy(url_b)

        # The kill was mid-poll: some of A's phones were acknowledged, some never heard back.
        lost_a = [p for p in phones_a if not p.acknowledged]
        assert KILL_AFTER <= PHONES_PER_REPLICA - len(lost_a) < PHONES_PER_REPLICA
        assert lost_a and all(p.failure is not None for p in lost_a)
        # B's phones did not notice
        assert all(p.acknowledged for p in phones_b), [p.failure for p in phones_b][:3]

        # Every vote a phone was shown as recorded is in the store, with its answer.
        s = Store(store_url)
        try:
            stored = s.query(
                "SELECT voter_token, answer FROM votes WHERE poll_id = $p", {"p": poll_id}
            )
        finally:
            s.close()
        votes = dict(zip(stored["voter_token"], stored["answer"], strict=True))
        for p in phones_a + phones_b:
            if p.acknowledged:
                assert votes.get(p.token) == str(p.answer), p

        # A's phones reconnect through nginx with their cookies: they land on B, are known
        # there (the recorded answer shown, no new token) and vote once more.
        for p in phones_a:
            assert p.session is not None
            try:
                p.session.close()
            except Exception:  # noqa: BLE001 - the connection died with A
                pass
            p.session = Session(proxy, "vote", query, cookie=p.cookie(poll_id))
            # nginx names every replica it tried: A (refused, or already marked down), then B
            assert p.session.headers["x-test-replica"].split(", ")[-1] == host_b
            ballot = p.session.run()
            assert not ballot.exceptions and not ballot.cookies, ballot  # the same voter
            shown = recorded_answer(ballot)
            if p.acknowledged:
                assert shown == LABELS[p.answer]
            else:  # its vote was in flight when A died: counted or not, never half
                assert shown in (None, LABELS[p.answer])
            again = p.session.run(click=f"vote_answer_{p.answer}", last=ballot)
            assert recorded_answer(again) == LABELS[p.answer], again

        # A second vote of a phone replaces its first: one vote per phone, the tally exact.
        s = Store(store_url)
        try:
            stored = s.query(
                "SELECT voter_token, answer FROM votes WHERE poll_id = $p", {"p": poll_id}
            )
            tally = queries.run(s, "live_poll_results", poll_id=poll_id)
        finally:
            s.close()
        phones = phones_a + phones_b
        assert sorted(stored["voter_token"]) == sorted(p.token for p in phones)
        assert dict(zip(stored["voter_token"], stored["answer"], strict=True)) == {
            p.token: str(p.answer) for p in phones
        }
        expected = Counter(str(p.answer) for p in phones)
        assert dict(zip(tally["answer"], tally["votes"].astype(int), strict=True)) == expected
        print(
            f"A killed after {PHONES_PER_REPLICA - len(lost_a)} of its {PHONES_PER_REPLICA} "
            f"phones were acknowledged; {len(lost_a)} reconnected to B and voted"
        )
    finally:
        for p in phones_a + phones_b:
            if p.session is not None:
                try:
                    p.session.close()
                except Exception:  # noqa: BLE001 - closing what may have died with A
                    pass
    assert log_problems(log_b) == [], log_b.read_text(errors="replace")[-3000:]
