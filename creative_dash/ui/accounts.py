"""The users page's forms: a new account; for a chosen account its password, role and region, its
mapping to the identity provider, and whether it is enabled.

Every change goes through ``creative_dash.store.users`` as the signed-in user: the write gateway
reads that user from the store at the moment of the write, refuses anybody but an enabled
administrator (whatever this page showed them) and leaves an audit row either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from creative_dash.access import REGION_EDITOR, ROLES, AccessDenied
from creative_dash.i18n import Translator
from creative_dash.store import users
from creative_dash.text import inert, visible
from creative_dash.ui import session
from creative_dash.ui.cache import store

NEW_FORM, PICK_KEY = "accounts_new", "accounts_pick"
NEW_FIELDS = ("login", "name", "role", "region", "password", "email", "subject")
RESULT_KEY = "accounts_result"  # (ok, message key, parameters) of the last change, shown once


def _new(field: str) -> str:
    return f"accounts_new_{field}"


def _field(login: str, field: str) -> str:
    return f"accounts_{field}_{login}"


def _text(key: str) -> str | None:
    value = str(st.session_state.get(key) or "").strip()
    return value or None


def _act(change: Callable[[], Any], done: str, **params: Any) -> bool:
    """Make an account change as the signed-in user; keep how it went for the next run."""
    try:
        change()
    except users.UserError as exc:
        st.session_state[RESULT_KEY] = (False, f"users.error.{exc.key}", exc.params)
        return False
    except AccessDenied as exc:
        st.session_state[RESULT_KEY] = (False, exc.message_key, {})
        return False
    st.session_state[RESULT_KEY] = (True, done, params)
    return True


def show_result(t: Translator) -> None:
    result = st.session_state.pop(RESULT_KEY, None)
    if result:
        ok, key, params = result
        # the parameters (a login, a name) were typed by a user: inert in the Markdown message
        (st.success if ok else st.error)(t(key, **{k: inert(v) for k, v in params.items()}))


def _create() -> None:
    values = {f: _text(_new(f)) for f in NEW_FIELDS}
    st.session_state[_new("password")] = ""  # a password never stays in the session
    login = values["login"] or ""
    if _act(
        lambda: users.create_user(
            store(),
            session.user_id(),
            login=login,
            role=values["role"] or "",
            region=values["region"],
            display_name=values["name"],
            password=values["password"],
            email=values["email"],
            oidc_subject=values["subject"],
        ),
        "accounts.created",
        login=login.lower(),
    ):
        for f in ("login", "name", "email", "subject"):
            st.session_state[_new(f)] = ""


def _role_label(t: Translator) -> Callable[[str], str]:
    return lambda r: t(f"access.role.{r}")


def _region_label(t: Translator, regions: Mapping[str, str]) -> Callable[[str], str]:
    return lambda c: visible(regions.get(c, c)) if c else t("accounts.no_region")


def new_account_form(t: Translator, regions: Mapping[str, str]) -> None:
    """A new region editor, presenter or administrator, with a password and/or a mapping to
    the identity provider."""
    with st.form(NEW_FORM, border=True):
        st.markdown(f"**{t('accounts.new')}**")
        left, right = st.columns(2)
        left.text_input(t("accounts.login"), key=_new("login"), max_chars=64)
        right.text_input(t("accounts.name"), key=_new("name"), max_chars=200)
        left.selectbox(t("accounts.role"), ROLES, key=_new("role"), format_func=_role_label(t))
        right.selectbox(
            t("accounts.region"),
            ["", *regions],
            key=_new("region"),
            format_func=_region_label(t, regions),
        )
        st.text_input(
            t("accounts.password", min=users.MIN_PASSWORD),
            key=_new("password"),
            type="password",
            max_chars=users.MAX_PASSWORD,
            autocomplete="new-password",
        )
        left.text_input(t("accounts.email"), key=_new("email"), max_chars=200)
        right.text_input(t("accounts.subject"), key=_new("subject"), max_chars=200)
        st.form_submit_button(t("accounts.create"), on_click=_create, type="primary")


def _reset(login: str) -> None:
    key = _field(login, "password")
    password = str(st.session_state.get(key) or "")
    st.session_state[key] = ""
    _act(
        lambda: users.reset_password(store(), session.user_id(), login, password),
        "accounts.reset_done",
        login=login,
    )


def _set_role(login: str, t: Translator) -> None:
    role = str(st.session_state.get(_field(login, "role")) or "")
    region = _text(_field(login, "region")) if role == REGION_EDITOR else None
    _act(
        lambda: users.set_role(store(), session.user_id(), login, role, region),
        "accounts.role_done",
        login=login,
        role=t(f"access.role.{role}") if role in ROLES else role,
    )


def _set_identity(login: str) -> None:
    subject, email = _text(_field(login, "subject")), _text(_field(login, "email"))
    _act(
        lambda: users.set_identity(
            store(), session.user_id(), login, oidc_subject=subject, email=email
        ),
        "accounts.identity_done",
        login=login,
    )


def _set_disabled(login: str, disabled: bool) -> None:
    change = users.disable_user if disabled else users.enable_user
    done = "accounts.disabled_done" if disabled else "accounts.enabled_done"
    _act(lambda: change(store(), session.user_id(), login), done, login=login)


def manage_account(t: Translator, regions: Mapping[str, str]) -> None:
    """Pick an account; reset its password, change its role and region, map it to the identity
    provider, disable or enable it."""
    by_login = {u.login: u for u in users.list_users(store())}
    if not by_login:
        return
    login = st.selectbox(
        t("accounts.pick"),
        list(by_login),
        key=PICK_KEY,
        format_func=lambda v: visible(f"{by_login[v].display_name} ({v})"),
    )
    user = by_login[login]
    left, right = st.columns(2)
    with left.form(f"accounts_reset_form_{login}", border=True):
        st.markdown(f"**{t('accounts.reset_title')}**")
        st.text_input(
            t("accounts.new_password", min=users.MIN_PASSWORD),
            key=_field(login, "password"),
            type="password",
            max_chars=users.MAX_PASSWORD,
            autocomplete="new-password",
        )
        st.form_submit_button(t("accounts.reset"), on_click=_reset, args=(login,))
    with right.form(f"accounts_role_form_{login}", border=True):
        st.markdown(f"**{t('accounts.role_title')}**")
        st.selectbox(
            t("accounts.role"),
            ROLES,
            index=ROLES.index(user.role),
            key=_field(login, "role"),
            format_func=_role_label(t),
        )
        codes = ["", *regions]
        st.selectbox(
            t("accounts.region"),
            codes,
            index=codes.index(user.region_iso) if user.region_iso in codes else 0,
            key=_field(login, "region"),
            format_func=_region_label(t, regions),
        )
        st.form_submit_button(t("accounts.save_role"), on_click=_set_role, args=(login, t))
    with left.form(f"accounts_identity_form_{login}", border=True):
        st.markdown(f"**{t('accounts.identity_title')}**")
        st.caption(t("accounts.identity_help"))
        st.text_input(
            t("accounts.subject"), value=user.oidc_subject or "", key=_field(login, "subject")
        )
        st.text_input(t("accounts.email"), value=user.email or "", key=_field(login, "email"))
        st.form_submit_button(t("accounts.save_identity"), on_click=_set_identity, args=(login,))
    with right:
        st.button(
            t("accounts.enable" if user.disabled else "accounts.disable"),
            key=_field(login, "enabled"),
            on_click=_set_disabled,
            args=(login, not user.disabled),
            icon=":material/toggle_on:" if user.disabled else ":material/block:",
        )
