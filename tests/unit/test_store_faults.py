"""Store faults named for what they are (issue 15): a damaged file, an impossible location, an
unreachable PostgreSQL, a connection asked to read the server's files. Each says so on the
command line (exit 2, no traceback, no password) and as its own StoreError subclass.

Full disks: test_store_full_disk.py; the app's messages: tests/app/test_store_faults.py;
PostgreSQL: test_postgres.py; the health check and downloads: tests/e2e/test_store_faults.py.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from creative_dash import settings
from creative_dash.live import LiveError, writes
from creative_dash.settings import redact
from creative_dash.store import (
    Store,
    StoreBadLocation,
    StoreDamaged,
    StoreError,
    StoreUnreachable,
    core,
    store_fault,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "S3cret-pw"


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "creative_dash", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def assert_clean_failure(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    """Exit status 2, the message on stderr, no traceback anywhere."""
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out, out
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens there


# -- damaged files (case 2) -----------------------------------------------------------------------
def _damaged_files(template: Path, folder: Path) -> dict[str, Path]:
    files = {
        "zero-byte": b"",
        "4 KB of zeros": bytes(4096),
        "random header": bytes((i * 7919 + 13) % 256 for i in range(20_000)),
        "text": b"region,initiatives\nKZ-75,12\n" * 50,
    }
    out = {}
    for name, content in files.items():
        path = folder / (name.replace(" ", "_") + ".duckdb")
        path.write_bytes(content)
        out[name] = path
    truncated = folder / "truncated.duckdb"
    shutil.copy(template, truncated)
    os.truncate(truncated, template.stat().st_size // 2)
    out["truncated"] = truncated
    return out


def damage_blocks(path: Path, table: str) -> list[int]:
    """Overwrite part of every storage block that holds ``table``'s rows (the block checksum
    no longer matches); returns the block ids."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        block_size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        blocks = sorted(
            {
                r[0]
                for r in con.execute(
                    "SELECT block_id FROM pragma_storage_info($t) WHERE block_id >= 0",
                    {"t": table},
                ).fetchall()
            }
        )
    finally:
        con.close()
    assert blocks, f"{table} has no blocks on disk"
    header = 3 * 4096  # DuckDB's file header and its two database headers
    with path.open("r+b") as fh:
        for block in blocks:
            fh.seek(header + block * block_size + 512)
            fh.write(bytes(range(256)) * 8)
    return blocks


@pytest.mark.parametrize(
    "kind", ["zero-byte", "4 KB of zeros", "random header", "text", "truncated"]
)
def test_a_file_that_is_no_database_is_damaged_not_busy(demo_db_template, tmp_path, kind):
    path = _damaged_files(demo_db_template, tmp_path)[kind]
    with pytest.raises(StoreDamaged) as err:
        Store(str(path))
    assert err.value.message_key == "store.damaged"
    assert "damaged" in str(err.value) and "Restore it from a backup" in str(err.value)
    assert "in use" not in str(err.value)


def test_cli_on_a_damaged_file_says_so_without_traceback(demo_db_template, tmp_path):
    path = _damaged_files(demo_db_template, tmp_path)["random header"]
    proc = run_cli("init", "--db", str(path))
    assert_clean_failure(proc, "is damaged", "Restore it from a backup")


def test_damaged_rows_in_the_middle_of_the_file_are_damage(demo_db_template, tmp_path):
    path = tmp_path / "middle.duckdb"
    shutil.copy(demo_db_template, path)
    damage_blocks(path, "initiative_sectors")
    store = Store(str(path))
    try:
        assert store.scalar("SELECT count(*) FROM regions") == 20  # the rest still reads
        store.check()  # nothing seen yet
        with pytest.raises(StoreDamaged, match="checksum"):
            store.query("SELECT * FROM initiative_sectors")
        with pytest.raises(StoreDamaged):  # the health check keeps what a read ran into
            store.check()
    finally:
        store.close()


# -- impossible locations (case 9) ----------------------------------------------------------------
def test_bad_store_paths_give_a_message_not_a_traceback(tmp_path):
    a_file = tmp_path / "hostname"
    a_file.write_text("host\n")
    for db in (a_file / "x.duckdb", Path("/proc/1/no-such-folder/y.duckdb")):
        proc = run_cli("init", "--db", str(db))
        assert_clean_failure(proc, "cannot be used", "Set CREATIVE_DASH_DB")
        with pytest.raises(StoreBadLocation):
            Store(str(db))


