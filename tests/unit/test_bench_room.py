"""bench.room's pure parts: the verdicts it writes and its section of results.md."""

from __future__ import annotations

from pathlib import Path

from bench import room, sections


def result(**over) -> room.Result:
    res = room.Result(
        meta={
            "started": "2026-12-03 10:00 UTC",
            "load_start": 1.0,
            "load_end": 2.0,
            "nproc": 2,
            "voters": 6,
            "browsers": 2,
            "spread": 8.0,
        },
        confirm_ms={"chromium": [300.0, 400.0], "protocol": [200.0, 250.0, 260.0, 900.0]},
        votes_span_s=8.4,
        presenter_s=0.7,
        presenter_counts=[2, 2, 2],
        expected_counts=[2, 2, 2],
        stored_rows=6,
        stored_counts=[2, 2, 2],
        stored_voters=6,
        told=6,
        officials_idle_ms=[400.0, 420.0],
        officials_busy_ms=[500.0, 520.0],
        rss_before_mb=300.0,
        rss_after_mb=330.0,
        cpu_s=5.0,
    )
    for k, v in over.items():
        setattr(res, k, v)
    return res


def test_percentile_is_of_the_sorted_values() -> None:
    xs = [float(i) for i in range(1, 101)]
    assert room.percentile(xs, 95) == 95.0
    assert room.percentile([3.0, 1.0, 2.0], 50) == 2.0


def test_every_budget_met_says_so() -> None:
    text = room.render(result())
    assert "**MISSED**" not in text
    assert text.count("| met |") == 6
    assert "5.00 MB" in text  # (330 - 300) / 6 phones


def test_a_lost_vote_a_late_presenter_and_slow_officials_are_missed() -> None:
    text = room.render(
        result(stored_counts=[2, 2, 1], stored_rows=5, presenter_s=2.5, officials_busy_ms=[900.0])
    )
    rows = [ln for ln in text.splitlines() if "**MISSED**" in ln]
    assert len(rows) == 3
    assert any("exactly once" in r for r in rows)
    assert any("presenter's chart" in r for r in rows)
    assert any("officials'" in r for r in rows)


