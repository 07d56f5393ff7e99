"""Signing in and out under AppTest: the pilot account form, the identity box in every language,
the hostile cases (session fixation, a disabled account's old session, a role lowered mid-session,
the rate limit, an idle session), the identity provider's configuration check and mapping
(``st.user`` as AppTest seeds it; the real provider's flow is tests/e2e/test_sign_in.py), and
reading behind sign-in."""

from __future__ import annotations

import json
import logging
import re

import pytest

from creative_dash import live
from creative_dash.access import AccessDenied
from creative_dash.i18n import LANGS, t
from creative_dash.store import users
from creative_dash.text import inert
from creative_dash.ui import session
from creative_dash.ui.session import LOGIN_KEY, SEEN_KEY, USER_KEY, VIA_KEY
from tests.app.apptest import open_page, page_text
from tests.app.test_live import make_poll
from tests.conftest import PASSWORD

GOOD_AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "k" * 40,
    "client_id": "dashboard",
    "client_secret": "client-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def sidebar_text(at) -> str:
    parts = []
    for kind in ("text", "caption", "warning", "info", "markdown"):
        parts.extend(str(el.value) for el in getattr(at.sidebar, kind))
    return "\n".join(parts)


def submit(at, lang: str):
    return next(b for b in at.button if b.label == t(lang, "auth.submit"))


def sign_in(at, login: str, password: str, lang: str = "en"):
    at.text_input(key="sign_in_login").input(login)
    at.text_input(key="sign_in_password").input(password)
    submit(at, lang).click().run()
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def refusals(store, user_id: str) -> list[dict]:
    rows = store.query(
        "SELECT table_name, after_json FROM audit_log WHERE action = 'refused' AND actor = $a",
        {"a": user_id},
    )
    return [{"table": r, **json.loads(a)} for r, a in zip(rows["table_name"], rows["after_json"])]


# -- the pilot account form and the identity box ------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_an_editor_signs_in_and_sees_name_role_and_region_in_their_language(
    demo_store, editor_kz10, lang
):
    at = open_page("sign_in", lang)
    assert not at.exception
    assert at.title[0].value == t(lang, "auth.title")
    sign_in(at, "editor-kz10", PASSWORD, lang)
    assert not at.exception
    assert at.session_state[USER_KEY] == editor_kz10
    assert at.session_state[VIA_KEY] == "password"
    box = sidebar_text(at)
    abai = demo_store.scalar(f"SELECT name_{lang} FROM regions WHERE iso_code = 'KZ-10'")
    assert "editor-kz10" in box  # its display name (the login, as created)
    assert f"{t(lang, 'access.role.region_editor')} · {abai}" in box
    signed_in = t(lang, "auth.signed_in_as", name=inert("editor-kz10"))  # inert: Markdown
    assert signed_in in [s.value for s in at.success]
    assert t(lang, "auth.sign_out") in [b.label for b in at.sidebar.button]

    at.button(key="auth_sign_out").click().run()
    assert USER_KEY not in at.session_state
    assert t(lang, "auth.ended.signed_out") in sidebar_text(at)
    assert at.session_state["lang"] == lang  # the language survives signing out


def test_a_viewer_sees_a_sign_in_link_and_no_user(demo_store):
    at = open_page("overview", "ru")
    assert not at.exception
    assert USER_KEY not in at.session_state
    links = [el for el in at.sidebar.get("page_link")]
    assert any(t("ru", "auth.sign_in_link") in str(el.proto.label) for el in links)


def test_an_unknown_login_and_a_wrong_password_get_the_same_message(demo_store, admin):
    at = open_page("sign_in", "kk")
    sign_in(at, "nobody-here", PASSWORD, "kk")
    unknown = errors(at)
    sign_in(at, "admin", "not the password at all", "kk")
    wrong = errors(at)
    assert unknown == wrong == [t("kk", "access.sign_in.failed")]
    assert USER_KEY not in at.session_state
    # the password is not kept in the session after an attempt
    assert at.session_state["sign_in_password"] == ""


