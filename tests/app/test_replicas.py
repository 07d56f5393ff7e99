"""A page on one replica of a shared PostgreSQL follows another replica's writes at its next
rerun, reading the data versions from PostgreSQL once per rerun (issue 17); a store that is
unreachable is said to be retried, in the user's language."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from creative_dash import live
from creative_dash.access import CLI
from creative_dash.i18n import LANGS, t
from creative_dash.navigation import DEFAULT_PAGE
from creative_dash.store import SCHEMA_VERSION, Store, open_store, users
from creative_dash.store.bootstrap import ensure_store
from creative_dash.store.local_copy import make_key
from tests.app.apptest import open_page, page_text
from tests.unit.test_postgres import PgServer, pg_server  # noqa: F401 - the server fixture

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_db(pg_server: PgServer) -> str:  # noqa: F811
    url = pg_server.createdb("apptest_replicas")
    s = Store(url)
    ensure_store(s, with_demo=True)
    s.close()
    return url


@pytest.fixture
def other_replica(pg_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("CREATIVE_DASH_DB", pg_db)
    other = Store(pg_db)  # another process's connection, not this one's
    yield other
    other.close()


def about_text(version: int) -> str:
    return t("en", "about.store_text", schema=SCHEMA_VERSION, data=version)


def test_a_write_on_another_replica_shows_at_the_next_rerun(other_replica, pg_db):
    at = open_page("about", "en")
    assert not at.exception, at.exception
    here = open_store(pg_db)  # the store this "replica" (the AppTest's process) runs on
    version = here.data_version()
    assert about_text(version) in page_text(at)

    presenter = users.create_user(other_replica, CLI, login="replica-b", role="presenter")
    live.create_poll(other_replica, kind="rating", question={"en": "Q?"}, actor=presenter.user_id)
    assert other_replica.data_version() == version + 2  # the account and the poll

    reads = here.version_reads
    at.run()  # the next rerun on this replica
    assert not at.exception
    assert about_text(version + 2) in page_text(at)  # no stale page
    # every query of the rerun (sidebar, badge, page) keyed by one read of the versions
    assert here.version_reads == reads + 1


def test_a_rerun_reads_the_local_copy_at_its_versions_asking_postgres_once(other_replica, pg_db):
    # The overview's rerun after another replica's import-like write: the versions read once,
    # the copy refreshed to them without asking PostgreSQL for its key again, the new data shown
    at = open_page(DEFAULT_PAGE, "en")
    assert not at.exception, at.exception
    here = open_store(pg_db)
    copy = here.local_copy
    assert copy is not None
    with other_replica.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    reads, asked, refreshes = here.version_reads, copy.key_reads, copy.refreshes
    at.run()
    assert not at.exception
    assert here.version_reads == reads + 1
    assert copy.key_reads == asked  # every read of the rerun used the versions it read
    assert copy.refreshes == refreshes + 1
    now = other_replica.versions()
    assert copy.key == make_key(now.topics, now.schema)


@pytest.mark.parametrize("lang", LANGS)
def test_an_unreachable_store_is_retried_by_itself(monkeypatch, lang):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CREATIVE_DASH_DB", f"postgresql://postgres@127.0.0.1:{port}/x")
    at = open_page(DEFAULT_PAGE, lang)
    assert not at.exception
    assert t(lang, "store.unreachable") in [e.value for e in at.error]
    assert t(lang, "store.retrying") in [e.value for e in at.info]
