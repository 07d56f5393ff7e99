"""Imports against a store: what changes, one transaction through the write gateway, the log,
idempotence, round trips, region editors' rights, the command line, and a kill midway."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys

import pytest

from creative_dash import export
from creative_dash.__main__ import main
from creative_dash.access import CLI, AccessDenied
from creative_dash.i18n import Translator
from creative_dash.imports.spec import TABLES
from creative_dash.imports.template import frame_to_xlsx
from creative_dash.store import Store, gateway, importer
from tests.conftest import ROOT

RU, KK = Translator("ru"), Translator("kk")
POP_HEADER = "region,as_of,population,status,source\n"
TABLE_NAMES = ("initiatives", "hubs", "recommendations", "indicators", "region_population")


def snapshot(store: Store) -> dict:
    """Everything an import could change: each table's rows, the log, the audit log."""
    out = {t: store.query(f"SELECT * FROM {t} ORDER BY ALL").to_csv() for t in TABLE_NAMES}
    out["imports"] = int(store.scalar("SELECT count(*) FROM imports"))
    out["audit"] = int(store.scalar("SELECT count(*) FROM audit_log"))
    out["version"] = store.data_version()
    return out


def run(store: Store, actor, table: str, data: bytes, name: str = "f.csv", lang: str = "ru"):
    parsed = importer.read_file(store, table, data, name, lang)
    return parsed, importer.plan(store, actor, parsed, lang)


def init_csv(store: Store, region: str, *titles: str, lang: str = "ru") -> bytes:
    t = Translator(lang)
    spec = TABLES["initiatives"]
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow([t(f"imports.col.{n}") for n in spec.names])
    for title in titles:
        out.writerow(
            ["", title, region, "music", "in_progress", "2026-03-01", "", 1000, 0, "local", 1, 2, 3]
        )
    return buf.getvalue().encode("utf-8")


# -- the admin's population table -----------------------------------------------------------------
def test_an_admin_imports_population_figures_with_their_date_and_the_log(demo_store, admin):
    before = snapshot(demo_store)
    data = (POP_HEADER + "KZ-11,2026-07-01,790 123,official,BNS test\n").encode()
    parsed, plan = run(demo_store, admin, "population", data, "bns.csv")
    assert plan.ok and plan.counts() == {"new": 1, "updated": 0, "unchanged": 0, "refused": 0}
    assert snapshot(demo_store) == before  # a preview writes nothing
    done = importer.apply(demo_store, admin, parsed, data=data, expect=plan.counts())
    latest = demo_store.query(
        "SELECT population, as_of, status, source FROM region_population_latest "
        "WHERE iso_code = 'KZ-11'"
    ).iloc[0]
    assert latest["population"] == 790_123 and str(latest["as_of"])[:10] == "2026-07-01"
    assert latest["status"] == "official"
    assert demo_store.data_version() > before["version"]
    log = demo_store.query("SELECT * FROM imports").iloc[0]
    assert log["import_id"] == done.import_id and log["actor"] == admin
    assert log["file_name"] == "bns.csv" and log["file_sha256"] == importer.file_sha256(data)
    assert (log["inserted"], log["updated"], log["unchanged"], log["rows_in_file"]) == (1, 0, 0, 1)
    marked = demo_store.scalar(
        "SELECT import_id FROM region_population WHERE iso_code = 'KZ-11' AND as_of = '2026-07-01'"
    )
    assert marked == done.import_id
    audit = demo_store.query(
        "SELECT table_name, action, actor FROM audit_log WHERE actor = $a ORDER BY table_name",
        {"a": admin},
    )
    assert audit.values.tolist() == [
        ["imports", "import", admin],
        ["region_population", "insert", admin],
    ]


