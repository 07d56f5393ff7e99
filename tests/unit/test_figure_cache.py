"""ui.figure: a built figure is reused for equal arguments, and only for equal arguments."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest

from creative_dash import ui
from creative_dash.filters import Filters
from creative_dash.i18n import Translator
from creative_dash.ui import cache

calls: list[tuple] = []


def bars(df: pd.DataFrame, t: Translator, *, title: str = "", highlight: str | None = None):
    calls.append((len(df), t.lang, title, highlight))
    return go.Figure(go.Bar(x=df["x"].tolist(), y=df["y"].tolist()), layout={"title": title})


@pytest.fixture(autouse=True)
def fresh_cache():
    cache._FIGURES.clear()
    calls.clear()
    yield
    cache._FIGURES.clear()


def frame(*ys: float) -> pd.DataFrame:
    return pd.DataFrame({"x": [f"r{i}" for i in range(len(ys))], "y": list(ys)})


def test_equal_arguments_share_one_figure():
    a = ui.figure(bars, frame(1, 2), Translator("kk"), title="T")
    b = ui.figure(bars, frame(1, 2), Translator("kk"), title="T")  # equal, not the same objects
    assert a is b and len(calls) == 1


@pytest.mark.parametrize(
    "other",
    [
        lambda: ui.figure(bars, frame(1, 3), Translator("kk"), title="T"),  # one value differs
        lambda: ui.figure(bars, frame(1, 2), Translator("ru"), title="T"),  # language
        lambda: ui.figure(bars, frame(1, 2), Translator("kk"), title="U"),  # title
        lambda: ui.figure(bars, frame(1, 2), Translator("kk"), title="T", highlight="KZ-71"),
        lambda: ui.figure(bars, frame(1, 2).astype({"y": "float64"}), Translator("kk"), title="T"),
    ],
)
def test_any_difference_builds_anew(other):
    first = ui.figure(bars, frame(1, 2), Translator("kk"), title="T")
    second = other()
    assert second is not first and len(calls) == 2


def test_frames_differing_only_in_column_names_or_index_differ():
    a = frame(1, 2)
    renamed = a.rename(columns={"y": "z"})
    reindexed = a.set_axis([5, 6])
    keys = {ui.figure_key(bars, (df,), {}) for df in (a, renamed, reindexed)}
    assert len(keys) == 3


def test_keys_of_plain_values():
    key = ui.figure_key(bars, ({"b": [1, 2], "a": {3}}, dt.date(2025, 5, 12)), {})
    assert key == ui.figure_key(bars, ({"a": {3}, "b": (1, 2)}, dt.date(2025, 5, 12)), {})
    assert key != ui.figure_key(bars, ({"a": {3}, "b": (2, 1)}, dt.date(2025, 5, 12)), {})


def test_unkeyable_arguments_are_built_every_time():
    class Opaque:  # identity hash: equal-looking instances must not share a figure
        pass

    def build(arg, df):
        calls.append(arg)
        return go.Figure()

    ui.figure(build, Opaque(), frame(1))
    ui.figure(build, Opaque(), frame(1))
    big = {"features": [{"id": i} for i in range(cache.FREEZE_BUDGET)]}  # a GeoJSON, say
    ui.figure(build, big, frame(1))
    ui.figure(build, big, frame(1))
    assert len(calls) == 4 and not cache._FIGURES


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(cache, "FIGURE_CACHE_SIZE", 3)
    for i in range(5):
        ui.figure(bars, frame(i), Translator("en"))
    assert len(cache._FIGURES) == 3
    ui.figure(bars, frame(4), Translator("en"))  # the newest is kept
    assert len(calls) == 5
    ui.figure(bars, frame(0), Translator("en"))  # the oldest was dropped
    assert len(calls) == 6


# -- query results (ui.q): kept as DataFrames, handed out as copies --------------------------------
def test_query_results_are_shared_yet_a_callers_change_stays_its_own(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    ran: list[str] = []
    real = cache.queries.run
    monkeypatch.setattr(
        cache.queries, "run", lambda s, name, **p: ran.append(name) or real(s, name, **p)
    )
    first = ui.q("regions")
    first["name_en"] = "changed"  # a page changing its copy
    first.loc[0, "iso_code"] = "XX"
    second = ui.q("regions")
    assert ran == ["regions"]  # run once
    assert second is not first
    assert "changed" not in set(second["name_en"]) and "XX" not in set(second["iso_code"])


def test_a_query_argument_is_keyed_by_its_query_and_run_only_on_a_miss(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    ran: list[str] = []
    real = cache.queries.run
    monkeypatch.setattr(
        cache.queries, "run", lambda s, name, **p: ran.append(name) or real(s, name, **p)
    )
    regions = ui.Q("regions")
    key = ui.figure_key(bars, (regions,), {})
    assert key[2][1][0][0] == "query"  # not hashed: its query says what it holds
    assert key[2][1][0][1][0] == "regions" and key[2][1][0][1][1] == demo_store.location
    assert ui.figure_key(bars, (ui.Q("regions"),), {}) == key  # another Query, the same key
    assert ran == []  # keying runs no query

    def names(df: pd.DataFrame, t: Translator) -> go.Figure:
        calls.append(len(df))
        return go.Figure(go.Bar(x=df["iso_code"].tolist(), y=[1] * len(df)))

    first = ui.figure(names, ui.Q("regions"), Translator("kk"))
    assert ran == ["regions"] and calls == [20]  # the builder got the query's frame
    assert ui.figure(names, ui.Q("regions"), Translator("kk")) is first
    assert ran == ["regions"] and calls == [20]  # a hit runs neither query nor builder
    # other parameters, another key (lists and tuples bind alike)
    assert ui.Q("initiatives_by_status", regions=["KZ-71"]) == ui.Q(
        "initiatives_by_status", regions=("KZ-71",)
    )
    assert ui.figure_key(bars, (ui.Q("regions", x=1),), {}) != key
    # a Filters value keys a query: equal selections share a key, others do not
    same = ui.Q("region_metrics", filters=Filters(regions=["KZ-75", "KZ-71"], years=(2021, 2024)))
    assert same == ui.Q(
        "region_metrics", filters=Filters(regions=("KZ-71", "KZ-75"), years=[2021, 2024])
    )
    assert hash(same) == hash(
        ui.Q("region_metrics", filters=Filters(regions=["KZ-71", "KZ-75"], years=(2021, 2024)))
    )
    assert same != ui.Q("region_metrics", filters=Filters(regions=["KZ-71"], years=(2021, 2024)))
    assert ui.figure_key(bars, (same,), {}) != key
    # a frame a page computed is hashed by its content
    assert ui.figure_key(bars, (ui.q("regions").head(3),), {})[2][1][0][0] == "frame"


def test_a_write_changes_a_query_arguments_key(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    key = ui.figure_key(bars, (ui.Q("regions"),), {})
    with demo_store.transaction() as cur:
        cur.execute("UPDATE regions SET name_en = 'Renamed' WHERE iso_code = 'KZ-71'")
    assert ui.figure_key(bars, (ui.Q("regions"),), {}) != key


def test_a_write_gives_new_results(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    before = ui.q("regions")
    with demo_store.transaction() as cur:
        cur.execute("UPDATE regions SET name_en = 'Renamed' WHERE iso_code = 'KZ-71'")
    after = ui.q("regions")
    assert "Renamed" not in set(before["name_en"]) and "Renamed" in set(after["name_en"])


def test_work_pinned_to_a_runs_versions_reads_at_them_on_its_own_thread(demo_store, monkeypatch):
    # a download's file is built in its own thread: keyed and read at the versions of the run
    # that bound it (cache.pinned), not at whatever the store holds when the click comes
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    bound = cache.versions(demo_store)
    with demo_store.transaction() as cur:
        cur.execute("UPDATE regions SET name_en = 'Renamed' WHERE iso_code = 'KZ-71'")
    assert cache.versions(demo_store) != bound  # unpinned: the store's versions now
    with cache.pinned(bound):
        assert cache.versions(demo_store) is bound
        assert cache._run_versions(demo_store) is bound  # the local copy's pin (PostgreSQL)
        assert ui.Q("regions").key(demo_store)[2] == bound.total
    assert cache._run_versions(demo_store) is None  # unpinned again: the store asks itself
