"""Shared fixtures: a demo store built once per test session from code, and per-test isolation
(a test's store path is set through the environment, Streamlit caches are cleared).

The store is a DuckDB file, or with ``CREATIVE_DASH_TEST_BACKEND=postgres`` a database on a
throw-away PostgreSQL (Debian's packages, tests/pg.py): the demo store is built once as a
template database and every test gets its own copy (``createdb -T``), dropped afterwards. ``make
test`` runs the store, query and page tests a second time so (``make test-postgres``). A test that
is inherently about the DuckDB file (copying, damaging or locking it) is marked
``duckdb_file_only(reason)`` and skipped on PostgreSQL.

The demo store holds three accounts (created by the command line's system actor): a presenter,
a ministry admin and a region editor of KZ-10 (Abai); the fixtures ``presenter``, ``admin`` and
``editor_kz10`` give their user ids, which is what a signed-in session holds."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from creative_dash import store as store_mod
from creative_dash.access import CLI
from creative_dash.store import reference, users
from creative_dash.store.bootstrap import ensure_store

ROOT = Path(__file__).resolve().parent.parent
BACKEND = os.environ.get("CREATIVE_DASH_TEST_BACKEND", "duckdb")
ON_POSTGRES = BACKEND == "postgres"
if BACKEND not in ("duckdb", "postgres"):
    raise SystemExit(f"CREATIVE_DASH_TEST_BACKEND={BACKEND!r}: duckdb or postgres")
# Template databases are never opened after they are built: createdb -T needs them idle.
PG_TEMPLATE, PG_REFERENCE_TEMPLATE = "demo_template", "reference_template"


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its production cost (64 MiB, 3 passes) takes 0.1-0.7 s a hash on this machine:
    tests hash with the same algorithm at the lowest cost, or the sign-in tests take minutes."""
    saved = users._HASHER, users._DUMMY_HASH
    users._HASHER, users._DUMMY_HASH = CHEAP_HASHER, None
    yield
    users._HASHER, users._DUMMY_HASH = saved


def _build(location: str, *, with_demo: bool = True) -> None:
    s = store_mod.Store(location)
    ensure_store(s, with_demo=with_demo)
    for login, role, region in ACCOUNTS:
        account(s, login, role, region)
    s.close()


@pytest.fixture(scope="session")
def test_pg_server() -> Iterator[object]:
    """The session's throw-away PostgreSQL (CREATIVE_DASH_TEST_BACKEND=postgres only)."""
    from tests.pg import NO_DURABILITY, throwaway_server

    with throwaway_server(NO_DURABILITY) as server:
        yield server


def _copies(server: Any, template: str, *, with_demo: bool) -> Iterator[Any]:
    """Copies of a store built once in the template database ``template``."""
    from tests.pg import Copies

    _build(server.createdb(template), with_demo=with_demo)
    copies = Copies(server, template)
    try:
        yield copies
    finally:
        copies.close()


@pytest.fixture(scope="session")
def test_pg(test_pg_server: Any) -> Iterator[Any]:
    """Copies of the demo store on the session's PostgreSQL."""
    yield from _copies(test_pg_server, PG_TEMPLATE, with_demo=True)


@pytest.fixture(scope="session")
def test_pg_reference(test_pg_server: Any) -> Iterator[Any]:
    """Copies of the reference-only store on the session's PostgreSQL."""
    yield from _copies(test_pg_server, PG_REFERENCE_TEMPLATE, with_demo=False)


