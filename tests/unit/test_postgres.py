"""The same DuckDB SQL on a shared PostgreSQL attached through DuckDB's postgres extension.

Starts a throw-away PostgreSQL server from Debian's packages (as the postgres user when run as
root). Skipped where PostgreSQL is not installed, except in CI, where that is a failure.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from creative_dash import queries
from creative_dash.store import SCHEMA_VERSION, Store, StoreUnreachable, local_copy
from creative_dash.store.bootstrap import ensure_store
from creative_dash.store.core import INIT_LOCK_KEY
from creative_dash.store.local_copy import LocalCopy
from tests.pg import PgServer, _as_postgres, throwaway_server
from tests.unit import test_constraints as constraints

__all__ = ["PgServer", "_as_postgres", "pg_server"]  # the other PostgreSQL tests use these

pytestmark = pytest.mark.postgres


def _extension() -> Path:
    import duckdb_extension_postgres_scanner as ext

    return next(
        Path(ext.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension")
    )


@pytest.fixture(scope="module")
def pg_server() -> Iterator[PgServer]:
    with throwaway_server() as server:
        yield server


@pytest.fixture(scope="module")
def pg_url(pg_server: PgServer) -> str:
    return pg_server.createdb("creative")


@pytest.fixture(scope="module")
def pg_store(pg_url: str) -> Iterator[Store]:
    s = Store(pg_url)
    ensure_store(s, with_demo=True)
    yield s
    s.close()


def test_init_on_postgres_is_idempotent(pg_store):
    assert pg_store.is_postgres
    assert pg_store.schema_version() == SCHEMA_VERSION
    version = pg_store.data_version()
    ensure_store(pg_store, with_demo=True)
    assert pg_store.data_version() == version
    assert pg_store.scalar("SELECT count(*) FROM initiatives") == 1500


def test_rows_really_live_in_postgres(pg_url, pg_store):
    # a second, independent connection sees the same rows: they are not in DuckDB's memory
    other = Store(pg_url)
    try:
        assert other.scalar("SELECT count(*) FROM regions") == 20
        assert other.data_version() == pg_store.data_version()
    finally:
        other.close()


def _no_arg_queries() -> list[str]:
    import inspect

    names = []
    for name, fn in sorted(queries.REGISTRY.items()):
        params = list(inspect.signature(fn).parameters.values())[1:]
        # store_facts holds data versions, which differ between two stores by design
        if name != "store_facts" and all(p.default is not inspect.Parameter.empty for p in params):
            names.append(name)
    return names


# Who did what and when, and which accounts exist, differ between two stores by design (the
# demo store of the tests has accounts, the PostgreSQL one none): these queries run on both and
# give the same columns; the audit log is never empty (loads and migrations are in it).
LOG_QUERIES = {"audit_log_rows", "audit_actors", "audit_tables", "audit_period", "user_accounts"}


def _sortable(df: pd.DataFrame) -> pd.DataFrame:
    """List columns (an initiative's SDGs, its further sectors) as tuples, so rows sort."""
    listed = [
        c
        for c in df.columns
        if df[c].dtype == object and df[c].map(lambda v: isinstance(v, list | np.ndarray)).any()
    ]
    return df.assign(**{c: df[c].map(lambda v: tuple(v) if v is not None else ()) for c in listed})


@pytest.mark.parametrize("name", _no_arg_queries())
def test_same_sql_same_answer_on_duckdb_and_postgres(name, pg_store, demo_store):
    if name in LOG_QUERIES:
        a, b = queries.run(demo_store, name), queries.run(pg_store, name)
        assert list(a.columns) == list(b.columns)
        assert name == "user_accounts" or (len(b) > 0 and b.notna().any().any()), b
        return
    if name == "dataset_loads":
        cols = ["dataset", "is_demo", "row_count"]
    else:
        cols = None
    a = queries.run(demo_store, name)
    b = queries.run(pg_store, name)
    if cols:
        a, b = a[cols], b[cols]
    assert list(a.columns) == list(b.columns)
    a, b = _sortable(a), _sortable(b)
    a = a.sort_values(list(a.columns)).reset_index(drop=True)
    b = b.sort_values(list(b.columns)).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-9)


