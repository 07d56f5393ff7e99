"""Editing in the browser under AppTest (issue 16): a region editor edits their region's
initiative and sees the preview, then the change; a viewer sees no edit mode; another region's
rows are never in the editor; hostile values are listed at once and nothing is written; the
follow-up of a recommendation on the region page.

The editor's cell edits are seeded as AppTest allows for ``st.data_editor``: its edit state
(edited_rows, added_rows, deleted_rows) assigned on ``at.session_state`` before a run."""

from __future__ import annotations

import pytest

from creative_dash.i18n import t
from tests.app.apptest import open_page, page_text
from tests.conftest import PASSWORD

EDIT = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}


def signed_in(login: str, page: str, lang: str, **query: str):
    at = open_page("sign_in", lang, **query)
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_password").input(PASSWORD)
    next(b for b in at.button if b.label == t(lang, "auth.submit")).click().run()
    assert not at.exception
    at.switch_page(f"../../pages/{page}.py").run()
    assert not at.exception
    return at


def open_editor(at, table: str):
    at.toggle(key=f"ed_{table}_on").set_value(True).run()
    assert not at.exception
    return at.session_state[f"ed_{table}_base"][2]


def seed(at, table: str, **edit) -> None:
    at.session_state[f"ed_{table}_grid_0"] = {**EDIT, **edit}
    at.run()
    assert not at.exception


# which table is which: by a column only it has (st.dataframe's key does not reach AppTest)
HEADERS = {
    "ed_initiatives_preview": "editing.p_before",
    "ed_recommendations_preview": "editing.p_before",
    "ed_initiatives_problems": "editing.p_rule",
    "ed_recommendations_problems": "editing.p_rule",
    "in_audit_table": "editing.h_changes",
    "rg_recs_table": "region.col_note",
}
PLAIN_TABLES = {"rg_recs_table"}  # st.table, not st.dataframe


def frame_text(at, key: str) -> str:
    lang = at.query_params["lang"][0] if isinstance(at.query_params["lang"], list) else None
    lang = lang or str(at.query_params["lang"])
    header = t(lang, HEADERS[key])
    tables = at.table if key in PLAIN_TABLES else at.dataframe
    found = [d.value for d in tables if header in list(d.value.columns)]
    assert len(found) == 1, (key, len(found))
    return " | ".join(str(v) for v in found[0].to_numpy().ravel())


def row(store, table: str, key_col: str, key: int) -> dict:
    return store.query(f"SELECT * FROM {table} WHERE {key_col} = $k", {"k": key}).iloc[0]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_an_editor_edits_their_initiative_sees_the_preview_then_the_change(
    demo_store, editor_kz10, lang
):
    at = signed_in("editor-kz10", "initiatives", lang)
    base = open_editor(at, "initiatives")
    first = int(base.iloc[0]["initiative_id"])
    before = row(demo_store, "initiatives", "initiative_id", first)
    title = "Жаңа атау <b>**bold**</b>"
    seed(at, "initiatives", edited_rows={0: {"title": title, "jobs_created": 77}})
    preview = frame_text(at, "ed_initiatives_preview")
    assert title in preview and str(before["title"]) in preview and "77" in preview
    assert t(lang, "editing.action.update") in preview
    assert row(demo_store, "initiatives", "initiative_id", first)["title"] == before["title"]

    at.button(key="ed_initiatives_save").click().run()
    assert not at.exception and not at.error
    after = row(demo_store, "initiatives", "initiative_id", first)
    assert after["title"] == title and after["jobs_created"] == 77
    assert after["version"] == before["version"] + 1 and after["updated_by"] == editor_kz10
    assert any(t(lang, "editing.saved", counts="") in s.value for s in at.success)
    # the editor starts again from the store's rows
    assert at.session_state["ed_initiatives_base"][2].iloc[0]["title"] == title
    # the row's history names the editor and shows the markup as plain text
    at.session_state["in_id"] = first
    at.run()
    history = frame_text(at, "in_audit_table")
    name = demo_store.scalar(
        "SELECT display_name FROM users WHERE user_id = $u", {"u": editor_kz10}
    )
    assert name in history and editor_kz10 not in history
    assert title in history


def test_a_viewer_sees_no_edit_mode(demo_db):
    for page, table in (("initiatives", "initiatives"), ("hubs", "hubs")):
        at = open_page(page, "ru")
        assert not at.exception
        assert not [w for w in at.toggle if w.key == f"ed_{table}_on"]
    at = open_page("region", "ru", region="KZ-10")
    assert not [w for w in at.toggle if w.key == "ed_recommendations_on"]


