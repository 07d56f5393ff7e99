"""ui.figure: a built figure is reused for equal arguments, and only for equal arguments."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import pytest

from creative_dash import ui
from creative_dash.i18n import Translator

calls: list[tuple] = []


def bars(df: pd.DataFrame, t: Translator, *, title: str = "", highlight: str | None = None):
    calls.append((len(df), t.lang, title, highlight))
    return go.Figure(go.Bar(x=df["x"].tolist(), y=df["y"].tolist()), layout={"title": title})


@pytest.fixture(autouse=True)
def fresh_cache():
    ui._FIGURES.clear()
    calls.clear()
    yield
    ui._FIGURES.clear()


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
    big = {"features": [{"id": i} for i in range(ui._FREEZE_BUDGET)]}  # a GeoJSON, say
    ui.figure(build, big, frame(1))
    ui.figure(build, big, frame(1))
    assert len(calls) == 4 and not ui._FIGURES


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(ui, "FIGURE_CACHE_SIZE", 3)
    for i in range(5):
        ui.figure(bars, frame(i), Translator("en"))
    assert len(ui._FIGURES) == 3
    ui.figure(bars, frame(4), Translator("en"))  # the newest is kept
    assert len(calls) == 5
    ui.figure(bars, frame(0), Translator("en"))  # the oldest was dropped
    assert len(calls) == 6


# -- query results (ui.q): kept as DataFrames, handed out as copies --------------------------------
def test_query_results_are_shared_yet_a_callers_change_stays_its_own(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    ran: list[str] = []
    real = ui.queries.run
    monkeypatch.setattr(
        ui.queries, "run", lambda s, name, **p: ran.append(name) or real(s, name, **p)
    )
    first = ui.q("regions")
    first["name_en"] = "changed"  # a page changing its copy
    first.loc[0, "iso_code"] = "XX"
    second = ui.q("regions")
    assert ran == ["regions"]  # run once
    assert second is not first
    assert "changed" not in set(second["name_en"]) and "XX" not in set(second["iso_code"])


def test_a_frame_from_q_is_keyed_by_its_query_until_it_is_changed(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    regions = ui.q("regions")
    key = ui.figure_key(bars, (regions,), {})
    assert key[2][1][0][0] == "query"  # not hashed: its query says what it holds
    assert ui.figure_key(bars, (ui.q("regions"),), {}) == key  # another copy, the same key
    for change in (
        lambda df: df.__setitem__("extra", 1),  # a column added
        lambda df: df.loc.__setitem__((0, "name_en"), "x"),  # a value set
        lambda df: setattr(df, "index", pd.RangeIndex(100, 100 + len(df))),  # a new index
        lambda df: df.rename(columns={"name_en": "name"}),  # a new frame
    ):
        changed = ui.q("regions")
        result = change(changed)
        changed = result if isinstance(result, pd.DataFrame) else changed
        other = ui.figure_key(bars, (changed,), {})
        assert other != key and other[2][1][0][0] == "frame"
    # a derived frame is hashed by its content
    assert ui.figure_key(bars, (regions.head(3),), {})[2][1][0][0] == "frame"


def test_a_write_gives_new_results(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    before = ui.q("regions")
    with demo_store.transaction() as cur:
        cur.execute("UPDATE regions SET name_en = 'Renamed' WHERE iso_code = 'KZ-71'")
    after = ui.q("regions")
    assert "Renamed" not in set(before["name_en"]) and "Renamed" in set(after["name_en"])


def test_frames_no_longer_used_are_forgotten(demo_store, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_DB", demo_store.location)
    monkeypatch.setattr(ui, "ORIGIN_PURGE_AT", 8)
    kept = [ui.q("regions") for _ in range(5)]
    for _ in range(50):
        ui.q("regions")  # dropped at once
    assert len(ui._ORIGIN) <= 8 + len(kept)
    assert all(ui._origin(df) is not None for df in kept)  # the live ones are still known
