"""PostgreSQL at 1.5 M initiatives (issue 17): the pages' named queries on a shared PostgreSQL
(attached through DuckDB's postgres extension) against the same store as a DuckDB file.

    python -m bench.pg [--scale 1000] [--reps 5] [--dir DIR] [--out bench/results.md]

Starts a throw-away PostgreSQL from Debian's packages on a free local port (as
``tests/unit/test_postgres.py`` does), builds the store on it and as a DuckDB file with
``python -m creative_dash init --db ... --demo --scale N`` (timed), then times each named query
the pages run, with the default filters and with one filtered variant (a region and a year
span), on both backends, alternating (DuckDB, PostgreSQL, DuckDB, ...), median of ``--reps``
runs; then every dashboard page's whole script run on each backend (Streamlit's AppTest). Writes the section
"PostgreSQL at 1.5 M initiatives" of ``bench/results.md`` (between its HTML comment markers;
the rest of the file is left as it is).

``--dir DIR`` keeps the server's data folder and the DuckDB file in DIR and reuses them on the
next run (the builds' times are kept in DIR/built.json): a 1.5 M-row build takes minutes.
Without it, everything is built in a temporary folder and removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench import sections

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECTION_START, SECTION_END = sections.markers("postgresql at scale", "bench.pg")
DB_NAME = "creative"
PG_CONF = "\nshared_buffers = 1GB\nwork_mem = 64MB\n"


# -- the server and the stores -----------------------------------------------------------------
@contextmanager
def pg_server(root: Path) -> Iterator[Any]:
    """A PostgreSQL server of Debian's packages with its data folder in ``root`` (created on
    first use, reused after), started on a free port and stopped at the end."""
    from tests.pg import PgServer, _pg_bin

    bindir = _pg_bin()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed (apt-get install -y postgresql)")
    root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    server = PgServer(bindir, str(root))
    if not (root / "data" / "PG_VERSION").exists():
        server.run("initdb", "-D", server.data, "-A", "trust", "-U", "postgres")
        # A server given memory for the 1.5 M rows to stay cached, as a deployment would be
        # (Debian's default is 128MB); recorded in the results.
        with open(os.path.join(server.data, "postgresql.conf"), "a", encoding="utf-8") as f:
            f.write(PG_CONF)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def build(location: str, scale: int) -> float:
    """``python -m creative_dash init --db LOCATION --demo --scale N``; its seconds."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--db", location, "--demo"]
        + ["--scale", str(scale)],
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - t0


def ensure_stores(server: Any, work: Path, scale: int) -> tuple[str, str, dict[str, float]]:
    """The PostgreSQL URL and the DuckDB file of the store at ``scale``, built unless ``work``
    has them already (built.json records what was built and how long it took)."""
    record = work / "built.json"
    built: dict[str, Any] = json.loads(record.read_text()) if record.exists() else {}
    duck = str(work / "store.duckdb")
    if built.get("scale") != scale:
        built = {"scale": scale}
        server.run("dropdb", "--if-exists", "-h", "127.0.0.1", "-p", str(server.port), DB_NAME)
        Path(duck).unlink(missing_ok=True)
    url = server.url(DB_NAME)
    if "postgres_s" not in built:
        server.createdb(DB_NAME)
        built["postgres_s"] = build(url, scale)
        record.write_text(json.dumps(built))
    if "duckdb_s" not in built:
        built["duckdb_s"] = build(duck, scale)
        record.write_text(json.dumps(built))
    return url, duck, {k: v for k, v in built.items() if k.endswith("_s")}


# -- what is timed ------------------------------------------------------------------------------
FILTERED_REGION = "KZ-71"  # Astana, the region page of bench/targets.py
FILTERED_YEARS = (2022, 2024)
# The pages whose whole script run is timed (AppTest), with their address's parameters: the
# dashboards that read the analytic tables. (Live, vote, about, sign-in and admin pages read
# rows one by one: live data, accounts and the audit log, never copied.)
PAGES: tuple[tuple[str, dict[str, str]], ...] = (
    ("overview", {}),
    ("region", {"region": FILTERED_REGION}),
    ("initiatives", {}),
    ("hubs", {}),
    ("programme", {}),
)


@dataclass(frozen=True)
class Call:
    """One named query with its arguments: ``variant`` is "default" or "filtered"."""

    name: str
    variant: str
    params: dict[str, Any]

    @property
    def label(self) -> str:
        return self.name if self.variant == "default" else f"{self.name} (filtered)"


