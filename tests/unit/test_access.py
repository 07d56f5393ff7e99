"""The access rules as a table of cases: who may take which action on which table's rows."""

from __future__ import annotations

import pytest

from creative_dash import access
from creative_dash.access import (
    ADMIN,
    CLI,
    DELETE,
    INSERT,
    LOAD,
    PRESENTER,
    REGION_EDITOR,
    RULES,
    SYSTEM,
    UPDATE,
    AccessDenied,
    Actor,
    decide,
)
from creative_dash.i18n import LANGS, catalog, t

EDITOR = Actor("u-ed10", REGION_EDITOR, "KZ-10")
PRES = Actor("u-pres", PRESENTER)
ADM = Actor("u-adm", ADMIN)
OFF = Actor("u-off", ADMIN, disabled=True)
ANON = None
MINE, OTHER = "KZ-10", "KZ-75"

# (actor, table, action, row before?, region before, row after?, region after, changed) -> reason
CASES = [
    # a viewer (no user) writes nothing, not even the presenter's tables
    (ANON, "polls", INSERT, False, None, True, None, (), "sign_in"),
    (ANON, "polls", UPDATE, True, None, True, None, ("status",), "sign_in"),
    (ANON, "polls", DELETE, True, None, False, None, (), "sign_in"),
    (ANON, "decks", INSERT, False, None, True, None, (), "sign_in"),
    (ANON, "initiatives", UPDATE, True, MINE, True, MINE, ("status",), "sign_in"),
    # a disabled account writes nothing, whatever its role
    (OFF, "polls", INSERT, False, None, True, None, (), "disabled"),
    (OFF, "users", UPDATE, True, None, True, None, ("role",), "disabled"),
    # the presenter: polls and decks only
    (PRES, "polls", INSERT, False, None, True, None, (), None),
    (PRES, "polls", UPDATE, True, None, True, None, ("status",), None),
    (PRES, "polls", DELETE, True, None, False, None, (), None),
    (PRES, "decks", INSERT, False, None, True, None, (), None),
    (PRES, "decks", UPDATE, True, None, True, None, ("title",), None),
    (PRES, "decks", DELETE, True, None, False, None, (), None),
    (PRES, "initiatives", UPDATE, True, MINE, True, MINE, ("status",), "role"),
    (PRES, "users", INSERT, False, None, True, None, (), "role"),
    (PRES, "regions", LOAD, False, None, False, None, (), "role"),
    # the region editor: their region's initiatives, hubs, programme records...
    (EDITOR, "initiatives", UPDATE, True, MINE, True, MINE, ("status", "updated_at"), None),
    (EDITOR, "initiatives", INSERT, False, None, True, MINE, (), None),
    (EDITOR, "initiatives", DELETE, True, MINE, False, None, (), None),
    (EDITOR, "hubs", UPDATE, True, MINE, True, MINE, ("residents",), None),
    (EDITOR, "hub_sectors", INSERT, False, None, True, MINE, (), None),
    (EDITOR, "initiative_sdgs", DELETE, True, MINE, False, None, (), None),
    (EDITOR, "participants", UPDATE, True, MINE, True, MINE, ("satisfaction",), None),
    (EDITOR, "assessments", INSERT, False, None, True, MINE, (), None),
    # ...never another region's, before or after the write
    (EDITOR, "initiatives", UPDATE, True, OTHER, True, OTHER, ("status",), "region"),
    (EDITOR, "initiatives", UPDATE, True, MINE, True, OTHER, ("region_iso",), "region"),
    (EDITOR, "initiatives", UPDATE, True, OTHER, True, MINE, ("region_iso",), "region"),
    (EDITOR, "initiatives", INSERT, False, None, True, OTHER, (), "region"),
    (EDITOR, "initiatives", DELETE, True, OTHER, False, None, (), "region"),
    (EDITOR, "hub_sectors", DELETE, True, OTHER, False, None, (), "region"),
    (EDITOR, "assessments", UPDATE, True, None, True, None, ("score",), "region"),  # orphan row
    # recommendations: the follow-up only
    (EDITOR, "recommendations", UPDATE, True, MINE, True, MINE, ("status",), None),
    (
        EDITOR,
        "recommendations",
        UPDATE,
        True,
        MINE,
        True,
        MINE,
        ("follow_up_date", "updated_by", "version"),
        None,
    ),
    (EDITOR, "recommendations", UPDATE, True, MINE, True, MINE, ("text",), "columns"),
    (EDITOR, "recommendations", UPDATE, True, OTHER, True, OTHER, ("status",), "region"),
    (EDITOR, "recommendations", INSERT, False, None, True, MINE, (), "role"),
    (EDITOR, "recommendations", DELETE, True, MINE, False, None, (), "role"),
    # nothing else: national statistics, reference data, accounts, the live page, loads
    (EDITOR, "indicators", UPDATE, True, None, True, None, ("value",), "role"),
    (EDITOR, "programme_sessions", UPDATE, True, None, True, None, ("title_en",), "role"),
    (EDITOR, "users", UPDATE, True, None, True, None, ("role",), "role"),
    (EDITOR, "polls", INSERT, False, None, True, None, (), "role"),
    (EDITOR, "initiatives", LOAD, False, None, False, None, (), "role"),
    # the ministry admin: everything writable, in every region
    (ADM, "initiatives", UPDATE, True, OTHER, True, MINE, ("region_iso",), None),
    (ADM, "recommendations", INSERT, False, None, True, OTHER, (), None),
    (ADM, "users", INSERT, False, None, True, None, (), None),
    (ADM, "users", UPDATE, True, None, True, None, ("role", "region_iso"), None),
    (ADM, "users", DELETE, True, None, False, None, (), "role"),  # disabled, never deleted
    (ADM, "polls", DELETE, True, None, False, None, (), None),
    (ADM, "regions", LOAD, False, None, False, None, (), None),
    (ADM, "indicators", UPDATE, True, None, True, None, ("value",), None),
    # the audit log is append-only for everyone; unknown tables and actions are refused
    (ADM, "audit_log", UPDATE, True, None, True, None, ("actor",), "audit_log"),
    (ADM, "audit_log", DELETE, True, None, False, None, (), "audit_log"),
    (access.actor_of(SYSTEM), "audit_log", INSERT, False, None, True, None, (), "audit_log"),
    (ADM, "sign_in_attempts", DELETE, True, None, False, None, (), "table"),
    (ADM, "voter_tokens", INSERT, False, None, True, None, (), "table"),
    (ADM, "votes", UPDATE, True, None, True, None, (), "table"),
    (ADM, "data_version", UPDATE, True, None, True, None, (), "table"),
    (ADM, "polls", "truncate", True, None, False, None, (), "table"),
]


