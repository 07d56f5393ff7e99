"""The pure parts of bench/pg.py: ratios, alternation, the section and how it is written."""

from __future__ import annotations

from pathlib import Path

from bench import pg


def _meta(**over: object) -> dict:
    meta = {
        "started": "2026-12-03 11:00 UTC",
        "rows": 1_500_000,
        "reps": 5,
        "scan_reps": 3,
        "nproc": 2,
        "load_start": 12.5,
        "load_end": 14.25,
        "pg_version": "15.14",
        "pg_conf": "shared_buffers = 1GB",
        "duckdb": "1.5.5",
        "memory_limit": "2GB",
        "threads": "2",
        "scale": 1000,
        "build": {"duckdb_s": 99.2, "postgres_s": 118.7},
        "copy_s": 6.5,
        "copy_tables": 21,
        "copy_bytes": 512_000_000,
        "check_ms": 1.25,
    }
    meta.update(over)
    return meta


def test_ratio_has_a_floor_under_the_fast_side():
    assert pg.ratio(30.0, 10.0) == 3.0
    assert pg.ratio(0.5, 0.0) == 5.0  # not a division by zero, not thousands
    assert pg.ratio(1.0, 0.01) == 10.0


def test_timing_medians_and_ratios():
    t = pg.Timing("q", [10.0, 30.0, 20.0], [15.0, 45.0, 30.0], [400.0, 200.0, 300.0])
    assert (t.duck, t.pg, t.scan) == (20.0, 30.0, 300.0)
    assert t.ratio == 1.5
    assert t.scan_ratio == 15.0
    plain = pg.Timing("q", [1.0], [2.0])
    assert plain.scan is None and plain.scan_ratio is None


def test_alternate_interleaves_and_runs_the_slow_one_fewer_times():
    order: list[str] = []

    def timer(name: str):
        def run() -> float:
            order.append(name)
            return float(len(order))

        return run

    runs = pg.alternate(3, timer("a"), timer("b"), timer("slow"), first_runs=1)
    assert order == ["a", "b", "slow", "a", "b", "a", "b"]
    assert [len(r) for r in runs] == [3, 3, 1]
    order.clear()
    runs = pg.alternate(2, timer("a"), timer("b"))
    assert order == ["a", "b", "a", "b"] and runs == [[1.0, 3.0], [2.0, 4.0]]


def test_render_states_load_builds_ratios_and_the_budget():
    timings = [
        pg.Timing("overview_kpis", [100.0], [120.0], [3000.0]),
        pg.Timing("overview_sdg_counts (filtered)", [100.0], [250.0], [4000.0]),
    ]
    pages = [
        pg.Timing("page overview: whole script run", [1000.0], [1400.0], [9000.0]),
        pg.Timing("page hubs: whole script run", [1000.0], [1600.0]),
    ]
    text = pg.render(_meta(), timings, pages)
    assert text.startswith(pg.SECTION_START) and text.rstrip().endswith(pg.SECTION_END)
    assert "load average 12.5 at the start and 14.2 at the end" in text
    assert "DuckDB file 99 s, PostgreSQL 119 s" in text
    assert "| `overview_kpis` | 100 ms | 120 ms | 1.2× | 3,000 ms | 30.0× |" in text
    assert "1 of 2 (the highest ratios: `overview_sdg_counts (filtered)` 2.5×" in text
    assert "(≤ 1.5× the DuckDB file): 1 of 2 met" in text
    assert "overview 1,000 → 1,400 ms (1.40×, met; scanner alone 9,000 ms)" in text
    assert "hubs 1,000 → 1,600 ms (1.60×, **MISSED**)" in text
    meta = {**_meta(), "after_write": {"one hub edited": (0.25, ["hubs"])}}
    assert (
        "After one hub edited on another replica, the next read copies again in 0.25 s "
        "(`hubs` from PostgreSQL; the other tables kept or copied locally)."
    ) in pg.render(meta, timings, pages)


def test_write_section_replaces_only_its_own_section(tmp_path: Path):
    out = tmp_path / "results.md"
    out.write_text("# Results\n\nother figures\n\n<!-- x -->\nkept\n<!-- end x -->\n")
    first = pg.SECTION_START + "\nold\n" + pg.SECTION_END + "\n"
    pg.write_section(out, first)
    assert out.read_text().endswith("kept\n<!-- end x -->\n\n" + first)
    second = pg.SECTION_START + "\nnew\n" + pg.SECTION_END + "\n"
    pg.write_section(out, second)
    text = out.read_text()
    assert "old" not in text and text.count(pg.SECTION_START) == 1
    assert text.startswith("# Results\n\nother figures\n") and "kept" in text
    assert pg.section_of(out) == second
    fresh = tmp_path / "new.md"
    pg.write_section(fresh, second)
    assert fresh.read_text().strip() == second.strip()
