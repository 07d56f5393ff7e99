"""The write gateway against a real store: the hostile cases of issue 14, and the audit trail.

Every refusal must leave the data as it was, raise AccessDenied with a message key, and leave an
``audit_log`` row of action ``refused``; every allowed write leaves its audit row in the same
transaction."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from creative_dash import live, vocab
from creative_dash.access import CLI, SYSTEM, AccessDenied
from creative_dash.live import LiveError, SceneRef
from creative_dash.store import Store, gateway, users
from creative_dash.store.core import _migrations
from creative_dash.store.reference import load_reference

ROOT = Path(__file__).resolve().parents[2]


def refusals(store: Store) -> list[dict]:
    df = store.query(
        "SELECT actor, table_name, row_key, after_json FROM audit_log WHERE action = 'refused' "
        "ORDER BY logged_at"
    )
    return [{**row, "after_json": json.loads(row["after_json"])} for row in df.to_dict("records")]


def initiative_in(store: Store, region: str) -> int:
    return int(
        store.scalar(
            "SELECT min(initiative_id) FROM initiatives WHERE region_iso = $r", {"r": region}
        )
    )


def set_status(store: Store, actor, initiative_id: int, status: str) -> None:
    with gateway.write(store, actor, "initiatives", key=initiative_id, action="update") as w:
        w.cur.execute(
            "UPDATE initiatives SET status = $s, updated_by = $a, version = version + 1 "
            "WHERE initiative_id = $k",
            {"s": status, "a": w.actor_name, "k": initiative_id},
        )


def status_of(store: Store, initiative_id: int) -> str:
    return store.scalar(
        "SELECT status FROM initiatives WHERE initiative_id = $k", {"k": initiative_id}
    )


# -- a region editor stays in their region ---------------------------------------------------------
def test_region_editor_changes_their_own_regions_initiative_with_an_audit_row(
    demo_store, editor_kz10
):
    iid = initiative_in(demo_store, "KZ-10")
    old = status_of(demo_store, iid)
    new = "cancelled" if old != "cancelled" else "completed"
    set_status(demo_store, editor_kz10, iid, new)
    assert status_of(demo_store, iid) == new
    row = demo_store.query(
        "SELECT * FROM audit_log WHERE table_name = 'initiatives' AND row_key = $k",
        {"k": str(iid)},
    ).iloc[0]
    assert (row["actor"], row["action"]) == (editor_kz10, "update")
    before, after = json.loads(row["before_json"]), json.loads(row["after_json"])
    assert (before["status"], after["status"]) == (old, new)
    assert after["version"] == before["version"] + 1 and after["updated_by"] == editor_kz10


def test_region_editor_of_kz10_cannot_change_a_kz75_row(demo_store, editor_kz10):
    iid = initiative_in(demo_store, "KZ-75")
    old = status_of(demo_store, iid)
    ran = []
    with pytest.raises(AccessDenied) as err:
        with gateway.write(demo_store, editor_kz10, "initiatives", key=iid, action="update"):
            ran.append(True)  # never reached: refused before the write
    assert err.value.key == "region" and not ran
    assert status_of(demo_store, iid) == old
    assert refusals(demo_store) == [
        {
            "actor": editor_kz10,
            "table_name": "initiatives",
            "row_key": str(iid),
            "after_json": {"action": "update", "reason": "region"},
        }
    ]


def test_the_row_region_comes_from_the_store_not_from_the_caller(demo_store, editor_kz10):
    mine, theirs = initiative_in(demo_store, "KZ-10"), initiative_in(demo_store, "KZ-75")
    # Moving its own row to KZ-75: refused after the write (the row's region is read again from
    # the store), and rolled back.
    with pytest.raises(AccessDenied, match="region"):
        with gateway.write(demo_store, editor_kz10, "initiatives", key=mine, action="update") as w:
            w.cur.execute(
                "UPDATE initiatives SET region_iso = 'KZ-75' WHERE initiative_id = $k", {"k": mine}
            )
    assert (
        demo_store.scalar(
            "SELECT region_iso FROM initiatives WHERE initiative_id = $k", {"k": mine}
        )
        == "KZ-10"
    )
    # A new row placed in KZ-75 is refused, whatever region the caller believed.
    new_id = int(demo_store.scalar("SELECT max(initiative_id) + 1 FROM initiatives"))
    with pytest.raises(AccessDenied, match="region"):
        with gateway.write(
            demo_store, editor_kz10, "initiatives", key=new_id, action="insert"
        ) as w:
            w.cur.execute(
                "INSERT INTO initiatives SELECT * REPLACE ($n AS initiative_id) FROM initiatives "
                "WHERE initiative_id = $k",
                {"n": new_id, "k": theirs},
            )
    assert not demo_store.scalar(
        "SELECT count(*) FROM initiatives WHERE initiative_id = $n", {"n": new_id}
    )
    # Rows without a region of their own are judged by their parent's region.
    hub = int(
        demo_store.scalar(
            "SELECT min(h.hub_id) FROM hubs h JOIN hub_sectors s USING "
            "(hub_id) WHERE h.region_iso = 'KZ-75'"
        )
    )
    sector = demo_store.scalar(
        "SELECT min(sector_code) FROM hub_sectors WHERE hub_id = $h", {"h": hub}
    )
    with pytest.raises(AccessDenied, match="region"):
        with gateway.write(
            demo_store, editor_kz10, "hub_sectors", key=(hub, sector), action="delete"
        ) as w:
            w.cur.execute("DELETE FROM hub_sectors WHERE hub_id = $h", {"h": hub})
    assert demo_store.scalar("SELECT count(*) FROM hub_sectors WHERE hub_id = $h", {"h": hub})
    assert [r["after_json"]["reason"] for r in refusals(demo_store)] == ["region"] * 3


def test_region_editor_follows_up_recommendations_only(demo_store, editor_kz10):
    rid = int(
        demo_store.scalar(
            "SELECT min(recommendation_id) FROM recommendations WHERE region_iso = 'KZ-10'"
        )
    )

    def change(column: str, value) -> None:
        # column is one of this test's literals
        with gateway.write(
            demo_store, editor_kz10, "recommendations", key=rid, action="update"
        ) as w:
            w.cur.execute(
                f"UPDATE recommendations SET {column} = $v, updated_by = $a "
                "WHERE recommendation_id = $k",
                {"v": value, "a": w.actor_name, "k": rid},
            )

    change("status", "in_progress")
    change("follow_up_date", date(2026, 9, 1))
    with pytest.raises(AccessDenied, match="columns"):
        change("text", "rewritten by the region")
    row = demo_store.query(
        "SELECT status, follow_up_date, text FROM recommendations WHERE recommendation_id = $k",
        {"k": rid},
    ).iloc[0]
    assert row["status"] == "in_progress" and row["text"] != "rewritten by the region"


# -- anonymous callers write nothing, the presenter's paths included ------------------------------
LIVE_WRITES = {
    "create_poll": lambda s, a, pid, deck: live.create_poll(
        s, kind="rating", question={"en": "Q?"}, actor=a
    ),
    "open_poll": lambda s, a, pid, deck: live.open_poll(s, pid, actor=a),
    "close_poll": lambda s, a, pid, deck: live.close_poll(s, pid, actor=a),
    "delete_poll": lambda s, a, pid, deck: live.delete_poll(s, pid, actor=a),
    "save_deck (new)": lambda s, a, pid, deck: live.save_deck(
        s, title="T", scenes=[SceneRef("per_year", {"region": "all"})], actor=a
    ),
    "save_deck (edit)": lambda s, a, pid, deck: live.save_deck(
        s, title="T2", scenes=[SceneRef("per_year", {"region": "all"})], actor=a, deck_id=deck
    ),
    "delete_deck": lambda s, a, pid, deck: live.delete_deck(s, deck, actor=a),
}


@pytest.fixture
def poll_and_deck(demo_store, presenter):
    pid = live.create_poll(demo_store, kind="rating", question={"en": "Q?"}, actor=presenter)
    deck = live.save_deck(
        demo_store, title="D", scenes=[SceneRef("poll", {"poll": pid})], actor=presenter
    )
    return pid, deck


def snapshot(store: Store) -> tuple:
    return tuple(
        store.query(f"SELECT * FROM {t} ORDER BY 1").to_json(date_format="iso")  # noqa: S608
        for t in ("polls", "decks", "votes")
    )


@pytest.mark.parametrize("name", list(LIVE_WRITES))
@pytest.mark.parametrize("actor", [None, "", "u-000000000000", "presenter", "system", "cli"])
def test_anonymous_callers_cannot_take_any_live_write_path(demo_store, poll_and_deck, name, actor):
    # "presenter", "system", "cli": strings a session could hold are never a role or a system
    # actor; only a user id found in the store is a user.
    pid, deck = poll_and_deck
    before = snapshot(demo_store)
    with pytest.raises(AccessDenied) as err:
        LIVE_WRITES[name](demo_store, actor, pid, deck)
    assert err.value.key == "sign_in"
    assert snapshot(demo_store) == before
    (refused,) = refusals(demo_store)
    assert refused["actor"] == (actor or "anonymous")
    assert refused["after_json"]["reason"] == "sign_in"


@pytest.mark.parametrize("name", list(LIVE_WRITES))
def test_a_region_editor_cannot_take_the_presenters_paths(
    demo_store, poll_and_deck, editor_kz10, name
):
    pid, deck = poll_and_deck
    before = snapshot(demo_store)
    with pytest.raises(AccessDenied, match="role"):
        LIVE_WRITES[name](demo_store, editor_kz10, pid, deck)
    assert snapshot(demo_store) == before


def test_presenter_and_admin_take_every_live_write_path(demo_store, presenter, admin):
    for actor in (presenter, admin):
        pid = live.create_poll(demo_store, kind="rating", question={"en": "Q?"}, actor=actor)
        live.open_poll(demo_store, pid, actor=actor)
        live.vote(demo_store, pid, live.issue_voter_token(demo_store, pid), "4")
        live.close_poll(demo_store, pid, actor=actor)
        deck = live.save_deck(
            demo_store, title="D", scenes=[SceneRef("poll", {"poll": pid})], actor=actor
        )
        live.save_deck(
            demo_store,
            title="D2",
            scenes=[SceneRef("poll", {"poll": pid})],
            actor=actor,
            deck_id=deck,
        )
        live.delete_poll(demo_store, pid, actor=actor)
        live.delete_deck(demo_store, deck, actor=actor)
        for table in ("polls", "votes", "voter_tokens"):
            assert not demo_store.scalar(
                f"SELECT count(*) FROM {table} WHERE poll_id = $p",
                {"p": pid},  # noqa: S608
            )
        audit = demo_store.query(
            "SELECT table_name, action FROM audit_log WHERE actor = $a ORDER BY logged_at",
            {"a": actor},
        )
        assert list(zip(audit["table_name"], audit["action"], strict=True)) == [
            ("polls", "insert"),
            ("polls", "update"),
            ("polls", "update"),
            ("decks", "insert"),
            ("decks", "update"),
            ("polls", "delete"),
            ("decks", "delete"),
        ]
    assert refusals(demo_store) == []
    with pytest.raises(LiveError, match="poll_not_found"):
        live.delete_poll(demo_store, "nosuch", actor=presenter)


# -- sessions outlive their rights -----------------------------------------------------------------
def test_a_disabled_account_cannot_write_with_an_old_session(demo_store, presenter, admin):
    session = presenter  # what the UI holds after signing in
    pid = live.create_poll(demo_store, kind="rating", question={"en": "Q?"}, actor=session)
    users.disable_user(demo_store, admin, "presenter")
    with pytest.raises(AccessDenied, match="disabled"):
        live.open_poll(demo_store, pid, actor=session)
    assert live.get_poll(demo_store, pid).status == "draft"
    assert refusals(demo_store)[-1]["after_json"] == {"action": "update", "reason": "disabled"}
    users.enable_user(demo_store, admin, "presenter")
    live.open_poll(demo_store, pid, actor=session)  # enabled again: the same session writes


def test_a_lowered_role_is_checked_at_the_next_write(demo_store, presenter, admin):
    pid = live.create_poll(demo_store, kind="rating", question={"en": "Q?"}, actor=presenter)
    users.set_role(demo_store, admin, "presenter", "region_editor", "KZ-10")
    with pytest.raises(AccessDenied, match="role"):
        live.open_poll(demo_store, pid, actor=presenter)
    assert live.get_poll(demo_store, pid).status == "draft"


def test_a_region_editor_moved_to_another_region_loses_the_old_one(demo_store, editor_kz10, admin):
    iid = initiative_in(demo_store, "KZ-10")
    set_status(demo_store, editor_kz10, iid, "in_progress")
    users.set_role(demo_store, admin, "editor-kz10", "region_editor", "KZ-75")
    with pytest.raises(AccessDenied, match="region"):
        set_status(demo_store, editor_kz10, iid, "completed")
    set_status(demo_store, editor_kz10, initiative_in(demo_store, "KZ-75"), "completed")


# -- accounts, loads, the audit log ----------------------------------------------------------------
def test_only_admins_change_accounts(demo_store, presenter, editor_kz10, admin):
    for actor in (None, presenter, editor_kz10):
        with pytest.raises(AccessDenied):
            users.create_user(demo_store, actor, login="intruder", role="admin", password="x" * 16)
        with pytest.raises(AccessDenied):
            users.set_role(demo_store, actor, "presenter", "admin")
    assert users.find_user(demo_store, "intruder") is None
    assert users.find_user(demo_store, "presenter").role == "presenter"
    users.set_role(demo_store, admin, "presenter", "admin")
    assert users.find_user(demo_store, "presenter").role == "admin"


def test_audit_rows_never_hold_a_password_hash(demo_store, admin):
    users.create_user(demo_store, admin, login="new-one", role="presenter", password="p" * 16)
    users.reset_password(demo_store, admin, "new-one", "q" * 16)
    rows = demo_store.query(
        "SELECT before_json, after_json FROM audit_log WHERE table_name = 'users'"
    )
    text = " ".join(str(v) for v in rows.to_numpy().ravel())
    assert "$argon2" not in text and "<changed>" in text


def test_the_audit_log_cannot_be_changed_through_the_app(demo_store, admin):
    first = demo_store.scalar("SELECT min(audit_id) FROM audit_log")
    for actor in (admin, SYSTEM, CLI):
        for action in ("update", "delete", "insert"):
            with pytest.raises(AccessDenied, match="audit_log"):
                with gateway.write(demo_store, actor, "audit_log", key=first, action=action) as w:
                    w.cur.execute("DELETE FROM audit_log")
    assert demo_store.scalar("SELECT count(*) FROM audit_log WHERE audit_id = $a", {"a": first})


def test_no_code_outside_audit_writes_the_audit_log():
    """The app has exactly one statement touching audit_log: the INSERT in store/core.audit."""
    pattern = re.compile(
        r"(INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\s+audit_log", re.IGNORECASE
    )
    hits = []
    for path in [
        ROOT / "app.py",
        *(ROOT / "pages").glob("*.py"),
        *(ROOT / "creative_dash").rglob("*.py"),
    ]:
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            hits.append((path.relative_to(ROOT).as_posix(), m.group(0)))
    assert hits == [("creative_dash/store/core.py", "INSERT INTO audit_log")]


def test_a_write_that_fails_inside_leaves_neither_the_write_nor_its_audit_row(demo_store, admin):
    iid = initiative_in(demo_store, "KZ-75")
    count = demo_store.scalar("SELECT count(*) FROM audit_log")
    other = next(s for s in vocab.INITIATIVE_STATUSES if s != status_of(demo_store, iid))
    with pytest.raises(RuntimeError):
        with gateway.write(demo_store, admin, "initiatives", key=iid, action="update") as w:
            w.cur.execute(
                "UPDATE initiatives SET status = $s WHERE initiative_id = $k",
                {"s": other, "k": iid},
            )
            raise RuntimeError("boom")
    assert status_of(demo_store, iid) != other
    assert demo_store.scalar("SELECT count(*) FROM audit_log") == count


def test_loads_and_migrations_are_recorded_as_the_system_user(demo_store):
    rows = demo_store.query(
        "SELECT actor, table_name, row_key, action FROM audit_log WHERE action IN "
        "('load', 'migrate')"
    )
    migrated = rows[rows["action"] == "migrate"]
    assert set(migrated["actor"]) == {"system"}
    assert sorted(migrated["row_key"].astype(int)) == [v for v, _n, _s in _migrations()]
    loads = rows[rows["action"] == "load"]
    assert set(loads["actor"]) == {"system"}
    assert {"regions", "sectors", "programmes"} <= set(loads["table_name"])
    assert {"initiatives", "hubs", "recommendations"} <= set(
        loads[loads["row_key"] == "demo"]["table_name"]
    )


def test_loads_need_admin_rights(demo_store, presenter):
    with pytest.raises(AccessDenied, match="role"):
        with gateway.load(demo_store, presenter, "sectors", ["sectors"]) as job:
            job.cur.execute("DELETE FROM sectors")
    assert demo_store.scalar("SELECT count(*) FROM sectors") > 0


def test_reference_reload_keeps_region_editors_bound(demo_store, editor_kz10, monkeypatch):
    # regions rows are updated in place: users.region_iso references them
    from creative_dash.store import reference

    frame = reference.regions_frame()
    frame.loc[frame["iso_code"] == "KZ-10", "notes"] = "reloaded"
    monkeypatch.setitem(reference.DATASETS, "regions", ("regions", lambda: frame, "test"))
    assert "regions" in load_reference(demo_store)
    assert demo_store.scalar("SELECT notes FROM regions WHERE iso_code = 'KZ-10'") == "reloaded"
    assert users.get_user(demo_store, editor_kz10).region_iso == "KZ-10"
