"""The shape of the overview's and region page's SQL, which keeps them fast on a large store
(1.5 million initiatives): a filter that is not set is not in the plan, and no query reads an
initiative's title. No timings here: the machine is shared, so only the plans are checked."""

from __future__ import annotations

from typing import Any

import pytest

from creative_dash import queries
from creative_dash.filters import Filters
from creative_dash.store import Store

LANDING = {"years": (2019, 2026)}
PAGE_QUERIES = [
    ("overview_kpis", {}),
    ("region_metrics", {}),
    ("overview_sector_mix", {}),
    ("overview_funding_mix", {}),
    ("overview_started_by_year", {}),
    ("overview_sdg_counts", {}),
    ("overview_kpis", {"regions": ["KZ-71"]}),
    ("overview_status_pipeline", {"regions": ["KZ-71"]}),
    ("overview_funding_mix", {"regions": ["KZ-71"]}),
    ("overview_sector_mix", {"regions": ["KZ-71"]}),
    ("overview_started_by_quarter", {"regions": ["KZ-71"]}),
]


class _RecordingCursor:
    def __init__(self, cur: Any, seen: list[tuple[str, dict]]) -> None:
        self._cur, self._seen = cur, seen

    def execute(self, sql: str, params: Any = None) -> Any:
        self._seen.append((sql, dict(params or {})))
        return self._cur.execute(sql, params or {})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


def _plans(store: Store, monkeypatch: pytest.MonkeyPatch, name: str, **params: Any) -> list[str]:
    """EXPLAIN of every SELECT the named query runs, as text."""
    seen: list[tuple[str, dict]] = []
    plain_cursor = store.cursor
    monkeypatch.setattr(store, "cursor", lambda: _RecordingCursor(plain_cursor(), seen))
    queries.run(store, name, filters=Filters(**params))
    monkeypatch.setattr(store, "cursor", plain_cursor)
    plans = []
    for sql, bound in seen:
        if sql.lstrip().upper().startswith(("WITH", "SELECT")):
            rows = store.query("EXPLAIN " + sql, bound)
            plans.append("\n".join(rows["explain_value"]))
    assert plans
    return plans


@pytest.mark.parametrize(("name", "args"), PAGE_QUERIES)
@pytest.mark.parametrize("years", [(2019, 2026), (2021, 2022)])
def test_no_sector_filter_no_sector_tables(demo_store, monkeypatch, name, args, years):
    for plan in _plans(demo_store, monkeypatch, name, **args, years=years):
        assert "initiative_sectors" not in plan and "hub_sectors" not in plan
        assert "title" not in plan


def test_the_plan_check_sees_a_sector_filter(demo_store, monkeypatch):
    plans = _plans(demo_store, monkeypatch, "overview_kpis", **LANDING, sectors=["music"])
    assert any("initiative_sectors" in p for p in plans)
    assert any("hub_sectors" in p for p in plans)


@pytest.mark.parametrize("name", ["overview_kpis", "region_metrics"])
def test_each_scan_of_initiatives_reads_few_columns(demo_store, monkeypatch, name):
    for plan in _plans(demo_store, monkeypatch, name, **LANDING):
        assert "updated_by" not in plan and "created_at" not in plan
