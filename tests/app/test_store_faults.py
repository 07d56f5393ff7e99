"""What users see when the store fails (issue 15): the fault named truthfully, in their
language, and never a password in the log. (Before, every fault read "in use by another
process", and the log of a failed page held the PostgreSQL URL with its password.)"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from creative_dash.i18n import LANGS, t
from creative_dash.navigation import DEFAULT_PAGE
from creative_dash.store import MESSAGE_KEYS
from tests.app.apptest import open_page

SECRET = "S3cret-pw"


def shown(at) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def only_message(at, lang: str, key: str) -> None:
    errors = shown(at)
    assert t(lang, key) in errors, errors
    for other in ("app.error", *MESSAGE_KEYS):
        if other != key:
            assert t(lang, other) not in errors, (other, errors)


@pytest.mark.parametrize("lang", LANGS)
def test_a_damaged_store_says_damaged_not_busy(tmp_path, monkeypatch, lang):
    db = tmp_path / "damaged.duckdb"
    db.write_bytes(b"region,initiatives\nKZ-75,12\n" * 50)
    monkeypatch.setenv("CREATIVE_DASH_DB", str(db))
    only_message(open_page(DEFAULT_PAGE, lang), lang, "store.damaged")


def test_an_unreachable_database_says_so_and_logs_no_password(monkeypatch, caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CREATIVE_DASH_DB", f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/x")
    caplog.set_level(logging.INFO)
    at = open_page(DEFAULT_PAGE, "ru")
    only_message(at, "ru", "store.unreachable")
    logged = caplog.text + "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "postgres:***@127.0.0.1" in logged  # the fault is logged, redacted
    assert SECRET not in logged


def test_a_store_that_cannot_be_a_file_says_the_location_is_wrong(tmp_path, monkeypatch):
    blocker = tmp_path / "hostname"
    blocker.write_text("x\n")
    monkeypatch.setenv("CREATIVE_DASH_DB", str(blocker / "x.duckdb"))
    only_message(open_page(DEFAULT_PAGE, "kk"), "kk", "store.bad_location")


@pytest.mark.duckdb_file_only("another process holding the DuckDB file's one write lock")
def test_a_store_another_process_holds_says_busy(demo_db):
    code = (
        "import sys, duckdb; c = duckdb.connect(sys.argv[1]); "
        "print('ready', flush=True); sys.stdin.readline()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(demo_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        only_message(open_page(DEFAULT_PAGE, "en"), "en", "store.busy")
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(timeout=30)


@pytest.mark.duckdb_file_only("a damaged DuckDB file replaced by its backup's bytes")
def test_the_page_works_again_once_the_store_is_repaired(demo_db_template, tmp_path, monkeypatch):
    """No restart: the failed open is not cached, the next rerun opens the repaired store."""
    db = tmp_path / "later.duckdb"
    db.write_bytes(bytes(4096))
    monkeypatch.setenv("CREATIVE_DASH_DB", str(db))
    at = open_page(DEFAULT_PAGE, "en")
    only_message(at, "en", "store.damaged")
    Path(db).write_bytes(demo_db_template.read_bytes())  # restored from a backup
    at.run()
    errors = shown(at)
    assert not any(t("en", k) in errors for k in ("app.error", *MESSAGE_KEYS)), errors
