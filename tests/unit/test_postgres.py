"""The same DuckDB SQL on a shared PostgreSQL attached through DuckDB's postgres extension.

Starts a throw-away PostgreSQL server from Debian's packages (as the postgres user when run as
root). Skipped where PostgreSQL is not installed, except in CI, where that is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from creative_dash import queries
from creative_dash.store import SCHEMA_VERSION, Store
from creative_dash.store.bootstrap import ensure_store

pytestmark = pytest.mark.postgres


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (apt-get install -y postgresql)")
        pytest.skip("PostgreSQL is not installed")
    root = tempfile.mkdtemp(prefix="cd-pg-", dir="/tmp")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data = os.path.join(root, "data")
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_postgres(cmd), check=True, capture_output=True)  # noqa: E731
    run([f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres"])
    # -w: pg_ctl returns when the server accepts connections (waits on state, not on time)
    run(
        [
            f"{bindir}/pg_ctl",
            "-D",
            data,
            "-w",
            "-l",
            os.path.join(root, "log"),
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
            "start",
        ]
    )
    try:
        run([f"{bindir}/createdb", "-h", "127.0.0.1", "-p", str(port), "creative"])
        yield f"postgresql://postgres@127.0.0.1:{port}/creative"
    finally:
        run([f"{bindir}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


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
