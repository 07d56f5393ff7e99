"""A filter change reruns the page, and the browser renders every element of the rerun again:
what stands above a page's main chart (its filters, a table, figures) keeps its place but is sent
after the chart (``ui.later``), so the chart is not kept waiting (bench/README.md, third pass).

These tests record the order in which a page sends its main chart and those elements, and check
that the elements sent later still stand where they belong on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import streamlit as st
from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.testing.v1 import AppTest

from creative_dash import ui
from creative_dash.i18n import t
from creative_dash.ui import plotly_view, urlstate
from tests.app.apptest import open_page

BINDINGS = (urlstate.AnyOf, urlstate.OneOf, urlstate.Text, urlstate.YearSpan)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the page sends or runs, in order: ``chart:<key>``, ``filter:<key>`` (a widget bound
    to the URL: the bindings' ``draw``), ``table``, ``dataframe:<key>``, ``query:<name>``."""
    order: list[str] = []

    def spy(target: Any, name: str, label: Callable[..., str]) -> None:
        original = getattr(target, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            order.append(label(*args, **kwargs))
            return original(*args, **kwargs)

        monkeypatch.setattr(target, name, wrapper)

    spy(plotly_view, "show", lambda *a, **k: f"chart:{k['key']}")
    for binding in BINDINGS:
        spy(binding, "draw", lambda self, *a, **k: f"filter:{self.key}")
    spy(st, "table", lambda *a, **k: "table")
    spy(st, "dataframe", lambda *a, **k: f"dataframe:{k.get('key')}")
    spy(ui, "q", lambda *a, **k: f"query:{a[0]}")
    return order


def _before(order: list[str], first: str, then: list[str]) -> None:
    assert first in order, order
    assert then, order
    for item in then:
        assert order.index(first) < order.index(item), order


def screen_order(at: AppTest) -> list[str]:
    """The keys of the page's widgets and charts (and its expanders' labels), top to bottom as
    the reader sees them."""
    keys = []
    for node in at.main:
        if getattr(node, "type", "") == "expander":
            keys.append(f"expander:{node.label}")
        if hasattr(node, "children"):
            continue  # a container: its elements follow
        element_id = getattr(getattr(node, "proto", None), "id", "")
        key = getattr(node, "key", None) or (element_id and user_key_from_element_id(element_id))
        if key:
            keys.append(key)
    return keys


def _above(at: AppTest, upper: list[str], lower: str) -> None:
    on_screen = screen_order(at)
    assert lower in on_screen, on_screen
    for key in upper:
        assert key in on_screen, (key, on_screen)
        assert on_screen.index(key) < on_screen.index(lower), on_screen


def test_initiatives_sends_its_first_chart_before_the_filters(demo_db, sent):
    at = open_page("initiatives", "en")
    filters = [s for s in sent if s.startswith("filter:in_") and s != "filter:in_jobs_by"]
    assert {"filter:in_regions", "filter:in_origin", "filter:in_q", "filter:in_sort"} <= set(
        filters
    )
    _before(sent, "chart:in_chart_budget", [*filters, "query:initiatives_page"])
    _above(at, ["in_regions", "in_q", "in_sort", "in_page"], "in_chart_budget")


def test_hubs_sends_the_map_before_the_filters(demo_db, sent):
    at = open_page("hubs", "en")
    filters = [s for s in sent if s.startswith("filter:hubs_")]
    assert {"filter:hubs_type", "filter:hubs_status", "filter:hubs_size"} <= set(filters)
    assert "filter:hubs_years" in filters
    _before(sent, "chart:hubs_map", filters)
    _above(at, ["hubs_type", "hubs_years", "hubs_size"], "hubs_map")


def test_overview_sends_the_map_before_its_filters_and_metric_selector(demo_db, sent):
    at = open_page("overview", "en")
    at.session_state["ov_filters"] = True  # the filters' section open: its widgets are drawn
    sent.clear()
    at.run()
    assert not at.exception
    _before(sent, "chart:ov_map", ["filter:ov_sectors", "filter:ov_status", "filter:ov_metric"])
    _before(sent, "chart:ov_map", ["query:overview_kpis"])
    _above(at, ["ov_sectors", "ov_metric"], "ov_map")


def test_region_sends_the_peer_chart_before_the_peer_table(demo_db, sent):
    at = open_page("region", "en", region="KZ-71")
    _before(sent, "chart:rg_peer_chart", ["table", "query:overview_kpis"])
    assert len(at.table) >= 1 and not at.exception


def test_programme_sends_the_participation_chart_before_the_agenda_and_later_queries(demo_db, sent):
    at = open_page("programme", "en")
    _before(
        sent,
        "chart:prog_participation",
        ["query:satisfaction_distribution"],
    )
    # the agenda's expander is closed: its query does not run and its table is not sent
    assert "dataframe:prog_sessions" not in sent and "query:programme_sessions_agenda" not in sent
    _above(at, [f"expander:{t('en', 'programme.sessions_title')}"], "prog_participation")
