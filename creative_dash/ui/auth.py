"""Signing in and out in the UI: the frame's check of the session on every page load, the identity
box in the sidebar, the sign-in page (identity provider buttons, the pilot account form), which
pages a session may open and see in the menu, and who may see the administrators' pages.

Identity provider sign-in is Streamlit's own (``st.login`` / ``st.user``, OpenID Connect through
Authlib), configured by the ``[auth]`` section of ``.streamlit/secrets.toml``; this module checks
that section once per process (:func:`oidc_setup`) and maps the provider's subject or verified
e-mail to an account of the store (``users.user_for_oidc``). Pilot accounts sign in with a login
and password (``users.verify_password``, rate-limited per login and per client).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Mapping
from typing import Any

import streamlit as st

from creative_dash import settings, signin
from creative_dash.access import ADMIN, REGION_EDITOR
from creative_dash.i18n import Translator
from creative_dash.navigation import PageSpec
from creative_dash.signin import OidcIdentity, OidcSetup
from creative_dash.store import users
from creative_dash.text import inert, visible
from creative_dash.ui import session
from creative_dash.ui.cache import store
from creative_dash.ui.lang import current_lang, tr
from creative_dash.ui.sidebar import region_names

log = logging.getLogger("creative_dash.auth")

# Widget and session keys of this module.
FORM_KEY, LOGIN_FIELD, PASSWORD_FIELD = "sign_in_form", "sign_in_login", "sign_in_password"
ERROR_KEY = "sign_in_error"  # (message key, parameters) of the last failed attempt, shown once
UNMAPPED_KEY = "auth_unmapped"  # the provider's user the store has no account for
SIGN_OUT_KEY = "auth_sign_out"

# The identity provider sign-ins this process has seen (see signin.Logins).
LOGINS = signin.Logins()
_SETUPS: dict[str, OidcSetup] = {}
_SETUPS_LOCK = threading.Lock()


# -- the identity provider's configuration ------------------------------------------------------
def _auth_section() -> dict[str, Any] | None:
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        section = st.secrets.get("auth")
    except Exception:  # an unreadable secrets file: Streamlit logs it at start-up
        return None
    if not isinstance(section, Mapping):
        return None
    return section.to_dict() if hasattr(section, "to_dict") else dict(section)


def _authlib_installed() -> bool:
    from streamlit.auth_util import is_authlib_installed

    return is_authlib_installed()


def oidc_setup() -> OidcSetup:
    """The ``[auth]`` section as checked for this server, once per process and configuration;
    each problem is logged once as an error saying what to change."""
    auth = _auth_section()
    port = int(st.get_option("server.port"))
    base = str(st.get_option("server.baseUrlPath") or "")
    public = settings.get("CREATIVE_DASH_PUBLIC_URL")
    key = json.dumps([auth, port, base, public], sort_keys=True, default=str)
    with _SETUPS_LOCK:
        found = _SETUPS.get(key)
    if found is not None:
        return found
    setup = signin.check_setup(
        auth,
        server_port=port,
        base_path=base,
        public_url=public,
        authlib=auth is not None and _authlib_installed(),
    )
    with _SETUPS_LOCK:
        first = key not in _SETUPS
        _SETUPS[key] = setup
    if first and setup.configured:
        for problem in setup.problems:
            log.error("identity provider sign-in is off: %s", problem.detail)
        if setup.ready:
            log.info("identity provider sign-in: %s", ", ".join(setup.providers))
    return setup


def _provider_identity() -> OidcIdentity | None:
    """Who ``st.user`` says is signed in at the identity provider, if its sign-in may be used."""
    if not oidc_setup().ready:
        return None
    return signin.identity(st.user.to_dict())


def _provider_sign_out() -> None:
    """End the identity provider's sign-in too (its cookie; the provider's own session when it
    offers a logout endpoint), or the next page load would sign the user in again."""
    if st.user.to_dict().get("is_logged_in") is True:
        st.logout()


# -- the session, checked by the frame before anything is drawn --------------------------------
def _end(notice: str | None) -> None:
    """End the signed-in session, here and at the identity provider."""
    login = session.oidc_login()
    if isinstance(login, OidcIdentity):
        LOGINS.end(login, session.now(), settings.idle_timeout())
    session.sign_out(notice)
    _provider_sign_out()


def check_session() -> None:
    """On every page load, before the sidebar: end a session idle for too long, or whose
    account was disabled or removed; start the session of a user the identity provider signed
    in; note the activity. Rights are never decided here: the gateway reads them per write."""
    state = st.session_state
    uid = state.get(session.USER_KEY)
    ident = _provider_identity()
    idle = settings.idle_timeout()
    if uid:
        if session.expired():
            _end("auth.ended.idle")
            return
        user = users.get_user(store(), uid)
        if user is None or user.disabled:
            log.info("session of %s ended: the account is disabled or gone", uid)
            _end("auth.ended.disabled")
            return
        login = session.oidc_login()
        if state.get(session.VIA_KEY) == session.OIDC and (ident is None or ident != login):
            _end(None)  # the provider's sign-in this session started with is gone
            return
        session.touch()
        if ident is not None and ident == login:
            LOGINS.seen(ident, session.now(), idle)
        return
    state.pop(UNMAPPED_KEY, None)
    if ident is None:
        return
    if not LOGINS.active(ident, session.now(), idle):
        log.info("identity provider sign-in of %r ended or idle: signing out", ident.subject)
        LOGINS.end(ident, session.now(), idle)
        _provider_sign_out()
        return
    user = users.user_for_oidc(store(), ident.subject, ident.email)
    if user is None:
        state[UNMAPPED_KEY] = ident.email or ident.subject
        return
    session.sign_in(user.user_id, session.OIDC, ident)
    LOGINS.seen(ident, session.now(), idle)
    log.info("signed in through the identity provider: %s", user.login)


def current_user() -> users.User | None:
    """The signed-in user as the store holds it now (None: a viewer)."""
    uid = session.user_id()
    user = users.get_user(store(), uid) if uid else None
    return None if user is None or user.disabled else user


def sign_out_clicked() -> None:
    _end("auth.ended.signed_out")


# -- who sees which page -------------------------------------------------------------------------
def may_open(spec: PageSpec) -> bool:
    """Whether this session may open the page (admin pages explain themselves to others)."""
    return spec.public or not settings.sign_in_to_read() or session.user_id() is not None


def in_menu(spec: PageSpec) -> bool:
    if spec.hidden or not may_open(spec):
        return False
    if spec.admin:
        user = current_user()
        return user is not None and user.role == ADMIN
    if spec.editor:
        user = current_user()
        return user is not None and user.role in (ADMIN, REGION_EDITOR)
    return True


def run_page(nav: Any, specs: Mapping[str, PageSpec]) -> None:
    """Run the page st.navigation chose, or the sign-in panel in its place when reading needs
    sign-in (the page runs once signed in, at the same address)."""
    pages = st.session_state.get("_pages", {})
    key = next((k for k, page in pages.items() if page == nav), None)
    spec = specs.get(key) if key else None
    if spec is None or may_open(spec):
        nav.run()
        return
    t = tr()
    st.title(t("auth.title"))
    st.info(t("auth.intro_read"))
    sign_in_panel(t)


def admin_user(t: Translator) -> users.User | None:
    """The signed-in ministry administrator; for anybody else, why the page shows nothing."""
    user = current_user()
    if user is not None and user.role == ADMIN:
        return user
    st.warning(t("auth.admin_only"))
    if user is None:
        sign_in_link(t)
    return None


# -- drawing --------------------------------------------------------------------------------------
def sign_in_link(t: Translator, container: Any = st) -> None:
    pages = st.session_state.get("_pages", {})
    if "sign_in" in pages:
        container.page_link(
            pages["sign_in"],
            label=t("auth.sign_in_link"),
            icon=":material/login:",
            query_params={"lang": current_lang()},
        )


def role_line(user: users.User, t: Translator) -> str:
    role = t(f"access.role.{user.role}")
    if not user.region_iso:
        return role
    return f"{role} · {inert(region_names(t).get(user.region_iso, user.region_iso))}"


def identity_box(t: Translator) -> None:
    """In the sidebar: who is signed in (name, role, region) and a sign-out button, or a link
    to sign in; why the last session ended, once."""
    with st.sidebar.container(key="auth_box"):
        notice = session.take_notice()
        if notice:
            minutes = settings.idle_timeout().total_seconds() / 60
            st.warning(t(notice, minutes=t.num(minutes)))
        user = current_user()
        if user is not None:
            with st.container(key="auth_name"):
                st.text(visible(user.display_name))
            with st.container(key="auth_role"):
                st.caption(role_line(user, t))
            st.button(
                t("auth.sign_out"),
                key=SIGN_OUT_KEY,
                on_click=sign_out_clicked,
                icon=":material/logout:",
            )
        elif st.session_state.get(UNMAPPED_KEY):
            st.info(t("auth.oidc_unknown", who=inert(st.session_state[UNMAPPED_KEY])))
            st.button(t("auth.sign_out"), key=SIGN_OUT_KEY, on_click=_provider_sign_out)
        else:
            sign_in_link(t)


def client_address() -> str:
    """Where a sign-in attempt comes from, for the per-client rate limit: the header the
    operator's proxy sets (CREATIVE_DASH_CLIENT_HEADER; of a list, the last address, the one the
    proxy saw), else the connection's address."""
    header = settings.get("CREATIVE_DASH_CLIENT_HEADER")
    if header:
        value = st.context.headers.get(header)
        if value:
            return value.split(",")[-1].strip()[:100]
    return st.context.ip_address or "local"