def test_the_rate_limit_is_shown_and_holds_even_for_the_right_password(demo_store, admin):
    at = open_page("sign_in", "en")
    shown = []
    for _ in range(users.ACCOUNT_FREE_FAILURES):
        sign_in(at, "admin", "wrong password 123")
        shown.append(errors(at))
    assert shown[:-1] == [[t("en", "access.sign_in.failed")]] * (users.ACCOUNT_FREE_FAILURES - 1)
    wait = t("en", "access.sign_in.wait", seconds=int(users.BASE_DELAY.total_seconds()))
    assert shown[-1] == [wait]  # the failure that starts the delay says so
    sign_in(at, "admin", PASSWORD)  # the right password, too soon
    assert USER_KEY not in at.session_state
    template = re.escape(t("en", "access.sign_in.wait", seconds="@")).replace("@", r"(\d+)")
    (shown_wait,) = errors(at)
    seconds = re.fullmatch(template, shown_wait)
    assert seconds and 0 < int(seconds.group(1)) <= users.BASE_DELAY.total_seconds()


# -- hostile cases -------------------------------------------------------------------------------
def test_session_fixation_nothing_from_before_sign_in_survives_it(demo_store, presenter):
    """Whatever a session gathered before signing in (planted by whoever used the browser
    before: a draft, a voter token, a forged identity provider marker, another user's last
    failed attempt) is gone once the user signed in; the user id is set only after the
    password was verified."""
    at = open_page("sign_in", "ru")
    planted = {
        "live_draft": "someone else's draft",
        "vote_token": "token-of-someone-else",
        VIA_KEY: "oidc",
        LOGIN_KEY: "forged",
        SEEN_KEY: 1.0,
        "accounts_pick": "admin",
        "anything": 42,
    }
    for key, value in planted.items():
        at.session_state[key] = value
    sign_in(at, "presenter", "a wrong password!!", "ru")
    assert USER_KEY not in at.session_state  # nothing before verification
    sign_in(at, "presenter", PASSWORD, "ru")
    assert at.session_state[USER_KEY] == presenter
    assert at.session_state[VIA_KEY] == "password"
    assert LOGIN_KEY not in at.session_state
    assert at.session_state[SEEN_KEY] > 1.0
    for key in ("live_draft", "vote_token", "accounts_pick", "anything"):
        assert key not in at.session_state, key
    assert at.session_state["lang"] == "ru"


def _presenter_on_the_live_page(demo_store):
    pid = make_poll(demo_store, status="draft")
    at = open_page("sign_in", "en")
    sign_in(at, "presenter", PASSWORD)
    at.switch_page("../../pages/live.py").run()
    assert not at.exception
    return at, pid


def test_a_disabled_account_s_old_session_is_refused_then_signed_out(demo_store, admin, presenter):
    at, pid = _presenter_on_the_live_page(demo_store)
    users.disable_user(demo_store, admin, "presenter")
    at.button(key=f"live_open_{pid}").click().run()  # the next write
    assert live.get_poll(demo_store, pid).status == "draft"
    assert refusals(demo_store, presenter) == [
        {"table": "polls", "action": "update", "reason": "disabled"}
    ]
    # ...and the same page load signed the session out
    assert USER_KEY not in at.session_state
    assert t("en", "auth.ended.disabled") in sidebar_text(at)
    at.run()  # and it stays out
    assert USER_KEY not in at.session_state


def test_a_role_lowered_mid_session_is_checked_at_the_next_write(demo_store, admin, presenter):
    at, pid = _presenter_on_the_live_page(demo_store)
    users.set_role(demo_store, admin, "presenter", "region_editor", "KZ-10")
    at.button(key=f"live_open_{pid}").click().run()
    assert live.get_poll(demo_store, pid).status == "draft"
    assert t("en", "access.denied.role") in errors(at)
    assert refusals(demo_store, presenter) == [
        {"table": "polls", "action": "update", "reason": "role"}
    ]
    # still signed in, shown with the role the store holds now
    assert at.session_state[USER_KEY] == presenter
    assert t("en", "access.role.region_editor") in sidebar_text(at)


