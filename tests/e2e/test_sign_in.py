"""Who may change what (issue 14), in Chromium against a real ``streamlit run`` and a real OpenID
Connect provider started on localhost (``oidc-provider``, tests/e2e/oidc/, installed by
``make test``): an administrator (created with ``python -m creative_dash users add``, as the
README says) creates a region editor for Abai; the editor signs in through the provider and with
a password, sees their name and region in their language, and is refused a presenter's write
with a message and an audit row; a presenter runs a poll; an anonymous visitor reads and votes
and nothing more; the sign-in form's rate limit shows."""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any

import pytest

from creative_dash import store as store_mod
from creative_dash.i18n import t
from tests.e2e.browser import AppTab, page_path
from tests.e2e.conftest import ARTIFACTS, ROOT, _free_port, _missing, _stop, running_app

pytestmark = pytest.mark.e2e

OIDC_DIR = ROOT / "tests" / "e2e" / "oidc"
CLIENT_ID, CLIENT_SECRET = "creative-dash", "test-only-client-secret"
ADMIN = ("ministry", "Ministry Admin", "the ministry's long password")
PRESENTER = ("aru", "Aru Presenter", "the presenter's long password")
EDITOR = ("abai-editor", "Aigerim Abai", "the editor's long password", "abai-sub")
START_TIMEOUT_S = 60


@dataclass
class SignInApp:
    url: str
    issuer: str
    abai: dict[str, str]  # the name of KZ-10 (Abai) in each language


def _users_add(db: Path, login: str, role: str, name: str, password: str) -> None:
    """``python -m creative_dash users add`` as the README shows it (password on stdin)."""
    result = subprocess.run(
        [sys.executable, "-m", "creative_dash", "users", "--db", str(db), "add", login]
        + ["--role", role, "--name", name],
        cwd=ROOT,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _discovery_ok(issuer: str) -> bool:
    try:
        with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def oidc_provider(port: int, redirect_uri: str, log: Path) -> Iterator[str]:
    """The provider on localhost (its issuer URL) until the block ends."""
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        _missing("the test identity provider is not installed: npm ci --prefix tests/e2e/oidc")
    issuer = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [node, "provider.mjs", "--port", str(port), "--client-id", CLIENT_ID]
            + ["--client-secret", CLIENT_SECRET, "--redirect-uri", redirect_uri],
            cwd=OIDC_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NODE_ENV": "test"},
        )
    try:
        deadline = monotonic() + START_TIMEOUT_S
        while not _discovery_ok(issuer):
            if proc.poll() is not None or monotonic() > deadline:
                pytest.fail("the identity provider did not start:\n" + log.read_text(), False)
            try:
                proc.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                pass
        yield issuer
    finally:
        _stop(proc)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / log.name)


@pytest.fixture(scope="module")
def signin_app(
    store_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SignInApp]:
    """A server whose store has the first administrator and a presenter (created with the
    command line), with ``[auth]`` pointing at the provider, and the provider itself."""
    work = tmp_path_factory.mktemp("e2e-signin")
    template = work / "signin.duckdb"
    shutil.copy(store_template, template)
    _users_add(template, ADMIN[0], "admin", ADMIN[1], ADMIN[2])
    _users_add(template, PRESENTER[0], "presenter", PRESENTER[1], PRESENTER[2])
    s = store_mod.open_store(str(template))
    abai = {
        lang: s.scalar(f"SELECT name_{lang} FROM regions WHERE iso_code = 'KZ-10'")  # noqa: S608
        for lang in ("kk", "ru", "en")
    }
    store_mod.close_all()  # the server opens the file next
    provider_port = _free_port()
    auth = f"""
[auth]
redirect_uri = "http://127.0.0.1:{{port}}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "http://127.0.0.1:{provider_port}/.well-known/openid-configuration"
client_kwargs = {{ prompt = "login" }}
"""
    with running_app(template, work, "streamlit-signin", secrets=auth) as (url, _log):
        with oidc_provider(
            provider_port, f"{url}/oauth2callback", work / "oidc-provider.log"
        ) as iss:
            yield SignInApp(url, iss, abai)


