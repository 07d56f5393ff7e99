"""A filter change reruns the page, and the browser renders every element of the rerun again:
what stands above a page's main chart (its filters, a table, figures) keeps its place but is sent
after the chart, so the chart is not kept waiting (bench/README.md, third pass).

These tests record the order in which a page sends its main chart and those elements."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import streamlit as st

from creative_dash import ui
from creative_dash.ui import plotly_view
from tests.app.apptest import open_page


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the page sends or runs, in order: ``chart:<key>``, ``filter:<key>``, ``table``,
    ``dataframe:<key>``, ``query:<name>``."""
    order: list[str] = []

    def spy(name: str, original: Callable[..., Any], label: Callable[..., str]) -> None:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            order.append(label(*args, **kwargs))
            return original(*args, **kwargs)

        monkeypatch.setattr(name, wrapper)

    spy("creative_dash.ui.plotly_view.show", plotly_view.show, lambda *a, **k: f"chart:{k['key']}")
    spy(
        "creative_dash.ui.urlstate.url_multiselect",
        ui.url_multiselect,
        lambda *a, **k: f"filter:{a[2]}",
    )
    spy("creative_dash.ui.url_multiselect", ui.url_multiselect, lambda *a, **k: f"filter:{a[2]}")
    spy(
        "creative_dash.ui.urlstate.url_selectbox",
        ui.url_selectbox,
        lambda *a, **k: f"filter:{a[2]}",
    )
    spy("creative_dash.ui.url_selectbox", ui.url_selectbox, lambda *a, **k: f"filter:{a[2]}")
    spy(
        "creative_dash.ui.urlstate.url_text_input",
        ui.url_text_input,
        lambda *a, **k: f"filter:{a[1]}",
    )
    spy("creative_dash.ui.url_text_input", ui.url_text_input, lambda *a, **k: f"filter:{a[1]}")
    spy("streamlit.table", st.table, lambda *a, **k: "table")
    spy("streamlit.dataframe", st.dataframe, lambda *a, **k: f"dataframe:{k.get('key')}")
    spy("creative_dash.ui.q", ui.q, lambda *a, **k: f"query:{a[0]}")
    return order


def _before(order: list[str], first: str, then: list[str]) -> None:
    assert first in order, order
    assert then, order
    for item in then:
        assert order.index(first) < order.index(item), order


def test_initiatives_sends_its_first_chart_before_the_filters(demo_db, sent):
    open_page("initiatives", "en")
    filters = [s for s in sent if s.startswith("filter:in_") and s != "filter:in_jobs_by"]
    assert {"filter:in_regions", "filter:in_origin", "filter:in_q"} <= set(filters)
    _before(sent, "chart:in_chart_budget", filters)


def test_hubs_sends_the_map_before_the_filters(demo_db, sent):
    open_page("hubs", "en")
    filters = [s for s in sent if s.startswith("filter:hubs_")]
    assert {"filter:hubs_type", "filter:hubs_status", "filter:hubs_size"} <= set(filters)
    _before(sent, "chart:hubs_map", filters)


def test_overview_sends_the_map_before_its_filters_and_metric_selector(demo_db, sent):
    at = open_page("overview", "en")
    at.session_state["ov_filters"] = True  # the filters' section open: its widgets are drawn
    sent.clear()
    at.run()
    assert not at.exception
    _before(sent, "chart:ov_map", ["filter:ov_sectors", "filter:ov_status", "filter:ov_metric"])


def test_region_sends_the_peer_chart_before_the_peer_table(demo_db, sent):
    open_page("region", "en", region="KZ-71")
    _before(sent, "chart:rg_peer_chart", ["table"])


def test_programme_sends_the_participation_chart_before_the_agenda_and_later_queries(demo_db, sent):
    open_page("programme", "en")
    _before(
        sent,
        "chart:prog_participation",
        [
            "dataframe:prog_sessions",
            "query:programme_sessions_agenda",
            "query:satisfaction_distribution",
        ],
    )