def test_writes_bump_version_and_roll_back_on_postgres(pg_store):
    version = pg_store.data_version()
    with pytest.raises(RuntimeError):
        with pg_store.transaction() as cur:
            cur.execute("DELETE FROM hubs")
            raise RuntimeError("boom")
    assert pg_store.scalar("SELECT count(*) FROM hubs") > 0
    assert pg_store.data_version() == version
    with pg_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    assert pg_store.data_version() == version + 1


def test_data_version_sees_other_writers_on_postgres(pg_url, pg_store):
    # other processes may write to a shared PostgreSQL: its version is read on every call
    version = pg_store.data_version()
    other = Store(pg_url)
    try:
        with other.transaction() as cur:
            cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    finally:
        other.close()
    assert pg_store.data_version() == version + 1


@pytest.fixture
def reader(pg_url: str) -> Iterator[Store]:
    """Another replica's store on the same PostgreSQL, with its local copy."""
    store = Store(pg_url)
    yield store
    store.close()


@pytest.fixture
def copy(reader: Store) -> LocalCopy:
    """The reader's local copy of the analytic tables."""
    assert reader.local_copy is not None
    return reader.local_copy


def test_reads_run_on_a_local_copy_that_follows_every_replicas_writes(reader, copy, pg_store):
    # the analytic tables are read from a copy in this process (creative_dash.store.local_copy),
    # made again when their data version moves, whoever wrote; never older than the store
    hubs = reader.scalar("SELECT sum(residents) FROM hubs")
    assert copy.refreshes == 1
    assert {"initiatives", "initiative_sdgs", "hubs", "regions"} <= set(copy.copied)
    assert not {"votes", "users", "audit_log", "data_versions"} & set(copy.copied)
    reader.query("SELECT count(*) FROM initiatives")
    assert copy.refreshes == 1  # nothing written since: no new copy
    with pg_store.transaction() as cur:  # another replica's write
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    assert reader.scalar("SELECT sum(residents) FROM hubs") == hubs + 1
    assert copy.refreshes == 2
    with reader.snapshot() as cur:  # a snapshot reads the copy too
        assert cur.execute("SELECT sum(residents) FROM hubs").fetchone()[0] == hubs + 1
    # tables not copied are read from PostgreSQL as they are, without a new copy
    before = reader.scalar("SELECT count(*) FROM audit_log")
    with pg_store.transaction(topic=None) as cur:
        cur.execute(
            "INSERT INTO audit_log VALUES ('t-copy', now(), 'system', 'hubs', '1', "
            "'update', NULL, NULL)"
        )
    assert reader.scalar("SELECT count(*) FROM audit_log") == before + 1
    assert copy.refreshes == 2


def test_reads_pinned_to_one_runs_versions_read_one_copy(reader, copy, pg_store, monkeypatch):
    # A run of a page reads the versions once and pins its reads to them (Store.read_pin):
    # PostgreSQL is not asked for the copy's key again, and every read of a run reads the same
    # copy, even when another replica writes (and another run refreshes the copy) meanwhile.
    monkeypatch.setattr(local_copy, "KEEP_S", 3600.0)
    old = reader.versions()
    pin = [old]
    reader.read_pin = lambda: pin[0]
    hubs = reader.scalar("SELECT sum(residents) FROM hubs")  # run 1's first read
    asked = copy.key_reads
    assert asked == 0 and copy.refreshes == 1
    with pg_store.transaction() as cur:  # another replica's write, during run 1
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    assert reader.scalar("SELECT sum(residents) FROM hubs") == hubs  # run 1 is pinned
    pin[0] = reader.versions()  # run 2 begins: it reads the versions once
    assert reader.scalar("SELECT sum(residents) FROM hubs") == hubs + 1
    assert copy.refreshes == 2
    pin[0] = old  # run 1 reads on, after run 2 refreshed the copy: still its own copy
    assert reader.scalar("SELECT sum(residents) FROM hubs") == hubs
    with reader.snapshot() as cur:
        assert cur.execute("SELECT sum(residents) FROM hubs").fetchone()[0] == hubs
    assert copy.key_reads == asked  # pinned reads never asked PostgreSQL for the key
    # a read of no run (the command line, a thread) asks, and reads the newest
    reader.read_pin = lambda: None
    assert reader.scalar("SELECT sum(residents) FROM hubs") == hubs + 1
    assert copy.key_reads == asked + 1 and copy.refreshes == 2


