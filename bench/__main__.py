"""``python -m bench [--quick] [--reps N]``: how fast the dashboard feels, in a real browser,
measured against Streamlit's own floor in the same run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from bench import querytimes, report, sections, targets
from bench.browser import BenchError, Filter, Findings, Visit, launch, new_context
from bench.servers import ROOT, Server, start_all

HERE = Path(__file__).resolve().parent
FLOOR = Filter("floor_choice", "selectbox", "selectbox", alternate=True)
SESSIONS = 20
# Rows of filler under the floor's chart (five elements each, bench/floor_app.py): the floor
# with 0 and with these rows tells what each further element of a page costs a chart's redraw.
FILLER = (10, 20)
MIN_REPS = 2
# What follows the repetitions (direct query timings, writing), kept free in the budget.
TAIL_S = 30.0

T0 = time.perf_counter()


def say(msg: str) -> None:
    print(f"[{time.perf_counter() - T0:6.1f} s] {msg}", file=sys.stderr, flush=True)


def build_store(path: Path, scale: int, env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "creative_dash", "init", "--db", str(path), "--demo"]
    if scale > 1:
        cmd += ["--scale", str(scale)]
    subprocess.run(cmd, cwd=ROOT, env={**os.environ, **env}, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def count_initiatives(path: Path) -> int:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM initiatives").fetchone()
    return int(row[0]) if row else 0


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"nproc": os.cpu_count(), "load_start": os.getloadavg()}
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            info["mem_bytes"] = int(line.split()[1]) * 1024
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            info["cpu"] = line.split(":", 1)[1].strip()
            break
    import duckdb
    import pandas
    import plotly
    import streamlit

    info["versions"] = {
        "python": platform.python_version(),
        "streamlit": streamlit.__version__,
        "plotly": plotly.__version__,
        "duckdb": duckdb.__version__,
        "pandas": pandas.__version__,
        "playwright": importlib.metadata.version("playwright"),
    }
    return info


def asdict(x: Any) -> Any:
    return dataclasses.asdict(x) if dataclasses.is_dataclass(x) else x


class Runner:
    """Visits pages, keeps every figure, and never lets one broken page stop the run."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.found = Findings()
        self.contexts: dict[str, Any] = {}
        self.sessions: dict[tuple[str, str], Visit] = {}

    def context(self, server: Server) -> Any:
        if server.name not in self.contexts:
            self.contexts[server.name] = new_context(self.browser)
        return self.contexts[server.name]

    def _fail(self, into: dict[str, Any], exc: Exception) -> None:
        into.setdefault("errors", []).append(str(exc))
        say(f"  error: {str(exc)[:300]}")

    def open_session(self, server: Server, key: str, path: str, into: dict[str, Any]) -> None:
        """A tab kept open for the filter changes; its load is the page's first visit."""
        visit = Visit(self.context(server), server, path, self.found)
        try:
            into.setdefault("loads", []).append(asdict(visit.load()))
            self.sessions[(key, server.name)] = visit
        except (BenchError, PlaywrightError) as exc:
            self._fail(into, exc)
            visit.close()

    def load(self, server: Server, path: str, into: dict[str, Any]) -> None:
        """TTFC of a new tab (new session), then the tab is closed."""
        visit = Visit(self.context(server), server, path, self.found)
        try:
            into.setdefault("loads", []).append(asdict(visit.load()))
        except (BenchError, PlaywrightError) as exc:
            self._fail(into, exc)
        finally:
            visit.close()

    def change(
        self, server: Server, key: str, flt: Filter, main_chart: str | None, into: dict[str, Any]
    ) -> None:
        visit = self.sessions.get((key, server.name))
        if visit is None:
            return
        try:
            into.setdefault("changes", []).append(asdict(visit.change(flt, main_chart)))
        except (BenchError, PlaywrightError) as exc:
            self._fail(into, exc)
            visit.close()  # its state is unknown now: no more changes on it
            del self.sessions[(key, server.name)]

    def close(self) -> None:
        for ctx in self.contexts.values():
            ctx.close()
        self.contexts.clear()
        self.sessions.clear()

    def concurrent(self, server: Server, path: str, n: int) -> dict[str, Any]:
        """Server memory with one session open, then with ``n`` open at once."""
        ctx = new_context(self.browser)
        # The server's part of a session does not depend on the browser drawing its charts:
        # the Plotly bundle is not loaded in these tabs, so twenty of them drawing maps in
        # software WebGL do not starve the two cores the server needs.
        ctx.route("**/PlotlyChart*.js", lambda route: route.abort())
        out: dict[str, Any] = {"rss_before": server.rss_bytes(), "sessions": n}
        visits = [Visit(ctx, server, path, self.found, listen=False)]
        try:
            visits[0].open()
            visits[0].wait_script()
            out["rss_1"] = server.rss_bytes()
            # Open the others in batches of five: all stay open (concurrent sessions), but
            # loading twenty at once on two cores would only measure the queueing. The
            # server's part of a session is done when its script run is: no need to wait
            # for the browser to draw.
            while len(visits) < n:
                batch = [
                    Visit(ctx, server, path, self.found, listen=False)
                    for _ in range(min(5, n - len(visits)))
                ]
                visits += batch
                for v in batch:
                    v.open()
                for v in batch:
                    v.wait_script()
                out.setdefault("rss_by_sessions", {})[len(visits)] = server.rss_bytes()
            out["rss_n"] = server.rss_bytes()
        except (BenchError, PlaywrightError) as exc:
            out["error"] = str(exc)
        finally:
            ctx.close()
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--reps", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--quick", action="store_true", help="2 repetitions")
    parser.add_argument(
        "--scale",
        type=int,
        default=1000,
        help="demo scale of the large store (1000: 1.5 million initiatives)",
    )
    parser.add_argument("--pages", default="", help="comma-separated page keys (default: all)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--minutes",
        type=float,
        default=9.5,
        help="time budget of the whole run: fewer repetitions (at least 2) if the machine "
        "is too slow to do them all in time (default 9.5)",
    )
    args = parser.parse_args(argv)
    reps = 2 if args.quick else args.reps
    qn = 3 if args.quick else 5

    deadline = T0 + args.minutes * 60
    rep_s = 0.0
    meta = machine()
    meta["started"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    meta["command"] = "python -m bench" + (
        " --quick" if args.quick else f" --reps {reps}" if reps != 5 else ""
    )
    meta["reps"] = reps
    pages, skipped = targets.pages()
    if args.pages:
        wanted = set(args.pages.split(","))
        pages = [p for p in pages if p.key in wanted]
    if not pages:
        print("no page to measure", file=sys.stderr)
        return 2
    say(f"pages: {', '.join(p.key for p in pages)}; skipped: {skipped or 'none'}")

    # DuckDB's memory limit is set explicitly for every process of the run.
    mem_limit = os.environ.get("CREATIVE_DASH_DUCKDB_MEMORY_LIMIT") or "2GB"
    threads = os.environ.get("CREATIVE_DASH_DUCKDB_THREADS") or "2"
    duck_env = {
        "CREATIVE_DASH_DUCKDB_MEMORY_LIMIT": mem_limit,
        "CREATIVE_DASH_DUCKDB_THREADS": threads,
    }
    os.environ.update(duck_env)
    meta["duckdb"] = {"memory_limit_setting": mem_limit, "threads": threads}

    tmp = Path(tempfile.mkdtemp(prefix="creative-bench-"))
    results: dict[str, Any] = {
        "meta": meta,
        "skipped": skipped,
        "floor": {"first": {}},
        "filler": {str(n): {"first": {}} for n in FILLER},
        "pages": {},
    }
    servers: list[Server] = []
    try:
        stores = {"demo": tmp / "demo.duckdb", "big": tmp / "big.duckdb"}
        meta["stores"] = {}
        for name, scale in (("demo", 1), ("big", args.scale)):
            say(f"building the {name} store (scale {scale})")
            secs = build_store(stores[name], scale, duck_env)
            meta["stores"][name] = {
                "scale": scale,
                "build_s": secs,
                "initiatives": count_initiatives(stores[name]),
            }
        # The concurrent-sessions server gets its own copy (a DuckDB file has one process).
        stores["memory"] = tmp / "memory.duckdb"
        shutil.copy(stores["demo"], stores["memory"])
        app_env = {**duck_env, "CREATIVE_DASH_DEMO_ON_START": "0"}
        floor = Server("floor", "bench/floor_app.py", dict(duck_env), tmp / "floor.log")
        demo = Server(
            "demo",
            "asgi.py",
            {**app_env, "CREATIVE_DASH_DB": str(stores["demo"])},
            tmp / "demo.log",
            query_log=tmp / "queries-demo.pkl",
        )
        big = Server(
            "big",
            "asgi.py",
            {**app_env, "CREATIVE_DASH_DB": str(stores["big"])},
            tmp / "big.log",
            query_log=tmp / "queries-big.pkl",
        )
        servers = [floor, demo, big]
        say("starting the floor app and the dashboard on both stores")
        start_all(servers)

        with sync_playwright() as pw:
            browser = launch(pw)
            meta["versions"]["chromium"] = browser.version
            run = Runner(browser)
            for t in pages:
                results["pages"][t.key] = {
                    "path": t.path,
                    "filter": t.flt.describe(),
                    "main_chart": t.main_chart,
                    "demo": {"first": {}},
                    "big": {"first": {}},
                }
            pr = results["pages"]
            fl = results["floor"]
            # First visits, caches cold: each opens the tab kept for that page's filter
            # changes, and makes its first change.
            say("first visits (cold caches)")
            run.open_session(floor, "floor", "/", fl["first"])
            run.change(floor, "floor", FLOOR, "floor_chart", fl["first"])
            for n in FILLER:
                fill = results["filler"][str(n)]["first"]
                run.open_session(floor, f"floor+{n}", f"/?filler={n}", fill)
                run.change(floor, f"floor+{n}", FLOOR, "floor_chart", fill)
            for t in pages:
                for srv in (demo, big):
                    run.open_session(srv, t.key, t.path, pr[t.key][srv.name]["first"])
                    run.change(srv, t.key, t.flt, t.main_chart, pr[t.key][srv.name]["first"])
            key, path = targets.overview_path(pages)
            say(f"{SESSIONS} concurrent sessions on {key}")
            mem = Server(
                "memory",
                "asgi.py",
                {**app_env, "CREATIVE_DASH_DB": str(stores["memory"])},
                tmp / "memory.log",
            )
            servers.append(mem)
            start_all([mem])
            results["memory"] = {"page": key, **run.concurrent(mem, path, SESSIONS)}
            mem.stop()

            # Repetitions: floor and page alternate (A/B) so the load of this shared machine
            # hits both alike. A load is a new tab; a change is made in the kept tab, to a
            # value that tab has not had, in the same sequence on both stores.
            meta["reps_planned"] = reps
            for rep in range(reps):
                left = deadline - time.perf_counter()
                if rep >= MIN_REPS and left < rep_s + TAIL_S:
                    say(f"stopping after {rep} repetitions: the run would pass {args.minutes} min")
                    meta["reps"] = rep
                    break
                say(f"repetition {rep + 1}/{reps}")
                t_rep = time.perf_counter()
                for t in pages:
                    run.load(floor, "/", fl)
                    run.load(demo, t.path, pr[t.key]["demo"])
                    run.change(floor, "floor", FLOOR, "floor_chart", fl)
                    run.change(demo, t.key, t.flt, t.main_chart, pr[t.key]["demo"])
                    run.change(big, t.key, t.flt, t.main_chart, pr[t.key]["big"])
                for n in FILLER:
                    run.change(floor, "floor", FLOOR, "floor_chart", fl)
                    run.change(floor, f"floor+{n}", FLOOR, "floor_chart", results["filler"][str(n)])
                rep_s = time.perf_counter() - t_rep
            run.close()
            for s in servers:
                s.stop()

            browser.close()
        for name in ("outside", "http_errors", "console", "page_errors"):
            results[name] = sorted(getattr(run.found, name))

        say("timing the queries directly")
        log_demo = demo.queries_run()
        log_big = big.queries_run()
        calls = querytimes.typical_calls(log_demo)
        q: dict[str, Any] = {"n": qn, "calls": {k: repr(v) for k, v in calls.items()}}
        for name in ("demo", "big"):
            path = stores[name]
            times, limit = querytimes.time_queries(str(path), calls, qn, deadline)
            q[name] = {k: v.runs_ms for k, v in times.items()}
            meta["duckdb"][f"memory_limit_{name}"] = limit
        q["server_max_ms"] = {
            "demo": querytimes.server_max_ms(log_demo),
            "big": querytimes.server_max_ms(log_big),
        }
        results["queries"] = q
    finally:
        for s in servers:
            s.stop()
        logs = HERE / "out"
        logs.mkdir(exist_ok=True)
        for s in servers:
            if s.log_path.exists():
                shutil.copy(s.log_path, logs / s.log_path.name)
        if args.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    meta["elapsed_s"] = time.perf_counter() - T0
    meta["load_end"] = os.getloadavg()
    raw = HERE / "out" / "results.json"
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(results, indent=1, default=str))
    text = report.render(results)
    kept = sections.kept(args.out)  # the other benchmarks' sections stay
    args.out.write_text("\n".join([text, *kept]), encoding="utf-8")
    print(text)
    say(f"wrote {args.out} (raw figures: {raw})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