# -- only what the app needs (case 5) -------------------------------------------------------------
OUTSIDE = {
    "read_text": "SELECT * FROM read_text('/etc/hostname')",
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "copy_to": "COPY (SELECT 1 AS x) TO '{tmp}/x.csv'",
    "attach": "ATTACH '{tmp}/other.duckdb' AS other",
    "unlock": "SET lock_configuration = false",
}


@pytest.mark.parametrize("name", sorted(OUTSIDE))
def test_the_app_connection_cannot_reach_the_servers_files(demo_store, tmp_path, name):
    sql = OUTSIDE[name].format(tmp=tmp_path)
    cur = demo_store.cursor()  # what Store.query runs the statement on
    try:
        with pytest.raises(duckdb.Error) as err:
            cur.execute(sql)
    finally:
        cur.close()
    assert store_fault(err.value) is None  # our lock-down, not a fault of the store
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "other.duckdb").exists()
    assert demo_store.scalar("SELECT count(*) FROM regions") == 20  # the store still works


def test_query_cannot_read_a_file_of_the_server(demo_store):
    with pytest.raises(duckdb.PermissionException):
        demo_store.query("SELECT content FROM read_text('/etc/hostname')")


def test_every_cursor_is_locked_down(demo_store):
    cur = demo_store.cursor()
    try:
        settings_ = dict(
            cur.execute(
                "SELECT name, value FROM duckdb_settings() "
                "WHERE name IN ('enable_external_access', 'lock_configuration')"
            ).fetchall()
        )
    finally:
        cur.close()
    assert settings_ == {"enable_external_access": "false", "lock_configuration": "true"}


# -- passwords (case 7) ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            f"postgresql://postgres:{SECRET}@db.example.kz:5432/creative",
            "postgresql://postgres:***@db.example.kz:5432/creative",
        ),
        (
            f'Unable to connect to Postgres at "postgres://u:{SECRET}@10.0.0.1/x": refused',
            'Unable to connect to Postgres at "postgres://u:***@10.0.0.1/x": refused',
        ),
        (f"postgresql://u:p@{SECRET}@h/db", "postgresql://u:***@h/db"),
        (f"host=h password={SECRET} dbname=x", "host=h password=*** dbname=x"),
        (
            f"postgresql://h/db?password={SECRET}&sslmode=require",
            "postgresql://h/db?password=***&sslmode=require",
        ),
        ("postgresql://postgres@h:5432/db", "postgresql://postgres@h:5432/db"),
        ("/srv/data/creative_dash.duckdb", "/srv/data/creative_dash.duckdb"),
    ],
)
def test_redact(text, shown):
    assert redact(text) == shown


