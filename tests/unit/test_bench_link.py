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


def test_why_names_the_bytes_floor_the_round_trips_and_the_scripts_run():
    text = link.why(
        "overview",
        {"cold": [visit(9000, 1.0, 60, 6000)], "warm": [visit(2500, 0.02, 2, 1800)]},
    )
    # 1 MB at 1.6 Mbit/s is 5 s, 56% of the 9 s
    assert text.startswith("cold 9.0 s: its 1.00 MB alone take 5.0 s at the link's speed (56%")
    assert "60 requests went over the network, each at least one 150 ms round trip" in text
    assert "the script's run finished at 6.0 s, the charts were drawn by 9.0 s" in text
    assert "Repeat 2.5 s with 2 requests over the network" in text
    assert "finished at 1.8 s" in text


def test_why_says_the_vote_page_shows_a_ballot_not_charts():
    text = link.why(
        "vote", {"cold": [visit(5000, 0.6, 100, 4000)], "warm": [visit(1800, 0, 6, 1600)]}
    )
    assert "the ballot was shown (no chart, no Plotly" in text and "charts were drawn" not in text


def test_why_says_when_no_visit_completed():
    assert link.why("vote", {"cold": [], "warm": []}) == "no visit completed."