def calls() -> list[Call]:
    """Every named query the pages run, with the default filters, and those that take filters
    again with a region and a year span. Queries of one row (an initiative, a poll) get the
    first one of the store at run time (see :func:`resolve`)."""
    import inspect

    from creative_dash.filters import Filters
    from creative_dash.queries import REGISTRY

    extra: dict[str, dict[str, Any]] = {
        "live_region_ranking": {"metric": "initiatives"},
        "edit_rows": {"table": "initiatives", "region": FILTERED_REGION},
        "edit_row_count": {"table": "initiatives", "region": FILTERED_REGION},
        "row_history": {"table": "initiatives", "key": "$initiative"},
        "initiative_detail": {"initiative_id": "$initiative"},
        "initiative_audit": {"initiative_id": "$initiative"},
    }
    skip = {"live_deck", "live_poll", "live_poll_results", "live_voter_answer"}  # no poll yet
    filtered = Filters(years=FILTERED_YEARS, regions=(FILTERED_REGION,))
    out = []
    for name, fn in sorted(REGISTRY.items()):
        if name in skip:
            continue
        params = extra.get(name, {})
        sig = inspect.signature(fn).parameters
        required = [
            p
            for p in list(sig.values())[1:]
            if p.default is inspect.Parameter.empty and p.name not in params
        ]
        if required:
            continue
        out.append(Call(name, "default", params))
        if "filters" in sig:
            out.append(Call(name, "filtered", {**params, "filters": filtered}))
    return out


def resolve(params: dict[str, Any], store: Any) -> dict[str, Any]:
    """``$initiative``: the smallest initiative id of the store."""
    out = dict(params)
    for k, v in params.items():
        if v == "$initiative":
            out[k] = int(store.scalar("SELECT min(initiative_id) FROM initiatives"))
    return out


@dataclass
class Timing:
    """One call's milliseconds on the DuckDB file, on PostgreSQL with the local copy (the
    store's reads now) and on PostgreSQL through the postgres scanner alone (before the copy;
    ``CREATIVE_DASH_PG_LOCAL_COPY=0``)."""

    label: str
    duck_ms: list[float] = field(default_factory=list)
    pg_ms: list[float] = field(default_factory=list)
    scan_ms: list[float] = field(default_factory=list)

    @property
    def duck(self) -> float:
        return statistics.median(self.duck_ms)

    @property
    def pg(self) -> float:
        return statistics.median(self.pg_ms)

    @property
    def scan(self) -> float | None:
        return statistics.median(self.scan_ms) if self.scan_ms else None

    @property
    def ratio(self) -> float:
        return ratio(self.pg, self.duck)

    @property
    def scan_ratio(self) -> float | None:
        return None if self.scan is None else ratio(self.scan, self.duck)


def ratio(slow: float, fast: float) -> float:
    """``slow / fast``, with a floor of 0.1 ms under ``fast`` (a query faster than the clock's
    noise does not make a ratio of thousands)."""
    return slow / max(fast, 0.1)


def alternate(runs: int, *timers: Callable[[], float], first_runs: int = 0) -> list[list[float]]:
    """``runs`` timings of each timer, alternating (the first, the second, ..., the first
    again) so a shared machine's load hits all alike; a timer at index ``first_runs`` or
    beyond (slow ones, put last) only in the first ``runs_of_slow`` rounds. Each timer returns
    its milliseconds."""
    out: list[list[float]] = [[] for _ in timers]
    for i in range(runs):
        for k, timer in enumerate(timers):
            if first_runs and k >= len(timers) - 1 and i >= first_runs:
                continue
            out[k].append(timer())
    return out


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def time_queries(
    duck: Any, pg: Any, scan: Any | None, reps: int, scan_reps: int, say: Callable[[str], None]
) -> list[Timing]:
    """Each call on the DuckDB file, on PostgreSQL with the local copy and (``scan``) through
    the scanner alone, alternating, after one untimed call on each (the first call pays for
    opening, planning and the operating system's cache)."""
    from creative_dash.queries import REGISTRY

    out = []
    for call in calls():
        fn = REGISTRY[call.name]
        stores = [duck, pg] + ([scan] if scan is not None else [])
        bound = [partial(fn, s, **resolve(call.params, s)) for s in stores]
        for b in bound:
            b()
        runs = alternate(reps, *(partial(timed, b) for b in bound), first_runs=scan_reps)
        t = Timing(call.label, runs[0], runs[1], runs[2] if scan is not None else [])
        before = f", scanner only {t.scan:.1f} ms" if t.scan is not None else ""
        say(f"{t.label}: duckdb {t.duck:.1f} ms, postgres {t.pg:.1f} ms ({t.ratio:.1f}x){before}")
        out.append(t)
    return out