def test_a_run_pinned_before_a_refresh_it_did_not_meet_reads_the_newest(reader, copy, pg_store):
    # run 1 read its versions, then another run refreshed the copy before run 1's first read:
    # run 1 reads the newest copy (newer than its versions, never older), in all its reads
    old = reader.versions()  # run 1 begins; it has not read yet
    with pg_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 2")
    reader.read_pin = lambda: None
    newest = reader.scalar("SELECT sum(residents) FROM hubs")  # another run's refresh
    refreshes = copy.refreshes
    reader.read_pin = lambda: old
    assert reader.scalar("SELECT sum(residents) FROM hubs") == newest
    assert copy.refreshes == refreshes


def test_the_copy_before_is_emptied_once_no_run_needs_it(reader, copy, pg_store, monkeypatch):
    monkeypatch.setattr(local_copy, "KEEP_S", 0.0)
    reader.scalar("SELECT count(*) FROM initiatives")
    first = reader.scalar("SELECT current_database()")
    with pg_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 3")
    reader.scalar("SELECT count(*) FROM initiatives")  # a refresh into the other copy
    with pg_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 3")
    reader.scalar("SELECT count(*) FROM initiatives")  # and back: the first is emptied
    second = next(c for c in local_copy.SLOTS if c != first)
    left = reader.scalar(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_catalog = $c AND table_type = 'BASE TABLE'",
        {"c": second},
    )
    assert copy.refreshes == 3 and left == 0


def test_a_refresh_reads_from_postgres_only_the_tables_written_since(reader, copy, pg_store):
    # an edit of one hub at 1.5 M initiatives must not copy the initiatives again: each table's
    # fingerprint (rows, newest transaction) says which changed; the others are kept or copied
    # locally from the current copy
    first = reader.scalar("SELECT count(*) FROM initiatives")
    assert "initiatives" in copy.fetched and copy.refreshes == 1
    with pg_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 4")
    residents = reader.scalar("SELECT residents FROM hubs WHERE hub_id = 4")
    assert copy.refreshes == 2
    assert "hubs" in copy.fetched and "initiatives" not in copy.fetched
    assert residents == pg_store.scalar("SELECT residents FROM hubs WHERE hub_id = 4")
    assert set(copy.copied) >= {"hubs", "initiatives"}
    # a deleted row alone (only the count moves), in a table the copy took locally last time
    hub, sector = pg_store.query("SELECT hub_id, sector_code FROM hub_sectors LIMIT 1").iloc[0]
    links = reader.scalar("SELECT count(*) FROM hub_sectors")
    with pg_store.transaction() as cur:
        cur.execute(
            "DELETE FROM hub_sectors WHERE hub_id = $h AND sector_code = $s",
            {"h": int(hub), "s": str(sector)},
        )
    try:
        assert reader.scalar("SELECT count(*) FROM hub_sectors") == links - 1
        assert "hub_sectors" in copy.fetched
        assert not {"hubs", "initiatives"} & set(copy.fetched)
        assert reader.scalar("SELECT count(*) FROM initiatives") == first
    finally:
        with pg_store.transaction() as cur:
            cur.execute(
                "INSERT INTO hub_sectors VALUES ($h, $s)", {"h": int(hub), "s": str(sector)}
            )


