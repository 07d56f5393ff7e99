"""``python -m bench.peer`` (``make bench-peer``): the project's overview against an Apache
Superset dashboard with the same charts and sector filter, on this machine, in one run,
alternating: first visit (cold, warm) and filter change, at 1.5 k and 1.5 M initiatives, on the
local link and on the emulated regional link. Writes the section "Against a peer: Apache
Superset" of bench/results.md. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from playwright.sync_api import Page, sync_playwright

from bench.browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Filter, is_local
from bench.link import LINK, LINK_TEXT
from bench.peer import api, report
from bench.servers import ROOT, Server, free_port, start_all

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
PROBE = (HERE / "probe.js").read_text(encoding="utf-8")
RESULTS = HERE.parent / "results.md"
OUT = HERE.parent / "out"
ADMIN = ("admin", secrets.token_urlsafe(12))
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 8
TIMEOUT_S = 180.0
# Chromium resolves no host but localhost: nothing leaves the machine (Superset's page asks for
# a telemetry pixel on every load; it fails at once, as it would offline).
ARGS = [
    *CHROMIUM_ARGS,
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
OURS_FILTER = Filter("ov_sectors", "multiselect", "overview's sector filter")


def say(msg: str) -> None:
    print(f"[peer {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- Superset ------------------------------------------------------------------------------------
class Superset:
    """Superset from bench/peer/.venv: metadata in SQLite under ``home``, a generated key,
    ``db upgrade``, ``fab create-admin``, ``init``, then gunicorn on a free localhost port."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = home / "superset.log"
        self.env = {
            **os.environ,
            "SUPERSET_CONFIG_PATH": str(HERE / "superset_config.py"),
            "BENCH_PEER_HOME": str(home),
            "BENCH_PEER_SECRET_KEY": secrets.token_hex(32),
            "FLASK_APP": "superset.app:create_app()",
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        with open(self.log, "ab") as log:
            subprocess.run(
                [str(VENV / "bin" / args[0]), *args[1:]],
                env=self.env,
                cwd=self.home,
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def start(self) -> None:
        if not (VENV / "bin" / "superset").exists():
            raise RuntimeError(f"no Superset in {VENV}: run `make bench-peer` (it installs it)")
        self._run("superset", "db", "upgrade")
        user, password = ADMIN
        self._run(
            "superset", "fab", "create-admin", "--username", user, "--firstname", "Bench",
            "--lastname", "Peer", "--email", "bench@example.org", "--password", password,
        )  # fmt: skip
        self._run("superset", "init")
        self.port = free_port()
        log = open(self.log, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                str(VENV / "bin" / "gunicorn"),
                "-w",
                str(GUNICORN_WORKERS),
                "-k",
                "gthread",
                "--threads",
                str(GUNICORN_THREADS),
                "--timeout",
                "300",
                "-b",
                f"127.0.0.1:{self.port}",
                "--limit-request-line",
                "0",
                "--limit-request-field_size",
                "0",
                "superset.app:create_app()",
            ],  # fmt: skip
            env=self.env,
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Superset exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"Superset not healthy after {TIMEOUT_S:.0f} s; see {self.log}")
            time.sleep(0.2)  # polling interval, not a wait for readiness

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)


