"""The administrators' queries and views: the audit log filtered by user, region, table and
period, named by people not ids; the accounts without password hashes."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from creative_dash import live, queries
from creative_dash.access import CLI, AccessDenied
from creative_dash.export import to_csv_bytes
from creative_dash.i18n import Translator
from creative_dash.store import gateway, users
from creative_dash.views.admin import (
    accounts_table,
    actor_label,
    audit_table,
    default_period,
    period_bounds,
)
from tests.app.test_live import make_poll


def _link_a_sector(store, actor: str, initiative_id: int) -> str:
    """A row with no region of its own (an initiative's sector link), added through the gateway;
    returns its sector."""
    sector = store.scalar(
        "SELECT min(code) FROM sectors WHERE code NOT IN "
        "(SELECT sector_code FROM initiative_sectors WHERE initiative_id = $i)",
        {"i": initiative_id},
    )
    with gateway.write(
        store, actor, "initiative_sectors", key=(initiative_id, sector), action="insert"
    ) as w:
        w.cur.execute(
            "INSERT INTO initiative_sectors VALUES ($i, $s)", {"i": initiative_id, "s": sector}
        )
    return sector


@pytest.fixture
def log(demo_store, admin, editor_kz10):
    """Rows of several users, regions and tables."""
    pid = make_poll(demo_store, status="draft")
    with pytest.raises(AccessDenied):
        live.open_poll(demo_store, pid, actor=editor_kz10)
    first = "SELECT min(initiative_id) FROM initiatives WHERE "
    abai = int(demo_store.scalar(first + "region_iso = 'KZ-10'"))
    other = int(demo_store.scalar(first + "region_iso <> 'KZ-10'"))
    return {
        "poll": pid,
        "abai": (abai, _link_a_sector(demo_store, admin, abai)),
        "other": (other, _link_a_sector(demo_store, admin, other)),
    }


def rows(store, **filters) -> pd.DataFrame:
    return queries.run(store, "audit_log_rows", **filters)


def test_rows_by_user_with_names(demo_store, log, editor_kz10):
    mine = rows(demo_store, actor=editor_kz10)
    assert mine[["actor_name", "actor_login", "table_name", "action"]].values.tolist() == [
        ["editor-kz10", "editor-kz10", "polls", "refused"]
    ]
    # system actors have no account: no name, and the view says who they are in words
    loads = rows(demo_store, actor="system")
    assert len(loads) > 0 and loads["actor_name"].isna().all()


def test_rows_by_region_follow_the_record_then_its_parent_then_the_actor(
    demo_store, log, editor_kz10, admin
):
    abai = rows(demo_store, region="KZ-10")
    tables = abai[["actor", "table_name", "action"]].values.tolist()
    # the editor's refusal (no record: the editor's region), the Abai initiative's sector link
    # (region through its initiative), the editor's account (its own region_iso)
    assert [editor_kz10, "polls", "refused"] in tables
    assert [admin, "initiative_sectors", "insert"] in tables
    assert ["cli", "users", "insert"] in tables
    linked = abai[abai["table_name"] == "initiative_sectors"]
    assert linked["row_key"].tolist() == ["{}/{}".format(*log["abai"])]
    assert (abai["region_iso"] == "KZ-10").all()


def test_rows_by_table_and_period(demo_store, log):
    polls = rows(demo_store, table_name="polls")
    assert set(polls["table_name"]) == {"polls"} and len(polls) >= 2
    now = datetime.now()
    assert len(rows(demo_store, start=now + timedelta(days=1))) == 0
    assert len(rows(demo_store, end=now - timedelta(days=1))) == 0
    assert len(rows(demo_store, start=now - timedelta(days=1), end=now + timedelta(days=1))) == len(
        rows(demo_store)
    )
    assert len(rows(demo_store, limit=3)) == 3
    stamps = rows(demo_store)["logged_at"].tolist()
    assert stamps == sorted(stamps, reverse=True)  # newest first


def test_audit_table_in_the_readers_language(demo_store, log, editor_kz10):
    t = Translator("kk")
    regions = dict(zip(*[queries.run(demo_store, "regions")[c] for c in ("iso_code", "name_kk")]))
    shown = audit_table(rows(demo_store, region="KZ-10"), t, regions)
    assert list(shown.columns) == [
        t(f"audit.col.{c}")
        for c in (
            "time",
            "user",
            "login",
            "action",
            "table",
            "record",
            "region",
            "reason",
            "before",
            "after",
        )
    ]
    refused = shown[shown[t("audit.col.action")] == t("audit.action.refused")].iloc[0]
    assert refused[t("audit.col.user")] == "editor-kz10"
    assert refused[t("audit.col.reason")] == t("access.denied.role")
    assert refused[t("audit.col.region")] == regions["KZ-10"]
    cli = shown[shown[t("audit.col.table")] == "users"].iloc[0]
    assert cli[t("audit.col.user")] == t("audit.actor.cli")
    assert editor_kz10 not in shown[t("audit.col.user")].tolist()
    assert "$argon2" not in to_csv_bytes(shown).decode("utf-8")  # hashes are masked


def test_actor_label() -> None:
    t = Translator("ru")
    assert actor_label("u-1", "Айгерим", t) == "Айгерим"
    assert actor_label("system", None, t) == t("audit.actor.system")
    assert actor_label("anonymous", float("nan"), t) == t("audit.actor.anonymous")
    assert actor_label("u-gone", None, t) == "u-gone"


def test_accounts_table_has_no_hashes(demo_store, admin, editor_kz10):
    users.set_identity(demo_store, CLI, "editor-kz10", email="ed@abai.gov.kz")
    t = Translator("en")
    frame = queries.run(demo_store, "user_accounts")
    assert "password_hash" not in frame.columns
    shown = accounts_table(frame, t, {"KZ-10": "Abai Region"})
    editor = shown[shown[t("accounts.col.login")] == "editor-kz10"].iloc[0]
    assert editor[t("accounts.col.role")] == t("access.role.region_editor")
    assert editor[t("accounts.col.region")] == "Abai Region"
    assert editor[t("accounts.col.email")] == "ed@abai.gov.kz"
    assert editor[t("accounts.col.password")] == t("accounts.yes")
    assert editor[t("accounts.col.status")] == t("accounts.active")


def test_period_bounds_and_default() -> None:
    d1, d2 = date(2026, 5, 12), date(2026, 5, 14)
    assert period_bounds((d1, d2)) == (datetime(2026, 5, 12), datetime(2026, 5, 15))
    assert period_bounds((d2, d1)) == (datetime(2026, 5, 12), datetime(2026, 5, 15))
    assert period_bounds((d1,)) == (datetime(2026, 5, 12), None)  # a range being picked
    assert period_bounds(d1) == (datetime(2026, 5, 12), datetime(2026, 5, 13))
    assert period_bounds(()) == (None, None) and period_bounds(None) == (None, None)
    assert default_period(pd.Timestamp("2026-05-12 10:00"), d2) == (d1, d2)
    assert default_period(None, d2) == (d2, d2)
    assert default_period(pd.NaT, d2) == (d2, d2)