def _pg_copy(copies: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A test's own copy (its URL, set as CREATIVE_DASH_DB), dropped after the test."""
    name, url = copies.take()
    monkeypatch.setenv("CREATIVE_DASH_DB", url)
    yield url
    store_mod.close_all()
    copies.drop(name)


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """A demo store built once; tests get copies so none can disturb another. On PostgreSQL the
    URL of a copy the tests may read (the template itself stays idle for createdb -T)."""
    if ON_POSTGRES:
        return request.getfixturevalue("test_pg").take()[1]
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    _build(str(path))
    return path


@pytest.fixture(scope="session")
def reference_db_template(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    """A store as ``init`` without ``--demo`` builds it (reference data only: regions,
    populations, sectors, indicator definitions, the programme's facts), with the test accounts.
    On PostgreSQL the URL of a copy the tests may read."""
    if ON_POSTGRES:
        return request.getfixturevalue("test_pg_reference").take()[1]
    path = tmp_path_factory.mktemp("reference") / "reference.duckdb"
    _build(str(path), with_demo=False)
    return path


@pytest.fixture
def reference_db(
    reference_db_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Path]:
    """A private copy of the reference-only store, set as CREATIVE_DASH_DB for this test (on
    PostgreSQL a database: its URL)."""
    if ON_POSTGRES:
        yield from _pg_copy(request.getfixturevalue("test_pg_reference"), monkeypatch)  # type: ignore[misc]
        return
    path = tmp_path / "reference.duckdb"
    shutil.copy(reference_db_template, path)
    monkeypatch.setenv("CREATIVE_DASH_DB", str(path))
    yield path


CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"  # every test account's password
ACCOUNTS = (
    ("presenter", "presenter", None),
    ("admin", "admin", None),
    ("editor-kz10", "region_editor", "KZ-10"),
)


def load_reference_of_version_1(store: store_mod.Store) -> None:
    """Reference data into a store migrated only to an early version (``migrate(target=...)``):
    the tables whose shape version 1 already had (region_population gained columns in 5)."""
    for name, (table, build, source) in reference.DATASETS.items():
        if table != "region_population":
            reference.replace_table(  # type: ignore[operator]
                store, table, build(), dataset=name, source=source, is_demo=False
            )


def account(store: store_mod.Store, login: str, role: str, region: str | None = None) -> str:
    """The user id of the account ``login``, created (by the CLI actor) if missing."""
    user = users.find_user(store, login)
    if user is None:
        user = users.create_user(
            store, CLI, login=login, role=role, region=region, password=PASSWORD
        )
    return user.user_id


def presenter_id(store: store_mod.Store) -> str:
    """The presenter account's user id (created if the store has none, as in e2e stores)."""
    return account(store, "presenter", "presenter")


@pytest.fixture
def demo_db(
    demo_db_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Path]:
    """A private copy of the demo store, set as CREATIVE_DASH_DB for this test: a file (its
    path), or on PostgreSQL a database (its URL; str() of either is the store's location)."""
    if ON_POSTGRES:
        yield from _pg_copy(request.getfixturevalue("test_pg"), monkeypatch)  # type: ignore[misc]
        return
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_template, path)
    monkeypatch.setenv("CREATIVE_DASH_DB", str(path))
    yield path


@pytest.fixture
def demo_store(demo_db: Path) -> Iterator[store_mod.Store]:
    s = store_mod.open_store(str(demo_db))
    yield s


@pytest.fixture
def presenter(demo_store: store_mod.Store) -> str:
    return account(demo_store, "presenter", "presenter")


@pytest.fixture
def admin(demo_store: store_mod.Store) -> str:
    return account(demo_store, "admin", "admin")


@pytest.fixture
def editor_kz10(demo_store: store_mod.Store) -> str:
    return account(demo_store, "editor-kz10", "region_editor", "KZ-10")


@pytest.fixture(autouse=True)
def _isolate() -> Iterator[None]:
    """Every test starts with no open stores and empty Streamlit caches."""
    yield
    store_mod.close_all()
    try:
        import streamlit as st
    except ImportError:  # pragma: no cover
        return
    st.cache_data.clear()
    st.cache_resource.clear()
    from creative_dash import ui

    ui.clear_caches()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("CREATIVE_DASH_DEMO_ON_START", "0")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    for item in items:
        mark = item.get_closest_marker("duckdb_file_only")
        if mark is not None:
            reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
            assert reason, f"{item.nodeid}: duckdb_file_only needs a reason"
            item.add_marker(pytest.mark.skip(reason=f"DuckDB file only: {reason}"))