def test_an_idle_session_ends_and_its_next_write_is_refused(demo_store, presenter, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(session, "now", lambda: clock[0])
    monkeypatch.setenv("CREATIVE_DASH_IDLE_MINUTES", "10")
    at, pid = _presenter_on_the_live_page(demo_store)
    clock[0] += 9 * 60  # active enough: the page load counts
    at.run()
    assert at.session_state[USER_KEY] == presenter
    clock[0] += 10 * 60 + 1
    at.button(key=f"live_open_{pid}").click().run()
    assert live.get_poll(demo_store, pid).status == "draft"
    assert refusals(demo_store, "anonymous") == [
        {"table": "polls", "action": "update", "reason": "sign_in"}
    ]
    assert USER_KEY not in at.session_state
    assert t("en", "auth.ended.idle", minutes="10") in sidebar_text(at)


# -- administrators' pages -----------------------------------------------------------------------
@pytest.mark.parametrize("page", ["users", "audit"])
def test_admin_pages_show_nothing_to_others(demo_store, editor_kz10, page):
    at = open_page("sign_in", "ru")
    sign_in(at, "editor-kz10", PASSWORD, "ru")
    at.switch_page(f"../../pages/{page}.py").run()
    assert not at.exception
    assert [w.value for w in at.warning] == [t("ru", "auth.admin_only")]
    assert not at.dataframe and not at.get("download_button")


def test_an_admin_creates_a_region_editor_who_can_then_sign_in(demo_store, admin):
    at = open_page("sign_in", "en")
    sign_in(at, "admin", PASSWORD)
    at.switch_page("../../pages/users.py").run()
    assert not at.exception and not at.warning
    at.text_input(key="accounts_new_login").input("Abai-Editor")
    at.text_input(key="accounts_new_name").input("Aigerim Abai")
    at.selectbox(key="accounts_new_role").select("region_editor")
    at.selectbox(key="accounts_new_region").select("KZ-10")
    at.text_input(key="accounts_new_password").input("a long enough password")
    at.text_input(key="accounts_new_subject").input("abai-sub")
    next(b for b in at.button if b.label == t("en", "accounts.create")).click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        t("en", "accounts.created", login=inert("abai-editor"))
    ]
    user = users.find_user(demo_store, "abai-editor")
    assert (user.role, user.region_iso, user.display_name, user.oidc_subject) == (
        "region_editor",
        "KZ-10",
        "Aigerim Abai",
        "abai-sub",
    )
    assert at.session_state["accounts_new_password"] == ""
    logged = demo_store.query(
        "SELECT actor, action FROM audit_log WHERE table_name = 'users' AND row_key = $u",
        {"u": user.user_id},
    )
    assert logged.values.tolist() == [[admin, "insert"]]
    # a refused change says why in the page's language
    at.text_input(key="accounts_new_login").input("x")
    next(b for b in at.button if b.label == t("en", "accounts.create")).click().run()
    assert errors(at) == [t("en", "users.error.bad_login")]

    other = open_page("sign_in", "kk")
    sign_in(other, "abai-editor", "a long enough password", "kk")
    assert other.session_state[USER_KEY] == user.user_id
    assert "Aigerim Abai" in sidebar_text(other)


def test_an_admin_resets_disables_and_maps_an_account(demo_store, admin, editor_kz10):
    at = open_page("sign_in", "en")
    sign_in(at, "admin", PASSWORD)
    at.switch_page("../../pages/users.py").run()
    at.selectbox(key="accounts_pick").select("editor-kz10").run()
    at.text_input(key="accounts_password_editor-kz10").input("the new password 42")
    next(b for b in at.button if b.label == t("en", "accounts.reset")).click().run()
    assert [s.value for s in at.success] == [
        t("en", "accounts.reset_done", login=inert("editor-kz10"))
    ]
    assert users.verify_password(demo_store, "editor-kz10", "the new password 42", "t") is not None

    at.text_input(key="accounts_email_editor-kz10").input("editor@abai.gov.kz")
    next(b for b in at.button if b.label == t("en", "accounts.save_identity")).click().run()
    assert users.find_user(demo_store, "editor-kz10").email == "editor@abai.gov.kz"

    at.button(key="accounts_enabled_editor-kz10").click().run()
    assert users.find_user(demo_store, "editor-kz10").disabled
    assert [s.value for s in at.success] == [
        t("en", "accounts.disabled_done", login=inert("editor-kz10"))
    ]


