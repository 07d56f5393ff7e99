"""Editing in the browser (issue 16): the pure diff and validation, the follow-up workflow, and
saves through the write gateway against a real store: another region's row, a moved row, a stale
row version, a forbidden transition and hostile values are refused and write nothing."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from creative_dash import editing, vocab
from creative_dash.access import AccessDenied
from creative_dash.editing import DELETE, INSERT, SPECS, UPDATE, Change
from creative_dash.i18n import LANGS, Translator, t
from creative_dash.queries import run
from creative_dash.store import edits, gateway
from creative_dash.views import editing as view

INI = SPECS["initiatives"]


def frame(**cols) -> pd.DataFrame:
    base = {
        "initiative_id": [1, 2],
        "version": [3, 1],
        "title": ["A", "B"],
        "sector_code": ["design", "music"],
        "status": ["proposed", "approved"],
        "start_date": [date(2024, 1, 1), date(2024, 2, 1)],
        "end_date": [None, date(2025, 1, 1)],
        "budget_planned_kzt": [100, 200],
        "budget_spent_kzt": [0, 50],
        "funding_source": ["local", "grant"],
        "jobs_created": [1, 2],
        "beneficiaries_youth": [0, 0],
        "beneficiaries_women": [0, 0],
    }
    base.update(cols)
    return pd.DataFrame(base)


# -- the pure part -------------------------------------------------------------------------------
def test_diff_finds_changed_cells_new_rows_and_deleted_rows():
    original = frame()
    edited = frame(title=["A", "B2"], budget_planned_kzt=[100.0, 250.0]).iloc[1:]
    new = frame().iloc[:1].assign(initiative_id=[None], title=["New"])
    changes = editing.diff(INI, original, pd.concat([edited, new], ignore_index=True))
    assert [c.action for c in changes] == [UPDATE, INSERT, DELETE]
    update, insert, delete = changes
    assert update.key == 2 and update.version == 1
    assert update.values == {"title": "B2", "budget_planned_kzt": 250}
    assert update.old == {"title": "B", "budget_planned_kzt": 200}
    assert insert.key is None and insert.new_row == 1 and insert.values["title"] == "New"
    assert delete.key == 1 and delete.version == 3 and delete.old["title"] == "A"
    assert editing.counts(changes) == {INSERT: 1, UPDATE: 1, DELETE: 1}


def test_diff_of_an_untouched_frame_is_empty_whatever_the_types():
    original = frame()
    edited = original.copy()
    edited["start_date"] = pd.to_datetime(edited["start_date"])  # timestamps, not dates
    edited["budget_planned_kzt"] = edited["budget_planned_kzt"].astype(float)
    edited["title"] = edited["title"] + "  "  # trailing blanks are not a change
    assert editing.diff(INI, original, edited) == []


def problems_of(values: dict, action=UPDATE, rows=None):
    change = Change(action, key=None if action == INSERT else 1, new_row=1, values=values)
    return [
        (p.column, p.rule)
        for p in editing.validate(INI, [change], {"sector_code": ["design"]}, rows or {})
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"title": "x" * 10_000}, ("title", "too_long")),
        ({"title": "line\x00break"}, ("title", "control")),
        ({"title": "  "}, ("title", "required")),
        ({"budget_planned_kzt": -1}, ("budget_planned_kzt", "min")),
        ({"budget_planned_kzt": 10**15}, ("budget_planned_kzt", "max")),
        ({"budget_spent_kzt": "a lot"}, ("budget_spent_kzt", "number")),
        ({"jobs_created": 1.5}, ("jobs_created", "whole")),
        ({"jobs_created": float("inf")}, ("jobs_created", "number")),
        ({"status": "foo"}, ("status", "choice")),
        ({"sector_code": "planet"}, ("sector_code", "choice")),
        ({"start_date": "not a date"}, ("start_date", "date")),
        ({"start_date": date(1900, 1, 1)}, ("start_date", "date_range")),
    ],
)
def test_each_hostile_value_is_named_with_its_column_and_rule(values, expected):
    assert problems_of(values) == [expected]


def test_every_problem_is_listed_at_once_with_the_end_before_the_start():
    row = {"start_date": date(2024, 5, 1), "end_date": None}
    found = problems_of(
        {"title": "x" * 301, "budget_planned_kzt": -5, "end_date": date(2024, 1, 1)},
        rows={1: row},
    )
    assert found == [
        ("title", "too_long"),
        ("budget_planned_kzt", "min"),
        ("end_date", "end_before_start"),
    ]


def test_a_new_row_needs_every_required_value():
    found = dict(problems_of({"title": "Only a title"}, action=INSERT))
    assert {"sector_code", "status", "start_date", "budget_planned_kzt"} <= set(found)
    assert "end_date" not in found  # open-ended is allowed
    assert set(found.values()) == {"required"}


def test_follow_up_transitions():
    allowed = {(a, b) for a, nexts in vocab.REC_TRANSITIONS.items() for b in nexts}
    assert allowed == {
        ("proposed", "accepted"),
        ("proposed", "rejected"),
        ("accepted", "in_progress"),
        ("accepted", "rejected"),
        ("in_progress", "implemented"),
        ("in_progress", "rejected"),
    }
    assert set(vocab.REC_TRANSITIONS) == set(vocab.REC_STATUSES)
    for old in vocab.REC_STATUSES:
        for new in vocab.REC_STATUSES:
            ok = editing.transition_allowed("recommendations", old, new)
            assert ok == (old == new or (old, new) in allowed)
            got = editing.transition_refused("recommendations", {"status": old}, {"status": new})
            assert got == (None if ok else "transition")
    assert editing.next_statuses("accepted") == ("accepted", "in_progress", "rejected")
    recs = SPECS["recommendations"]
    skip = Change(UPDATE, key=1, values={"status": "implemented"}, old={"status": "proposed"})
    assert [p.rule for p in editing.validate(recs, [skip])] == ["transition"]
    add = Change(INSERT, new_row=1, values={"status": "proposed"})
    gone = Change(DELETE, key=1)
    assert [p.rule for p in editing.validate(recs, [add, gone])] == ["no_insert", "no_delete"]


@pytest.mark.parametrize("lang", LANGS)
def test_problems_and_preview_read_in_each_language(lang):
    tr = Translator(lang)
    change = Change(UPDATE, key=7, values={"status": "completed"}, old={"status": "proposed"})
    preview = view.preview_table(tr, "initiatives", [change])
    assert preview.iloc[0].tolist() == [
        t(lang, "editing.row", id=7),
        t(lang, "editing.action.update"),
        t(lang, "editing.col.status"),
        t(lang, "status.proposed"),
        t(lang, "status.completed"),
    ]
    bad = Change(INSERT, new_row=2, values={"title": "<b>x</b>", "budget_planned_kzt": -3})
    problems = editing.validate(INI, [bad], {"sector_code": ["design"]})
    table = view.problems_table(tr, "initiatives", problems)
    first = table.iloc[0].tolist()
    assert first[0] == t(lang, "editing.new_row", n=2)
    money = table[table.iloc[:, 1] == t(lang, "editing.col.budget_planned_kzt")].iloc[0].tolist()
    assert money[2] == "-3" and money[3] == t(lang, "editing.rule.min", min=tr.num(0))


def test_history_table_names_people_and_shows_markup_as_text():
    df = pd.DataFrame(
        {
            "logged_at": [pd.Timestamp("2026-05-01 10:30")],
            "actor": ["u-1"],
            "actor_name": ["Aigerim <i>A</i>"],
            "action": ["update"],
            "before_json": [json.dumps({"title": "Old", "version": 1, "status": "proposed"})],
            "after_json": [json.dumps({"title": "**New**", "version": 2, "status": "approved"})],
        }
    )
    shown = view.history_table(Translator("en"), "initiatives", df).iloc[0].tolist()
    assert shown[1] == "Aigerim <i>A</i>"
    assert shown[3] == "Title: Old → **New**; Status: Proposed → Approved"  # no version


# -- saves through the gateway -------------------------------------------------------------------
def rows_of(store, table: str, region: str) -> pd.DataFrame:
    return run(store, "edit_rows", table=table, region=region)


def snapshot(store) -> tuple:
    return (
        store.query("SELECT * FROM initiatives ORDER BY initiative_id").to_json(),
        store.query("SELECT * FROM hubs ORDER BY hub_id").to_json(),
        store.query("SELECT * FROM recommendations ORDER BY recommendation_id").to_json(),
    )


def edit_of(store, table, region, change_row):
    base = rows_of(store, table, region)
    edited = base.copy()
    for col, value in change_row.items():
        edited.loc[0, col] = value
    return base, editing.diff(SPECS[table], base, edited)


def test_an_editor_saves_their_region_s_rows_with_audit_rows_in_one_go(demo_store, editor_kz10):
    base = rows_of(demo_store, "initiatives", "KZ-10")
    edited = base.copy().iloc[1:]  # the first row deleted
    edited.loc[edited.index[0], "title"] = "Renamed"
    new = base.iloc[:1].assign(initiative_id=[None], title=["Brand new"])
    changes = editing.diff(INI, base, pd.concat([edited, new], ignore_index=True))
    done = edits.save(demo_store, editor_kz10, "initiatives", changes, region="KZ-10")
    assert done == {INSERT: 1, UPDATE: 1, DELETE: 1}
    gone = int(base.iloc[0]["initiative_id"])
    assert (
        demo_store.scalar("SELECT count(*) FROM initiatives WHERE initiative_id = $k", {"k": gone})
        == 0
    )
    assert (
        demo_store.scalar(
            "SELECT count(*) FROM initiative_sdgs WHERE initiative_id = $k", {"k": gone}
        )
        == 0
    )
    added = demo_store.query("SELECT * FROM initiatives WHERE title = 'Brand new'").iloc[0]
    assert added["region_iso"] == "KZ-10" and not added["is_demo"] and added["version"] == 1
    log = demo_store.query(
        "SELECT table_name, action FROM audit_log WHERE actor = $a", {"a": editor_kz10}
    )
    assert {("initiatives", "insert"), ("initiatives", "update"), ("initiatives", "delete")} <= set(
        zip(log["table_name"], log["action"])
    )


def test_another_region_s_row_is_refused_and_nothing_is_written(demo_store, editor_kz10):
    base, changes = edit_of(demo_store, "initiatives", "KZ-71", {"title": "Hijacked"})
    # a good change of the editor's own region in the same save is rolled back too
    own, mine = edit_of(demo_store, "initiatives", "KZ-10", {"title": "Mine"})
    before = snapshot(demo_store)
    with pytest.raises(AccessDenied) as refused:
        edits.save(demo_store, editor_kz10, "initiatives", mine + changes, region="KZ-10")
    assert refused.value.key == "region"
    assert snapshot(demo_store) == before
    last = demo_store.query(
        "SELECT after_json FROM audit_log WHERE action = 'refused' ORDER BY logged_at DESC LIMIT 1"
    )
    assert json.loads(last.iloc[0, 0])["reason"] == "region"


def test_a_new_row_in_another_region_is_refused(demo_store, editor_kz10):
    base = rows_of(demo_store, "hubs", "KZ-10")
    new = base.iloc[:1].assign(hub_id=[None], name=["Elsewhere"])
    changes = [
        c for c in editing.diff(SPECS["hubs"], base, pd.concat([base, new])) if c.action == INSERT
    ]
    before = snapshot(demo_store)
    with pytest.raises(AccessDenied) as refused:
        edits.save(demo_store, editor_kz10, "hubs", changes, region="KZ-71")
    assert refused.value.key == "region" and snapshot(demo_store) == before


def test_a_moved_row_is_refused(demo_store, editor_kz10):
    key = int(rows_of(demo_store, "hubs", "KZ-10").iloc[0]["hub_id"])
    before = snapshot(demo_store)
    with pytest.raises(AccessDenied) as refused:
        with gateway.write(demo_store, editor_kz10, "hubs", key=key, action="update") as w:
            w.cur.execute("UPDATE hubs SET region_iso = 'KZ-71' WHERE hub_id = $k", {"k": key})
    assert refused.value.key == "region" and snapshot(demo_store) == before


def test_a_stale_row_version_is_refused_with_who_and_when(demo_store, editor_kz10, admin):
    _, first = edit_of(demo_store, "initiatives", "KZ-10", {"title": "First save"})
    _, second = edit_of(demo_store, "initiatives", "KZ-10", {"title": "Second save"})
    edits.save(demo_store, admin, "initiatives", first, region="KZ-10")
    after_first = snapshot(demo_store)
    with pytest.raises(gateway.StaleRow) as stale:
        edits.save(demo_store, editor_kz10, "initiatives", second, region="KZ-10")
    assert snapshot(demo_store) == after_first
    admin_name = demo_store.scalar(
        "SELECT display_name FROM users WHERE user_id = $u", {"u": admin}
    )
    assert stale.value.by == admin_name and not stale.value.deleted
    for lang in ("kk", "ru"):
        tr = Translator(lang)
        when = f"{tr.date(stale.value.at)} {stale.value.at:%H:%M}"
        assert stale.value.message(tr) == t(lang, "access.stale.changed", who=admin_name, when=when)


def test_a_row_deleted_meanwhile_is_stale_too(demo_store, editor_kz10, admin):
    base = rows_of(demo_store, "hubs", "KZ-10")
    free = demo_store.query(
        "SELECT hub_id FROM hubs WHERE region_iso = 'KZ-10' AND hub_id NOT IN "
        "(SELECT hub_id FROM initiatives WHERE hub_id IS NOT NULL)"
    )
    i = base.index[base["hub_id"] == free.iloc[0, 0]][0]
    edited = base.copy()
    edited.loc[i, "name"] = "Renamed meanwhile"
    deletion = editing.diff(SPECS["hubs"], base, base.drop(index=i))
    update = editing.diff(SPECS["hubs"], base, edited)
    edits.save(demo_store, admin, "hubs", deletion, region="KZ-10")
    with pytest.raises(gateway.StaleRow) as stale:
        edits.save(demo_store, editor_kz10, "hubs", update, region="KZ-10")
    assert stale.value.deleted and stale.value.by


def test_the_gateway_bumps_the_version_of_any_update(demo_store, admin):
    key = int(rows_of(demo_store, "hubs", "KZ-10").iloc[0]["hub_id"])
    version = demo_store.scalar("SELECT version FROM hubs WHERE hub_id = $k", {"k": key})
    with gateway.write(demo_store, admin, "hubs", key=key, action="update") as w:
        w.cur.execute("UPDATE hubs SET residents = 3 WHERE hub_id = $k", {"k": key})
    row = demo_store.query("SELECT version, updated_by FROM hubs WHERE hub_id = $k", {"k": key})
    assert row.iloc[0]["version"] == version + 1 and row.iloc[0]["updated_by"] == admin


def test_a_forbidden_follow_up_step_is_refused_by_the_gateway(demo_store, editor_kz10):
    recs = rows_of(demo_store, "recommendations", "KZ-10")
    key = int(recs[recs["status"] == "proposed"].iloc[0]["recommendation_id"])
    before = snapshot(demo_store)
    with pytest.raises(AccessDenied) as refused:  # past the library, straight to the gateway
        with gateway.write(
            demo_store, editor_kz10, "recommendations", key=key, action="update"
        ) as w:
            w.cur.execute(
                "UPDATE recommendations SET status = 'implemented' WHERE recommendation_id = $k",
                {"k": key},
            )
    assert refused.value.key == "transition" and snapshot(demo_store) == before
    with gateway.write(demo_store, editor_kz10, "recommendations", key=key, action="update") as w:
        w.cur.execute(
            "UPDATE recommendations SET status = 'accepted', follow_up_note = 'ok', "
            "responsible_body = 'ministry' WHERE recommendation_id = $k",
            {"k": key},
        )
    assert (
        demo_store.scalar(
            "SELECT status FROM recommendations WHERE recommendation_id = $k", {"k": key}
        )
        == "accepted"
    )


def test_a_region_editor_may_not_change_a_recommendation_s_text(demo_store, editor_kz10):
    key = int(rows_of(demo_store, "recommendations", "KZ-10").iloc[0]["recommendation_id"])
    with pytest.raises(AccessDenied) as refused:
        with gateway.write(
            demo_store, editor_kz10, "recommendations", key=key, action="update"
        ) as w:
            w.cur.execute(
                "UPDATE recommendations SET text = 'x' WHERE recommendation_id = $k", {"k": key}
            )
    assert refused.value.key == "columns"


def test_hostile_saves_write_nothing(demo_store, editor_kz10):
    _, changes = edit_of(
        demo_store,
        "initiatives",
        "KZ-10",
        {"title": "x" * 10_000, "budget_planned_kzt": -1, "status": "foo"},
    )
    start = rows_of(demo_store, "initiatives", "KZ-10").iloc[0]["start_date"]
    changes[0].values["end_date"] = pd.Timestamp(start).date().replace(year=1992)
    before = snapshot(demo_store)
    audit = demo_store.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(edits.Invalid) as invalid:
        edits.save(demo_store, editor_kz10, "initiatives", changes, region="KZ-10")
    rules = {(p.column, p.rule) for p in invalid.value.problems}
    assert rules == {
        ("title", "too_long"),
        ("budget_planned_kzt", "min"),
        ("status", "choice"),
        ("end_date", "end_before_start"),
    }
    assert snapshot(demo_store) == before
    assert demo_store.scalar("SELECT count(*) FROM audit_log") == audit


def test_a_viewer_s_save_is_refused(demo_store):
    _, changes = edit_of(demo_store, "initiatives", "KZ-10", {"title": "Anonymous"})
    before = snapshot(demo_store)
    with pytest.raises(AccessDenied) as refused:
        edits.save(demo_store, None, "initiatives", changes, region="KZ-10")
    assert refused.value.key == "sign_in" and snapshot(demo_store) == before


def test_markup_in_a_title_is_stored_as_typed(demo_store, editor_kz10):
    title = "<script>alert(1)</script> **bold** [link](http://x)"
    _, changes = edit_of(demo_store, "initiatives", "KZ-10", {"title": title})
    edits.save(demo_store, editor_kz10, "initiatives", changes, region="KZ-10")
    assert demo_store.scalar("SELECT count(*) FROM initiatives WHERE title = $t", {"t": title}) == 1
    history = run(demo_store, "row_history", table="initiatives", key=changes[0].key)
    assert json.loads(history.iloc[0]["after_json"])["title"] == title
