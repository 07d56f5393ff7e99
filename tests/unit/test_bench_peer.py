"""The pure parts of the peer comparison (bench/peer): Superset's login token read from its page,
the dashboard's definition, the data checks that say a chart shows the new numbers, and the
section of results.md it writes (only its own)."""

from __future__ import annotations

import json

import duckdb
import pytest

from bench.peer import api, report


def test_login_form_token_is_read_from_the_hidden_input():
    html = '<form>\n<input\n  type="hidden"\n  name="csrf_token"\n  id="csrf_token"\n  value="Ij.abc-_1"\n/>'
    assert api.login_form_token(html) == "Ij.abc-_1"


def test_a_login_page_without_the_token_is_named():
    with pytest.raises(api.ApiError, match="csrf_token"):
        api.login_form_token('<input name="username" value="x">')


def _store() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE regions AS SELECT * FROM (VALUES ('KZ-10', NULL, 'Abai'), "
        "('KZ-11', 'KZ-AKM', 'Akmola'), ('KZ-79', 'KZ-SHY', 'Shymkent'), "
        "('KZ-75', 'KZ-ALA', 'Almaty')) t(iso_code, iso_code_former, name_en)"
    )
    con.execute(
        "CREATE TABLE region_population_latest AS SELECT * FROM (VALUES ('KZ-10', 600000), "
        "('KZ-11', 700000), ('KZ-79', 1200000), ('KZ-75', 2200000)) t(iso_code, population)"
    )
    con.execute(
        "CREATE TABLE sectors AS SELECT * FROM (VALUES ('music', 'Music'), ('design', 'Design'))"
        " t(code, name_en)"
    )
    con.execute(
        "CREATE TABLE initiatives AS SELECT * FROM (VALUES (1, 'KZ-10', 'music', DATE '2024-01-01'),"
        " (2, 'KZ-11', 'music', DATE '2024-01-01'), (3, 'KZ-79', 'design', DATE '2024-01-01')) "
        "t(initiative_id, region_iso, sector_code, start_date)"
    )
    # initiative 3 works in music too (a further sector), initiative 1 names its main one again
    con.execute(
        "CREATE TABLE initiative_sectors AS SELECT * FROM (VALUES (3, 'music'), (1, 'music')) "
        "t(initiative_id, sector_code)"
    )
    return con


def test_every_region_lands_on_one_of_the_old_maps_sixteen():
    rows = (
        _store()
        .execute(
            f"SELECT DISTINCT region_name, map_code, map_population FROM ({api.dataset_sql()}) "
            "ORDER BY 1"
        )
        .fetchall()
    )
    # Abai is drawn in East Kazakhstan, Shymkent in South Kazakhstan; the others keep their code
    assert rows == [("Abai", "KZ-VOS", 600000), ("Akmola", "KZ-AKM", 700000),
                    ("Shymkent", "KZ-YUZ", 1200000)]  # fmt: skip


def test_the_sector_filter_keeps_main_or_further_sectors_counted_once():
    con = _store()
    sql = report.expected_sql("superset")
    music = con.execute(sql["sectors"], {"sectors": ["Music"]}).fetchall()
    assert sorted(r[0] for r in music) == [1, 2]  # Music: 1 and 2; Design (main of 3): 1
    everything = con.execute(sql["sectors"], {"sectors": ["Music", "Design"]}).fetchall()
    assert sorted(r[0] for r in everything) == [1, 2]  # 3 is counted once, under Design
    per_100k = con.execute(sql["ranking"], {"sectors": ["Design"]}).fetchall()
    assert [round(r[0], 4) for r in per_100k] == [round(1e5 / 1_200_000, 4)]


def test_the_dashboard_holds_the_three_charts_and_the_sector_filter_over_them():
    charts = {"map": 7, "ranking": 8, "sectors": 9}
    pos = api.position_json("T", charts)
    held = {
        v["meta"]["chartId"]
        for v in pos.values()
        if isinstance(v, dict) and v.get("type") == "CHART"
    }
    assert held == {7, 8, 9}
    meta = api.json_metadata(3, charts)
    (flt,) = meta["native_filter_configuration"]
    assert flt["targets"] == [{"datasetId": 3, "column": {"name": "sector_name"}}]
    assert flt["chartsInScope"] == [7, 8, 9]
    assert api.chart_params("map", 3)["select_country"] == "kazakhstan"
    json.dumps(api.chart_params("ranking", 3))  # what the API is sent is JSON