def test_the_section_replaces_its_previous_self_only(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    out.write_text("# Benchmark results\n\nother sections\n", encoding="utf-8")
    sections.write(out, room.render(result()), room.SECTION_START, room.SECTION_END)
    sections.write(out, room.render(result(presenter_s=0.3)), room.SECTION_START, room.SECTION_END)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n\nother sections\n")
    assert text.count(room.SECTION_START) == 1 and "0.30 s" in text and "0.70 s" not in text


def test_python_m_bench_keeps_every_marked_section(tmp_path: Path) -> None:
    """`python -m bench` rewrites results.md: the link's and the room's sections survive."""
    out = tmp_path / "results.md"
    link_start, link_end = sections.markers("regional link", "bench.link")
    sections.write(out, f"{link_start}\nlink figures\n{link_end}\n", link_start, link_end)
    sections.write(out, room.render(result()), room.SECTION_START, room.SECTION_END)
    kept = sections.kept(out)
    assert len(kept) == 2 and "link figures" in kept[0] and "## A full room" in kept[1]


def replicas_result(**over) -> room.ReplicaResult:
    """A room of 6 phones on two replicas, plus the one phone on B that votes first."""
    base = result()
    res = room.ReplicaResult(**{k: getattr(base, k) for k in room.Result.__dataclass_fields__})
    res.presenter_counts = res.expected_counts = res.stored_counts = [3, 2, 2]
    res.stored_rows = res.stored_voters = 7
    res.phones_on = {"A": 3, "B": 3}
    res.b_on_a_s, res.b_told_s = 0.8, 0.1
    cpu = {"wall": 10.0, "A": 6.0, "B": 5.0, "PostgreSQL": 1.0, "bench": 4.0, "machine": 19.5}
    res.cpu = {"probe": dict(cpu), "vote": dict(cpu)}
    res.problems = {"A": [], "B": []}
    for k, v in over.items():
        setattr(res, k, v)
    return res


def test_two_replicas_every_budget_met_says_so() -> None:
    text = room.render_replicas(replicas_result())
    assert "**MISSED**" not in text and "Why" not in text
    assert text.count("| met |") == 5
    assert "3 on A, 3 on B" in text and "A 0; B 0" in text


def test_two_replicas_a_missed_time_budget_says_where_the_cpu_went() -> None:
    text = room.render_replicas(replicas_result(votes_span_s=12.5, b_on_a_s=2.4))
    missed = [ln for ln in text.splitlines() if "**MISSED**" in ln]
    assert len(missed) == 2
    why = [ln for ln in text.splitlines() if ln.startswith("- ") and "CPU-seconds" in ln]
    assert len(why) == 2
    assert "cores were saturated (19.5 of 20.0 CPU-seconds busy in those 10.0 s)" in why[0]
    assert "most by the replicas (56%); neither replica CPU-bound (A 6.0 s, 60% of a core" in why[0]
    assert "own phones, Chromium and nginx 4.0 s, other jobs 3.5 s" in why[0]


def test_a_replica_busy_all_the_while_is_called_cpu_bound() -> None:
    cpu = {"wall": 10.0, "A": 9.5, "B": 4.0, "PostgreSQL": 0.5, "bench": 2.0, "machine": 16.0}
    assert "replica A CPU-bound" in room.why(cpu, 2)
    assert "cores were not saturated" in room.why(cpu | {"machine": 17.0}, 2)


def test_two_replicas_a_vote_lost_on_the_way_is_missed() -> None:
    text = room.render_replicas(replicas_result(stored_counts=[3, 2, 1], stored_rows=6))
    rows = [ln for ln in text.splitlines() if "**MISSED**" in ln]
    assert len(rows) == 1 and "exactly once" in rows[0]


def test_the_replicas_section_keeps_the_one_process_room(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    sections.write(out, room.render(result()), room.SECTION_START, room.SECTION_END)
    two = room.render_replicas(replicas_result())
    sections.write(out, two, room.REPLICAS_START, room.REPLICAS_END)
    sections.write(out, two, room.REPLICAS_START, room.REPLICAS_END)
    kept = sections.kept(out)
    assert len(kept) == 2 and "## A full room\n" in kept[0] and "two replicas" in kept[1]


def test_the_one_process_rooms_cpu_says_who_used_the_machine():
    busy = room.window_text({"wall": 10.0, "server": 9.0, "bench": 10.5, "machine": 19.6}, 2)
    assert "(10.0 s, 20.0 CPU-seconds on 2 cores): the server 9.0 s (90% of a core)" in busy
    assert "The server was CPU-bound" in busy and "cores were saturated" in busy
    busy = room.window_text({"wall": 10.0, "server": 7.0, "bench": 9.0, "machine": 17.0}, 2)
    assert "The server was busy most of the vote" in busy
    assert "nearly saturated, mostly by the bench's own clients" in busy
    calm = room.window_text({"wall": 10.0, "server": 3.0, "bench": 2.0, "machine": 6.0}, 2)
    assert "CPU-bound" not in calm and "saturated" not in calm


def test_the_ballot_room_has_its_own_section_beside_the_websocket_room(tmp_path: Path) -> None:
    res = result()
    res.meta["ballot"] = True
    text = room.render(res)
    assert text.startswith(room.BALLOT_START) and text.rstrip().endswith(room.BALLOT_END)
    assert "## A full room on the light ballot" in text and "`/ballot?poll=<id>`" in text
    assert "timed rerun" not in text  # the light ballot has no timer
    out = tmp_path / "results.md"
    sections.write(out, room.render(result()), room.SECTION_START, room.SECTION_END)
    sections.write(out, text, room.BALLOT_START, room.BALLOT_END)
    both = out.read_text()
    assert "## A full room\n" in both and "## A full room on the light ballot" in both
    sections.write(out, room.render(result(presenter_s=0.3)), room.SECTION_START, room.SECTION_END)
    assert "## A full room on the light ballot" in out.read_text()
    # python -m bench rewrites the file and keeps every marked section, this one too
    assert [k.splitlines()[1] for k in sections.kept(out)] == [
        "## A full room",
        "## A full room on the light ballot",
    ]
