"""The benchmark's arithmetic for "the floor sending as many elements" (bench/report.py) and its
count of the elements a rerun sends (bench/browser.py)."""

from __future__ import annotations

import math

import pytest
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.browser import delta_count
from bench.report import element_cost, floor_with, sized_reasons

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


def _change(deltas, main, last, run, cpu, queries=0, query_ms=0.0):
    return {
        "deltas": deltas,
        "main_ms": main,
        "all_ms": last,
        "rerun_ms": run,
        "cpu_ms": cpu,
        "queries": queries,
        "query_ms": query_ms,
    }


def test_sized_reasons_say_what_a_missing_page_does_that_the_floor_does_not():
    res = {
        "floor": {"changes": [_change(2, 35, 35, 20, 10)]},
        "filler": {
            "10": {"changes": [_change(52, 116, 116, 60, 20)]},
            "20": {"changes": [_change(102, 149, 149, 90, 25)]},
        },
        "pages": {
            "fast": {"demo": {"changes": [_change(52, 120, 150, 100, 30)]}},
            "slow": {"demo": {"changes": [_change(52, 300, 500, 400, 250, 6, 80.0)]}},
        },
    }
    reasons = sized_reasons(res, POINTS)
    assert len(reasons) == 1 and reasons[0].startswith("slow: its main chart took 300 ms")
    assert "184 ms more than the floor sending as many elements (116 ms)" in reasons[0]
    assert "ran 400 ms per rerun against the filler floor's 90 ms" in reasons[0]
    assert "6 queries (80 ms) and 250 ms of server CPU against 25 ms" in reasons[0]
    assert "last chart (500 ms) is drawn after the script's end" in reasons[0]


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