@pytest.mark.parametrize(
    "actor, table, action, before, region_before, after, region_after, changed, expected",
    CASES,
    ids=[f"{c[0].role if c[0] else 'anon'}-{c[1]}-{c[2]}-{c[8]}" for c in CASES],
)
def test_decide(
    actor, table, action, before, region_before, after, region_after, changed, expected
):
    got = decide(
        actor,
        table,
        action,
        row_before=before,
        region_before=region_before,
        row_after=after,
        region_after=region_after,
        changed=changed,
    )
    assert got == expected


def test_system_actors_act_as_admins_and_are_not_strings():
    for system in (SYSTEM, CLI):
        assert not isinstance(system, str)
        actor = access.actor_of(system)
        assert actor.role == ADMIN and actor.user_id == system.name
        assert decide(actor, "regions", LOAD) is None


def test_a_region_editor_without_a_region_may_not_edit_anything():
    broken = Actor("u-x", REGION_EDITOR, None)
    assert decide(broken, "initiatives", UPDATE, row_before=True, region_before=None) == "role"


def test_every_rule_names_real_key_columns_and_region_links():
    for name, rule in RULES.items():
        assert rule.table == name and rule.key
        if rule.region and rule.region.via:
            parent, link = rule.region.via
            assert link in rule.key and RULES[parent].region.via is None
        if rule.editor_columns is not None:
            assert UPDATE in rule.writers[REGION_EDITOR]
    follow_up = {"status", "follow_up_date", "follow_up_note", "responsible_body"}  # issue 16
    assert set(RULES["recommendations"].editor_columns) == follow_up
    assert "password_hash" in RULES["users"].secret_columns


def test_every_reason_has_a_message_in_every_language():
    for reason in access.REASONS:
        for lang in LANGS:
            assert f"access.denied.{reason}" in catalog(lang)
    exc = AccessDenied("region")
    assert exc.message_key == "access.denied.region"
    texts = {lang: exc.message(lambda key, lang=lang: t(lang, key)) for lang in LANGS}
    assert len(set(texts.values())) == 3


def test_may_write_and_writable_regions_for_a_ui():
    regions = ["KZ-10", "KZ-11", "KZ-75"]
    assert access.may_write(PRES, "polls", INSERT) and not access.may_write(ANON, "polls", INSERT)
    assert access.may_write(EDITOR, "initiatives", INSERT)
    assert not access.may_write(EDITOR, "polls", INSERT)
    assert access.writable_regions(ADM, regions) == regions
    assert access.writable_regions(EDITOR, regions) == ["KZ-10"]
    assert access.writable_regions(PRES, regions) == []
    assert access.writable_regions(OFF, regions) == []
    assert access.writable_regions(None, regions) == []


def test_access_is_pure():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(access.__file__).read_text(encoding="utf-8"))
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {m for m in imported if m.split(".")[0] in {"creative_dash", "duckdb", "streamlit"}}