def test_importing_the_same_file_twice_changes_nothing_the_second_time(demo_store, admin):
    data = init_csv(demo_store, "KZ-10", "Қазақ әуені", "Новый хаб")
    parsed, plan = run(demo_store, admin, "initiatives", data)
    assert plan.counts()["new"] == 2
    importer.apply(demo_store, admin, parsed, data=data)
    first = snapshot(demo_store)
    parsed, plan = run(demo_store, admin, "initiatives", data)
    assert plan.counts() == {"new": 0, "updated": 0, "unchanged": 2, "refused": 0}
    importer.apply(demo_store, admin, parsed, data=data)
    second = snapshot(demo_store)
    assert {t: second[t] for t in TABLE_NAMES} == {t: first[t] for t in TABLE_NAMES}
    assert second["imports"] == first["imports"] + 1  # the import itself is logged


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("table", ["initiatives", "hubs", "recommendations", "indicators"])
def test_an_exported_file_reimports_unchanged(demo_store, admin, table, fmt):
    # Kazakh letters and a formula-like title included
    demo_store_title = "Қазақ ұлттық өнері: әңгіме, күй «=1+1»"
    data = init_csv(demo_store, "KZ-10", demo_store_title)
    parsed, _ = run(demo_store, admin, "initiatives", data)
    importer.apply(demo_store, admin, parsed, data=data)
    frame = importer.current_frame(demo_store, table, KK, region="KZ-10")
    assert len(frame)
    spec = TABLES[table]
    out = frame_to_xlsx(spec, KK, frame) if fmt == "xlsx" else export.to_csv_bytes(frame)
    before = snapshot(demo_store)
    parsed, plan = run(demo_store, admin, table, out, f"export.{fmt}", "kk")
    assert plan.ok, plan.all_problems()[:3]
    assert plan.counts() == {"new": 0, "updated": 0, "unchanged": len(frame), "refused": 0}
    importer.apply(demo_store, admin, parsed, data=out)
    after = snapshot(demo_store)
    assert {t: after[t] for t in TABLE_NAMES} == {t: before[t] for t in TABLE_NAMES}


def test_a_formula_title_is_stored_as_text_and_neutralised_on_export(demo_store, admin):
    data = init_csv(demo_store, "KZ-10", '=HYPERLINK("http://x";"y")'.replace(",", ";"))
    parsed, plan = run(demo_store, admin, "initiatives", data)
    assert plan.ok
    importer.apply(demo_store, admin, parsed, data=data)
    title = demo_store.scalar("SELECT title FROM initiatives WHERE title LIKE '=HYPER%'")
    assert title == '=HYPERLINK("http://x";"y")'
    frame = importer.current_frame(demo_store, "initiatives", RU, region="KZ-10")
    assert "'=HYPERLINK" in export.to_csv_bytes(frame).decode("utf-8-sig")


def test_html_and_markdown_titles_are_stored_as_plain_text(demo_store, admin):
    titles = ("<script>alert(1)</script>", "**жирный** _курсив_ [ссылка](http://x)")
    data = init_csv(demo_store, "KZ-10", *titles)
    parsed, _ = run(demo_store, admin, "initiatives", data)
    importer.apply(demo_store, admin, parsed, data=data)
    stored = demo_store.query(
        "SELECT title FROM initiatives WHERE import_id IS NOT NULL ORDER BY initiative_id"
    )["title"].tolist()
    assert stored == list(titles)


# -- region editors -------------------------------------------------------------------------------
def test_a_region_editors_file_with_another_regions_rows_writes_nothing(demo_store, editor_kz10):
    data = init_csv(demo_store, "KZ-10", "Своё").decode() + (
        ",Чужое,KZ-75,music,in_progress,2026-03-01,,1000,0,local,1,2,3\n"
    )
    before = snapshot(demo_store)
    parsed, plan = run(demo_store, editor_kz10, "initiatives", data.encode())
    assert parsed.ok and not plan.ok
    assert plan.counts() == {"new": 1, "updated": 0, "unchanged": 0, "refused": 1}
    (problem,) = plan.problems
    assert (problem.row, problem.column, problem.rule) == (3, "region", "other_region")
    assert "Алматы" in problem.message(RU)
    with pytest.raises(importer.ImportRefused):
        importer.apply(demo_store, editor_kz10, parsed, data=data.encode())
    assert snapshot(demo_store) == before


def test_a_region_editor_imports_their_own_initiatives_and_recommendation_follow_up(
    demo_store, editor_kz10
):
    data = init_csv(demo_store, "Абай облысы", "Семей джаз")
    parsed, plan = run(demo_store, editor_kz10, "initiatives", data)
    assert plan.ok and plan.counts()["new"] == 1
    importer.apply(demo_store, editor_kz10, parsed, data=data)
    row = demo_store.query(
        "SELECT region_iso, updated_by, is_demo FROM initiatives WHERE title = 'Семей джаз'"
    ).iloc[0]
    assert row.tolist() == ["KZ-10", editor_kz10, False]
    rec = int(
        demo_store.scalar(
            "SELECT min(recommendation_id) FROM recommendations WHERE region_iso = 'KZ-10'"
        )
    )
    other = int(
        demo_store.scalar(
            "SELECT min(recommendation_id) FROM recommendations WHERE region_iso = 'KZ-75'"
        )
    )
    recs = (
        "recommendation_id,region,status,follow_up_date,follow_up_note\n"
        f"{rec},KZ-10,in_progress,30.06.2026,Жұмыс тобы құрылды\n"
    ).encode()
    parsed, plan = run(demo_store, editor_kz10, "recommendations", recs)
    assert plan.ok and plan.counts()["updated"] == 1
    importer.apply(demo_store, editor_kz10, parsed, data=recs)
    note = demo_store.scalar(
        "SELECT follow_up_note FROM recommendations WHERE recommendation_id = $r", {"r": rec}
    )
    assert note == "Жұмыс тобы құрылды"
    foreign = (
        "recommendation_id,region,status\n"
        f"{other},KZ-10,done\n{other},KZ-10,implemented\n{other},KZ-10,accepted\n"
    ).encode()
    parsed, plan = run(demo_store, editor_kz10, "recommendations", foreign)
    assert [p.rule for p in parsed.problems] == ["unknown_value", "duplicate_key"]
    foreign = f"recommendation_id,region,status\n{other},KZ-10,implemented\n".encode()
    parsed, plan = run(demo_store, editor_kz10, "recommendations", foreign)
    assert [p.rule for p in plan.problems] == ["region_mismatch"]


