"""A throw-away PostgreSQL server from Debian's packages, for the tests that need one: the
PostgreSQL tests (tests/unit/test_postgres*.py, the replica tests) and the second pass of the
store and page tests on PostgreSQL (CREATIVE_DASH_TEST_BACKEND=postgres, tests/conftest.py).

Run as the postgres user when the tests run as root. Missing PostgreSQL skips the tests, except
in CI (CI set), where that is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import queue
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def _pg_bin() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class PgServer:
    """A throw-away PostgreSQL server: its data folder, port, and how to start and stop it."""

    def __init__(self, bindir: str, root: str, options: str = "") -> None:
        self.bindir, self.root, self.options = bindir, root, options
        self.data = os.path.join(root, "data")
        self.port = _free_port()

    def run(self, *cmd: str) -> None:
        subprocess.run(
            _as_postgres([f"{self.bindir}/{cmd[0]}", *cmd[1:]]), check=True, capture_output=True
        )

    def start(self) -> None:
        # -w: pg_ctl returns when the server accepts connections (waits on state, not on time)
        self.run(
            "pg_ctl",
            "-D",
            self.data,
            "-w",
            "-l",
            os.path.join(self.root, "log"),
            "-o",
            # max_connections: two replicas keep 64 connections each (CREATIVE_DASH_PG_CONNECTIONS)
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300 "
            + self.options,
            "start",
        )

    def stop(self) -> None:
        self.run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def createdb(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); its URL."""
        copy = ["-T", template] if template else []
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), *copy, name)
        return self.url(name)

    def dropdb(self, name: str) -> None:
        """Drop a database, ending whatever connections still use it."""
        self.run("dropdb", "-h", "127.0.0.1", "-p", str(self.port), "--force", name)

    def url(self, name: str, password: str | None = None) -> str:
        # the server trusts local connections: a password in the URL is accepted and ignored
        user = f"postgres:{password}" if password else "postgres"
        return f"postgresql://{user}@127.0.0.1:{self.port}/{name}"


# For a server whose data may be lost with the machine: no waiting on the disk (the store and
# page tests make and drop a database per test).
NO_DURABILITY = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@contextmanager
def throwaway_server(options: str = "") -> Iterator[PgServer]:
    """A fresh server in a temporary folder, stopped and removed afterwards; ``options`` are
    more ``-c name=value`` settings."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed (apt-get install -y postgresql)")
        pytest.skip("PostgreSQL is not installed")
    root = tempfile.mkdtemp(prefix="cd-pg-", dir="/tmp")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = PgServer(bindir, root, options)
    server.run("initdb", "-D", server.data, "-A", "trust", "-U", "postgres")
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


class Copies:
    """Copies of a template database made ahead, in a thread, while the tests run: a test takes
    a ready one (:meth:`take`) and gives it back to be dropped (:meth:`drop`), also in the
    thread. Making a copy takes 0.3-3 s on the test machine; a test then rarely waits for it."""

    AHEAD = 2

    def __init__(self, server: PgServer, template: str) -> None:
        self.server, self.template = server, template
        self._jobs: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._ready: queue.SimpleQueue[str | BaseException] = queue.SimpleQueue()
        self._names = itertools.count()
        self._thread = threading.Thread(target=self._work, name="pg-copies", daemon=True)
        self._thread.start()
        for _ in range(self.AHEAD):
            self._jobs.put(("create", f"{self.template}_{next(self._names)}"))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            kind, name = job
            try:
                if kind == "create":
                    self.server.createdb(name, template=self.template)
                    self._ready.put(name)
                else:
                    self.server.dropdb(name)
            except BaseException as exc:  # noqa: BLE001 - handed to the test that waits
                if kind == "create":
                    self._ready.put(exc)

    def take(self) -> tuple[str, str]:
        """(name, URL) of a fresh copy of the template."""
        self._jobs.put(("create", f"{self.template}_{next(self._names)}"))
        got = self._ready.get(timeout=300)
        if isinstance(got, BaseException):
            raise got
        return got, self.server.url(got)

    def drop(self, name: str) -> None:
        self._jobs.put(("drop", name))

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=300)
