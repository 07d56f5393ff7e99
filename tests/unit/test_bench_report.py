"""The benchmark's arithmetic for "the floor sending as many elements" (bench/report.py) and its
count of the elements a rerun sends (bench/browser.py)."""

from __future__ import annotations

import math

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.browser import delta_count
from bench.report import element_cost, floor_with

POINTS = [(2.0, 35.0), (52.0, 116.0), (102.0, 149.0)]


def test_floor_with_is_linear_between_the_measured_variants():
    assert floor_with(POINTS, 2) == pytest.approx(35)
    assert floor_with(POINTS, 27) == pytest.approx(35 + 81 / 2)
    assert floor_with(POINTS, 77) == pytest.approx(116 + 33 / 2)


def test_floor_with_extends_the_last_slope_and_knows_nothing_without_two_points():
    assert floor_with(POINTS, 152) == pytest.approx(182)
    assert math.isnan(floor_with(POINTS[:1], 40))
    assert math.isnan(floor_with(POINTS, math.nan))


def test_element_cost_orders_the_variants_by_filler_and_skips_unmeasured_ones():
    res = {
        "floor": {"changes": [{"deltas": 2, "main_ms": 30}, {"deltas": 2, "main_ms": 40}]},
        "filler": {
            "20": {"changes": [{"deltas": 102, "main_ms": 150}]},
            "10": {"changes": [{"deltas": 52, "main_ms": 110}, {"deltas": 52, "main_ms": 120}]},
            "30": {"first": {}},
        },
    }
    rows = element_cost(res)
    assert [label for label, _, _ in rows] == [
        "floor",
        "floor + 10 filler rows",
        "floor + 20 filler rows",
    ]
    assert [(d.med, r.med) for _, d, r in rows] == [(2, 35), (52, 115), (102, 150)]


def _delta(kind: str) -> bytes:
    msg = ForwardMsg()
    if kind == "element":
        msg.delta.new_element.markdown.body = "x"
    elif kind == "block":
        msg.delta.add_block.vertical.SetInParent()
    elif kind == "ref":
        msg.ref_hash = "abc"
    else:
        msg.script_finished = 1
    return msg.SerializeToString()


def test_delta_count_counts_elements_blocks_and_references_only():
    frames = [_delta("element"), _delta("block"), _delta("ref"), _delta("other"), b"\xff"]
    assert delta_count(frames) == 3
