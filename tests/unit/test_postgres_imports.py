"""Imports (creative_dash.imports, store/importer.py) on PostgreSQL, attached through DuckDB's
postgres extension, as on DuckDB (tests/unit/test_importer.py): a preview writes nothing, apply
is all or nothing, the same file twice changes nothing, each import is logged, a region editor's
file with another region's rows is refused whole. Skipped where PostgreSQL is not installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from creative_dash.__main__ import main
from creative_dash.access import AccessDenied
from creative_dash.i18n import Translator
from creative_dash.store import Store, gateway, importer
from creative_dash.store.bootstrap import ensure_store
from tests.conftest import account
from tests.unit.test_importer import POP_HEADER, TABLE_NAMES, init_csv, run, snapshot
from tests.unit.test_postgres import PgServer, pg_server  # noqa: F401 - the server fixture

pytestmark = pytest.mark.postgres
RU = Translator("ru")


@pytest.fixture(scope="module")
def pg_demo(pg_server: PgServer) -> Iterator[Store]:  # noqa: F811
    """A demo store on PostgreSQL, with the test accounts."""
    s = Store(pg_server.createdb("imports"))
    ensure_store(s, with_demo=True)
    assert s.is_postgres
    yield s
    s.close()


@pytest.fixture(scope="module")
def pg_admin(pg_demo: Store) -> str:
    return account(pg_demo, "admin", "admin")


@pytest.fixture(scope="module")
def pg_editor(pg_demo: Store) -> str:
    return account(pg_demo, "editor-kz10", "region_editor", "KZ-10")


def test_a_preview_writes_nothing_and_the_apply_is_logged_on_postgres(pg_demo, pg_admin):
    data = (POP_HEADER + "KZ-11,2026-07-01,790 123,official,BNS test\n").encode()
    before = snapshot(pg_demo)
    parsed, plan = run(pg_demo, pg_admin, "population", data, "bns.csv")
    assert plan.ok and plan.counts() == {"new": 1, "updated": 0, "unchanged": 0, "refused": 0}
    assert snapshot(pg_demo) == before  # a preview writes nothing
    done = importer.apply(pg_demo, pg_admin, parsed, data=data, expect=plan.counts())
    latest = pg_demo.query(
        "SELECT population, as_of, status, origin FROM region_population_latest "
        "WHERE iso_code = 'KZ-11'"
    ).iloc[0]
    assert latest["population"] == 790_123 and str(latest["as_of"])[:10] == "2026-07-01"
    assert (latest["status"], latest["origin"]) == ("official", "import")
    marked = pg_demo.scalar(
        "SELECT import_id FROM region_population WHERE iso_code = 'KZ-11' AND as_of = '2026-07-01'"
    )
    assert marked == done.import_id
    assert pg_demo.data_version() > before["version"]  # every open dashboard refreshes
    log = pg_demo.query("SELECT * FROM imports WHERE import_id = $i", {"i": done.import_id})
    row = log.iloc[0]
    assert row["actor"] == pg_admin and row["table_name"] == "region_population"
    assert row["file_name"] == "bns.csv" and row["file_sha256"] == importer.file_sha256(data)
    assert (row["inserted"], row["updated"], row["unchanged"], row["rows_in_file"]) == (1, 0, 0, 1)
    audited = pg_demo.scalar(
        "SELECT count(*) FROM audit_log WHERE actor = $a AND table_name = 'region_population'",
        {"a": pg_admin},
    )
    assert audited >= 1


def test_the_same_file_twice_changes_nothing_the_second_time_on_postgres(pg_demo, pg_admin):
    data = init_csv(pg_demo, "KZ-10", "Қазақ әуені", "Новый хаб «Шабыт»")
    parsed, plan = run(pg_demo, pg_admin, "initiatives", data)
    assert plan.counts()["new"] == 2
    importer.apply(pg_demo, pg_admin, parsed, data=data)
    first = snapshot(pg_demo)
    stored = pg_demo.query(
        "SELECT title, is_demo FROM initiatives WHERE title IN ('Қазақ әуені', 'Новый хаб «Шабыт»')"
    )
    assert sorted(stored["title"]) == ["Новый хаб «Шабыт»", "Қазақ әуені"]  # letters intact
    assert not stored["is_demo"].any()
    parsed, plan = run(pg_demo, pg_admin, "initiatives", data)
    assert plan.counts() == {"new": 0, "updated": 0, "unchanged": 2, "refused": 0}
    importer.apply(pg_demo, pg_admin, parsed, data=data)
    second = snapshot(pg_demo)
    assert {t: second[t] for t in TABLE_NAMES} == {t: first[t] for t in TABLE_NAMES}
    assert second["imports"] == first["imports"] + 1  # the import itself is logged


def test_a_region_editors_file_with_another_regions_rows_writes_nothing_on_postgres(
    pg_demo, pg_editor
):
    data = init_csv(pg_demo, "KZ-10", "Своё").decode() + (
        ",Чужое,KZ-75,music,in_progress,2026-03-01,,1000,0,local,1,2,3\n"
    )
    before = snapshot(pg_demo)
    parsed, plan = run(pg_demo, pg_editor, "initiatives", data.encode())
    assert parsed.ok and not plan.ok
    assert plan.counts() == {"new": 1, "updated": 0, "unchanged": 0, "refused": 1}
    (problem,) = plan.problems
    assert (problem.row, problem.column, problem.rule) == (3, "region", "other_region")
    assert "Алматы" in problem.message(RU)
    with pytest.raises(importer.ImportRefused):
        importer.apply(pg_demo, pg_editor, parsed, data=data.encode())
    assert snapshot(pg_demo) == before


def test_a_refused_row_rolls_back_the_whole_batch_on_postgres(pg_demo, pg_editor):
    """The gateway refuses the second row (another region's) of a batch: the first row's write,
    already sent to PostgreSQL in the same transaction, is rolled back; only the refusal is
    audited."""
    before = snapshot(pg_demo)
    ours = int(
        pg_demo.scalar("SELECT min(initiative_id) FROM initiatives WHERE region_iso='KZ-10'")
    )
    theirs = int(
        pg_demo.scalar("SELECT min(initiative_id) FROM initiatives WHERE region_iso='KZ-75'")
    )
    with pytest.raises(AccessDenied) as refused:
        with gateway.batch(pg_demo, pg_editor) as job:
            for ident in (ours, theirs):
                with job.row("initiatives", key=ident, action="update") as w:
                    w.cur.execute(
                        "UPDATE initiatives SET jobs_created = 7 WHERE initiative_id = $i",
                        {"i": ident},
                    )
    assert refused.value.key == "region"
    after = snapshot(pg_demo)
    assert {t: after[t] for t in TABLE_NAMES} == {t: before[t] for t in TABLE_NAMES}
    assert after["audit"] == before["audit"] + 1  # the refusal, nothing else


def test_an_import_that_fails_midway_writes_nothing_on_postgres(pg_demo, pg_admin):
    """A failure after half the rows were written (here: raised from the progress callback)
    leaves the PostgreSQL store exactly as before: no row, no log, no audit, same version."""
    titles = [f"Бастама {i}" for i in range(40)]
    data = init_csv(pg_demo, "KZ-10", *titles)
    parsed, plan = run(pg_demo, pg_admin, "initiatives", data)
    assert plan.ok and plan.counts()["new"] == 40
    before = snapshot(pg_demo)

    class Midway(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done == total // 2:
            raise Midway

    with pytest.raises(Midway):
        importer.apply(pg_demo, pg_admin, parsed, data=data, progress=progress)
    assert snapshot(pg_demo) == before
    assert pg_demo.scalar("SELECT count(*) FROM initiatives WHERE title LIKE 'Бастама %'") == 0


def test_a_store_changed_since_the_preview_is_not_applied_on_postgres(pg_demo, pg_admin):
    data = init_csv(pg_demo, "KZ-10", "Гастроль")
    parsed, plan = run(pg_demo, pg_admin, "initiatives", data)
    importer.apply(pg_demo, pg_admin, parsed, data=data)  # someone else applied it meanwhile
    before = snapshot(pg_demo)
    with pytest.raises(importer.ImportStale):
        importer.apply(pg_demo, pg_admin, parsed, data=data, expect=plan.counts())
    assert snapshot(pg_demo) == before


def test_a_region_editor_updates_the_follow_up_on_postgres(pg_demo, pg_editor):
    rec = int(
        pg_demo.scalar(
            "SELECT min(recommendation_id) FROM recommendations WHERE region_iso='KZ-10'"
        )
    )
    recs = (
        "recommendation_id,region,status,follow_up_date,follow_up_note\n"
        f"{rec},KZ-10,in_progress,30.06.2026,Жұмыс тобы құрылды\n"
    ).encode()
    parsed, plan = run(pg_demo, pg_editor, "recommendations", recs)
    assert plan.ok and plan.counts()["updated"] == 1
    importer.apply(pg_demo, pg_editor, parsed, data=recs)
    row = pg_demo.query(
        "SELECT status, follow_up_note, import_id IS NOT NULL AS imported FROM recommendations "
        "WHERE recommendation_id = $r",
        {"r": rec},
    ).iloc[0]
    assert row.tolist() == ["in_progress", "Жұмыс тобы құрылды", True]


def test_the_command_line_imports_into_postgres(pg_demo, pg_server, tmp_path, capsys):  # noqa: F811
    """``python -m creative_dash import`` on a PostgreSQL URL: the dry run writes nothing, the
    apply writes and logs, a second run has nothing to change, a refused file exits non-zero."""
    url = pg_server.url("imports")
    good = tmp_path / "pop.csv"
    good.write_text(POP_HEADER + "Ақмола облысы,01.01.2026,790 456,official,BNS\n", "utf-8")
    before = snapshot(pg_demo)
    assert main(["import", "population", str(good), "--db", url, "--dry-run"]) == 0
    assert "New: 1" in capsys.readouterr().out
    assert snapshot(pg_demo) == before
    assert main(["import", "population", str(good), "--db", url, "--lang", "kk"]) == 0
    assert "Импортталды: жаңа — 1" in capsys.readouterr().out
    assert main(["import", "population", str(good), "--db", url]) == 0
    assert "Nothing to change" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text(POP_HEADER + "KZ-99,01.01.2026,-5,official,x\n", "utf-8")
    after = snapshot(pg_demo)
    assert main(["import", "population", str(bad), "--db", url]) != 0
    assert snapshot(pg_demo) == after


def test_a_demo_load_keeps_imported_rows_on_postgres(pg_server):  # noqa: F811
    """``init`` without ``--demo``, an import, then ``init --demo`` on PostgreSQL: the imported
    initiatives stay, the demo's rows of their ids are left out, and the output says so."""
    s = Store(pg_server.createdb("reference_then_demo"))
    try:
        ensure_store(s, with_demo=False)
        admin = account(s, "admin", "admin")
        data = init_csv(s, "KZ-10", "Real one", "Real two", lang="en")
        parsed, _ = run(s, admin, "initiatives", data, lang="en")
        importer.apply(s, admin, parsed, data=data)
        said: list[str] = []
        ensure_store(s, with_demo=True, say=said.append)
        mine = s.query("SELECT title, is_demo FROM initiatives WHERE initiative_id <= 2 ORDER BY 1")
        assert mine.values.tolist() == [["Real one", False], ["Real two", False]]
        assert s.scalar("SELECT count(*) FROM initiatives WHERE is_demo") > 1000
        assert any("kept 2 row(s)" in line for line in said), said
    finally:
        s.close()
