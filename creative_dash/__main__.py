"""Command line.

- ``python -m creative_dash init [--db PATH] [--demo] [--scale N] [--wait S]``: create or migrate
  the store; a second init of the same store waits for the first;
- ``python -m creative_dash users add|reset|disable|enable|role|map|list ...``: local pilot
  accounts. These commands act as the system actor ``cli`` with admin rights (whoever may run
  commands on the server may change accounts); every change leaves an audit row naming ``cli``.
  Passwords are read from standard input (one line) or, at a terminal, prompted for twice;
  never from the command line, where other users of the machine could see them.
- ``python -m creative_dash import TABLE FILE [--dry-run] [--as LOGIN] [--lang kk|ru|en]
  [--problems OUT.xlsx]``: import a CSV or XLSX file (initiatives, hubs, recommendations,
  indicators, population) with the same validation and messages as the import page; every
  problem is printed (row, column, value, rule) and the exit status is 1 when there is any,
  nothing written. Acts as the account LOGIN (its role and region, as the page would) or, without
  ``--as``, as the system actor ``cli`` with admin rights.

A fault of the store ends a command with its message (what happened, what to do) and exit
status 2, never with a traceback; no password is ever printed (``settings.redact``).
"""

from __future__ import annotations

import argparse
import fcntl
import getpass
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from creative_dash import export, settings
from creative_dash.access import CLI, ROLES, AccessDenied
from creative_dash.i18n import LANGS, Translator
from creative_dash.imports import Problem
from creative_dash.imports.spec import TABLES
from creative_dash.imports.validate import column_label
from creative_dash.settings import redact
from creative_dash.store import (
    SCHEMA_VERSION,
    Store,
    StoreLocked,
    importer,
    open_store,
    store_fault,
    users,
)
from creative_dash.store.bootstrap import ensure_store
from creative_dash.store.core import INIT_POLL_S, forget
from creative_dash.store.gateway import ActorRef

WAIT_S = 600.0

PASSWORD_NOTE = (
    "The password is read from standard input (one line), or prompted for twice at a terminal; "
    "never from the command line."
)


class CommandError(Exception):
    """An error the command reports in one line (exit status 1)."""


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        default=None,
        help="store location (default: $CREATIVE_DASH_DB, else the [postgres] url of "
        ".streamlit/secrets.toml, else data/local/creative_dash.duckdb)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m creative_dash")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or migrate the store and load reference data")
    _db_option(init)
    init.add_argument("--demo", action="store_true", help="also load deterministic demo data")
    init.add_argument(
        "--scale",
        type=int,
        default=1,
        help="multiply the demo initiatives (1000 gives 1.5 million rows)",
    )
    init.add_argument(
        "--wait",
        type=float,
        default=WAIT_S,
        help=f"seconds to wait for another init of the same store to finish (default {WAIT_S:.0f})",
    )

    users = sub.add_parser(
        "users",
        help="local pilot accounts (acts as the system actor 'cli', with admin rights)",
        description=PASSWORD_NOTE,
    )
    _db_option(users)
    act = users.add_subparsers(dest="action", required=True)
    add = act.add_parser(
        "add",
        help="create an account (password from stdin or a prompt)",
        description=PASSWORD_NOTE,
    )
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--region", help="ISO 3166-2:KZ code, required for region_editor (KZ-10)")
    add.add_argument("--name", help="display name (default: the login)")
    add.add_argument("--email", help="e-mail the identity provider reports, if any")
    add.add_argument("--oidc-subject", help="the identity provider's subject, if known")
    add.add_argument(
        "--no-password",
        action="store_true",
        help="no local password: signs in only through the identity provider",
    )
    reset = act.add_parser(
        "reset", help="set a new password (stdin or a prompt)", description=PASSWORD_NOTE
    )
    reset.add_argument("login")
    for name, text in (("disable", "disable an account"), ("enable", "enable it again")):
        act.add_parser(name, help=text).add_argument("login")
    role = act.add_parser("role", help="change an account's role and region")
    role.add_argument("login")
    role.add_argument("--role", required=True, choices=ROLES)
    role.add_argument("--region", help="ISO 3166-2:KZ code, required for region_editor")
    ident = act.add_parser("map", help="map an identity provider's subject / e-mail")
    ident.add_argument("login")
    ident.add_argument("--oidc-subject", help="the provider's subject ('' clears)")
    ident.add_argument("--email", help="the e-mail ('' clears)")
    act.add_parser("list", help="list the accounts")

    imp = sub.add_parser(
        "import",
        help="import a CSV or XLSX file into a table (all problems listed, nothing written "
        "unless the whole file is valid)",
    )
    _db_option(imp)
    imp.add_argument("table", choices=tuple(TABLES))
    imp.add_argument("file", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="check and preview, write nothing")
    imp.add_argument(
        "--as",
        dest="as_login",
        metavar="LOGIN",
        help="act as this account (its role and region); default: the system actor 'cli'",
    )
    imp.add_argument("--lang", choices=LANGS, default="en", help="language of the messages")
    imp.add_argument(
        "--problems", type=Path, help="also write the problems to this file (.xlsx or .csv)"
    )
    return parser