# A region editor's writes, each undone by the next (the kept store stays as built): what the
# next read of each replica then copies again from PostgreSQL, and how long that takes.
WRITES = {
    "one hub edited": "UPDATE hubs SET residents = residents {op} 1 WHERE hub_id = 1",
    "one initiative edited": (
        "UPDATE initiatives SET jobs_created = jobs_created {op} 1 WHERE initiative_id = 1"
    ),
}


def time_after_writes(pg: Any, url: str) -> dict[str, tuple[float, list[str]]]:
    """For each of :data:`WRITES`, made by another replica: the seconds the next read takes to
    make the copy as new (the median of the write and its undoing) and the tables it read
    from PostgreSQL."""
    from creative_dash.store import Store

    writer = Store(url)
    pin, pg.read_pin = pg.read_pin, None  # reads of no run: each asks PostgreSQL for the key
    copy = pg.local_copy
    out = {}
    try:
        for what, sql in WRITES.items():
            times, fetched = [], []
            for op in ("+", "-"):
                with writer.transaction() as cur:
                    cur.execute(sql.format(op=op))
                t0 = time.perf_counter()
                pg.scalar("SELECT 1")
                times.append(time.perf_counter() - t0)
                fetched = list(copy.fetched)
            out[what] = (statistics.median(times), fetched)
    finally:
        pg.read_pin = pin
        writer.close()
    return out


def time_pages(duck_url: str, pg_url: str, reps: int, scan_reps: int) -> list[Timing]:
    """Each page's whole script run (Streamlit's AppTest, the app's caches emptied before each
    run: every query and figure computed) on each backend, alternating; through the scanner
    alone ``scan_reps`` times. A run reads the versions once and pins its reads to them, as in
    the app (``creative_dash.ui.cache``)."""
    from streamlit import cache_resource

    from creative_dash.store.core import close_all, open_store
    from creative_dash.ui.cache import clear_caches
    from tests.app.apptest import open_page

    copies: dict[str, Any] = {}

    def run(page: str, query: dict[str, str], location: str, copy: bool = True) -> float:
        os.environ["CREATIVE_DASH_DB"] = location
        store = open_store(location)  # the app's store of this location (ui.cache opens it so)
        if store.is_postgres:  # the scanner alone: the same store with its copy set aside
            copies.setdefault(location, store.local_copy)
            store.local_copy = copies[location] if copy else None
        clear_caches()
        t0 = time.perf_counter()
        at = open_page(page, lang="en", **query)
        ms = (time.perf_counter() - t0) * 1000
        if at.exception:
            raise RuntimeError(f"{page} failed on {location}: {at.exception}")
        return ms

    out = []
    close_all()
    cache_resource.clear()
    try:
        for page, query in PAGES:
            timers = [partial(run, page, query, duck_url), partial(run, page, query, pg_url)]
            if scan_reps:
                timers.append(partial(run, page, query, pg_url, False))
            for t in timers[:2]:  # the stores opened and the local copy made, not timed
                t()
            runs = alternate(reps, *timers, first_runs=scan_reps)
            out.append(Timing(f"page {page}: whole script run", *runs))
    finally:
        close_all()
        cache_resource.clear()
    return out


