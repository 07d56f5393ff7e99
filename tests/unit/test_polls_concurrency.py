"""A room votes at once: 100 voters in parallel threads on the process's one Store.

Votes write no shared row (no data version bump: a poll's votes are versioned by themselves),
and writers that do meet (the same phone twice) are tried again by the store: no vote may be
lost or counted twice, and readers keep getting answers while the votes pour in.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from creative_dash import live, queries
from creative_dash import store as store_mod
from creative_dash.live import LiveError
from creative_dash.store import core

VOTERS = 100


_ISSUED: dict[int, str] = {}  # voter i -> the token the server issued for the test's poll


def token(i: int) -> str:
    return _ISSUED[i]


def in_parallel(n: int, work) -> list[BaseException | None]:
    """Run work(i) for i in range(n) in n threads released together; their exceptions."""
    start = threading.Barrier(n)
    errors: list[BaseException | None] = [None] * n

    def body(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors[i] = exc

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert not any(th.is_alive() for th in threads)
    return errors


def results(store, pid) -> dict[str, int]:
    df = queries.run(store, "live_poll_results", poll_id=pid)
    return dict(zip(df["answer"], df["votes"].astype(int), strict=True))


@pytest.fixture
def open_poll(demo_store, presenter):
    pid = live.create_poll(
        demo_store,
        kind="choice",
        actor=presenter,
        question={"en": "Which?"},
        options=[{"en": "A"}, {"en": "B"}, {"en": "C"}, {"en": "D"}],
    )
    live.open_poll(demo_store, pid, actor=presenter)
    # every phone in the room opened the join link first: the server issued its token
    _ISSUED.clear()
    _ISSUED.update({i: live.issue_voter_token(demo_store, pid) for i in range(VOTERS + 2)})
    return pid


def test_hundred_parallel_voters_are_all_counted_once(demo_store, open_poll, demo_db):
    pid = open_poll
    answers = {i: str(i % 4) for i in range(VOTERS)}
    reads: list[int] = []
    reader_errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        # Another session's presenter chart, reading while the votes pour in.
        while not done.is_set():
            try:
                reads.append(sum(results(demo_store, pid).values()))
            except BaseException as exc:  # noqa: BLE001
                reader_errors.append(exc)
                return
            done.wait(0.005)  # a presenter re-reads every second; this one far more often

    watcher = threading.Thread(target=reader)
    watcher.start()
    t0 = time.monotonic()
    errors = in_parallel(VOTERS, lambda i: live.vote(demo_store, pid, token(i), answers[i]))
    elapsed = time.monotonic() - t0
    done.set()
    watcher.join(timeout=30)

    assert errors == [None] * VOTERS
    print(f"{VOTERS} votes in {elapsed:.2f} s")  # a figure; bench.room times it
    stored = demo_store.scalar("SELECT count(*) FROM votes WHERE poll_id = $p", {"p": pid})
    assert stored == VOTERS
    assert (
        results(demo_store, pid)
        == dict(Counter(answers.values()))
        == {"0": 25, "1": 25, "2": 25, "3": 25}
    )
    assert not reader_errors
    assert len(reads) >= 2 and reads == sorted(reads)  # answered throughout, never went back

    # Half the room changes its mind, again all at once: still one vote each, new answers.
    changed = {i: "3" for i in range(0, VOTERS, 2)}
    errors = in_parallel(len(changed), lambda k: live.vote(demo_store, pid, token(2 * k), "3"))
    assert errors == [None] * len(changed)
    answers.update(changed)
    assert results(demo_store, pid) == dict(Counter(answers.values()))
    assert sum(results(demo_store, pid).values()) == VOTERS

    # Restart: close the store, open the file again: every recorded vote is there.
    store_mod.close_all()
    reopened = store_mod.open_store(str(demo_db))
    assert results(reopened, pid) == dict(Counter(answers.values()))


def test_closing_while_votes_arrive_loses_nothing_and_accepts_nothing_late(
    demo_store, open_poll, presenter
):
    pid = open_poll
    accepted: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        if i == VOTERS // 2:
            live.close_poll(demo_store, pid, actor=presenter)
            return
        try:
            live.vote(demo_store, pid, token(i), str(i % 4))
        except LiveError as exc:
            assert exc.key == "poll_closed"
            return
        with lock:
            accepted.append(i)

    errors = in_parallel(VOTERS, work)
    assert errors == [None] * VOTERS
    stored = demo_store.query(
        "SELECT voter_token, voted_at FROM votes WHERE poll_id = $p", {"p": pid}
    )
    # Exactly the votes the voters were told were recorded are stored...
    assert sorted(stored["voter_token"]) == sorted(token(i) for i in accepted)
    # ...and none of them was recorded after the poll closed.
    closed_at = demo_store.scalar("SELECT closed_at FROM polls WHERE poll_id = $p", {"p": pid})
    assert (stored["voted_at"] <= closed_at).all()
    with pytest.raises(LiveError, match="poll_closed"):
        live.vote(demo_store, pid, token(VOTERS + 1), "0")


def test_a_vote_retries_while_another_writer_holds_a_conflicting_transaction(demo_store, open_poll):
    pid = open_poll
    live.vote(demo_store, pid, token(1), "1")
    before = core.conflict_retries
    # the same phone's answer, being changed by another transaction at that moment
    other = demo_store.cursor()
    other.execute("BEGIN TRANSACTION")
    other.execute(
        "UPDATE votes SET answer = '0', revision = revision + 1 "
        "WHERE poll_id = $p AND voter_token = $t",
        {"p": pid, "t": token(1)},
    )
    errors: list[BaseException] = []

    def voter() -> None:
        try:
            live.vote(demo_store, pid, token(1), "2")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    th = threading.Thread(target=voter)
    th.start()
    waited = threading.Event()
    deadline = time.monotonic() + 20
    while core.conflict_retries == before and time.monotonic() < deadline:
        waited.wait(0.005)  # polling for the condition, not a fixed sleep
    assert core.conflict_retries > before, "the vote never met the conflict"
    assert results(demo_store, pid) == {"1": 1}  # not changed while the other writer holds on
    other.execute("COMMIT")
    other.close()
    th.join(timeout=30)
    assert not th.is_alive() and not errors
    assert results(demo_store, pid) == {"2": 1}


def test_votes_do_not_wait_for_an_import_nor_bump_its_version(demo_store, open_poll):
    """No hot row: an import holding its topic's version row (uncommitted) meets no vote, and
    votes change no topic's version, only their poll's."""
    pid = open_poll
    before = core.conflict_retries
    topics = dict(demo_store.versions().topics)
    importer = demo_store.cursor()
    importer.execute("BEGIN TRANSACTION")
    importer.execute("UPDATE initiatives SET jobs_created = jobs_created + 1")
    importer.execute("UPDATE data_versions SET version = version + 1 WHERE topic = 'data'")
    try:
        errors = in_parallel(20, lambda i: live.vote(demo_store, pid, token(i), str(i % 4)))
        assert errors == [None] * 20
        assert core.conflict_retries == before  # not one vote had to be tried again
        assert sum(results(demo_store, pid).values()) == 20
    finally:
        importer.execute("COMMIT")
        importer.close()
    after = demo_store.versions()
    assert after.topics == {**topics, "data": topics["data"] + 1}  # the import's bump only
    assert after.of_votes(pid) == 20
    live.vote(demo_store, pid, token(0), "3")  # a changed answer counts as a change
    assert demo_store.versions().of_votes(pid) == 21