def _read_password() -> str:
    if sys.stdin is None:
        raise CommandError("no password on standard input")
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise CommandError("the two passwords differ")
        return first
    line = sys.stdin.readline()
    if not line:
        raise CommandError("no password on standard input")
    return line.rstrip("\r\n")


def _users_store(location: str) -> Store:
    store = open_store(location)
    if store.schema_version() < SCHEMA_VERSION:
        raise CommandError(
            f"the store {redact(location)} is not initialised or older than this version: "
            "run python -m creative_dash init first"
        )
    return store


def _describe(user: users.User) -> str:
    region = f" {user.region_iso}" if user.region_iso else ""
    flags = [
        "disabled" if user.disabled else "active",
        "password" if user.has_password else "no password",
    ]
    if user.oidc_subject:
        flags.append(f"subject {user.oidc_subject}")
    if user.email:
        flags.append(user.email)
    return f"{user.login}\t{user.role}{region}\t{user.display_name}\t{user.user_id}\t{', '.join(flags)}"


def _users(args: argparse.Namespace) -> int:
    store = _users_store(args.db or settings.db_location())
    try:
        if args.action == "list":
            rows = users.list_users(store)
            print("login\trole region\tname\tuser id\tstate")
            for user in rows:
                print(_describe(user))
            print(f"{len(rows)} account(s)")
            return 0
        if args.action == "add":
            password = None if args.no_password else _read_password()
            user = users.create_user(
                store,
                CLI,
                login=args.login,
                role=args.role,
                region=args.region,
                display_name=args.name,
                password=password,
                email=args.email,
                oidc_subject=args.oidc_subject,
            )
            print(f"added: {_describe(user)}")
        elif args.action == "reset":
            if users.find_user(store, args.login) is None:
                raise users.UserError("no_such_user", login=args.login)
            user = users.reset_password(store, CLI, args.login, _read_password())
            print(f"password reset: {user.login}")
        elif args.action == "disable":
            user = users.disable_user(store, CLI, args.login)
            print(f"disabled: {user.login} (its sessions can no longer write)")
        elif args.action == "enable":
            user = users.enable_user(store, CLI, args.login)
            print(f"enabled: {user.login}")
        elif args.action == "role":
            user = users.set_role(store, CLI, args.login, args.role, args.region)
            print(f"role changed: {_describe(user)}")
        elif args.action == "map":
            changes = {}
            if args.oidc_subject is not None:
                changes["oidc_subject"] = args.oidc_subject
            if args.email is not None:
                changes["email"] = args.email
            if not changes:
                raise CommandError("give --oidc-subject and/or --email")
            user = users.set_identity(store, CLI, args.login, **changes)
            print(f"mapped: {_describe(user)}")
    except users.UserError as exc:
        raise CommandError(exc.message(Translator("en"))) from None
    except AccessDenied as exc:  # pragma: no cover - the cli actor has admin rights
        raise CommandError(exc.message(Translator("en"))) from None
    return 0


def _import(args: argparse.Namespace) -> int:
    location = args.db or settings.db_location()
    try:
        return _import_into(_users_store(location), args)
    finally:
        forget(location)  # closed: the next command (or a test) may open the file


