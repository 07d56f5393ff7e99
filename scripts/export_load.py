"""Many users downloading at once: N concurrent 25,000-row initiative exports in one process,
as the server builds them (the page's query and ``views.initiatives.export_file`` through the
export gate), with the process's memory growth and the timings.

    python scripts/export_load.py --db big.duckdb [--kind xlsx --kind csv] [--concurrent 10]
                                  [--rows 25000] [--no-gate]

A store with 25,500 initiatives: ``python -m creative_dash init --db big.duckdb --demo
--scale 17``. Prints one JSON object per kind; tests/unit/test_export_load.py runs it.

Memory is the peak resident set size (Linux ``VmHWM``, reset before the exports start) above
the resident size of the idle process, which has imported everything and built one small export.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from creative_dash import export  # noqa: E402
from creative_dash.i18n import Translator  # noqa: E402
from creative_dash.queries import initiatives as iq  # noqa: E402
from creative_dash.store import open_store  # noqa: E402
from creative_dash.views.initiatives import export_file  # noqa: E402


def _status_mb(field: str) -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1)) / 1024  # type: ignore[union-attr]


class PeakRss:
    """The process's peak resident size since ``reset``: the kernel's high-water mark when it
    can be reset, else sampled every 5 ms."""

    def __init__(self) -> None:
        self._sampled = 0.0
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def reset(self) -> None:
        try:
            Path("/proc/self/clear_refs").write_text("5")
            self._kernel = True
        except OSError:
            self._kernel = False
            self._sampled = _status_mb("VmRSS")
            self._stop.clear()
            self._sampler = threading.Thread(target=self._sample, daemon=True)
            self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self._sampled = max(self._sampled, _status_mb("VmRSS"))

    def peak(self) -> float:
        if self._kernel:
            return _status_mb("VmHWM")
        self._stop.set()
        if self._sampler:
            self._sampler.join()
        return max(self._sampled, _status_mb("VmRSS"))


def run(db: str, kind: str, concurrent: int, rows: int, gated: bool) -> dict[str, Any]:
    store = open_store(db)
    t = Translator("kk")
    regions = dict(store.query("SELECT iso_code, name_kk FROM regions").itertuples(index=False))
    sectors = dict(store.query("SELECT code, name_kk FROM sectors").itertuples(index=False))

    running = 0
    most = 0
    lock = threading.Lock()

    def build(limit: int) -> bytes:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            df = iq.initiatives_export(store, limit=limit)
            return export_file(df, t, kind, regions, sectors)
        finally:
            with lock:
                running -= 1

    build(50)  # warm: every module imported, the store's tables read once
    running = most = 0
    idle = _status_mb("VmRSS")
    peak = PeakRss()
    # (no GATE before the gate was built: every export then ran at once)
    gate = getattr(export, "GATE", None) if gated else None
    start = threading.Barrier(concurrent)
    results: list[dict[str, Any]] = []

    def one() -> None:
        start.wait()
        began = time.perf_counter()
        try:
            if gate is None:
                data = build(rows)
            else:
                data = gate.guarded(lambda: build(rows), export.Outcomes())()
            outcome = {"ok": True, "bytes": len(data)}
        except export.ExportBusy:
            outcome = {"ok": False}
        outcome["seconds"] = round(time.perf_counter() - began, 2)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(concurrent)]
    peak.reset()
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    top = peak.peak()
    done = [r for r in results if r["ok"]]
    return {
        "kind": kind,
        "rows": rows,
        "concurrent": concurrent,
        "gated": gated,
        "slots": gate.slots if gate else None,
        "idle_mb": round(idle, 1),
        "peak_mb": round(top, 1),
        "growth_mb": round(top - idle, 1),
        "built": len(done),
        "refused": len(results) - len(done),
        "most_at_once": most,
        "wall_s": round(wall, 2),
        "build_s": sorted(r["seconds"] for r in done),
        "file_bytes": sorted({r["bytes"] for r in done}),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--kind", action="append", choices=("xlsx", "csv"))
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--rows", type=int, default=iq.XLSX_CAP)
    parser.add_argument("--no-gate", action="store_true", help="build every export at once")
    args = parser.parse_args(argv)
    for kind in args.kind or ["xlsx", "csv"]:
        print(json.dumps(run(args.db, kind, args.concurrent, args.rows, not args.no_gate)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
