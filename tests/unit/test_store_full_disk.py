"""A full disk (issue 15, case 3), for real: a small tmpfs mounted for the test (root only;
skipped, with the reason, where mounting is impossible).

A full disk is a fault of its own (no retries, no "too many votes"), the command line says so
without a traceback, and once space is freed the same process works again: no restart.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from creative_dash.live import LiveError, writes
from creative_dash.store import StoreNoSpace, close_all, core, open_store
from tests.conftest import presenter_id

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """``small_disk("2m")``: a folder on a tmpfs of that size, unmounted after the test."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root")
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    close_all()
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True, check=False)


def fill(folder: Path) -> Path:
    """A file that takes every free byte of the folder's disk."""
    ballast = folder / "ballast"
    chunk = bytes(64 * 1024)
    with ballast.open("wb", buffering=0) as fh:
        while True:
            try:
                fh.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                break
        while chunk:  # the last bytes
            chunk = chunk[: len(chunk) // 2]
            try:
                fh.write(chunk)
            except OSError:
                continue
    assert shutil.disk_usage(folder).free < 4096
    return ballast


def test_init_on_a_full_disk_says_so_without_traceback(small_disk):
    disk = small_disk("256k")
    proc = subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--demo", "--db", str(disk / "x.duckdb")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "Traceback" not in out, out
    assert "No space is left on the disk" in proc.stderr and "Free some disk space" in out


def test_a_full_disk_is_no_conflict_and_freeing_it_is_enough(small_disk, demo_db_template):
    disk = small_disk("32m")
    db = disk / "live.duckdb"
    shutil.copy(demo_db_template, db)
    store = open_store(str(db))
    presenter = presenter_id(store)
    poll = writes.create_poll(store, kind="rating", question={"en": "How useful?"}, actor=presenter)
    writes.open_poll(store, poll, actor=presenter)
    token = writes.issue_voter_token(store, poll)
    store.scalar("CHECKPOINT")  # the log is empty: the next commit must grow it

    # 1. A vote on a full disk: its COMMIT fails; that is a full disk, not a conflict.
    ballast = fill(disk)
    retries = core.conflict_retries
    with pytest.raises(LiveError) as err:
        writes.vote(store, poll, token, "5")
    assert err.value.key == "store"
    assert core.conflict_retries == retries  # not retried
    with pytest.raises(StoreNoSpace):
        store.check()  # the health check says so
    ballast.unlink()
    assert writes.vote(store, poll, token, "5") == "5"  # space again: it works

    # 2. A checkpoint on a full disk fails.
    with store.transaction() as cur:  # rows enough that the checkpoint must grow the file
        cur.execute(
            "INSERT INTO audit_log SELECT md5(i::VARCHAR) || i, now(), 'test', 'x', i::VARCHAR, "
            "'insert', NULL, repeat(md5((i * 7)::VARCHAR), 40) FROM range(3000) t(i)"
        )
    ballast = fill(disk)
    with pytest.raises(StoreNoSpace):
        store.scalar("CHECKPOINT")
    # 3. That left DuckDB refusing every statement ("database has been invalidated") until it
    # is opened again: the next statement of the same process reopens it, and reads work at
    # once, the disk still full (the health check still says it is full).
    assert store.scalar("SELECT count(*) FROM regions") == 20
    assert store.scalar("SELECT count(*) FROM audit_log WHERE actor = 'test'") == 3000
    with pytest.raises(StoreNoSpace):
        store.check()
    # 4. Space is freed: writes work again, without a restart.
    ballast.unlink()
    assert writes.vote(store, poll, token, "4") == "4"
    store.scalar("CHECKPOINT")
    store.check()
    assert store.scalar("SELECT answer FROM votes WHERE poll_id = $p", {"p": poll}) == "4"