def test_a_region_editor_may_not_import_the_ministrys_tables(demo_store, editor_kz10):
    data = (POP_HEADER + "KZ-10,2026-07-01,600000,official,x\n").encode()
    parsed, plan = run(demo_store, editor_kz10, "population", data)
    assert parsed.ok and [p.rule for p in plan.problems] == ["role"]
    assert plan.problems[0].message(KK) == KK("imports.rule.role")


def test_an_unknown_id_is_refused_not_invented(demo_store, admin):
    spec = TABLES["initiatives"]
    header = ",".join(spec.names)
    data = f"{header}\n999999,X,KZ-10,music,in_progress,2026-03-01,,1,0,local,1,2,3\n".encode()
    _, plan = run(demo_store, admin, "initiatives", data)
    assert [p.rule for p in plan.problems] == ["unknown_id"]


def test_a_batch_is_all_or_nothing_and_a_refused_row_is_audited(demo_store, editor_kz10):
    before = snapshot(demo_store)
    ours = int(
        demo_store.scalar("SELECT min(initiative_id) FROM initiatives WHERE region_iso='KZ-10'")
    )
    theirs = int(
        demo_store.scalar("SELECT min(initiative_id) FROM initiatives WHERE region_iso='KZ-75'")
    )
    with pytest.raises(AccessDenied) as refused:
        with gateway.batch(demo_store, editor_kz10) as job:
            for ident in (ours, theirs):
                with job.row("initiatives", key=ident, action="update") as w:
                    w.cur.execute(
                        "UPDATE initiatives SET jobs_created = 7 WHERE initiative_id = $i",
                        {"i": ident},
                    )
    assert refused.value.key == "region"
    after = snapshot(demo_store)
    assert {t: after[t] for t in TABLE_NAMES} == {t: before[t] for t in TABLE_NAMES}
    assert after["audit"] == before["audit"] + 1  # the refusal, nothing else
    assert (
        demo_store.scalar("SELECT action FROM audit_log ORDER BY logged_at DESC LIMIT 1")
        == "refused"
    )


def test_a_file_with_problems_is_never_applied(demo_store, admin):
    data = init_csv(demo_store, "KZ-99", "X")
    parsed, plan = run(demo_store, admin, "initiatives", data)
    before = snapshot(demo_store)
    with pytest.raises(importer.ImportRefused):
        importer.apply(demo_store, admin, parsed, data=data)
    assert snapshot(demo_store) == before


def test_a_store_changed_since_the_preview_is_not_applied(demo_store, admin):
    data = init_csv(demo_store, "KZ-10", "Гастроль")
    parsed, plan = run(demo_store, admin, "initiatives", data)
    importer.apply(demo_store, admin, parsed, data=data)  # someone else applied it meanwhile
    before = snapshot(demo_store)
    with pytest.raises(importer.ImportStale):
        importer.apply(demo_store, admin, parsed, data=data, expect=plan.counts())
    assert snapshot(demo_store) == before


# -- a kill midway --------------------------------------------------------------------------------
KILL_SCRIPT = """
import sys
from creative_dash.access import CLI
from creative_dash.store import open_store, importer

store = open_store(sys.argv[1])
data = open(sys.argv[2], "rb").read()
parsed = importer.read_file(store, "initiatives", data, "big.csv", "ru")
assert parsed.ok, parsed.problems[:3]

def progress(done, total):
    if done == total // 2:
        print("midway", flush=True)
        sys.stdin.readline()  # held here until the test kills the process

importer.apply(store, CLI, parsed, data=data, progress=progress)
print("finished", flush=True)
"""


def test_killing_the_process_in_the_middle_leaves_the_store_as_it_was(demo_db, tmp_path):
    path = tmp_path / "big.csv"
    titles = [f"Бастама {i}" for i in range(400)]
    s = Store(str(demo_db))
    path.write_bytes(init_csv(s, "KZ-10", *titles))
    before = snapshot(s)
    s.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(demo_db), str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        assert proc.stdout.readline().strip() == "midway"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    s = Store(str(demo_db))
    try:
        assert snapshot(s) == before
    finally:
        s.close()