@contextmanager
def browser_tab(browser: Any, app: SignInApp, locale: str = "en-US") -> Iterator[AppTab]:
    """A tab in a browser of its own (its own cookies: another person)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale)
    try:
        yield AppTab(context.new_page(), app.url)
    finally:
        context.close()


def sidebar(tab: AppTab) -> Any:
    return tab.page.locator("[data-testid='stSidebar']")


def wait_signed_in(tab: AppTab, name: str) -> None:
    tab.page.locator(".st-key-auth_name").get_by_text(name, exact=True).wait_for()


def password_sign_in(tab: AppTab, login: str, password: str, lang: str) -> None:
    tab.open(page_path("sign_in"), lang=lang)
    tab.page.locator(".st-key-sign_in_login input").fill(login)
    tab.page.locator(".st-key-sign_in_password input").fill(password)
    tab.page.get_by_role("button", name=t(lang, "auth.submit"), exact=True).click()


def provider_sign_in(tab: AppTab, app: SignInApp, subject: str, lang: str) -> None:
    tab.open(page_path("sign_in"), lang=lang)
    tab.page.locator(".st-key-auth_oidc_default button").click()
    tab.page.wait_for_url(f"{app.issuer}/interaction/**")
    tab.page.locator("#sub").fill(subject)
    tab.page.get_by_role("button", name="Sign in").click()
    tab.page.wait_for_url(f"{app.url}/**")
    tab.wait_idle()


def navigate(tab: AppTab, key: str, title: str, heading: str) -> None:
    """Open a page through the sidebar's menu, as a user does: a password session lives in its
    browser tab, and loading an address anew (a reload, a new tab) starts a new session."""
    tab.page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    tab.page.wait_for_url(re.compile(rf"/{key}(\?|$)"))
    tab.page.locator("h1").get_by_text(heading, exact=True).wait_for()
    tab.wait_idle()


def choose(tab: AppTab, key: str, option: str) -> None:
    """Pick ``option`` (its label) in the selectbox with key ``key``."""
    tab.page.locator(f".st-key-{key} [role='combobox']").click()
    tab.page.get_by_role("option", name=option, exact=True).click()


def error_shown(tab: AppTab, text: str) -> None:
    tab.page.locator("[data-testid='stAlertContentError']").get_by_text(text).wait_for()


def create_rating_poll(tab: AppTab, lang: str, question: str) -> None:
    """On the live page: a new rating poll with its question in ``lang``."""
    tab.page.get_by_role("tab", name=t(lang, "live.tab_polls")).click()
    choose(tab, "live_poll_kind", t(lang, "live.kind.rating"))
    tab.page.locator(f".st-key-live_q_{lang} input").fill(question)
    tab.page.locator(f".st-key-live_q_{lang} input").press("Enter")
    tab.wait_idle()
    tab.page.locator(".st-key-live_poll_create button").click()
    tab.wait_idle()


def test_an_admin_creates_an_abai_editor_who_signs_in_and_is_refused_a_presenters_write(
    browser: Any, signin_app: SignInApp
) -> None:
    app = signin_app
    login, name, password, subject = EDITOR
    with browser_tab(browser, app) as admin:
        password_sign_in(admin, ADMIN[0], ADMIN[2], "en")
        wait_signed_in(admin, ADMIN[1])
        assert t("en", "access.role.admin") in admin.text(".st-key-auth_role")
        # the administration pages are in the admin's menu
        nav = admin.text("[data-testid='stSidebarNav']")
        assert t("en", "nav.users") in nav and t("en", "nav.audit") in nav

        navigate(admin, "users", t("en", "nav.users"), t("en", "nav.users"))
        form = admin.page.locator("[data-testid='stForm']").filter(
            has=admin.page.locator(".st-key-accounts_new_login")
        )
        form.locator(".st-key-accounts_new_login input").fill(login)
        form.locator(".st-key-accounts_new_name input").fill(name)
        choose(admin, "accounts_new_role", t("en", "access.role.region_editor"))
        choose(admin, "accounts_new_region", app.abai["en"])
        form.locator(".st-key-accounts_new_password input").fill(password)
        form.locator(".st-key-accounts_new_subject input").fill(subject)
        admin.page.get_by_role("button", name=t("en", "accounts.create")).click()
        admin.page.get_by_text(t("en", "accounts.created", login=login)).wait_for()
        admin.screenshot("users_signed_in_en")
        admin.assert_healthy("en")

    # The editor, in Russian: through the identity provider...
    with browser_tab(browser, app, "ru-RU") as editor:
        provider_sign_in(editor, app, subject, "ru")
        wait_signed_in(editor, name)
        role = editor.text(".st-key-auth_role")
        assert role == f"{t('ru', 'access.role.region_editor')} · {app.abai['ru']}"
        nav = editor.text("[data-testid='stSidebarNav']")
        assert t("ru", "nav.users") not in nav and t("ru", "nav.audit") not in nav
        # ...is refused a presenter's write, in Russian
        navigate(editor, "live", t("ru", "nav.live"), t("ru", "live.title"))
        create_rating_poll(editor, "ru", "Какая мера важнее?")
        error_shown(editor, t("ru", "access.denied.role"))
        editor.screenshot("live_region_editor_refused_ru")
        editor.assert_healthy("ru")
        # signing out ends the provider's sign-in too (its logout page, then back here)
        sidebar(editor).get_by_role("button", name=t("ru", "auth.sign_out")).click()
        editor.page.wait_for_url(f"{app.issuer}/session/end**")
        editor.page.get_by_role("button", name="Yes, sign me out").click()
        editor.page.wait_for_url(f"{app.url}/**")
        editor.wait_idle()
        sidebar(editor).get_by_text(t("ru", "auth.sign_in_link")).wait_for()
        assert editor.page.locator(".st-key-auth_name").count() == 0

    # ...and with the local account's password, in Kazakh
    with browser_tab(browser, app, "kk-KZ") as editor:
        password_sign_in(editor, login, password, "kk")
        wait_signed_in(editor, name)
        assert app.abai["kk"] in editor.text(".st-key-auth_role")
        editor.assert_healthy("kk")

    # The administrator reads the refusal in the audit log, by name, and exports it.
    with browser_tab(browser, app) as admin:
        password_sign_in(admin, ADMIN[0], ADMIN[2], "en")
        wait_signed_in(admin, ADMIN[1])
        navigate(admin, "audit", t("en", "nav.audit"), t("en", "nav.audit"))
        choose(admin, "audit_user", name)
        text = admin.download(".st-key-audit_dl_csv button").read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        refused = [r for r in rows if r[t("en", "audit.col.action")] == "Refused"]
        assert [(r[t("en", "audit.col.user")], r[t("en", "audit.col.table")]) for r in refused] == [
            (name, "polls")
        ]
        assert refused[0][t("en", "audit.col.reason")] == t("en", "access.denied.role")
        assert refused[0][t("en", "audit.col.region")] == app.abai["en"]
        assert "u-" not in refused[0][t("en", "audit.col.user")]
        admin.screenshot("audit_signed_in_en")
        admin.assert_healthy("en")


def test_a_presenter_runs_a_poll_and_an_anonymous_visitor_only_reads_and_votes(
    browser: Any, signin_app: SignInApp
) -> None:
    app = signin_app
    with browser_tab(browser, app) as presenter:
        password_sign_in(presenter, PRESENTER[0], PRESENTER[2], "en")
        wait_signed_in(presenter, PRESENTER[1])
        navigate(presenter, "live", t("en", "nav.live"), t("en", "live.title"))
        create_rating_poll(presenter, "en", "How useful was the session?")
        presenter.page.get_by_text(t("en", "live.poll.created")).wait_for()
        presenter.page.locator("[class*='st-key-live_open_'] button").first.click()
        presenter.wait_idle()
        presenter.page.locator("[class*='st-key-live_close_']").first.wait_for()
        join = presenter.page.locator("[data-testid='stCode']").filter(has_text="/ballot?poll=")
        join_url = join.first.inner_text().strip()
        presenter.assert_healthy("en")

    recorded = t("en", "live.vote.recorded")
    with browser_tab(browser, app) as visitor:
        # the join link opens the light ballot (creative_dash/ui/ballot_page.py): plain HTML
        assert join_url.startswith(f"{app.url}/ballot?poll=")
        visitor.page.goto(f"{join_url}&lang=en")
        visitor.page.get_by_role("button", name=t("en", "live.rating.r4")).click()
        visitor.page.get_by_text(recorded).wait_for()
        shared = visitor.page.url
        assert "voter" not in shared  # the address a visitor would share carries no token
        cookies = {c["name"]: c["value"] for c in visitor.page.context.cookies()}
        token = next(v for k, v in cookies.items() if k.startswith("cd_voter_"))
        assert token not in shared

        # nothing more: the live page's writes are refused, the admin pages show nothing
        visitor.open(page_path("live"), lang="en")
        create_rating_poll(visitor, "en", "Anyone?")
        error_shown(visitor, t("en", "access.denied.sign_in"))
        visitor.open(page_path("users"), lang="en")
        visitor.page.get_by_text(t("en", "auth.admin_only")).wait_for()
        assert t("en", "nav.users") not in visitor.text("[data-testid='stSidebarNav']")
        visitor.assert_healthy("en")

        # another person opening the shared link, even with the visitor's token added, sees
        # no answer and cannot change the visitor's
        with browser_tab(browser, app) as other:
            for address in (shared, f"{shared}&voter={token}"):
                other.page.goto(address)
                other.page.get_by_role("button", name=t("en", "live.rating.r1")).wait_for()
                assert other.page.get_by_text(recorded).count() == 0
                assert "voter" not in other.page.url
            other.page.get_by_role("button", name=t("en", "live.rating.r1")).click()
            other.page.get_by_text(recorded).wait_for()
        # the visitor's device: its cookie brings its own answer back, on the ballot and on
        # the Streamlit vote page alike (one cookie, one voter)
        visitor.page.goto(shared)
        mine = visitor.page.locator("[role=status]")
        mine.wait_for()
        assert t("en", "live.rating.r4") in mine.inner_text()
        visitor.page.goto(shared.replace("/ballot?", "/vote?"))
        visitor.wait_idle()
        mine = visitor.page.locator(".st-key-vote_mine")
        mine.wait_for()
        assert t("en", "live.rating.r4") in mine.inner_text()


def test_the_sign_in_rate_limit_shows_in_the_form(browser: Any, signin_app: SignInApp) -> None:
    with browser_tab(browser, signin_app, "ru-RU") as tab:
        failed = t("ru", "access.sign_in.failed")
        wait = t("ru", "access.sign_in.wait", seconds=30)
        for attempt in range(5):
            password_sign_in(tab, "nobody-at-all", "wrong password number", "ru")
            error_shown(tab, wait if attempt == 4 else failed)
        tab.assert_healthy("ru")