# -- what each chart must show ---------------------------------------------------------------------
def expected_values(db: Path, sector_sets: list[list[str]]) -> dict[str, Any]:
    """{app: {kind: [numbers per selection]}} computed from the store (read-only)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out: dict[str, Any] = {}
        for app in ("ours", "superset"):
            out[app] = {}
            for kind, sql in report.expected_sql(app).items():
                out[app][kind] = [
                    [r[0] for r in con.execute(sql, {"sectors": s}).fetchall()] for s in sector_sets
                ]
        return out
    finally:
        con.close()


# -- the browser ---------------------------------------------------------------------------------
def set_link(page: Page, cdp: Any, link: str) -> None:
    if link == "regional":
        cdp.send("Network.emulateNetworkConditions", LINK)
    else:
        cdp.send(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )


def shown_at(page: Page, app: str, targets: dict[str, Any], since: float) -> dict[str, float]:
    """{kind: when the chart first showed its expected numbers after ``since``} so far."""
    state = page.evaluate(
        "() => window.__peer && {charts: __peer.charts(), answers: __peer.answers,"
        " paints: __peer.paints}"
    )
    if not state:
        return {}
    out: dict[str, float] = {}
    for kind, exp in targets.items():
        if app == "ours":
            for c in state["charts"]:
                if c["key"] == report.OUR_KEYS[kind]:
                    t = report.first_match(c["draws"], kind, exp["values"], since)
                    if t is not None:
                        out[kind] = t
        else:
            sid = str(exp["slice"])
            answers = [a for a in state["answers"] if a["slice"] == sid]
            t = report.superset_shown(answers, state["paints"].get(sid, []), exp["values"], since)
            if t is not None:
                out[kind] = t
    return out


def wait_shown(page: Page, app: str, targets: dict[str, Any], since: float, what: str) -> float:
    """Until every chart shows its expected numbers; the moment the last one did (in-page
    time, ms)."""
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        got = shown_at(page, app, targets, since)
        if len(got) == len(targets):
            return max(got.values())
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: charts showing the expected data: {sorted(got)} only")
        page.wait_for_timeout(100)  # polling the page's record; the figures are its timestamps


class App:
    """One side of the comparison at one scale: its URL, chart targets, sector filter."""

    def __init__(self, name: str, url: str, slices: dict[str, int] | None) -> None:
        self.name = name
        self.url = url
        self.slices = slices or {}
        self.kept: Page | None = None
        self.cdp: Any = None
        self.changes = 0
        self.seen: set[Any] = set()

    def targets(self, exp: dict[str, Any], k: int) -> dict[str, Any]:
        return {
            kind: {"values": exp[self.name][kind][k], "slice": self.slices.get(kind)}
            for kind in report.CHART_KINDS
        }

    def visit(self, ctx: Any, link: str, exp: dict[str, Any]) -> float:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Network.enable")
        set_link(page, cdp, link)
        try:
            page.goto(self.url, wait_until="commit", timeout=TIMEOUT_S * 1000)
            return wait_shown(page, self.name, self.targets(exp, 0), 0, f"{self.name} visit")
        finally:
            page.close()

    def open_kept(self, ctx: Any, exp: dict[str, Any]) -> None:
        self.kept = ctx.new_page()
        self.cdp = ctx.new_cdp_session(self.kept)
        self.cdp.send("Network.enable")
        self.kept.goto(self.url, wait_until="commit", timeout=TIMEOUT_S * 1000)
        wait_shown(self.kept, self.name, self.targets(exp, 0), 0, f"{self.name} kept tab")
        if self.name == "ours":  # the filters are drawn while their section is open
            self.kept.locator(".st-key-ov_filters summary").click()
            self.kept.locator(".st-key-ov_sectors input").first.wait_for(timeout=60_000)
            self.kept.wait_for_function(
                "() => document.querySelector('[data-testid=stApp]')"
                ".getAttribute('data-test-script-state') === 'notRunning'"
            )

    def change(self, link: str, exp: dict[str, Any], sectors: list[str]) -> float:
        """Add the next sector to the filter; ms from the committing input until every chart
        shows the new numbers."""
        page = self.kept
        assert page is not None
        page.bring_to_front()
        set_link(page, self.cdp, link)
        self.changes += 1
        k = self.changes
        now: Callable[[], float] = lambda: float(page.evaluate("performance.now()"))  # noqa: E731
        if self.name == "ours":
            since = OURS_FILTER.apply(page, k - 1, self.seen, now)
        else:
            box = page.locator(".ant-select-selector").first
            box.click()
            page.keyboard.type(sectors[k - 1])
            page.locator(
                f".ant-select-item-option[title={json.dumps(sectors[k - 1])}]"
            ).first.click()
            page.keyboard.press("Escape")
            apply = page.locator("[data-test='filter-bar__apply-button']")
            since = now()
            apply.click()
        t = wait_shown(page, self.name, self.targets(exp, k), since, f"{self.name} change {k}")
        return t - since


def versions(browser_version: str) -> dict[str, Any]:
    def peer_version(pkg: str) -> str:
        out = subprocess.run(
            [str(VENV / "bin" / "python"), "-c",
             f"import importlib.metadata as m; print(m.version({pkg!r}))"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return out.stdout.strip() or "?"

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "superset": peer_version("apache-superset"),
        "duckdb_engine": peer_version("duckdb-engine"),
        "duckdb": importlib.metadata.version("duckdb"),
        "streamlit": importlib.metadata.version("streamlit"),
        "chromium": browser_version,
        "commit": commit,
        "gunicorn_workers": f"{GUNICORN_WORKERS} workers × {GUNICORN_THREADS} threads",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__)
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each cell")
    parser.add_argument("--scale", type=int, default=1000, help="scale of the large store")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--stores",
        type=Path,
        help="a directory keeping the built stores between runs (built there when missing)",
    )
    parser.add_argument(
        "--from-json", type=Path, help="write the section again from a run's raw figures"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        section = report.render(json.loads(args.from_json.read_text(encoding="utf-8")))
        report.write_section(args.out, section)
        print(section)
        return 0
    links = ["local", "regional"]
    if 2 * args.reps > 12:
        parser.error("at most 6 repetitions: each filter change adds one of 13 sectors")
    meta: dict[str, Any] = {
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_start": os.getloadavg()[0],
        "nproc": os.cpu_count(),
        "reps": args.reps,
        "link_text": LINK_TEXT,
    }
    res: dict[str, Any] = {"meta": meta, "links": links, "scales": [], "cells": {}, "errors": []}
    tmp = Path(tempfile.mkdtemp(prefix="creative-peer-"))
    servers: list[Server] = []
    superset = Superset(tmp)
    outside: set[str] = set()
    try:
        stores = {"1.5 k": ["--demo"], "1.5 M": ["--demo", "--scale", str(args.scale)]}
        paths: dict[str, Path] = {}
        for i, (scale, flags) in enumerate(stores.items()):
            db = tmp / f"store{i}.duckdb"
            built_before = args.stores / f"store{i}.duckdb" if args.stores else None
            if built_before and built_before.exists():
                say(f"copying the store of {scale} initiatives from {args.stores}")
                shutil.copy(built_before, db)
            else:
                say(f"building the store of {scale} initiatives")
                subprocess.run(
                    [sys.executable, "-m", "creative_dash", "init", "--db", str(db), *flags],
                    cwd=ROOT,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                if built_before:
                    built_before.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(db, built_before)
            peer_db = tmp / f"peer{i}.duckdb"
            shutil.copy(db, peer_db)  # a DuckDB file has one writing process
            con = duckdb.connect(str(peer_db))
            try:
                api.materialise(con, f"store{i}")
            finally:
                con.close()
            paths[scale] = db
        con = duckdb.connect(str(paths["1.5 k"]), read_only=True)
        sectors = [
            r[0] for r in con.execute("SELECT name_en FROM sectors ORDER BY sort_order").fetchall()
        ]
        con.close()
        sets = [sectors] + [sectors[:k] for k in range(1, 2 * args.reps + 1)]
        exp = {scale: expected_values(p, sets) for scale, p in paths.items()}
        say("starting our app on both stores and Superset")
        env = {"CREATIVE_DASH_DEMO_ON_START": "0"}
        for i, scale in enumerate(stores):
            servers.append(
                Server(
                    f"ours{i}",
                    "asgi.py",
                    {**env, "CREATIVE_DASH_DB": str(paths[scale])},
                    tmp / f"ours{i}.log",
                )  # fmt: skip
            )
        start_all(servers)
        superset.start()
        built = api.build(
            superset.url,
            *ADMIN,
            {f"store{i}": str(tmp / f"peer{i}.duckdb") for i in range(len(stores))},
        )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            meta.update(versions(browser.version))

            def context() -> Any:
                ctx = browser.new_context(viewport=VIEWPORT, locale="en-US")
                ctx.add_init_script(PROBE)
                ctx.on(
                    "request",
                    lambda r: None if is_local(r.url) else outside.add(r.url.split("?")[0]),
                )
                return ctx

            for i, scale in enumerate(stores):
                res["scales"].append(scale)
                ids = built[f"store{i}"]
                apps = [
                    App("ours", servers[i].url + "/?lang=en", None),
                    App(
                        "superset",
                        f"{superset.url}/superset/dashboard/{ids['dashboard']}/",
                        ids["charts"],
                    ),
                ]
                keep = context()
                for a in apps:  # warm: each server has served the page before
                    say(f"{scale}: opening {a.name}'s kept tab")
                    a.open_kept(keep, exp[scale])
                for link in links:
                    res["cells"][f"{scale}|{link}"] = {
                        a.name: {"cold": [], "warm": [], "change": []} for a in apps
                    }
                for rep in range(args.reps):
                    for link in links:
                        cell = res["cells"][f"{scale}|{link}"]
                        for a in apps:  # alternating: the machine's load hits both alike
                            into = cell[a.name]
                            try:
                                ctx = context()
                                try:
                                    into["cold"].append(a.visit(ctx, link, exp[scale]))
                                    into["warm"].append(a.visit(ctx, link, exp[scale]))
                                finally:
                                    ctx.close()
                                into["change"].append(a.change(link, exp[scale], sectors))
                                say(
                                    f"{rep + 1}/{args.reps} {scale} {link} {a.name}: cold "
                                    f"{into['cold'][-1]:.0f} ms, warm {into['warm'][-1]:.0f} "
                                    f"ms, change {into['change'][-1]:.0f} ms"
                                )
                            except Exception as exc:  # one broken cell does not stop the run
                                res["errors"].append(f"{scale} {link} {a.name}: {exc}"[:400])
                                say(f"{scale} {link} {a.name}: error {str(exc)[:300]}")
                keep.close()
            browser.close()
    finally:
        for s in servers:
            s.stop()
        superset.stop()
        OUT.mkdir(exist_ok=True)
        for log in [*(s.log_path for s in servers), superset.log]:
            if log.exists():
                shutil.copy(log, OUT / f"peer-{log.name}")
        shutil.rmtree(tmp, ignore_errors=True)
    meta["load_end"] = os.getloadavg()[0]
    meta["blocked"] = (
        "requests leaving the machine fail (Chromium resolves no other host): "
        + (", ".join(f"`{u}`" for u in sorted(outside)) or "none was made")
        + "."
    )
    (OUT / "peer.json").write_text(json.dumps(res, indent=1, default=str))
    section = report.render(res)
    report.write_section(args.out, section)
    print(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