def _submit_password() -> None:
    """The sign-in form's callback: verify, then start the session afresh (the password never
    stays in the session state)."""
    state = st.session_state
    login = str(state.get(LOGIN_FIELD) or "")
    password = str(state.get(PASSWORD_FIELD) or "")
    state[PASSWORD_FIELD] = ""
    client = client_address()
    user = users.verify_password(store(), login, password, client)
    if user is None:
        wait = users.sign_in_wait(store(), login, client)
        if wait > 0:
            state[ERROR_KEY] = ("access.sign_in.wait", {"seconds": math.ceil(wait)})
        else:
            state[ERROR_KEY] = ("access.sign_in.failed", {})
        return
    ident = _provider_identity()
    if ident is not None:
        # A provider sign-in left in this browser (someone else's, perhaps) is over: it signs
        # nobody in again here; signing out of this session clears its cookie as well.
        LOGINS.end(ident, session.now(), settings.idle_timeout())
    session.sign_in(user.user_id, session.PASSWORD)
    log.info("signed in with a password: %s", user.login)


def sign_in_panel(t: Translator) -> None:
    """The identity provider's buttons (or why there are none) and the pilot account form."""
    user = current_user()
    if user is not None:
        st.success(t("auth.signed_in_as", name=inert(user.display_name)))
        return
    setup = oidc_setup()
    if setup.configured and not setup.ready:
        st.warning(t("auth.oidc_unavailable"))
    elif setup.ready:
        for name in setup.providers:
            label = t("auth.oidc_button") if name == "default" else t("auth.oidc_named", name=name)
            if st.button(label, key=f"auth_oidc_{name}", type="primary", icon=":material/key:"):
                st.login(name)
    with st.form(FORM_KEY, border=True):
        st.markdown(f"**{t('auth.local_title')}**")
        st.text_input(t("auth.login"), key=LOGIN_FIELD, max_chars=200, autocomplete="username")
        st.text_input(
            t("auth.password"),
            key=PASSWORD_FIELD,
            type="password",
            max_chars=users.MAX_PASSWORD,
            autocomplete="current-password",
        )
        st.form_submit_button(t("auth.submit"), on_click=_submit_password, type="primary")
    error = st.session_state.pop(ERROR_KEY, None)
    if error:
        key, params = error
        st.error(t(key, **{k: inert(v) for k, v in params.items()}))