def test_log_lines_and_tracebacks_are_redacted():
    url = f"postgresql://postgres:{SECRET}@db:5432/x"
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(settings.RedactingFilter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    try:
        logger.error("cannot open %s", url)
        try:
            raise RuntimeError(f"Unable to connect to Postgres at {url}")
        except RuntimeError:
            logger.exception("page failed")
    finally:
        logger.removeHandler(handler)
    text = "\n".join(records)
    assert "postgres:***@db" in text and "Traceback" in text
    assert SECRET not in text


def test_redact_logs_filters_the_root_handlers():
    root = logging.getLogger()
    handler = logging.StreamHandler()
    root.addHandler(handler)
    try:
        settings.redact_logs()
        settings.redact_logs()  # once per handler
        assert sum(isinstance(f, settings.RedactingFilter) for f in handler.filters) == 1
    finally:
        root.removeHandler(handler)


def test_cli_init_with_a_password_to_an_unreachable_server_prints_no_password():
    url = f"postgresql://postgres:{SECRET}@127.0.0.1:{closed_port()}/creative"
    proc = run_cli("init", "--db", url)
    assert_clean_failure(proc, "cannot be reached", "postgresql://postgres:***@127.0.0.1")
    assert SECRET not in proc.stdout + proc.stderr
    with pytest.raises(StoreUnreachable) as err:
        Store(url)
    assert SECRET not in str(err.value) and err.value.__cause__ is None
    assert err.value.__suppress_context__  # the raw error, with the password, is not chained


def test_the_url_comes_from_the_secrets_file_and_the_environment_wins(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    url = f"postgresql://creative:{SECRET}@db.example.kz:5432/creative_dash"
    secrets.write_text(f'[postgres]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.setattr(settings, "secrets_files", lambda: [tmp_path / "none.toml", secrets])
    monkeypatch.delenv("CREATIVE_DASH_DB", raising=False)
    assert settings.db_location() == url
    monkeypatch.setenv("CREATIVE_DASH_DB", str(tmp_path / "x.duckdb"))
    assert settings.db_location() == str(tmp_path / "x.duckdb")
    monkeypatch.delenv("CREATIVE_DASH_DB")
    secrets.write_text("[other]\nx = 1\n", encoding="utf-8")
    assert settings.db_location() == settings.get("CREATIVE_DASH_DB")  # the default file


def test_cli_reads_the_url_from_the_secrets_file_and_prints_no_password(tmp_path):
    """As the README says: the URL with its password in .streamlit/secrets.toml, nowhere else."""
    (tmp_path / ".streamlit").mkdir()
    url = f"postgresql://postgres:{SECRET}@127.0.0.1:{closed_port()}/creative"
    (tmp_path / ".streamlit" / "secrets.toml").write_text(
        f'[postgres]\nurl = "{url}"\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "CREATIVE_DASH_DB"}
    proc = subprocess.run(
        [sys.executable, "-m", "creative_dash", "init"],
        cwd=tmp_path,  # the working directory's secrets, as streamlit run reads them
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )
    assert_clean_failure(proc, "postgresql://postgres:***@127.0.0.1")
    assert SECRET not in proc.stdout + proc.stderr


# -- writes: a fault is no conflict; retries are bounded in time (case 3) --------------------------
def test_a_store_fault_in_a_write_is_not_retried(demo_store):
    retries = core.conflict_retries
    calls = []

    def write():
        calls.append(1)
        raise StoreDamaged.at("/srv/x.duckdb", "checksum mismatch")

    with pytest.raises(LiveError) as err:
        writes._with_retry(demo_store, write)
    assert err.value.key == "store" and len(calls) == 1
    assert core.conflict_retries == retries


def test_conflicts_are_retried_for_a_bounded_time(demo_store):
    calls = []

    def write():
        calls.append(1)
        raise duckdb.TransactionException("TransactionContext Error: Conflict on update!")

    with pytest.raises(LiveError) as err:
        writes._with_retry(demo_store, write, attempts=10**9, seconds=0.2)
    assert err.value.key == "busy"
    assert 1 < len(calls) < 10**9


def test_a_failed_commit_reports_its_own_error(demo_store, monkeypatch):
    """Not "no transaction is active" from the ROLLBACK after it (which read as a conflict)."""
    plain = demo_store.cursor

    class FailingCommit:
        def __init__(self):
            self._cur = plain()

        def execute(self, sql, *args):
            if sql == "COMMIT":
                self._cur.execute("ROLLBACK")  # as a failed COMMIT leaves it: no transaction
                raise duckdb.IOException('Could not write file "x.wal": No space left on device')
            return self._cur.execute(sql, *args)

        def close(self):
            self._cur.close()

    monkeypatch.setattr(demo_store, "cursor", FailingCommit)
    with pytest.raises(StoreError) as err:
        with demo_store.transaction() as cur:
            cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
    assert err.value.message_key == "store.no_space"


# -- two inits at once (case 4, DuckDB; PostgreSQL in test_postgres.py) ---------------------------
def _init(db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "creative_dash", "init", "--demo", "--db", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_inits_of_one_file_at_once_both_succeed(tmp_path):
    db = tmp_path / "twice.duckdb"
    procs = [_init(db), _init(db)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
        assert "Traceback" not in out + err
    store = Store(str(db))
    try:
        assert store.scalar("SELECT count(*) FROM initiatives") == 1500
    finally:
        store.close()


def test_an_init_waits_for_the_init_running_on_the_same_file(tmp_path):
    """The first init holds its lock (here: this test, as a first init would); the second says
    it waits, and goes on when the first is done."""
    import fcntl

    db = tmp_path / "wait.duckdb"
    fd = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    proc = _init(db)
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # wait on what init says, not on time
            seen.append(line)
            if "waiting for another init" in line:
                break
        assert any("waiting for another init" in line for line in seen), seen
        assert proc.poll() is None and not db.exists()  # waiting, nothing done yet
    finally:
        os.close(fd)  # the first init is done
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    assert "demo data: hubs" in out


def test_an_init_while_the_dashboard_has_the_file_still_fails_at_once(demo_db):
    holder = Store(str(demo_db))  # as the running dashboard holds it
    try:
        proc = run_cli("init", "--db", str(demo_db), "--wait", "600")
    finally:
        holder.close()
    assert_clean_failure(proc, "is in use by process", "Stop that process")
    assert "waiting" not in proc.stdout
