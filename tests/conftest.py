"""Shared fixtures: a demo store built once per test session from code, and per-test isolation
(a test's store path is set through the environment, Streamlit caches are cleared)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from creative_dash import store as store_mod
from creative_dash.store.bootstrap import ensure_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo store built once; tests get copies so none can disturb another."""
    path = tmp_path_factory.mktemp("template") / "demo.duckdb"
    s = store_mod.Store(str(path))
    ensure_store(s, with_demo=True)
    s.close()
    return path


@pytest.fixture
def demo_db(demo_db_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo store, set as CREATIVE_DASH_DB for this test."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_template, path)
    monkeypatch.setenv("CREATIVE_DASH_DB", str(path))
    return path


@pytest.fixture
def demo_store(demo_db: Path) -> Iterator[store_mod.Store]:
    s = store_mod.open_store(str(demo_db))
    yield s


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
