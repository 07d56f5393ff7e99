"""Two replicas on one PostgreSQL (issue 17), as two independent :class:`Store` connections in
one process (the browser tests run two real ``streamlit run`` processes): votes never meet,
conflicts the database reports are tried again, a poll is never closed under a vote, and each
replica's caches follow the other's writes, reading the versions once per rerun.

A real throw-away PostgreSQL from Debian's packages (see tests/unit/test_postgres.py).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Iterator

import duckdb
import pytest

from creative_dash import live, queries
from creative_dash.access import CLI
from creative_dash.live import LiveError
from creative_dash.store import Store, StoreConflict, core, is_conflict, retry_conflicts, users
from creative_dash.store.bootstrap import ensure_store
from tests.unit.test_polls_concurrency import in_parallel
from tests.unit.test_postgres import PgServer, pg_server  # noqa: F401 - the server fixture

pytestmark = pytest.mark.postgres
VOTERS = 100


@pytest.fixture(scope="module")
def replicas(pg_server: PgServer) -> Iterator[tuple[Store, Store]]:  # noqa: F811
    url = pg_server.createdb("replicas")
    a = Store(url)
    ensure_store(a, with_demo=True)
    b = Store(url)
    yield a, b
    a.close()
    b.close()


@pytest.fixture(scope="module")
def presenter(replicas: tuple[Store, Store]) -> str:
    return users.create_user(replicas[0], CLI, login="pg-presenter", role="presenter").user_id


def new_poll(store: Store, presenter: str) -> str:
    pid = live.create_poll(
        store,
        kind="choice",
        actor=presenter,
        question={"en": "Which?"},
        options=[{"en": "A"}, {"en": "B"}, {"en": "C"}, {"en": "D"}],
    )
    live.open_poll(store, pid, actor=presenter)
    return pid


def tally(store: Store, pid: str) -> dict[str, int]:
    df = queries.run(store, "live_poll_results", poll_id=pid)
    return dict(zip(df["answer"], df["votes"].astype(int), strict=True))


def test_migration_8_on_postgres(replicas):
    a, _b = replicas
    v = a.versions()
    assert set(v.topics) == set(core.TOPICS)
    # the old table's readers (the About page) read the view of the total
    assert a.scalar("SELECT version FROM data_version WHERE id = 1") == v.total


def test_hundred_votes_on_two_replicas_meet_no_conflict(replicas, presenter):
    a, b = replicas
    pid = new_poll(a, presenter)
    # the phones joined on either replica
    tokens = [live.issue_voter_token(a if i % 2 else b, pid) for i in range(VOTERS)]
    answers = {i: str(i % 4) for i in range(VOTERS)}
    before = core.conflict_retries
    topics = dict(a.versions().topics)
    # an import holds the 'data' topic's version row meanwhile (uncommitted)
    importer = b.cursor()
    importer.execute("BEGIN TRANSACTION")
    importer.execute(
        "UPDATE initiatives SET jobs_created = jobs_created + 1 WHERE initiative_id < 50"
    )
    importer.execute("UPDATE data_versions SET version = version + 1 WHERE topic = 'data'")
    t0 = time.monotonic()
    try:
        errors = in_parallel(
            VOTERS, lambda i: live.vote(a if i % 2 else b, pid, tokens[i], answers[i])
        )
        elapsed = time.monotonic() - t0
    finally:
        importer.execute("COMMIT")
        importer.close()
    assert errors == [None] * VOTERS
    assert core.conflict_retries == before  # not one vote met another, nor the import
    print(f"{VOTERS} votes on two replicas in {elapsed:.2f} s")  # a figure; bench.room times it
    assert tally(a, pid) == tally(b, pid) == dict(Counter(answers.values()))
    after = b.versions()
    assert after.topics == {**topics, "data": topics["data"] + 1}  # votes bumped no topic
    assert after.of_votes(pid) == VOTERS
    # half the room changes its mind at once: still one vote each
    errors = in_parallel(
        VOTERS // 2, lambda k: live.vote(a if k % 2 else b, pid, tokens[2 * k], "3")
    )
    assert errors == [None] * (VOTERS // 2)
    answers.update({2 * k: "3" for k in range(VOTERS // 2)})
    assert tally(b, pid) == dict(Counter(answers.values()))
    assert a.versions().of_votes(pid) == VOTERS + VOTERS // 2  # each change counted


def _waiting_locks(store: Store) -> int:
    return int(
        store.scalar(
            "SELECT * FROM postgres_query('store', "
            "'SELECT count(*) FROM pg_locks WHERE NOT granted')"
        )
    )


def test_a_poll_is_not_closed_under_a_vote(replicas, presenter):
    a, b = replicas
    pid = new_poll(a, presenter)
    token = live.issue_voter_token(a, pid)
    # a vote on A holds its poll for share (as live.vote does) and has not committed yet...
    with a.transaction(topic=None) as cur:
        a.read_for_share(cur, "polls", pid)
        closer = threading.Thread(
            target=live.close_poll, args=(b, pid), kwargs={"actor": presenter}
        )
        closer.start()
        # ...so the close on B waits for it (state, not time: PostgreSQL reports the wait)
        deadline = time.monotonic() + 30
        while _waiting_locks(b) == 0 and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        assert _waiting_locks(b) > 0 and closer.is_alive()
        cur.execute(
            "INSERT INTO votes (poll_id, voter_token, answer, voted_at) "
            "VALUES ($p, $t, '1', now())",
            {"p": pid, "t": token},
        )
    closer.join(timeout=30)
    assert not closer.is_alive()
    assert tally(b, pid) == {"1": 1}
    assert live.get_poll(b, pid).status == "closed"
    with pytest.raises(LiveError, match="poll_closed"):
        live.vote(a, pid, token, "2")


def test_a_vote_that_began_before_the_close_is_tried_again_and_refused(replicas, presenter):
    a, b = replicas
    pid = new_poll(a, presenter)
    cur = a.cursor()
    try:
        cur.execute("BEGIN TRANSACTION")
        # the vote's snapshot: the poll is open
        assert (
            cur.execute("SELECT status FROM polls WHERE poll_id = $p", {"p": pid}).fetchone()[0]
            == "open"
        )
        live.close_poll(b, pid, actor=presenter)  # another replica closes it meanwhile
        with pytest.raises(duckdb.Error) as err:
            a.read_for_share(cur, "polls", pid)
        assert is_conflict(err.value), err.value  # a serialization failure: try again
    finally:
        with contextlib.suppress(duckdb.Error):
            cur.execute("ROLLBACK")
        cur.close()
    # tried again (as live.vote's retries do), the vote sees the poll closed
    token = live.issue_voter_token(a, pid)
    with pytest.raises(LiveError, match="poll_closed"):
        live.vote(a, pid, token, "1")


def test_a_serialization_failure_is_tried_again_and_nothing_is_half_written(replicas, presenter):
    a, b = replicas
    pid = new_poll(a, presenter)
    token = live.issue_voter_token(a, pid)
    live.vote(a, pid, token, "1")
    before = core.conflict_retries
    other = b.cursor()  # the same phone's answer changing on replica B at that moment
    other.execute("BEGIN TRANSACTION")
    other.execute(
        "UPDATE votes SET answer = '0', revision = revision + 1 "
        "WHERE poll_id = $p AND voter_token = $t",
        {"p": pid, "t": token},
    )
    errors: list[BaseException] = []

    def voter() -> None:
        try:
            live.vote(a, pid, token, "2")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    th = threading.Thread(target=voter)
    th.start()
    deadline = time.monotonic() + 30
    while _waiting_locks(b) == 0 and time.monotonic() < deadline:  # the vote waits for B's row
        threading.Event().wait(0.01)
    assert _waiting_locks(b) > 0
    other.execute("COMMIT")
    other.close()
    th.join(timeout=30)
    assert not th.is_alive() and not errors
    # PostgreSQL refused the waiting vote ("could not serialize access"), the store tried again
    assert core.conflict_retries > before
    assert tally(a, pid) == {"2": 1}
    assert a.scalar("SELECT revision FROM votes WHERE voter_token = $t", {"t": token}) == 2


def test_retries_are_bounded_and_end_in_a_message(replicas):
    a, _b = replicas
    calls = []

    def always_loses() -> None:
        calls.append(1)
        with a.transaction() as cur:
            cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
            raise duckdb.TransactionException(
                "Failed to execute query: ERROR:  could not serialize access due to concurrent update"
            )

    version = a.data_version()
    residents = a.scalar("SELECT residents FROM hubs WHERE hub_id = 1")
    with pytest.raises(StoreConflict) as err:
        retry_conflicts(always_loses, attempts=4, where=a.where)
    assert len(calls) == 4
    assert err.value.message_key == "store.conflict"
    assert "could not serialize access" in str(err.value)
    # nothing written half: every attempt rolled back whole
    assert a.scalar("SELECT residents FROM hubs WHERE hub_id = 1") == residents
    assert a.data_version() == version
    # deadlocks too; a lost server is a fault, never retried
    assert is_conflict(duckdb.Error("ERROR:  deadlock detected"))
    assert not is_conflict(duckdb.IOException("could not connect to server: Connection refused"))


def test_each_replica_sees_the_others_writes_in_one_read(replicas, presenter):
    a, b = replicas
    pid = new_poll(a, presenter)
    token = live.issue_voter_token(a, pid)
    seen = b.versions()
    reads = b.version_reads
    live.vote(a, pid, token, "2")  # on A
    now = b.versions()  # B's next rerun
    assert b.version_reads == reads + 1  # one statement for every topic and poll
    assert now.of_votes(pid) == seen.of_votes(pid) + 1 and now.total == seen.total
    live.close_poll(a, pid, actor=presenter)
    assert b.versions().total == now.total + 1
