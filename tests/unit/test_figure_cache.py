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