# -- the command line -----------------------------------------------------------------------------
def test_the_command_line_lists_every_problem_and_exits_non_zero(demo_db, tmp_path, capsys):
    bad = tmp_path / "pop.csv"
    bad.write_text(
        "Регион;По состоянию на;Численность населения;Статус;Источник\nKZ-99;2026-13-01;-5;foo;\n",
        encoding="utf-8",
    )
    problems = tmp_path / "problems.xlsx"
    code = main(
        [
            "import",
            "population",
            str(bad),
            "--db",
            str(demo_db),
            "--lang",
            "ru",
            "--problems",
            str(problems),
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "Найдено ошибок: 5" in err
    assert "Строка 2, Столбец «Регион», Значение «KZ-99»: Неизвестный регион" in err
    assert problems.stat().st_size > 0


def test_the_command_line_dry_run_and_apply(demo_db, tmp_path, capsys):
    good = tmp_path / "pop.csv"
    good.write_text(POP_HEADER + "Ақмола облысы,01.01.2026,790 123,official,BNS\n", "utf-8")
    s = Store(str(demo_db))
    before = snapshot(s)
    s.close()
    assert main(["import", "population", str(good), "--db", str(demo_db), "--dry-run"]) == 0
    assert "New: 1" in capsys.readouterr().out
    s = Store(str(demo_db))
    assert snapshot(s) == before
    s.close()
    assert main(["import", "population", str(good), "--db", str(demo_db), "--lang", "kk"]) == 0
    assert "Импортталды: жаңа — 1" in capsys.readouterr().out
    assert main(["import", "population", str(good), "--db", str(demo_db)]) == 0
    assert "Nothing to change" in capsys.readouterr().out


def test_the_command_line_acts_as_the_account_given(demo_db, tmp_path, capsys):
    from tests.conftest import account

    s = Store(str(demo_db))
    account(s, "editor-kz10", "region_editor", "KZ-10")
    s.close()
    good = tmp_path / "pop.csv"
    good.write_text(POP_HEADER + "KZ-10,2026-07-01,600000,official,x\n", "utf-8")
    code = main(["import", "population", str(good), "--db", str(demo_db), "--as", "editor-kz10"])
    assert code == 1
    assert "may not import this table" in capsys.readouterr().err
    assert main(["import", "population", str(good), "--db", str(demo_db), "--as", "nobody"]) == 1


def test_the_cli_refuses_a_legacy_code_page_file(demo_db, tmp_path, capsys):
    bad = tmp_path / "pop.csv"
    bad.write_bytes((POP_HEADER + "KZ-10,2026-01-01,1,official,Бюро\n").encode("cp1251"))
    assert main(["import", "population", str(bad), "--db", str(demo_db), "--lang", "kk"]) == 1
    assert "CSV UTF-8" in capsys.readouterr().err


def test_imports_write_through_the_gateway_only():
    text = (ROOT / "creative_dash/store/importer.py").read_text(encoding="utf-8")
    assert "store.transaction" not in text and "gateway.batch" in text
    assert CLI.name == "cli"


def test_the_real_bns_population_table_loads_through_the_import(demo_store, capsys):
    path = ROOT / "data/imports/bns_population_2026-01-01.csv"
    parsed = importer.read_file(demo_store, "population", path.read_bytes(), path.name, "en")
    assert parsed.ok and len(parsed.rows) == 10
    assert {r["as_of"].isoformat() for r in parsed.rows} == {"2026-01-01"}
    assert all(r["status"] == "official" and "BNS" in r["source"] for r in parsed.rows)
    importer.apply(demo_store, CLI, parsed, data=path.read_bytes())
    latest = demo_store.query(
        "SELECT iso_code, population, status FROM region_population_latest "
        "WHERE iso_code IN ('KZ-10', 'KZ-75')  ORDER BY iso_code"
    ).values.tolist()
    assert latest == [["KZ-10", 595_676, "official"], ["KZ-75", 2_347_924, "official"]]


def test_an_imported_population_figure_is_marked_as_imported(demo_store, admin):
    data = (POP_HEADER + "KZ-10,2026-01-01,600001,official,BNS corrected\n").encode()
    parsed, plan = run(demo_store, admin, "population", data)
    assert plan.counts()["updated"] == 1
    done = importer.apply(demo_store, admin, parsed, data=data)
    row = demo_store.query(
        "SELECT origin, loaded_by, import_id FROM region_population "
        "WHERE iso_code = 'KZ-10' AND as_of = '2026-01-01'"
    ).iloc[0]
    assert row.tolist() == ["import", admin, done.import_id]
