"""A demo (re)load never replaces or deletes what an import or an edit wrote: a new generator
version reloads only the demo's untouched rows, keeps the rest as they are, does not bring back
a demo row a user deleted, and says in the command's output what it kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from creative_dash import editing
from creative_dash.__main__ import main
from creative_dash.queries import run as run_query
from creative_dash.store import Store, demo, edits, importer
from creative_dash.store.bootstrap import ensure_store
from tests.conftest import account
from tests.unit.test_importer import init_csv, run


@pytest.fixture
def new_generator(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo generator of a newer version: ``init --demo`` reloads the demo."""
    monkeypatch.setattr(demo, "GENERATOR_VERSION", demo.GENERATOR_VERSION + 1)


def _first(store: Store, table: str, key: str, region: str) -> int:
    sql = f"SELECT min({key}) FROM {table} WHERE region_iso = $r AND is_demo"  # noqa: S608
    return int(store.scalar(sql, {"r": region}))


def _edit_hub(store: Store, user: str, hub_id: int, name: str) -> None:
    base = run_query(store, "edit_rows", table="hubs", region="KZ-10")
    edited = base.copy()
    edited.loc[edited["hub_id"] == hub_id, "name"] = name
    edits.save(
        store, user, "hubs", editing.diff(editing.SPECS["hubs"], base, edited), region="KZ-10"
    )


def _delete_initiative(store: Store, user: str, initiative_id: int) -> None:
    base = run_query(store, "edit_rows", table="initiatives", region="KZ-10")
    edited = base[base["initiative_id"] != initiative_id].reset_index(drop=True)
    changes = editing.diff(editing.SPECS["initiatives"], base, edited)
    edits.save(store, user, "initiatives", changes, region="KZ-10")


