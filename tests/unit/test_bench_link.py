"""The pure parts of bench/link.py: what a visit's time went on, in words."""

from __future__ import annotations

from bench import link


def visit(ready_ms: float, mb: float, net: int, finished_ms: float) -> dict:
    return {
        "ready_ms": ready_ms,
        "http_bytes": int(mb * 1e6),
        "ws_bytes": 0,
        "from_network": net,
        "finished_ms": finished_ms,
    }


def test_why_splits_a_cold_visit_into_bytes_round_trips_and_the_rest():
    text = link.why(
        "overview",
        {"cold": [visit(9000, 1.0, 60, 6000)], "warm": [visit(2500, 0.02, 2, 1800)]},
    )
    # 1 MB at 1.6 Mbit/s is 5 s; 60 requests of 150 ms six at a time 1.5 s; drawing 2.5 s
    assert text.startswith("cold 9.0 s: its 1.00 MB take 5.0 s at the link's speed")
    assert "its 60 requests over the network at least 1.5 s more" in text
    assert "the script's run finished at 6.0 s and the rest, 2.5 s, is drawing" in text
    assert "Repeat 2.5 s with 2 requests over the network" in text
    assert "finished at 1.8 s" in text


def test_why_says_when_no_visit_completed():
    assert link.why("vote", {"cold": [], "warm": []}) == "no visit completed."