def _import_into(store: Store, args: argparse.Namespace) -> int:
    t = Translator(args.lang)
    actor: ActorRef = CLI
    if args.as_login:
        user = users.find_user(store, args.as_login)
        if user is None:
            raise CommandError(f"no account with the login {args.as_login!r}")
        actor = user.user_id
    try:
        # streamed: a huge CSV stops at the row limit, never read whole into memory
        with open(args.file, "rb") as stream:
            parsed = importer.read_file(store, args.table, stream, args.file.name, args.lang)
            stream.seek(0)
            sha, size = importer.stream_sha256(stream)
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    plan = importer.plan(store, actor, parsed, args.lang)
    counts = plan.counts()
    summary = ", ".join(f"{t(f'imports.preview_{k}')}: {n}" for k, n in counts.items())
    if not plan.ok:
        problems = plan.all_problems()
        print(t("imports.problems_title", count=len(problems) + parsed.more), file=sys.stderr)
        for problem in problems:
            print(_problem_line(t, problem), file=sys.stderr)
        if parsed.more:
            print(t("imports.problems_more", count=parsed.more), file=sys.stderr)
        if args.problems:
            frame = plan.problems_frame(t)
            is_csv = args.problems.suffix.lower() == ".csv"
            out = export.to_csv_bytes(frame) if is_csv else export.to_xlsx_bytes(frame)
            args.problems.write_bytes(out)
        return 1
    print(summary)
    if args.dry_run:
        return 0
    try:
        done = importer.apply(store, actor, parsed, file_bytes=size, file_sha=sha, expect=counts)
    except AccessDenied as exc:
        raise CommandError(exc.message(t)) from None
    except (importer.ImportStale, importer.ImportRefused):
        raise CommandError(t("imports.stale")) from None
    store.checkpoint()
    c = done.counts
    if c["new"] or c["updated"]:
        print(t("imports.applied", new=c["new"], updated=c["updated"], unchanged=c["unchanged"]))
    else:
        print(t("imports.nothing_to_change"))
    return 0


def _problem_line(t: Translator, problem: Problem) -> str:
    where = []
    if problem.row is not None:
        where.append(f"{t('imports.problems.row')} {problem.row}")
    if problem.column:
        where.append(f"{t('imports.problems.column')} «{column_label(t, problem.column)}»")
    if problem.value:
        where.append(f"{t('imports.problems.value')} «{problem.value}»")
    prefix = ", ".join(where)
    return f"{prefix}: {problem.message(t)}" if prefix else problem.message(t)


def say(message: str) -> None:
    print(redact(message), flush=True)  # flushed: a waiting init says so at once


@contextmanager
def duckdb_init_lock(location: str, wait: float, say: Callable[[str], None]) -> Iterator[None]:
    """Make a second ``init`` of a DuckDB file wait for the first one instead of failing on the
    file's lock: an exclusive lock on the file's folder, held from before the store is opened
    until after it is closed. (The running dashboard does not take it: an init while the
    dashboard has the file still fails at once, saying which process has it.)"""
    if location.startswith(("postgresql://", "postgres://")):
        yield  # ensure_store takes an advisory lock on PostgreSQL
        return
    folder = Path(location).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield  # opening the store reports what is wrong with the location
        return
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreLocked(
                        f"An init of a store in {folder} has been running in another process "
                        f"for over {wait:.0f} s. Wait for it to finish and run the command "
                        "again."
                    ) from None
                if not told:
                    say("waiting for another init of this store to finish")
                    told = True
                time.sleep(INIT_POLL_S)
        yield
    finally:
        os.close(fd)  # releases the lock


def init(location: str, *, demo: bool, scale: int, wait: float) -> None:
    with duckdb_init_lock(location, wait, say):
        try:
            store = open_store(location)
            say(f"store: {store.where}")
            ensure_store(store, with_demo=demo, scale=scale, say=say, wait=wait)
            store.checkpoint()  # a full disk is reported now, not found at the next start
        finally:
            forget(location)  # closed before the next init may have the file


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    location = args.db or settings.db_location()
    try:
        if args.command == "init":
            if args.scale < 1:
                parser.error("--scale must be 1 or more")
            init(location, demo=args.demo, scale=args.scale, wait=max(args.wait, 0.0))
        elif args.command == "users":
            return _users(args)
        elif args.command == "import":
            return _import(args)
    except CommandError as exc:
        print(f"error: {redact(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        fault = store_fault(exc, location)
        if fault is None:  # a bug: its traceback, without passwords
            print(redact(traceback.format_exc()), file=sys.stderr, end="")
            return 1
        print(f"error: {fault}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
