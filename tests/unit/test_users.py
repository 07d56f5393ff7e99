"""Accounts: Argon2 passwords, rate-limited sign-in, the identity provider mapping, the users
command line, and the migration that adds them to an existing store."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from creative_dash import __main__ as cli
from creative_dash.access import CLI
from creative_dash.store import SCHEMA_VERSION, Store, users
from creative_dash.store.core import _migrations
from creative_dash.store.users import UserError, verify_password
from tests.conftest import PASSWORD, load_reference_of_version_1

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 5, 12, 9, 0, 0)


def attempts(store: Store, **where: str) -> list[str]:
    """Outcomes of the logged sign-in attempts, in time order (ties by outcome)."""
    clause = " AND ".join(f"{k} = ${k}" for k in where) or "TRUE"
    return store.query(
        f"SELECT outcome FROM sign_in_attempts WHERE {clause} ORDER BY attempted_at, outcome",  # noqa: S608
        where,
    )["outcome"].tolist()


@pytest.fixture
def checks(monkeypatch) -> list[str]:
    """The passwords actually checked against a hash (throttled attempts are not)."""
    seen: list[str] = []
    real = users._HASHER

    class Counting:
        def verify(self, hashed: str, password: str) -> bool:
            seen.append(password)
            return real.verify(hashed, password)

        def __getattr__(self, name: str):
            return getattr(real, name)

    monkeypatch.setattr(users, "_HASHER", Counting())
    return seen


# -- passwords --------------------------------------------------------------------------------------
def test_right_password_signs_in_and_everything_else_answers_the_same(demo_store, presenter):
    user = verify_password(demo_store, "Presenter", PASSWORD, "10.0.0.1", now=T0)
    assert user is not None and user.user_id == presenter and user.role == "presenter"
    assert verify_password(demo_store, "presenter", "wrong password!", "10.0.0.1", now=T0) is None
    assert verify_password(demo_store, "nobody", PASSWORD, "10.0.0.1", now=T0) is None
    assert verify_password(demo_store, "", "", "10.0.0.1", now=T0) is None
    # the sign-in log tells them apart; the caller cannot
    assert attempts(demo_store) == ["bad", "bad", "bad", "ok"]
    stored = demo_store.scalar("SELECT password_hash FROM users WHERE login = 'presenter'")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_fifty_wrong_passwords_lock_one_account_only(demo_store, admin, checks):
    for _ in range(50):
        assert (
            verify_password(demo_store, "presenter", "guess-guess-guess", "6.6.6.6", now=T0) is None
        )
    # slowed: only the first ACCOUNT_FREE_FAILURES guesses were checked at all
    assert len(checks) == users.ACCOUNT_FREE_FAILURES
    # locked: even the right password is refused now, from any client
    assert verify_password(demo_store, "presenter", PASSWORD, "10.0.0.1", now=T0) is None
    wait = users.sign_in_wait(demo_store, "presenter", "10.0.0.1", now=T0)
    assert wait == users.BASE_DELAY.total_seconds()
    # the log says so
    log = attempts(demo_store, login="presenter")
    assert log.count("bad") == users.ACCOUNT_FREE_FAILURES - 1 and log.count("locked") == 1
    assert log.count("throttled") == 50 - users.ACCOUNT_FREE_FAILURES + 1
    # no other account is affected, from another client or from the attacker's
    assert verify_password(demo_store, "admin", PASSWORD, "10.0.0.2", now=T0).user_id == admin
    assert verify_password(demo_store, "admin", PASSWORD, "6.6.6.6", now=T0).user_id == admin
    # after the delay the right password works, and resets the count
    later = T0 + users.BASE_DELAY + timedelta(seconds=1)
    assert verify_password(demo_store, "presenter", PASSWORD, "10.0.0.1", now=later) is not None
    assert users.sign_in_wait(demo_store, "presenter", "10.0.0.1", now=later) == 0


def test_delays_double_with_each_further_failure_up_to_the_maximum(demo_store, presenter):
    now = T0
    waits = []
    for _ in range(users.ACCOUNT_FREE_FAILURES + 8):
        now += timedelta(seconds=users.sign_in_wait(demo_store, "presenter", "c", now=now) + 1)
        verify_password(demo_store, "presenter", "nope-nope-nope", "c", now=now)
        waits.append(users.sign_in_wait(demo_store, "presenter", "c", now=now))
    free = users.ACCOUNT_FREE_FAILURES
    assert waits[: free - 1] == [0] * (free - 1)
    assert waits[free - 1 : free + 2] == [30, 60, 120]
    assert max(waits) == users.MAX_DELAY.total_seconds() == waits[-1]


def test_unknown_logins_are_limited_like_known_ones(demo_store):
    for login in ("presenter", "no-such-user"):
        for _ in range(users.ACCOUNT_FREE_FAILURES):
            verify_password(demo_store, login, "nope-nope-nope", f"client-{login}", now=T0)
    assert (
        users.sign_in_wait(demo_store, "no-such-user", "x", now=T0)
        == users.sign_in_wait(demo_store, "presenter", "x", now=T0)
        > 0
    )


def test_one_client_trying_many_logins_is_slowed(demo_store, admin, checks):
    for i in range(users.CLIENT_FREE_FAILURES):
        verify_password(demo_store, f"guess{i}", "nope-nope-nope", "6.6.6.6", now=T0)
    assert verify_password(demo_store, "admin", PASSWORD, "6.6.6.6", now=T0) is None
    assert attempts(demo_store, login="admin") == ["throttled"]
    assert len(checks) == users.CLIENT_FREE_FAILURES
    assert verify_password(demo_store, "admin", PASSWORD, "10.0.0.2", now=T0).user_id == admin


def test_a_disabled_account_cannot_sign_in(demo_store, admin):
    users.disable_user(demo_store, admin, "presenter")
    assert verify_password(demo_store, "presenter", PASSWORD, "c", now=T0) is None
    assert attempts(demo_store) == ["disabled"]


def test_a_reset_password_replaces_the_old_one(demo_store, admin):
    users.reset_password(demo_store, admin, "presenter", "a brand new passphrase")
    assert verify_password(demo_store, "presenter", PASSWORD, "c", now=T0) is None
    assert verify_password(demo_store, "presenter", "a brand new passphrase", "c", now=T0)


def test_an_outdated_hash_is_replaced_on_sign_in(demo_store, admin, monkeypatch):
    users.create_user(demo_store, admin, login="old-hash", role="presenter", password="p" * 16)
    old = demo_store.scalar("SELECT password_hash FROM users WHERE login = 'old-hash'")
    # the hashing parameters were raised since
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=2, memory_cost=2048))
    assert verify_password(demo_store, "old-hash", "p" * 16, "c", now=T0) is not None
    new = demo_store.scalar("SELECT password_hash FROM users WHERE login = 'old-hash'")
    assert new != old and users._HASHER.verify(new, "p" * 16)
    assert (
        demo_store.scalar(
            "SELECT actor FROM audit_log WHERE table_name = 'users' ORDER BY logged_at DESC LIMIT 1"
        )
        == "system"
    )


# -- accounts ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"login": "x"}, "bad_login"),
        ({"login": "has space"}, "bad_login"),
        ({"login": "cli"}, "bad_login"),
        ({"login": "system"}, "bad_login"),
        ({"login": "presenter"}, "login_taken"),
        ({"password": "short"}, "password_short"),
        ({"role": "viewer"}, "bad_role"),
        ({"role": "region_editor"}, "region_required"),
        ({"role": "region_editor", "region": "KZ-00"}, "bad_region"),
        ({"role": "admin", "region": "KZ-10"}, "region_not_allowed"),
        ({"email": "not-an-address"}, "bad_email"),
    ],
)
def test_create_user_checks_its_input(demo_store, admin, kwargs, key):
    args = {"login": "newcomer", "role": "presenter", "password": "long enough pass", **kwargs}
    with pytest.raises(UserError) as err:
        users.create_user(demo_store, admin, **args)
    assert err.value.key == key


def test_region_codes_are_normalised_and_bound(demo_store, admin):
    user = users.create_user(
        demo_store,
        admin,
        login="Abai.Editor",
        role="region_editor",
        region=" kz-10 ",
        password="long enough pass",
    )
    assert (user.login, user.region_iso) == ("abai.editor", "KZ-10")
    assert user.actor.region_iso == "KZ-10"


def test_the_last_admin_cannot_be_disabled_or_demoted(demo_store, admin):
    with pytest.raises(UserError, match="last_admin"):
        users.disable_user(demo_store, CLI, "admin")
    with pytest.raises(UserError, match="last_admin"):
        users.set_role(demo_store, CLI, "admin", "presenter")
    users.create_user(demo_store, CLI, login="admin2", role="admin", password="p" * 16)
    users.disable_user(demo_store, CLI, "admin")
    assert users.find_user(demo_store, "admin").disabled


def test_identity_provider_users_map_by_subject_or_email(demo_store, admin):
    users.create_user(demo_store, admin, login="aigerim", role="presenter", email="Aigerim@Gov.KZ")
    users.create_user(
        demo_store,
        admin,
        login="bolat",
        role="region_editor",
        region="KZ-75",
        oidc_subject="sub-bolat",
    )
    assert users.user_for_oidc(demo_store, "sub-bolat", None).login == "bolat"
    assert users.user_for_oidc(demo_store, "sub-new", "aigerim@gov.kz").login == "aigerim"
    assert users.user_for_oidc(demo_store, "sub-x", "someone@else.kz") is None
    assert users.user_for_oidc(demo_store, None, None) is None
    # once a subject is bound, the e-mail alone no longer matches
    users.set_identity(demo_store, admin, "aigerim", oidc_subject="sub-aigerim")
    assert users.user_for_oidc(demo_store, "sub-other", "aigerim@gov.kz") is None
    assert users.user_for_oidc(demo_store, "sub-aigerim", None).login == "aigerim"
    # one identity, one account; disabled accounts map to nobody
    with pytest.raises(UserError, match="identity_taken"):
        users.set_identity(demo_store, admin, "presenter", oidc_subject="sub-bolat")
    with pytest.raises(UserError, match="identity_taken"):
        users.set_identity(demo_store, admin, "presenter", email="AIGERIM@gov.kz")
    users.disable_user(demo_store, admin, "bolat")
    assert users.user_for_oidc(demo_store, "sub-bolat", None) is None
    # an account without a password cannot sign in with one
    assert verify_password(demo_store, "aigerim", "", "c", now=T0) is None


# -- the command line -------------------------------------------------------------------------------
def run_cli(monkeypatch, capsys, db: Path, *args: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["users", "--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_manages_accounts_as_the_cli_actor(demo_db, monkeypatch, capsys):
    code, out, _ = run_cli(
        monkeypatch,
        capsys,
        demo_db,
        "add",
        "akim-75",
        "--role",
        "region_editor",
        "--region",
        "KZ-75",
        "--name",
        "Almaty editor",
        stdin="s3cret passphrase\n",
    )
    assert code == 0 and "akim-75" in out and "KZ-75" in out
    from creative_dash.store import open_store

    store = open_store(str(demo_db))
    assert verify_password(store, "akim-75", "s3cret passphrase", "c", now=T0) is not None
    code, out, _ = run_cli(
        monkeypatch, capsys, demo_db, "reset", "akim-75", stdin="another passphrase\n"
    )
    assert code == 0
    assert verify_password(store, "akim-75", "another passphrase", "c", now=T0) is not None
    assert run_cli(monkeypatch, capsys, demo_db, "role", "akim-75", "--role", "presenter")[0] == 0
    assert run_cli(monkeypatch, capsys, demo_db, "disable", "akim-75")[0] == 0
    code, out, _ = run_cli(monkeypatch, capsys, demo_db, "list")
    line = next(x for x in out.splitlines() if x.startswith("akim-75"))
    assert "presenter" in line and "disabled" in line and "KZ-75" not in line
    actors = store.query(
        "SELECT DISTINCT actor FROM audit_log WHERE table_name = 'users' AND row_key = $u",
        {"u": users.find_user(store, "akim-75").user_id},
    )["actor"].tolist()
    assert actors == ["cli"]


@pytest.mark.parametrize(
    "args, stdin, message",
    [
        (["add", "x1", "--role", "presenter"], "short\n", "at least 12 characters"),
        (["add", "x1", "--role", "presenter"], "", "no password on standard input"),
        (["add", "presenter", "--role", "presenter"], "long enough pass\n", "is taken"),
        (["add", "x1", "--role", "region_editor"], "long enough pass\n", "needs a region"),
        (["reset", "nobody"], "long enough pass\n", "no account nobody"),
        (["disable", "nobody"], "", "no account nobody"),
        (["map", "presenter"], "", "give --oidc-subject"),
    ],
)
def test_cli_errors_are_one_clear_line(demo_db, monkeypatch, capsys, args, stdin, message):
    code, out, err = run_cli(monkeypatch, capsys, demo_db, *args, stdin=stdin)
    assert code == 1 and message in err.lower() and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_takes_no_password_argument_and_refuses_an_uninitialised_store(tmp_path):
    cmd = [sys.executable, "-m", "creative_dash", "users", "--db", str(tmp_path / "new.duckdb")]
    help_text = subprocess.run([*cmd, "add", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert not re.search(r"(?<![\w-])--password", help_text.stdout)
    assert "standard input" in help_text.stdout
    result = subprocess.run(
        [*cmd, "add", "a1", "--role", "admin"],
        input="long enough pass\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1 and "run python -m creative_dash init" in result.stderr
    assert "Traceback" not in result.stderr


# -- the migration ---------------------------------------------------------------------------------
def test_a_store_at_version_2_migrates_with_its_rows_and_a_gap_in_the_numbers(tmp_path):
    s = Store(str(tmp_path / "v2.duckdb"))
    assert s.migrate(target=2) == [1, 2]
    load_reference_of_version_1(s)
    with s.transaction() as cur:
        cur.execute(
            "INSERT INTO polls VALUES ('abcd12', 'rating', NULL, NULL, 'Q?', '[]', 'open', "
            "now(), now(), NULL, 'presenter')"
        )
        cur.execute(
            "INSERT INTO votes (poll_id, voter_token, answer, voted_at) "
            "VALUES ('abcd12', 'forgedtoken00000Nxx', '4', now())"
        )
    later = [v for v, _n, _s in _migrations() if v > 2]
    assert s.migrate() == later and SCHEMA_VERSION in later
    assert s.schema_version() == SCHEMA_VERSION and s.table_exists("users")
    assert s.scalar("SELECT count(*) FROM votes") == 1  # old votes stay counted
    users.create_user(s, CLI, login="first-admin", role="admin", password="p" * 16)
    assert s.migrate() == []
    migrated = s.query(
        "SELECT actor, row_key FROM audit_log WHERE action = 'migrate' ORDER BY logged_at"
    )
    assert set(migrated["actor"]) == {"system"}
    assert migrated["row_key"].astype(int).tolist() == [v for v, _n, _s in _migrations()]
    s.close()


def test_a_migration_merged_later_with_a_lower_number_is_still_applied(tmp_path, monkeypatch):
    # Two branches add migrations at once; the one with the lower number lands last: stores
    # already past it must still get it.
    from creative_dash.store import core

    # (migration 4 is withheld: 5 rebuilds tables of 1 and 2, so it needs them, not 4)
    real = core._migrations()
    monkeypatch.setattr(core, "_migrations", lambda: [m for m in real if m[0] != 4])
    s = Store(str(tmp_path / "s.duckdb"))
    assert 4 not in s.migrate() and not s.table_exists("users")
    assert s.schema_version() == SCHEMA_VERSION
    monkeypatch.setattr(core, "_migrations", lambda: real)
    assert s.migrate() == [4]
    assert s.table_exists("users") and s.migrate() == []
    s.close()
