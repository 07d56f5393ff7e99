"""An import on replica A while replica B reads the dashboards (issue 17): B sees the old data or
the new, never a mix, because an import is one transaction (rows, their audit rows, the import's
log row and the data version together).

Replica A is its own process (the importer as the import page and the command line run it) on a
real throw-away PostgreSQL from Debian's packages; replica B is a :class:`Store` in this process.
The import is held halfway (its transaction open, half its rows written) while B reads; B also
reads without pause from before the import starts until after it ends, as runs of a page do:
each run reads the versions once and pins its reads to them (``Store.read_pin``), so all the
statements of one run read one copy of the analytic tables, old or new, whenever the import
commits.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from creative_dash import queries
from creative_dash.i18n import Translator
from creative_dash.imports.spec import TABLES
from creative_dash.store import Store
from creative_dash.store.bootstrap import ensure_store
from tests.unit.test_postgres import PgServer, pg_server  # noqa: F401 - the server fixture

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
ROWS = 1200  # new initiatives in the file, in every region

# Replica A: the importer, as the import page calls it, held halfway until the test says go.
IMPORT_ON_A = """
import sys
from creative_dash.access import CLI
from creative_dash.store import Store, importer

store = Store(sys.argv[1])
data = open(sys.argv[2], "rb").read()
parsed = importer.read_file(store, "initiatives", data, "big.csv", "ru")
assert parsed.ok, parsed.problems[:3]

def progress(done, total):
    if done == total // 2:
        print("midway", flush=True)
        sys.stdin.readline()  # held here, its transaction open, until the test goes on

applied = importer.apply(store, CLI, parsed, data=data, progress=progress)
print("finished", applied.counts["new"], flush=True)
store.close()
"""

# One statement: the rows the dashboards count and sum, and a checksum of their text (read from
# B's local copy of the analytic tables, creative_dash/store/local_copy.py)...
CONSISTENT_SET = """
SELECT (SELECT count(*) FROM initiatives) AS initiatives,
       (SELECT coalesce(sum(jobs_created), 0) FROM initiatives) AS jobs,
       (SELECT coalesce(sum(budget_planned_kzt), 0) FROM initiatives) AS planned,
       (SELECT coalesce(sum(hash(initiative_id, title, region_iso)), 0) FROM initiatives) AS sum
"""
# ...and the import log and the audit log, which the import writes in the same transaction, read
# by PostgreSQL itself in one statement (one snapshot). Through B's store the two would be read at
# two moments: ``imports`` is in the copy (the data topic: the imported rows' ``import_id`` point
# at it), pinned to the run's versions, while ``audit_log`` is read live, so a run that read its
# versions just before the commit would count the old imports and the new audit rows.
LOGS = (
    "SELECT * FROM postgres_query('store', 'SELECT (SELECT count(*) FROM imports) AS imports, "
    "(SELECT count(*) FROM audit_log) AS audit')"
)
# What the overview and initiatives pages draw from (each query one statement).
DASHBOARD = ("initiatives_summary", "initiatives_by_region", "overview_kpis")


def read(store: Store) -> tuple:
    """What replica B's dashboards show: the consistent set (one statement), then each
    dashboard query's frame (each one statement), as comparable values."""
    row = store.query(CONSISTENT_SET).iloc[0]
    logs = store.query(LOGS).iloc[0]
    shown = tuple(queries.run(store, name).to_csv(index=False) for name in DASHBOARD)
    return (tuple(int(v) for v in row), tuple(int(v) for v in logs), *shown)


def mixes(reads: list[tuple], before: tuple, after: tuple) -> list[tuple]:
    """The statements of the reads that saw neither the store before the import nor after it.
    (Each statement is one snapshot; a page's several queries are several statements, so a
    rerun at the very moment of the commit may draw one chart old and the next new.)"""
    return [
        part
        for r in reads
        for part, old, new in zip(r, before, after, strict=True)
        if part not in (old, new)
    ]


def import_file(path: Path) -> None:
    t = Translator("ru")
    spec = TABLES["initiatives"]
    regions = ["KZ-10", "KZ-11", "KZ-75", "KZ-79", "KZ-31"]
    lines = [",".join(t(f"imports.col.{n}") for n in spec.names)]
    for i in range(ROWS):
        region = regions[i % len(regions)]
        lines.append(
            f",Бастама {i},{region},music,in_progress,2026-03-01,,{1000 + i},0,local,{i % 7},2,3"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def store_url(pg_server: PgServer) -> str:  # noqa: F811
    url = pg_server.createdb("import_replicas")
    s = Store(url)
    ensure_store(s, with_demo=True)
    s.close()
    return url


@pytest.fixture
def replica_b(store_url: str) -> Iterator[Store]:
    b = Store(store_url)
    yield b
    b.close()


def test_an_import_on_a_shows_on_b_all_at_once(store_url, replica_b, tmp_path):
    b = replica_b
    path = tmp_path / "big.csv"
    import_file(path)
    before = read(b)
    versions = b.versions()

    # B's dashboards are read again and again, from before the import starts until it ended,
    # each read as a page's run: the versions read once, every statement pinned to them.
    reads: list[tuple] = []
    stop = threading.Event()
    run = threading.local()
    b.read_pin = lambda: getattr(run, "versions", None)  # the test's own thread: unpinned

    def reader() -> None:
        while not stop.is_set():
            run.versions = b.versions()
            reads.append(read(b))

    proc = subprocess.Popen(
        [sys.executable, "-c", IMPORT_ON_A, store_url, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        assert proc.stdout is not None and proc.stdin is not None
        line = proc.stdout.readline().strip()
        assert line == "midway", line + proc.communicate(timeout=60)[1]
        # Half the rows are written in A's open transaction: B sees none of them.
        held = [read(b) for _ in range(3)]
        assert held == [before] * 3
        assert b.versions() == versions
        proc.stdin.write("\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert out.split() == ["finished", str(ROWS)]
    finally:
        stop.set()
        watcher.join(timeout=120)
        if proc.poll() is None:
            proc.kill()
    after = read(b)
    (n0, *_rest0), (n1, *_rest1) = before[0], after[0]
    (imports0, audit0), (imports1, audit1) = before[1], after[1]
    assert n1 == n0 + ROWS and imports1 == imports0 + 1
    assert audit1 >= audit0 + ROWS  # an audit row per imported row
    assert all(a != b_ for a, b_ in zip(after, before, strict=True))
    assert b.versions().total > versions.total  # B's caches refresh at its next rerun
    # every statement saw the store before the import or after it, never a part of it
    mixed = mixes(reads, before, after)
    assert mixed == [], f"{len(mixed)} statements of {len(reads)} reads saw a mix: {mixed[:2]}"
    assert before in reads and len(reads) >= 3
    # and every run read the analytic tables of one moment: all old, or all new (the logs are
    # read live from PostgreSQL, outside the copy, and may be newer than the run's versions)
    copied = [0, *range(2, len(before))]
    halves = [r for r in reads if {r[i] == before[i] for i in copied} != {True}]
    halves = [r for r in halves if {r[i] == after[i] for i in copied} != {True}]
    assert halves == [], f"{len(halves)} runs of {len(reads)} read old and new tables"
    print(f"{len(reads)} reads on B during the import, {reads.count(before)} before it")