def test_a_demo_reload_keeps_imported_and_edited_rows(
    demo_store: Store, admin: str, editor_kz10: str, new_generator: None
) -> None:
    store = demo_store
    # an import renames a demo initiative (it becomes the ministry's own: not demo)
    ini = _first(store, "initiatives", "initiative_id", "KZ-10")
    row = store.query("SELECT * FROM initiatives WHERE initiative_id = $k", {"k": ini}).iloc[0]
    header = "initiative_id,title,region,sector,status,start_date,end_date,budget_planned_kzt,"
    header += "budget_spent_kzt,funding_source,jobs_created,beneficiaries_youth,beneficiaries_women"
    line = (
        f"{ini},Imported title,KZ-10,{row['sector_code']},{row['status']},"
        f"{str(row['start_date'])[:10]},,{int(row['budget_planned_kzt'])},"
        f"{int(row['budget_spent_kzt'])},{row['funding_source']},{int(row['jobs_created'])},"
        f"{int(row['beneficiaries_youth'])},{int(row['beneficiaries_women'])}"
    )
    data = f"{header}\n{line}\n".encode()
    parsed, plan = run(store, admin, "initiatives", data, lang="en")
    assert plan.ok and plan.counts()["updated"] == 1, plan.problems
    importer.apply(store, admin, parsed, data=data)
    # an import adds an initiative of its own
    added = init_csv(store, "KZ-10", "Semey jazz", lang="en")
    parsed, plan = run(store, editor_kz10, "initiatives", added, lang="en")
    importer.apply(store, editor_kz10, parsed, data=added)
    new_id = int(store.scalar("SELECT initiative_id FROM initiatives WHERE title = 'Semey jazz'"))
    # an editor renames a demo hub in the browser (it stays a demo row, its version goes up)
    hub = _first(store, "hubs", "hub_id", "KZ-10")
    _edit_hub(store, editor_kz10, hub, "Edited hub")
    # an import sets a demo recommendation's follow-up
    rec = _first(store, "recommendations", "recommendation_id", "KZ-10")
    recs = f"recommendation_id,region,status,follow_up_note\n{rec},KZ-10,accepted,Working group\n"
    parsed, plan = run(store, editor_kz10, "recommendations", recs.encode(), lang="en")
    importer.apply(store, editor_kz10, parsed, data=recs.encode())
    # an editor deletes a demo initiative
    gone = int(
        store.scalar(
            "SELECT max(initiative_id) FROM initiatives WHERE region_iso = 'KZ-10' AND is_demo"
        )
    )
    _delete_initiative(store, editor_kz10, gone)
    before = store.query("SELECT count(*) AS n FROM initiatives").iloc[0]["n"]

    said: list[str] = []
    ensure_store(store, with_demo=True, say=said.append)  # the newer generator: a reload

    def one(sql: str, key: int):
        return store.query(sql, {"k": key}).iloc[0].tolist()

    q_ini = "SELECT title, is_demo FROM initiatives WHERE initiative_id = $k"
    assert one(q_ini, ini) == ["Imported title", False]
    assert one(q_ini, new_id) == ["Semey jazz", False]
    assert one("SELECT name, version FROM hubs WHERE hub_id = $k", hub) == ["Edited hub", 2]
    note = "SELECT status, follow_up_note FROM recommendations WHERE recommendation_id = $k"
    assert one(note, rec) == ["accepted", "Working group"]
    assert (
        store.scalar("SELECT count(*) FROM initiatives WHERE initiative_id = $k", {"k": gone}) == 0
    )
    # the kept initiatives keep their links; nothing else was lost or doubled
    links = "SELECT count(*) FROM initiative_sectors WHERE initiative_id = $k"
    assert store.scalar(links, {"k": ini}) >= 1
    assert store.query("SELECT count(*) AS n FROM initiatives").iloc[0]["n"] == before
    text = "\n".join(said)
    assert "demo data: kept 4 row(s) that imports or edits added or changed" in text, text
    assert "as they were (hubs 1, initiatives 2, recommendations 1)" in text
    # the generated rows of the kept keys, and the deleted one, are left out (with their links)
    (left_out,) = [line for line in said if "left out" in line]
    # the renamed hub's and initiative's generated twins, and the deleted initiative
    assert "(hubs 1," in left_out and " initiatives 2," in left_out, left_out
    # a second run: the same demo, nothing to do
    again: list[str] = []
    ensure_store(store, with_demo=True, say=again.append)
    assert any("already loaded" in s for s in again)


def test_the_demo_into_a_store_with_imported_rows_keeps_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``init`` without ``--demo``, an import, then ``init --demo``: the imported initiatives hold
    ids the demo would use; they stay, the demo's rows of those ids are left out, and the
    command says so (before: the load failed on the duplicate key)."""
    path = tmp_path / "real.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    store = Store(str(path))
    admin = account(store, "admin", "admin")
    data = init_csv(store, "KZ-10", "Real one", "Real two", lang="en")
    parsed, plan = run(store, admin, "initiatives", data, lang="en")
    importer.apply(store, admin, parsed, data=data)
    ids = sorted(store.query("SELECT initiative_id FROM initiatives")["initiative_id"].tolist())
    assert ids == [1, 2]
    links = "SELECT * FROM initiative_sectors WHERE initiative_id <= 2 ORDER BY ALL"
    links_before = store.query(links).to_csv()
    store.close()
    capsys.readouterr()
    assert main(["init", "--db", str(path), "--demo"]) == 0
    out = capsys.readouterr().out
    assert "kept 2 row(s) that imports or edits added or changed" in out, out
    (left_out,) = [line for line in out.splitlines() if "left out" in line]
    assert "(initiatives 2," in left_out, out  # with their links
    store = Store(str(path))
    mine = store.query("SELECT title, is_demo FROM initiatives WHERE initiative_id <= 2 ORDER BY 1")
    assert mine.values.tolist() == [["Real one", False], ["Real two", False]]
    assert store.query(links).to_csv() == links_before  # no demo links on the real rows
    assert store.scalar("SELECT count(*) FROM initiatives WHERE is_demo") > 1000
    store.close()