def test_the_audit_log_names_users_and_filters(demo_store, admin, editor_kz10):
    pid = make_poll(demo_store, status="draft")
    with pytest.raises(AccessDenied):
        live.open_poll(demo_store, pid, actor=editor_kz10)
    at = open_page("sign_in", "ru")
    sign_in(at, "admin", PASSWORD, "ru")
    at.switch_page("../../pages/audit.py").run()
    assert not at.exception
    at.selectbox(key="audit_user").select(editor_kz10).run()
    assert at.query_params.get("audit_user") == editor_kz10
    table = at.dataframe[0].value
    assert table[t("ru", "audit.col.user")].tolist() == ["editor-kz10"]
    assert editor_kz10 not in table.to_string()  # named, not by id
    row = table.iloc[0]
    assert row[t("ru", "audit.col.action")] == t("ru", "audit.action.refused")
    assert row[t("ru", "audit.col.reason")] == t("ru", "access.denied.role")
    assert row[t("ru", "audit.col.table")] == "polls"
    abai = demo_store.scalar("SELECT name_ru FROM regions WHERE iso_code = 'KZ-10'")
    assert row[t("ru", "audit.col.region")] == abai
    labels = [b.label for b in at.get("download_button")]
    assert labels == [t("ru", "export.csv"), t("ru", "export.xlsx")]

    at.selectbox(key="audit_user").select("").run()
    at.selectbox(key="audit_table").select("polls").run()
    table = at.dataframe[0].value
    assert set(table[t("ru", "audit.col.table")]) == {"polls"}
    users_shown = set(table[t("ru", "audit.col.user")])
    assert users_shown == {"presenter", "editor-kz10"}


# -- the identity provider -----------------------------------------------------------------------
def test_a_misconfigured_identity_provider_is_refused_with_a_clear_message(
    demo_store, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.ERROR, logger="creative_dash.auth")
    at = open_page("sign_in", "ru")
    at.secrets["auth"] = {**GOOD_AUTH, "cookie_secret": "short", "redirect_uri": "http://x/cb"}
    at.run()
    assert not at.exception
    assert t("ru", "auth.oidc_unavailable") in [w.value for w in at.warning]
    assert not [b for b in at.button if b.key and b.key.startswith("auth_oidc_")]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "cookie_secret has 5 characters" in logged
    assert "must end with '/oauth2callback'" in logged and "port 80" in logged


def test_a_configured_identity_provider_offers_its_button(demo_store):
    at = open_page("sign_in", "kk")
    at.secrets["auth"] = GOOD_AUTH
    at.run()
    assert not at.warning
    assert at.button(key="auth_oidc_default").label == t("kk", "auth.oidc_button")


def _provider_user(sub: str, email: str | None = None, **claims) -> dict:
    return {
        "is_logged_in": True,
        "sub": sub,
        "email": email,
        "email_verified": True,
        "iat": session.now(),
        **claims,
    }


def test_the_provider_s_user_is_signed_in_as_the_account_it_maps_to(demo_store, editor_kz10, cli):
    users.set_identity(demo_store, cli, "editor-kz10", oidc_subject="abai-sub")
    at = open_page("overview", "en")
    at.secrets["auth"] = GOOD_AUTH
    at.user = _provider_user("abai-sub")
    at.run()
    assert not at.exception
    assert at.session_state[USER_KEY] == editor_kz10
    assert at.session_state[VIA_KEY] == "oidc"
    assert "editor-kz10" in sidebar_text(at)


def test_an_unverified_e_mail_maps_to_nobody_and_an_unknown_user_is_told(demo_store, cli):
    users.create_user(demo_store, cli, login="mapped", role="presenter", email="p@gov.kz")
    at = open_page("overview", "ru")
    at.secrets["auth"] = GOOD_AUTH
    at.user = _provider_user("someone", "p@gov.kz", email_verified=False)
    at.run()
    assert USER_KEY not in at.session_state
    assert t("ru", "auth.oidc_unknown", who="someone") in sidebar_text(at)


@pytest.fixture
def cli():
    from creative_dash.access import CLI

    return CLI


# -- reading behind sign-in ----------------------------------------------------------------------
def test_reading_can_require_sign_in(demo_store, presenter, monkeypatch):
    monkeypatch.setenv("CREATIVE_DASH_SIGN_IN_TO_READ", "1")
    at = open_page("overview", "en")
    assert not at.exception
    assert at.title[0].value == t("en", "auth.title")
    assert t("en", "auth.intro_read") in page_text(at)
    assert not at.get("bidi_component")  # no chart drawn for a viewer
    sign_in(at, "presenter", PASSWORD)
    assert at.title[0].value == t("en", "overview.title")
    # the audience's vote page stays open
    pid = make_poll(demo_store)
    vote = open_page("vote", "en", poll=pid)
    assert vote.button(key="vote_answer_0")