def test_a_chart_matches_only_its_expected_numbers():
    assert report.matches([0.0, 5.123, 2.5], [2.5, 5.12, 0.0, 0.0])  # zeros and order aside
    assert not report.matches([5.1, 2.5], [5.1])  # a region missing
    assert not report.matches([5.1, 2.5], [5.1, 2.6])  # a number of the old filter
    assert not report.matches([5.1], [5.1, 1.0])  # one more


def test_first_match_takes_the_first_draw_after_the_change_holding_the_new_numbers():
    old = [{"type": "bar", "x": [3.0, 4.0], "y": []}]
    new = [{"type": "bar", "x": [1.0, 2.0], "y": []}]
    draws = [{"t": 10, "traces": new}, {"t": 20, "traces": old}, {"t": 30, "traces": new}]
    assert report.first_match(draws, "ranking", [2.0, 1.0], since=15) == 30
    assert report.first_match(draws, "ranking", [9.0], since=0) is None
    zmap = [{"type": "choropleth", "z": [1.0, 2.0]}, {"type": "scattergeo", "x": [], "y": []}]
    assert report.plotly_values("map", zmap) == [1.0, 2.0]


def test_superset_shows_the_numbers_at_the_first_paint_after_their_answer():
    answers = [{"t": 5, "values": [3.0]}, {"t": 40, "values": [1.0, 2.0]}]
    assert report.superset_shown(answers, [30, 41, 60], [1.0, 2.0], since=20) == 41
    assert report.superset_shown(answers, [30], [1.0, 2.0], since=20) is None  # not painted yet
    assert report.superset_shown(answers, [60], [3.0], since=20) is None  # an earlier answer


def _res(ours_change: float, sup_change: float, ours_cold: float = 1000) -> dict:
    cell = {
        "ours": {"cold": [ours_cold], "warm": [500], "change": [ours_change]},
        "superset": {"cold": [2000], "warm": [900], "change": [sup_change]},
    }
    return {
        "meta": {
            "started": "2026-12-03 10:00 UTC",
            "reps": 1,
            "load_start": 1.0,
            "load_end": 2.0,
            "nproc": 2,
            "superset": "6.1.0",
            "gunicorn_workers": "2",
            "duckdb": "1.5.5",
            "duckdb_engine": "0.17.0",
            "commit": "abc",
            "streamlit": "1.67.0",
            "chromium": "1",
            "link_text": "slow",
            "blocked": "none.",
        },  # fmt: skip
        "scales": ["1.5 k"],
        "links": ["local"],
        "cells": {"1.5 k|local": cell},
    }


def test_the_goal_is_stated_met_or_missed_in_words():
    met = report.render(_res(100, 400))
    assert "The goal is met in every cell." in met
    assert "16 regions" in met and "6.1.0" in met
    missed = report.render(_res(300, 400, ours_cold=3000))
    assert "**MISSED** (0.30 s against 0.40 s: 1.33×)" in missed
    assert "first visit (cold), 1.5 k, local link: the project not slower: **MISSED**" in missed
    assert "The goal is missed in 2 of 3 parts." in missed


def test_the_section_replaces_only_its_own_part_of_results_md(tmp_path):
    path = tmp_path / "results.md"
    path.write_text("# Results\n\nthe bench\n\n<!-- regional link -->\nlink\n", encoding="utf-8")
    report.write_section(path, report.render(_res(100, 400)))
    first = path.read_text(encoding="utf-8")
    assert first.startswith("# Results\n\nthe bench\n\n<!-- regional link -->\nlink\n")
    report.write_section(path, report.render(_res(300, 400)))
    second = path.read_text(encoding="utf-8")
    assert second.count(report.SECTION_START) == 1 and second.count(report.SECTION_END) == 1
    assert second.startswith("# Results\n\nthe bench\n\n<!-- regional link -->\nlink\n")
    assert report.section_of(path) is not None and "1.33×" in report.section_of(path)