def test_local_copy_can_be_switched_off(pg_url, pg_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_PG_LOCAL_COPY", "0")
    plain = Store(pg_url)
    try:
        assert plain.local_copy is None
        assert plain.scalar("SELECT count(*) FROM initiatives") == 1500
    finally:
        plain.close()


def test_accounts_rights_and_voter_tokens_on_postgres(pg_store):
    # the constraints of migration 004 hold on PostgreSQL too, and the gateway works there
    import duckdb

    from creative_dash import live
    from creative_dash.access import CLI, AccessDenied
    from creative_dash.store import users

    editor = users.create_user(
        pg_store, CLI, login="pg-editor", role="region_editor", region="KZ-10", password="p" * 16
    )
    presenter = users.create_user(pg_store, CLI, login="pg-presenter", role="presenter")
    for bad in (
        "INSERT INTO users (user_id, login, display_name, role, region_iso, created_at, "
        "created_by, updated_at, updated_by, role_changed_at) VALUES ('u-x', 'x', 'x', "
        "'presenter', 'KZ-10', now(), 't', now(), 't', now())",  # region on a non-editor
        "INSERT INTO users (user_id, login, display_name, role, region_iso, created_at, "
        "created_by, updated_at, updated_by, role_changed_at) VALUES ('u-y', 'y', 'y', "
        "'region_editor', 'KZ-00', now(), 't', now(), 't', now())",  # no such region
        "UPDATE users SET role = 'viewer' WHERE login = 'pg-editor'",
    ):
        with pytest.raises(duckdb.Error):
            with pg_store.transaction() as cur:
                cur.execute(bad)
    assert users.verify_password(pg_store, "pg-editor", "p" * 16, "c") is not None
    pid = live.create_poll(pg_store, kind="rating", question={"en": "Q?"}, actor=presenter.user_id)
    live.open_poll(pg_store, pid, actor=presenter.user_id)
    with pytest.raises(AccessDenied, match="role"):
        live.close_poll(pg_store, pid, actor=editor.user_id)
    token = live.issue_voter_token(pg_store, pid)
    assert live.vote(pg_store, pid, token, 5) == "5"
    with pytest.raises(live.LiveError, match="bad_token"):
        live.vote(pg_store, pid, "forgedtoken00000Nxx", 5)
    assert pg_store.scalar("SELECT count(*) FROM audit_log WHERE action = 'refused'") == 1
    # regions reload in place while a user is bound to one
    from creative_dash.store import reference

    frame = reference.regions_frame()
    frame.loc[frame["iso_code"] == "KZ-10", "notes"] = "pg reload"
    assert reference.replace_table(
        pg_store, "regions", frame, dataset="regions", source="test", is_demo=False
    )
    assert pg_store.scalar("SELECT notes FROM regions WHERE iso_code = 'KZ-10'") == "pg reload"


def test_edits_with_row_versions_and_follow_up_on_postgres(pg_store):
    # the follow-up note (migration 007) on PostgreSQL, and an edit saved in the
    # browser (issue 16) is all or nothing there too: a stale row version writes nothing
    from creative_dash import editing
    from creative_dash.access import CLI
    from creative_dash.store import edits, gateway, users

    editor = users.create_user(
        pg_store, CLI, login="pg-edit-16", role="region_editor", region="KZ-10", password="p" * 16
    ).user_id
    base = queries.run(pg_store, "edit_rows", table="initiatives", region="KZ-10")
    first, second = base.copy(), base.copy()
    first.loc[0, "title"] = "First"
    second.loc[0, "title"] = "Second"
    spec = editing.SPECS["initiatives"]
    edits.save(pg_store, editor, "initiatives", editing.diff(spec, base, first), region="KZ-10")
    with pytest.raises(gateway.StaleRow):
        edits.save(
            pg_store, editor, "initiatives", editing.diff(spec, base, second), region="KZ-10"
        )
    key = int(base.iloc[0]["initiative_id"])
    row = pg_store.query(
        "SELECT title, version FROM initiatives WHERE initiative_id = $k", {"k": key}
    )
    assert row.iloc[0]["title"] == "First" and row.iloc[0]["version"] == base.iloc[0]["version"] + 1
    recs = queries.run(pg_store, "edit_rows", table="recommendations", region="KZ-10")
    proposed = recs[recs["status"] == "proposed"].index[0]
    edited = recs.copy()
    edited.loc[proposed, ["status", "follow_up_note"]] = ["accepted", "Қабылданды"]
    changes = editing.diff(editing.SPECS["recommendations"], recs, edited)
    edits.save(pg_store, editor, "recommendations", changes, region="KZ-10")
    rec = int(recs.loc[proposed, "recommendation_id"])
    history = queries.run(pg_store, "row_history", table="recommendations", key=rec)
    assert history.iloc[0]["action"] == "update" and "Қабылданды" in history.iloc[0]["after_json"]


# -- hardening (issue 15) -------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]


def _init(url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "creative_dash", "init", "--demo", "--db", url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_inits_at_once_both_succeed(pg_server):
    """Case 4: the second used to end in a serialization traceback."""
    url = pg_server.createdb("creative_twice")
    procs = [_init(url), _init(url)]
    outs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, out + err
        assert "Traceback" not in out + err
    store = Store(url)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.scalar("SELECT count(*) FROM initiatives") == 1500
        assert store.scalar("SELECT count(*) = count(DISTINCT version) FROM schema_version")
    finally:
        store.close()


def test_an_init_waits_for_the_init_lock(pg_server):
    """Another session holds the init lock (pg_advisory_xact_lock): init says it waits, and
    goes on once the lock is released."""
    url = pg_server.createdb("creative_wait")
    holder = duckdb.connect(":memory:")
    holder.execute(f"LOAD '{_extension()}'")
    holder.execute(f"ATTACH '{url}' AS store (TYPE postgres)")
    holder.execute("BEGIN TRANSACTION")
    got = holder.execute(
        "SELECT * FROM postgres_query('store', "  # noqa: S608
        f"'SELECT pg_try_advisory_xact_lock({INIT_LOCK_KEY})')"
    ).fetchone()
    assert got == (True,)
    proc = _init(url)
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # wait on what init says, not on time
            seen.append(line)
            if "waiting for another init" in line:
                break
        assert any("waiting for another init" in line for line in seen), seen
        assert proc.poll() is None  # still waiting
        assert Store(url).schema_version() == 0  # and did nothing meanwhile
    finally:
        holder.execute("ROLLBACK")  # releases the lock
        holder.close()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert "demo data: hubs" in out


def test_the_app_connection_on_postgres_cannot_reach_the_servers_files(pg_store, tmp_path):
    for sql in (
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM read_csv('/etc/passwd')",
        f"COPY (SELECT 1 AS x) TO '{tmp_path}/x.csv'",
        f"ATTACH '{tmp_path}/other.duckdb' AS other",
        "SET lock_configuration = false",
    ):
        cur = pg_store.cursor()  # what Store.query runs the statement on
        try:
            with pytest.raises(duckdb.Error):
                cur.execute(sql)
        finally:
            cur.close()
    with pytest.raises(duckdb.PermissionException):
        pg_store.query("SELECT content FROM read_text('/etc/hostname')")
    assert not list(tmp_path.iterdir())
    assert pg_store.scalar("SELECT count(*) FROM regions") == 20


def test_a_stopped_server_is_unreachable_and_its_return_needs_no_restart(pg_server, pg_url):
    """Runs last in this module: it stops the module's server (and starts it again)."""
    url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:Secret-pw@")
    store = Store(url)
    try:
        assert store.scalar("SELECT count(*) FROM regions") == 20
        pg_server.stop()
        try:
            for _ in range(2):
                with pytest.raises(StoreUnreachable) as err:
                    store.scalar("SELECT count(*) FROM regions")
                assert "Secret-pw" not in str(err.value) and "postgres:***@" in str(err.value)
                assert err.value.message_key == "store.unreachable"
        finally:
            pg_server.start()
        assert store.scalar("SELECT count(*) FROM regions") == 20  # the same Store, no restart
        store.check()
    finally:
        store.close()


# -- the store refuses bad data on PostgreSQL too (cases of tests/unit/test_constraints.py) --------
@pytest.mark.parametrize(
    ("name", "table", "changes"), constraints.refusal_cases(), ids=lambda v: str(v)
)
def test_postgres_refuses_bad_rows(pg_store, name, table, changes):
    constraints.check_refused(pg_store, table, changes)


@pytest.mark.parametrize(
    ("name", "table", "changes"), constraints.acceptance_cases(), ids=lambda v: str(v)
)
def test_postgres_takes_every_allowed_value(pg_store, name, table, changes):
    constraints.check_accepted(pg_store, table, changes)


def test_an_old_postgres_store_with_bad_rows_migrates_and_reports_them(pg_server):
    s = Store(pg_server.createdb("old_with_bad_rows"))
    try:
        before = constraints.build_old_store_with_bad_rows(s)
        constraints.check_old_store_migrates_and_reports(s, before)
    finally:
        s.close()


def test_imported_population_survives_init_on_postgres(pg_server, monkeypatch):
    from creative_dash.access import CLI
    from creative_dash.store import users

    s = Store(pg_server.createdb("imports_survive"))
    try:
        ensure_store(s, with_demo=False)
        admin = users.create_user(s, CLI, login="ministry", role="admin", password="p" * 16).user_id
        constraints.edit_population_reference(monkeypatch)
        constraints.check_imports_survive_a_reload(
            s, admin, lambda: ensure_store(s, with_demo=False)
        )
    finally:
        s.close()
