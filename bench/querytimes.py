"""Time the store's named queries directly, with the arguments the pages called them with."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class QueryTime:
    name: str
    params: dict[str, Any]
    runs_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)


def typical_calls(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The first call of each query: the one a page makes on landing, with default filters."""
    calls: dict[str, dict[str, Any]] = {}
    for r in records:
        calls.setdefault(r["name"], r["params"])
    return calls


def server_max_ms(records: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in records:
        out[r["name"]] = max(out.get(r["name"], 0.0), r["ms"])
    return out


def time_queries(
    location: str, calls: dict[str, dict[str, Any]], n: int, deadline: float = math.inf
) -> tuple[dict[str, QueryTime], str]:
    """Up to ``n`` timed calls of each query on the store at ``location`` (3 for a query
    slower than a second, 1 past ``deadline``, a ``time.perf_counter()`` value); also returns
    DuckDB's memory_limit as the connection reports it. (The servers have just read the same
    files, so the operating system's cache is warm for every query alike.)"""
    from creative_dash.queries import REGISTRY
    from creative_dash.store import Store

    store = Store(location, read_only=True)
    try:
        limit = str(store.scalar("SELECT current_setting('memory_limit')"))
        out: dict[str, QueryTime] = {}
        for name, params in sorted(calls.items()):
            fn = REGISTRY.get(name)
            if fn is None:
                continue
            runs: list[float] = []
            while len(runs) < n:
                t0 = time.perf_counter()
                fn(store, **params)
                runs.append((time.perf_counter() - t0) * 1000)
                if t0 > deadline or (runs[-1] > 1000 and len(runs) >= 3):
                    break
            out[name] = QueryTime(name, params, runs)
        return out, limit
    finally:
        store.close()
