"""creative_dash.signin: the identity provider configuration check, the identity an ID token
names, idle sessions and the process's record of provider sign-ins; the idle setting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from creative_dash import settings, signin
from creative_dash.signin import Logins, OidcIdentity, check_setup, identity, idle_expired

GOOD = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "s" * signin.MIN_COOKIE_SECRET,
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "https://idp.example.kz/.well-known/openid-configuration",
}


def keys(setup: signin.OidcSetup) -> list[str]:
    return [p.key for p in setup.problems]


def test_not_configured_is_not_a_problem() -> None:
    for auth in (None, {}):
        setup = check_setup(auth, server_port=8501)
        assert not setup.configured and not setup.ready and setup.problems == ()


def test_a_good_configuration_is_ready() -> None:
    setup = check_setup(GOOD, server_port=8501)
    assert setup.ready and setup.providers == ("default",) and setup.problems == ()
    # the {port} placeholder Streamlit fills in is the server's port
    templated = {**GOOD, "redirect_uri": "http://127.0.0.1:{port}/oauth2callback"}
    assert check_setup(templated, server_port=9123).ready


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"cookie_secret": None}, "cookie_secret_missing"),
        ({"cookie_secret": ""}, "cookie_secret_missing"),
        ({"cookie_secret": "s" * (signin.MIN_COOKIE_SECRET - 1)}, "cookie_secret_short"),
        ({"cookie_secret": 12345678901234567890123456789012345}, "cookie_secret_short"),
        ({"redirect_uri": None}, "redirect_uri_missing"),
        ({"redirect_uri": "not a url"}, "redirect_uri_invalid"),
        ({"redirect_uri": "http://localhost:8501/callback"}, "redirect_uri_path"),
        ({"redirect_uri": "http://localhost:8502/oauth2callback"}, "redirect_uri_port"),
        ({"redirect_uri": "https://localhost/oauth2callback"}, "redirect_uri_port"),
        ({"client_secret": None}, "provider_keys"),
        ({"client_id": None, "client_secret": None, "server_metadata_url": None}, "no_provider"),
    ],
)
def test_each_problem_is_found_and_refuses_sign_in(change: dict, problem: str) -> None:
    auth = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    setup = check_setup(auth, server_port=8501)
    assert setup.configured and not setup.ready
    assert problem in keys(setup)
    assert all(p.detail for p in setup.problems)


def test_the_details_say_what_to_change() -> None:
    setup = check_setup(
        {**GOOD, "cookie_secret": "short", "redirect_uri": "http://localhost:8502/cb"},
        server_port=8501,
    )
    details = " ".join(p.detail for p in setup.problems)
    assert "cookie_secret has 5 characters" in details and "token_urlsafe" in details
    assert "must end with '/oauth2callback'" in details
    assert "port 8502" in details and "listens on 8501" in details


def test_the_base_path_and_the_public_address() -> None:
    under = {**GOOD, "redirect_uri": "http://localhost:8501/dash/oauth2callback"}
    assert check_setup(under, server_port=8501, base_path="/dash/").ready
    assert keys(check_setup(GOOD, server_port=8501, base_path="dash")) == ["redirect_uri_path"]
    # behind a proxy the public address decides, not the server's port
    public = {**GOOD, "redirect_uri": "https://creative.example.kz/oauth2callback"}
    assert check_setup(public, server_port=8501, public_url="https://creative.example.kz/").ready
    assert keys(check_setup(public, server_port=8501, public_url="https://other.kz")) == [
        "redirect_uri_public_url"
    ]


def test_named_providers_and_authlib() -> None:
    named = {
        "redirect_uri": GOOD["redirect_uri"],
        "cookie_secret": GOOD["cookie_secret"],
        "egov": {k: GOOD[k] for k in signin.PROVIDER_KEYS},
        "my_idp": {k: GOOD[k] for k in signin.PROVIDER_KEYS},
    }
    setup = check_setup(named, server_port=8501)
    assert setup.providers == ("egov", "my_idp")
    assert keys(setup) == ["provider_name"]
    assert "authlib_missing" in keys(check_setup(GOOD, server_port=8501, authlib=False))


def test_identity_reads_the_claims_and_trusts_only_verified_e_mail() -> None:
    claims = {"is_logged_in": True, "sub": " abc ", "email": "A@gov.kz", "iat": 1700000000}
    assert identity({**claims, "email_verified": True}) == OidcIdentity(
        "abc", "A@gov.kz", 1700000000.0
    )
    assert identity({**claims, "email_verified": "true"}).email == "A@gov.kz"
    assert identity({**claims, "email_verified": False}).email is None
    assert identity(claims).email is None  # not said to be verified
    assert identity({**claims, "is_logged_in": False}) is None
    assert identity({"email": "x@y.kz"}) is None  # AppTest's default st.user
    assert identity({**claims, "sub": ""}) is None
    assert identity({**claims, "iat": "soon"}).issued_at is None


def test_idle_expired() -> None:
    idle = timedelta(minutes=30)
    assert not idle_expired(None, 10_000.0, idle)
    assert not idle_expired(10_000.0, 10_000.0 + 1800, idle)
    assert idle_expired(10_000.0, 10_000.0 + 1800.5, idle)


def test_logins_track_provider_sign_ins_across_reloads() -> None:
    idle = timedelta(minutes=10)
    logins = Logins()
    fresh = OidcIdentity("a", None, 1000.0)
    assert logins.active(fresh, 1000.0 + 599, idle)  # just issued, never seen
    assert not logins.active(fresh, 1000.0 + 601, idle)  # issued long ago, never seen here
    logins.seen(fresh, 1500.0, idle)
    assert logins.active(fresh, 1500.0 + 600, idle)  # seen recently: a reload is fine
    assert not logins.active(fresh, 1500.0 + 601, idle)  # idle too long
    logins.end(fresh, 1600.0, idle)
    assert not logins.active(fresh, 1600.0, idle)  # ended: the cookie is no use any more
    logins.seen(fresh, 1601.0, idle)  # a late page of the ended session does not revive it
    assert not logins.active(fresh, 1602.0, idle)
    # without an issue time only the session's own idle time can tell
    assert logins.active(OidcIdentity("b", None, None), 10**9, idle)


def test_logins_forget_what_absence_says_as_well() -> None:
    idle = timedelta(minutes=10)
    logins = Logins()
    old, new = OidcIdentity("a", None, 1000.0), OidcIdentity("b", None, 5000.0)
    logins.end(old, 1100.0, idle)
    logins.seen(new, 5000.0, idle)  # prunes: old ended more than the idle time ago
    assert old.key not in logins._last
    assert not logins.active(old, 5000.0, idle)  # and is still not active


@pytest.mark.parametrize(
    ("value", "minutes"),
    [("", 30), ("45", 45), ("0.5", 0.5), ("0", 30), ("-5", 30), ("soon", 30), ("nan", 30)],
)
def test_idle_timeout_setting(monkeypatch: pytest.MonkeyPatch, value: str, minutes: float) -> None:
    monkeypatch.setenv("CREATIVE_DASH_IDLE_MINUTES", value)
    assert settings.idle_timeout() == timedelta(minutes=minutes)
