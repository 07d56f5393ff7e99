"""A replica started on an empty shared PostgreSQL: schema and reference data, never demo rows
(the deployment walk-through found the first replica filling the ministry's database with demo
data). The embedded DuckDB file keeps its demo on first start (the README's first command)."""

from __future__ import annotations

import pytest

from creative_dash.ui import cache
from tests.unit.test_postgres import PgServer, pg_server  # noqa: F401 - the server fixture

pytestmark = pytest.mark.postgres


def test_demo_on_start_is_for_the_embedded_file_only(monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DEMO_ON_START", "1")
    assert cache.demo_on_start("data/local/creative_dash.duckdb")
    assert not cache.demo_on_start("postgresql://u:p@db:5432/creative_dash")
    assert not cache.demo_on_start("postgres://u:p@db/creative_dash")
    monkeypatch.setenv("CREATIVE_DASH_DEMO_ON_START", "0")
    assert not cache.demo_on_start("data/local/creative_dash.duckdb")


def test_a_replica_on_an_empty_postgresql_loads_no_demo(pg_server: PgServer, monkeypatch):  # noqa: F811
    monkeypatch.setenv("CREATIVE_DASH_DEMO_ON_START", "1")  # the default
    url = pg_server.createdb("replica_start")
    monkeypatch.setenv("CREATIVE_DASH_DB", url)
    cache._store.clear()
    try:
        s = cache.store()
        assert s.is_postgres and s.schema_version() > 0
        assert s.scalar("SELECT count(*) FROM regions") == 20  # reference data
        assert s.scalar("SELECT count(*) FROM initiatives") == 0
        assert s.scalar("SELECT count(*) FROM hubs") == 0
    finally:
        cache._store.clear()