# -- the section of results.md -------------------------------------------------------------------
def _ms(v: float) -> str:
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def _table(timings: list[Timing]) -> list[str]:
    out = [
        "| query | DuckDB file | PostgreSQL (local copy) | × | PostgreSQL (scanner only) | × |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        scan = "–" if t.scan is None else f"{_ms(t.scan)} ms"
        scan_x = "–" if t.scan_ratio is None else f"{t.scan_ratio:.1f}×"
        out.append(
            f"| `{t.label}` | {_ms(t.duck)} ms | {_ms(t.pg)} ms | {t.ratio:.1f}× | {scan} | "
            f"{scan_x} |"
        )
    return out


def _verdict(r: float) -> str:
    return "met" if r <= BUDGET else "**MISSED**"


def render(meta: dict[str, Any], timings: list[Timing], pages: list[Timing]) -> str:
    """The section "PostgreSQL at 1.5 M initiatives", markers included."""
    total_duck = sum(t.duck for t in timings)
    total_pg = sum(t.pg for t in timings)
    scanned = [t for t in timings if t.scan is not None]
    total_scan = sum(t.scan or 0.0 for t in scanned)
    total_duck_scanned = sum(t.duck for t in scanned)
    worst = sorted(timings, key=lambda t: t.ratio, reverse=True)
    over = [t for t in timings if t.ratio > BUDGET]
    out = [
        SECTION_START,
        "## PostgreSQL at 1.5 M initiatives",
        "",
        f"Measured {meta['started']} by `python -m bench.pg` ({meta['rows']:,} initiatives; "
        f"{meta['reps']} runs of each call, {meta['scan_reps']} through the scanner alone, "
        "alternating the backends, medians). "
        f"Machine: {meta['nproc']} cores shared with other work, load average "
        f"{meta['load_start']:.1f} at the start and {meta['load_end']:.1f} at the end. "
        f"PostgreSQL {meta['pg_version']} from Debian's packages on a local port "
        f"({meta['pg_conf']}), read through DuckDB {meta['duckdb']}'s postgres extension; "
        f"DuckDB memory limit {meta['memory_limit']}, {meta['threads']} threads.",
        "",
        f"- Built with `python -m creative_dash init --demo --scale {meta['scale']}`: "
        f"DuckDB file {meta['build']['duckdb_s']:.0f} s, PostgreSQL "
        f"{meta['build']['postgres_s']:.0f} s.",
        f"- The local copy (`creative_dash/store/local_copy.py`, `CREATIVE_DASH_PG_LOCAL_COPY`): "
        f"{meta['copy_tables']} tables copied in {meta['copy_s']:.1f} s at the first read and "
        f"again, only the tables written, after each write; DuckDB's memory after it: "
        f"{meta['copy_bytes'] / 1e6:,.0f} MB."
        + "".join(
            f" After {what} on another replica, the next read copies again in {sec:.2f} s "
            f"({', '.join(f'`{n}`' for n in fetched)} from PostgreSQL; the other tables kept "
            "or copied locally)."
            for what, (sec, fetched) in meta.get("after_write", {}).items()
        )
        + f" A page's run reads the versions from PostgreSQL "
        f"once ({meta['check_ms']:.1f} ms here) and pins its reads to them: the calls below are "
        "timed so, without a round trip of their own.",
        f"- All {len(timings)} calls one after the other: DuckDB file {_ms(total_duck)} ms, "
        f"PostgreSQL with the local copy {_ms(total_pg)} ms "
        f"({ratio(total_pg, total_duck):.1f}×)"
        + (
            f"; through the scanner alone {_ms(total_scan)} ms "
            f"({ratio(total_scan, total_duck_scanned):.1f}×)."
            if scanned
            else "."
        ),
    ]
    if pages:
        met = [p for p in pages if p.ratio <= BUDGET]
        out.append(
            f"- Every dashboard page's whole script run (AppTest, the app's caches emptied before "
            f"each run), the budget of issue 17 (≤ {BUDGET}× the DuckDB file): "
            f"{len(met)} of {len(pages)} met — "
            + "; ".join(
                f"{p.label.removeprefix('page ').split(':')[0]} {_ms(p.duck)} → {_ms(p.pg)} ms "
                f"({p.ratio:.2f}×, {_verdict(p.ratio)}"
                + (f"; scanner alone {_ms(p.scan)} ms" if p.scan is not None else "")
                + ")"
                for p in pages
            )
            + "."
        )
    out.append(
        f"- Calls over {BUDGET}× the DuckDB file with the local copy: {len(over)} of "
        f"{len(timings)}"
        + (
            " (the highest ratios: "
            + ", ".join(f"`{t.label}` {t.ratio:.1f}×" for t in worst[:5])
            + ")."
            if over
            else "."
        )
    )
    for note in meta.get("notes", []):
        out.append(f"- {note}")
    out += ["", *_table(timings), "", SECTION_END, ""]
    return "\n".join(out)


BUDGET = 1.5  # issue 17: PostgreSQL at 1.5 M rows within 1.5x the DuckDB file


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into results.md in place of the previous one (or at the end); the rest
    of the file stays as it is."""
    sections.write(path, section, SECTION_START, SECTION_END)


def section_of(path: Path) -> str | None:
    """This section of an existing results.md."""
    return next((k for k in sections.kept(path) if k.startswith(SECTION_START)), None)


# -- the command --------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pg", description=__doc__)
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--page-reps", type=int, default=3)
    parser.add_argument(
        "--scan-reps",
        type=int,
        default=3,
        help="runs through the postgres scanner alone (before the local copy; 0: none)",
    )
    parser.add_argument("--dir", type=Path, default=None, help="keep and reuse the stores here")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--note", action="append", default=[], help="a line for the section")
    args = parser.parse_args(argv)

    import duckdb

    from creative_dash import settings
    from creative_dash.store import Store

    def say(msg: str) -> None:
        print(f"[bench.pg] {msg}", file=sys.stderr, flush=True)

    meta: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": os.getloadavg()[0],
        "nproc": os.cpu_count(),
        "reps": args.reps,
        "scan_reps": args.scan_reps,
        "scale": args.scale,
        "duckdb": duckdb.__version__,
        "pg_conf": PG_CONF.strip().replace("\n", ", "),
        "memory_limit": settings.get("CREATIVE_DASH_DUCKDB_MEMORY_LIMIT"),
        "threads": settings.get("CREATIVE_DASH_DUCKDB_THREADS"),
        "notes": args.note,
    }
    work = args.dir or Path(tempfile.mkdtemp(prefix="cd-bench-pg-", dir="/tmp"))
    if args.dir is None:
        # mkdtemp makes it readable by its owner only: the postgres user (the server's data
        # folder is in it, tests/pg.py) must be able to reach its folder
        work.chmod(0o755)
    try:
        with pg_server(work / "pg") as server:
            url, duck_path, meta["build"] = ensure_stores(server, work, args.scale)
            say(f"stores ready: {meta['build']}")
            duck, pg = Store(duck_path), Store(url)
            os.environ["CREATIVE_DASH_PG_LOCAL_COPY"] = "0"
            scan = Store(url) if args.scan_reps > 0 else None
            os.environ.pop("CREATIVE_DASH_PG_LOCAL_COPY", None)
            try:
                meta["rows"] = int(duck.scalar("SELECT count(*) FROM initiatives"))
                meta["pg_version"] = str(
                    pg.scalar("SELECT * FROM postgres_query('store', 'SELECT version() AS v')")
                ).split()[1]
                copy = pg.local_copy
                assert copy is not None, "CREATIVE_DASH_PG_LOCAL_COPY is off"
                meta["copy_s"] = copy.refresh_s
                meta["copy_tables"] = len(copy.copied)
                meta["copy_bytes"] = int(
                    pg.scalar("SELECT sum(memory_usage_bytes) FROM duckdb_memory()") or 0
                )
                t0 = time.perf_counter()
                run_versions = pg.versions()  # what a page's run reads once (ui.cache.versions)
                meta["check_ms"] = (time.perf_counter() - t0) * 1000
                # the calls read as a page's run does: pinned to those versions, PostgreSQL not
                # asked again (creative_dash/store/local_copy.py, "Where the key comes from")
                pg.read_pin = lambda: run_versions
                say(f"local copy made in {copy.refresh_s:.1f} s")
                timings = time_queries(duck, pg, scan, args.reps, args.scan_reps, say)
                meta["after_write"] = time_after_writes(pg, url)
                for what, (sec, fetched) in meta["after_write"].items():
                    say(f"after {what}: copied again in {sec:.2f} s ({', '.join(fetched)})")
            finally:
                for s in (duck, pg, scan):
                    if s is not None:
                        s.close()
            pages: list[Timing] = []
            if args.page_reps > 0:
                try:
                    pages = time_pages(duck_path, url, args.page_reps, min(args.scan_reps, 1))
                    for p in pages:
                        say(f"{p.label}: duckdb {p.duck:.0f} ms, postgres {p.pg:.0f} ms")
                except Exception as exc:  # noqa: BLE001 - the queries' figures still count
                    say(f"a page's run failed: {exc!r}")
                    meta["notes"].append(f"The pages' whole runs were not timed: {exc!r}.")
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    meta["load_end"] = os.getloadavg()[0]
    section = render(meta, timings, pages)
    write_section(args.out, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