def test_another_regions_rows_are_not_in_the_editor(demo_store, editor_kz10):
    # the sidebar on another region: the editor still edits only their own
    at = signed_in("editor-kz10", "hubs", "en", region="KZ-75")
    base = open_editor(at, "hubs")
    ids = [int(i) for i in base["hub_id"]]
    regions = demo_store.query(
        "SELECT DISTINCT region_iso FROM hubs WHERE list_contains($ids, hub_id)", {"ids": ids}
    )
    assert regions["region_iso"].tolist() == ["KZ-10"]
    toggle = next(w for w in at.toggle if w.key == "ed_hubs_on")
    assert "Abai" in toggle.label


def test_hostile_values_are_listed_at_once_and_nothing_is_written(demo_store, editor_kz10):
    at = signed_in("editor-kz10", "initiatives", "ru")
    base = open_editor(at, "initiatives")
    start = base.iloc[1]["start_date"]
    n_before = demo_store.scalar("SELECT count(*) FROM initiatives")
    audit_before = demo_store.scalar("SELECT count(*) FROM audit_log")
    seed(
        at,
        "initiatives",
        edited_rows={
            0: {"title": "x" * 10_000, "budget_planned_kzt": -5},
            1: {"end_date": "1999-01-01" if start.year > 1999 else "1992-01-01"},
        },
        added_rows=[{"title": "New", "status": "unknown-status"}],
    )
    text = frame_text(at, "ed_initiatives_problems")
    for rule in ("too_long", "min", "end_before_start", "required"):
        prefix = t("ru", f"editing.rule.{rule}").split("{")[0].strip()
        assert prefix in text, rule
    assert t("ru", "editing.new_row", n=1) in text
    assert not [b for b in at.button if b.key == "ed_initiatives_save"]
    assert demo_store.scalar("SELECT count(*) FROM initiatives") == n_before
    assert demo_store.scalar("SELECT count(*) FROM audit_log") == audit_before


def test_the_follow_up_of_a_recommendation_on_the_region_page(demo_store, editor_kz10):
    at = signed_in("editor-kz10", "region", "en", region="KZ-10")
    assert t("en", "region.overdue", n="@").split("@")[1][:20] in page_text(at)
    base = open_editor(at, "recommendations")
    i = next(i for i, s in enumerate(base["status"]) if s == "proposed")
    rec = int(base.iloc[i]["recommendation_id"])
    # proposed -> implemented skips steps: listed, nothing written
    seed(at, "recommendations", edited_rows={i: {"status": "implemented"}})
    assert t("en", "editing.rule.transition", allowed="@").split("@")[0] in frame_text(
        at, "ed_recommendations_problems"
    )
    assert row(demo_store, "recommendations", "recommendation_id", rec)["status"] == "proposed"
    # proposed -> accepted, with a note and a due date
    at.session_state["ed_recommendations_grid_0"] = {
        **EDIT,
        "edited_rows": {i: {"status": "accepted", "follow_up_note": "Agreed with the akimat"}},
    }
    at.run()
    at.button(key="ed_recommendations_save").click().run()
    assert not at.exception and not at.error
    saved = row(demo_store, "recommendations", "recommendation_id", rec)
    assert saved["status"] == "accepted" and saved["follow_up_note"] == "Agreed with the akimat"
    assert "Agreed with the akimat" in frame_text(at, "rg_recs_table")


def test_a_hubs_history_is_drawn_only_while_its_expander_is_open(demo_store, editor_kz10):
    """The closed expander sends no picker (its options, one per hub, were 10 KB of every
    rerun); opened, it lists the hubs, and a chosen hub's history names its editor."""
    at = signed_in("editor-kz10", "hubs", "ru")
    pick = "ed_hubs_history_pick"
    assert pick not in [s.key for s in at.selectbox]
    base = open_editor(at, "hubs")
    hub = int(base.iloc[0]["hub_id"])
    seed(at, "hubs", edited_rows={0: {"name": "Хаб <i>новый</i>"}})
    at.button(key="ed_hubs_save").click().run()
    assert not at.exception and not at.error

    at.session_state["ed_hubs_history_open"] = True
    at.run()
    assert not at.exception
    assert any(o.startswith(f"{hub} · ") for o in at.selectbox(key=pick).options)
    at.selectbox(key=pick).set_value(hub).run()
    assert not at.exception
    name = demo_store.scalar(
        "SELECT display_name FROM users WHERE user_id = $u", {"u": editor_kz10}
    )
    shown = " | ".join(
        " | ".join(str(v) for v in d.value.to_numpy().ravel())
        for d in at.dataframe
        if t("ru", "editing.h_changes") in list(d.value.columns)
    )
    assert name in shown and "Хаб <i>новый</i>" in shown
