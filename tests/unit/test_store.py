"""The store: reference facts, migrations, idempotent init, demo determinism, integrity, locks."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from creative_dash.store import SCHEMA_VERSION, Store, StoreLocked, demo, open_store
from creative_dash.store.bootstrap import ensure_store
from creative_dash.store.core import _migrations
from creative_dash.store.reference import regions_frame
from tests.conftest import load_reference_of_version_1

ROOT = Path(__file__).resolve().parents[2]
ISO_CODES = {
    "KZ-10",
    "KZ-11",
    "KZ-15",
    "KZ-19",
    "KZ-23",
    "KZ-27",
    "KZ-31",
    "KZ-33",
    "KZ-35",
    "KZ-39",
    "KZ-43",
    "KZ-47",
    "KZ-55",
    "KZ-59",
    "KZ-61",
    "KZ-62",
    "KZ-63",
    "KZ-71",
    "KZ-75",
    "KZ-79",
}


def test_twenty_regions_with_names_in_three_languages(demo_store):
    regions = demo_store.query("SELECT * FROM regions")
    assert set(regions["iso_code"]) == ISO_CODES
    for col in ("name_kk", "name_ru", "name_en", "admin_center_kk"):
        assert regions[col].str.strip().str.len().min() > 0, col
    kinds = regions.set_index("iso_code")["kind"]
    assert set(kinds[kinds == "city"].index) == {"KZ-71", "KZ-75", "KZ-79"}
    names = regions.set_index("iso_code")
    assert names.loc["KZ-62", "name_kk"] == "Ұлытау облысы"
    assert names.loc["KZ-33", "name_en"] == "Zhetysu Region"


def test_every_population_has_date_status_and_source(demo_store):
    pop = demo_store.query("SELECT * FROM region_population_latest")
    assert set(pop["iso_code"]) == ISO_CODES
    assert pop["population"].min() > 100_000
    assert pop["as_of"].notna().all()
    assert (pop["source"].str.len() > 5).all()
    assert pop["status"].str.contains("unverified").any()  # never silently "verified"


def test_init_twice_changes_nothing(tmp_path):
    s = Store(str(tmp_path / "s.duckdb"))
    ensure_store(s, with_demo=True)
    version = s.data_version()
    counts = s.query("SELECT (SELECT count(*) FROM initiatives) i, (SELECT count(*) FROM hubs) h")
    ensure_store(s, with_demo=True)
    assert s.data_version() == version
    again = s.query("SELECT (SELECT count(*) FROM initiatives) i, (SELECT count(*) FROM hubs) h")
    assert counts.equals(again)
    assert s.schema_version() == SCHEMA_VERSION


def test_cli_init_is_idempotent_and_says_what_it_did(tmp_path):
    db = tmp_path / "cli.duckdb"
    cmd = [sys.executable, "-m", "creative_dash", "init", "--db", str(db), "--demo"]
    first = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "initiatives 1,500" in first.stdout
    assert "done in" in first.stdout
    second = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "already loaded" in second.stdout and "reference data: unchanged" in second.stdout


def _demo_inputs(store: Store):
    regions = store.query(
        "SELECT r.iso_code, r.kind, r.admin_center_lat, r.admin_center_lon, r.admin_center_kk, "
        "p.population FROM regions r JOIN region_population_latest p USING (iso_code)"
    )
    sectors = store.query("SELECT code FROM sectors ORDER BY sort_order")["code"].tolist()
    comps = store.query("SELECT code FROM competencies ORDER BY sort_order")["code"].tolist()
    inds = store.query("SELECT code FROM indicator_defs ORDER BY code")["code"].tolist()
    return regions, sectors, comps, inds


def test_generator_is_deterministic(demo_store):
    a = demo.generate(*_demo_inputs(demo_store))
    b = demo.generate(*_demo_inputs(demo_store))
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name], obj=name)
        assert frame.to_csv(index=False) == b.tables()[name].to_csv(index=False)


def test_two_stores_built_apart_hold_identical_demo_rows(tmp_path):
    stores = []
    for name in ("a", "b"):
        s = Store(str(tmp_path / f"{name}.duckdb"))
        ensure_store(s, with_demo=True)
        stores.append(s)
    for table in demo.DEMO_TABLES:
        frames = [s.query(f"SELECT * FROM {table} ORDER BY ALL") for s in stores]
        pd.testing.assert_frame_equal(frames[0], frames[1], obj=table)


def test_demo_sizes_scale_and_marking(demo_store):
    counts = demo_store.query(
        "SELECT (SELECT count(*) FROM initiatives) AS i, (SELECT count(*) FROM hubs) AS h, "
        "(SELECT count(DISTINCT region_iso) FROM participants) AS pr, "
        "(SELECT bool_and(is_demo) FROM initiatives) AS di, "
        "(SELECT bool_and(is_demo) FROM hubs) AS dh"
    ).iloc[0]
    assert counts["i"] == demo.BASE_INITIATIVES
    assert 190 <= counts["h"] <= 230
    assert counts["pr"] == 20  # all 20 regions took part
    assert counts["di"] and counts["dh"]


def test_demo_scale_multiplies_initiatives_only(demo_store):
    inputs = _demo_inputs(demo_store)
    one = demo.generate(*inputs, scale=1)
    three = demo.generate(*inputs, scale=3)
    assert len(three.initiatives) == 3 * len(one.initiatives)
    pd.testing.assert_frame_equal(one.hubs, three.hubs)
    pd.testing.assert_frame_equal(one.participants, three.participants)


def test_demo_is_plausible(demo_store):
    per_region = demo_store.query(
        """
        SELECT i.region_iso, count(*) AS n, any_value(p.population) AS pop
        FROM initiatives i JOIN region_population_latest p ON p.iso_code = i.region_iso
        GROUP BY 1
        """
    )
    # more people, more initiatives: rank correlation clearly positive
    assert per_region["n"].rank().corr(per_region["pop"].rank()) > 0.6
    hubs = demo_store.query(
        "SELECT r.kind, count(*)::DOUBLE / count(DISTINCT h.region_iso) AS per_region "
        "FROM hubs h JOIN regions r ON r.iso_code = h.region_iso GROUP BY 1"
    ).set_index("kind")["per_region"]
    assert hubs["city"] > hubs["oblast"]  # cities are denser in hubs
    mixes = (
        demo_store.query(
            "SELECT region_iso, funding_source, count(*) n FROM initiatives GROUP BY 1, 2"
        )
        .pivot(index="region_iso", columns="funding_source", values="n")
        .fillna(0)
    )
    shares = mixes.div(mixes.sum(axis=1), axis=0)
    assert shares.std().max() > 0.05  # funding mixes vary by region


def test_referential_integrity(demo_store):
    checks = {
        "initiative region": "SELECT count(*) FROM initiatives WHERE region_iso NOT IN "
        "(SELECT iso_code FROM regions)",
        "initiative sector": "SELECT count(*) FROM initiatives WHERE sector_code NOT IN "
        "(SELECT code FROM sectors)",
        "extra sectors": "SELECT count(*) FROM initiative_sectors WHERE sector_code NOT IN "
        "(SELECT code FROM sectors) OR initiative_id NOT IN (SELECT initiative_id FROM initiatives)",
        "hub region": "SELECT count(*) FROM hubs WHERE region_iso NOT IN (SELECT iso_code FROM regions)",
        "hub sectors": "SELECT count(*) FROM hub_sectors WHERE sector_code NOT IN "
        "(SELECT code FROM sectors) OR hub_id NOT IN (SELECT hub_id FROM hubs)",
        "initiative hub": "SELECT count(*) FROM initiatives i WHERE hub_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM hubs h WHERE h.hub_id = i.hub_id AND h.region_iso = i.region_iso)",
        "sdg range": "SELECT count(*) FROM initiative_sdgs WHERE sdg NOT BETWEEN 1 AND 17",
        "sdg initiative": "SELECT count(*) FROM initiative_sdgs WHERE initiative_id NOT IN "
        "(SELECT initiative_id FROM initiatives)",
        "spent vs planned": "SELECT count(*) FROM initiatives WHERE budget_spent_kzt > 3 * budget_planned_kzt",
        "negative money": "SELECT count(*) FROM initiatives WHERE budget_spent_kzt < 0 OR budget_planned_kzt <= 0",
        "end after start": "SELECT count(*) FROM initiatives WHERE end_date < start_date",
        "completed has end": "SELECT count(*) FROM initiatives WHERE status = 'completed' AND end_date IS NULL",
        "completed not in future": "SELECT count(*) FROM initiatives WHERE status = 'completed' "
        "AND end_date > DATE '2026-10-31'",
        "status values": "SELECT count(*) FROM initiatives WHERE status NOT IN "
        "('proposed','approved','in_progress','completed','cancelled')",
        "funding values": "SELECT count(*) FROM initiatives WHERE funding_source NOT IN "
        "('republican','local','private','impact','grant')",
        "programme link": "SELECT count(*) FROM initiatives WHERE from_programme AND "
        "(programme_id IS NULL OR start_date < DATE '2025-05-14')",
        "participant region": "SELECT count(*) FROM participants WHERE region_iso NOT IN "
        "(SELECT iso_code FROM regions)",
        "assessment participant": "SELECT count(*) FROM assessments WHERE participant_id NOT IN "
        "(SELECT participant_id FROM participants) OR competency NOT IN (SELECT code FROM competencies)",
        "score range": "SELECT count(*) FROM assessments WHERE score NOT BETWEEN 1 AND 10",
        "recommendation region": "SELECT count(*) FROM recommendations WHERE region_iso NOT IN "
        "(SELECT iso_code FROM regions)",
        "indicator region": "SELECT count(*) FROM indicators WHERE region_iso NOT IN "
        "(SELECT iso_code FROM regions) OR indicator_code NOT IN (SELECT code FROM indicator_defs)",
    }
    bad = {name: demo_store.scalar(sql) for name, sql in checks.items()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_migration_from_older_version_keeps_rows(tmp_path):
    s = Store(str(tmp_path / "old.duckdb"))
    assert s.migrate(target=1) == [1]
    load_reference_of_version_1(s)
    with s.transaction() as cur:
        cur.execute(
            "INSERT INTO recommendations VALUES (1, 'ckz-2025', 'KZ-62', 'tax', 'Кеңес', 'kk', "
            "'proposed', 'akimat', $d, FALSE, now(), now(), 'test', 1)",
            {"d": date(2026, 3, 1)},
        )
    assert s.schema_version() == 1 and not s.table_exists("polls")
    assert s.migrate() == [v for v, _name, _sql in _migrations() if v > 1]  # numbers may skip
    assert s.schema_version() == SCHEMA_VERSION and s.table_exists("polls")
    row = s.query("SELECT region_iso, text FROM recommendations").iloc[0]
    assert (row["region_iso"], row["text"]) == ("KZ-62", "Кеңес")
    assert s.scalar("SELECT count(*) FROM regions") == 20
    assert s.migrate() == []


def test_transaction_rolls_back_and_keeps_version(demo_store):
    version = demo_store.data_version()
    with pytest.raises(RuntimeError):
        with demo_store.transaction() as cur:
            cur.execute("DELETE FROM hubs")
            raise RuntimeError("boom")
    assert demo_store.scalar("SELECT count(*) FROM hubs") > 0
    assert demo_store.data_version() == version


def test_open_store_is_one_per_location(demo_db):
    assert open_store(str(demo_db)) is open_store(str(demo_db))


@pytest.mark.duckdb_file_only("a DuckDB file has one writer process; PostgreSQL takes many")
def test_second_process_gets_a_clear_message(demo_db):
    holder = open_store(str(demo_db))  # this process holds the file, as the app would
    assert holder.data_version() > 0
    proc = subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--db", str(demo_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "is in use by process" in proc.stderr and "Stop that process" in proc.stderr


def test_store_locked_is_raised_in_process_terms(tmp_path):
    path = tmp_path / "locked.duckdb"
    code = (
        "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); "
        "print('ready', flush=True); sys.stdin.readline()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"  # wait on state, not on time
        with pytest.raises(StoreLocked, match=f"process {proc.pid}"):
            Store(str(path))
    finally:
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(timeout=30)


def test_reference_regions_frame_matches_shared_source():
    frame = regions_frame()
    assert len(frame) == 20 and frame["iso_code"].is_unique
    assert frame.set_index("iso_code").loc["KZ-19", "admin_center_en"] == "Konaev"


def test_demo_hubs_lie_inside_their_region(demo_store):
    from creative_dash import geo

    features = {f["id"]: f for f in geo.boundaries()["features"]}
    hubs = demo_store.query("SELECT hub_id, region_iso, lat, lon FROM hubs")
    outside = [
        h.hub_id
        for h in hubs.itertuples()
        if not geo.contains(features[h.region_iso], h.lon, h.lat)
    ]
    assert outside == []
    shapely_geometry = pytest.importorskip("shapely.geometry")
    shapes = {k: shapely_geometry.shape(f["geometry"]) for k, f in features.items()}
    assert all(
        shapes[h.region_iso].covers(shapely_geometry.Point(h.lon, h.lat)) for h in hubs.itertuples()
    )


def test_point_in_region_agrees_with_shapely():
    shapely_geometry = pytest.importorskip("shapely.geometry")
    import numpy as np

    from creative_dash import geo

    rng = np.random.default_rng(7)
    for feature in geo.boundaries()["features"]:
        shape = shapely_geometry.shape(feature["geometry"])
        x0, y0, x1, y1 = geo.bbox(feature)
        for lon, lat in zip(rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40), strict=True):
            assert geo.contains(feature, lon, lat) == shape.contains(
                shapely_geometry.Point(lon, lat)
            ), (feature["id"], lon, lat)


def _table_version(store: Store) -> int:
    return int(store.scalar("SELECT version FROM data_version WHERE id = 1"))


@pytest.mark.duckdb_file_only(
    "the file's one writer is this process, so its version is kept in memory; on PostgreSQL "
    "other replicas write, and the versions are read once per rerun (test_postgres_replicas.py)"
)
def test_data_version_is_kept_in_memory_and_follows_the_table(demo_store, monkeypatch):
    version = demo_store.data_version()
    assert version == _table_version(demo_store)
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    assert demo_store.data_version() == _table_version(demo_store) == version + 1
    with pytest.raises(RuntimeError):
        with demo_store.transaction() as cur:
            cur.execute("DELETE FROM hubs")
            raise RuntimeError("boom")
    assert demo_store.data_version() == _table_version(demo_store) == version + 1
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    # read once after this process's write (one statement for every topic and poll)...
    reads = demo_store.version_reads
    assert demo_store.data_version() == version + 2
    assert demo_store.version_reads == reads + 1
    # ...then answered from memory: no SQL runs
    monkeypatch.setattr(demo_store, "cursor", lambda: pytest.fail("data_version ran SQL"))
    assert demo_store.data_version() == version + 2
    assert demo_store.versions().total == version + 2
    monkeypatch.undo()
    assert _table_version(demo_store) == version + 2


def test_data_version_after_concurrent_transactions(demo_store):
    """Threads writing at once: some transactions conflict and roll back, the others commit
    in some order; the version in memory ends where the table is."""
    import threading

    import duckdb

    from creative_dash.store import is_conflict

    committed: list[int] = []
    conflicts: list[int] = []
    start = threading.Barrier(16)

    def write(i: int) -> None:
        start.wait()
        for _ in range(200):
            try:
                with demo_store.transaction() as cur:
                    cur.execute("UPDATE hubs SET residents = $i WHERE hub_id = 1", {"i": i})
            except duckdb.Error as exc:  # DuckDB's write-write conflict, PostgreSQL's serialization
                if not is_conflict(exc):
                    raise
                conflicts.append(i)
                continue
            committed.append(i)
            return

    threads = [threading.Thread(target=write, args=(i,)) for i in range(16)]
    version = demo_store.data_version()
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(committed) == list(range(16))
    assert demo_store.data_version() == _table_version(demo_store) == version + 16


def test_data_version_of_a_new_store_and_of_a_read_only_one(tmp_path):
    path = tmp_path / "v.duckdb"
    s = Store(str(path))
    s.migrate()
    assert s.data_version() == _table_version(s) == 1
    with s.transaction() as cur:
        cur.execute("DELETE FROM hubs")
    assert s.data_version() == 2
    s.close()
    ro = Store(str(path), read_only=True)
    try:
        assert ro.data_version() == _table_version(ro) == 2
    finally:
        ro.close()


def test_data_version_when_transactions_finish_out_of_order(demo_store, monkeypatch):
    """A transaction that committed first but finishes last does not take the version back."""
    import threading

    committed, other_done = threading.Event(), threading.Event()
    plain_cursor = demo_store.cursor

    class FirstWriterCursor:
        def __init__(self) -> None:
            self._cur = plain_cursor()

        def execute(self, *args, **kwargs):
            return self._cur.execute(*args, **kwargs)

        def close(self) -> None:  # after COMMIT, before the version is noted
            self._cur.close()
            committed.set()
            other_done.wait(timeout=30)

    def first_writer() -> None:
        with demo_store.transaction() as cur:
            cur.execute("UPDATE hubs SET residents = 1 WHERE hub_id = 1")

    version = demo_store.data_version()
    monkeypatch.setattr(demo_store, "cursor", FirstWriterCursor)
    th = threading.Thread(target=first_writer)
    th.start()
    assert committed.wait(timeout=30)
    monkeypatch.setattr(demo_store, "cursor", plain_cursor)
    with demo_store.transaction() as cur:
        cur.execute("UPDATE hubs SET residents = 2 WHERE hub_id = 1")
    other_done.set()
    th.join(timeout=30)
    assert not th.is_alive()
    assert demo_store.data_version() == _table_version(demo_store) == version + 2
