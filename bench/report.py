"""Turn the raw figures of a run into bench/results.md: tables, then each budget in words."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

# The budgets of issue 7, all ratios within one run (the machine is shared and noisy).
TTFC_X = 1.3  # page TTFC <= 1.3 x floor TTFC
MAIN_X = 2.0  # main chart redrawn <= 2 x floor rerender
ALL_X = 1.5  # all charts redrawn <= 1.5 x floor rerender x charts the filter changes
WS_BYTES = 50_000  # websocket bytes per rerun (KB = 1000 bytes)
SCALE_X = 1.5  # rerender at 1.5 M initiatives <= 1.5 x rerender at demo scale
SESSION_BYTES = 10_000_000  # server memory per extra concurrent session (MB = 10^6 bytes)
# The rerender budget restated by issue 19: against the floor sending as many elements per rerun.
SIZED_MAIN_X = 1.3  # main chart redrawn <= 1.3 x the floor with as many elements
SIZED_LAST_X = 1.6  # last chart redrawn <= 1.6 x the floor with as many elements


@dataclass
class Stat:
    med: float
    lo: float
    hi: float
    n: int

    @classmethod
    def of(cls, values: list[float | None]) -> Stat:
        vals = [v for v in values if v is not None and not math.isnan(v)]
        if not vals:
            return cls(math.nan, math.nan, math.nan, 0)
        return cls(statistics.median(vals), min(vals), max(vals), len(vals))

    def ms(self) -> str:
        if not self.n:
            return "n/a"
        if self.n == 1:
            return f"{self.med:,.0f} ms"
        return f"{self.med:,.0f} ms ({self.lo:,.0f}–{self.hi:,.0f})"


def kb(n: float) -> str:
    return "n/a" if n is None or math.isnan(n) else f"{n / 1000:,.1f} KB"


def mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def x(r: float) -> str:
    return "n/a" if math.isnan(r) else f"{r:.2f}×"


def ok(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "**MISSED**")


def _vals(samples: dict[str, Any], kind: str, key: str) -> list[float | None]:
    return [s.get(key) for s in samples.get(kind, [])]


def _elements(samples: list[dict[str, Any]]) -> dict[str, float]:
    """Median bytes of each element over the samples (0 where a sample lacks it)."""
    per: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        for k in s.get("elements", {}):
            per[k]
    for s in samples:
        for k in per:
            per[k].append(s.get("elements", {}).get(k, 0))
    return {k: statistics.median(v) for k, v in per.items()}


def _top(elements: dict[str, float], n: int = 5) -> str:
    items = sorted(elements.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"`{k}` {kb(v)}" for k, v in items if v) or "—"


def _queries(samples: dict[str, Any]) -> str:
    """Queries run per rerun (cache misses) and their time inside the server, medians."""
    n = Stat.of(_vals(samples, "changes", "queries"))
    ms = Stat.of(_vals(samples, "changes", "query_ms"))
    return "n/a" if not n.n else f"{n.med:.0f} ({ms.med:,.0f} ms)"


def _charts(samples: list[dict[str, Any]], field: str = "redrawn") -> list[tuple[str, float]]:
    """(chart key, median ms of ``field``: to its redraw, or to its first draw), slowest first."""
    per: dict[str, list[float]] = defaultdict(list)
    for c in samples:
        for k, ms in (c.get(field) or {}).items():
            per[k].append(ms)
    return sorted(((k, statistics.median(v)) for k, v in per.items()), key=lambda kv: -kv[1])


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]


def _list(items: list[str], limit: int = 20) -> list[str]:
    out = [f"- `{i[:400]}`" for i in items[:limit]]
    if len(items) > limit:
        out.append(f"- … and {len(items) - limit} more")
    return out + [""]


def element_cost(res: dict[str, Any]) -> list[tuple[str, Stat, Stat]]:
    """The floor and the floor with filler rows: [(label, elements sent per rerun, chart
    redrawn)], fewest elements first."""
    rows = [
        (
            "floor",
            Stat.of(_vals(res["floor"], "changes", "deltas")),
            Stat.of(_vals(res["floor"], "changes", "main_ms")),
        )
    ]
    for n, f in sorted(res.get("filler", {}).items(), key=lambda kv: int(kv[0])):
        rows.append(
            (
                f"floor + {n} filler rows",
                Stat.of(_vals(f, "changes", "deltas")),
                Stat.of(_vals(f, "changes", "main_ms")),
            )
        )
    return [r for r in rows if r[1].n and r[2].n]


def floor_with(points: list[tuple[float, float]], elements: float) -> float:
    """The floor's chart redraw with ``elements`` elements sent per rerun: linear between the
    measured (elements, ms) points, the last segment's slope beyond them."""
    pts = sorted(points)
    if len(pts) < 2 or math.isnan(elements):
        return math.nan
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if elements <= x1 or (x1, y1) == pts[-1]:
            return y0 + (y1 - y0) * (elements - x0) / (x1 - x0) if x1 != x0 else y1
    return math.nan


def sized_reasons(res: dict[str, Any], points: list[tuple[float, float]]) -> list[str]:
    """In words, per page that misses a budget against the floor sending as many elements,
    what its rerun does that the floor with filler rows does not: its script's run, its
    queries and its server CPU, measured in the same run."""
    fillers = [v for _, v in sorted(res.get("filler", {}).items(), key=lambda kv: int(kv[0]))]
    biggest = fillers[-1] if fillers else res.get("floor", {})
    f_run = Stat.of(_vals(biggest, "changes", "rerun_ms")).med
    f_cpu = Stat.of(_vals(biggest, "changes", "cpu_ms")).med
    out = []
    for key, p in res.get("pages", {}).items():
        d = p.get("demo", {})
        sent = Stat.of(_vals(d, "changes", "deltas"))
        main = Stat.of(_vals(d, "changes", "main_ms"))
        last = Stat.of(_vals(d, "changes", "all_ms"))
        if not sent.n or not main.n:
            continue
        same = floor_with(points, sent.med)
        if ratio(main.med, same) <= SIZED_MAIN_X and ratio(last.med, same) <= SIZED_LAST_X:
            continue
        run = Stat.of(_vals(d, "changes", "rerun_ms")).med
        cpu = Stat.of(_vals(d, "changes", "cpu_ms")).med
        q_n = Stat.of(_vals(d, "changes", "queries")).med
        q_ms = Stat.of(_vals(d, "changes", "query_ms")).med
        text = (
            f"{key}: its main chart took {main.med:,.0f} ms, {main.med - same:,.0f} ms more than "
            f"the floor sending as many elements ({same:,.0f} ms). Its script ran "
            f"{run:,.0f} ms per rerun against the filler floor's {f_run:,.0f} ms, with "
            f"{q_n:.0f} queries ({q_ms:,.0f} ms) and {cpu:,.0f} ms of server CPU against "
            f"{f_cpu:,.0f} ms: the queries and the figures the page builds come before each "
            "chart's message leaves the server, in one Python process per rerun."
        )
        if last.med > run:
            text += (
                f" Its last chart ({last.med:,.0f} ms) is drawn after the script's end: it "
                "waits for the whole run, and for the browser to render every element before it."
            )
        out.append(text)
    return out


def _verdict(title: str, misses: list[str], met_text: str = "met on every page.") -> str:
    return f"{title}: " + (f"**MISSED** on {'; '.join(misses)}." if misses else met_text)


def render(res: dict[str, Any]) -> str:
    meta = res["meta"]
    floor = res["floor"]
    ff = floor.get("first", {})
    pages: dict[str, Any] = res["pages"]
    f_ttfc = Stat.of(_vals(floor, "loads", "ttfc_ms"))
    f_re = Stat.of(_vals(floor, "changes", "main_ms"))
    f_bytes = Stat.of(_vals(floor, "changes", "ws_bytes"))
    f_cpu = Stat.of(_vals(floor, "changes", "cpu_ms"))
    v = meta["versions"]
    stores = meta.get("stores", {})
    duck = meta.get("duckdb", {})
    big_n = stores.get("big", {}).get("initiatives", 0)
    verdicts: list[str] = []
    body: list[str] = []
    w = body.append

    # -- page load ------------------------------------------------------------------------------
    w("## Page load: navigation → script finished and every chart drawn (TTFC)")
    w("")
    w(
        "A new tab each time (a new Streamlit session), warm server caches and warm browser "
        f"cache; budget ≤ {TTFC_X}× the floor's TTFC. First visits are in the last table."
    )
    w("")
    rows = [
        [
            "*floor*",
            "1",
            f_ttfc.ms(),
            "1.00×",
            "",
            Stat.of(_vals(floor, "loads", "script_ms")).ms(),
            kb(Stat.of(_vals(floor, "loads", "ws_bytes")).med),
            Stat.of(_vals(floor, "loads", "cpu_ms")).ms(),
        ]
    ]
    misses = []
    for key, p in pages.items():
        d = p["demo"]
        t = Stat.of(_vals(d, "loads", "ttfc_ms"))
        r = ratio(t.med, f_ttfc.med)
        met = None if math.isnan(r) else r <= TTFC_X
        if met is False:
            misses.append(f"{key} ({x(r)})")
        rows.append(
            [
                key,
                f"{Stat.of(_vals(d, 'loads', 'charts')).med:.0f}",
                t.ms(),
                x(r),
                ok(met),
                Stat.of(_vals(d, "loads", "script_ms")).ms(),
                kb(Stat.of(_vals(d, "loads", "ws_bytes")).med),
                Stat.of(_vals(d, "loads", "cpu_ms")).ms(),
            ]
        )
    body += _table(
        [
            "page",
            "charts",
            "TTFC",
            "× floor",
            "budget",
            "of which: script finished",
            "bytes on load",
            "server CPU",
        ],
        rows,
    )
    verdicts.append(_verdict(f"TTFC ≤ {TTFC_X}× floor", misses))

    # -- filter change --------------------------------------------------------------------------
    w("## Filter change → charts redrawn (demo store)")
    w("")
    w(
        "From the browser sending the rerun to each chart's first `plotly_afterplot`. The "
        "change is made in a tab kept open, each time to a value that tab has not had, so the "
        "server's caches miss as they do for a user exploring (the 'queries run' column shows "
        f"it). Budgets: main chart ≤ {MAIN_X}× the floor's rerender; all charts ≤ {ALL_X}× "
        f"the floor's rerender × the charts the filter redraws; ≤ {kb(WS_BYTES)} over the "
        "websocket per rerun (checked on both stores, worst rerun)."
    )
    w("")
    rows = [
        [
            "*floor*",
            "selectbox",
            "1 / 1",
            f_re.ms(),
            "1.00×",
            f_re.ms(),
            "",
            Stat.of(_vals(floor, "changes", "rerun_ms")).ms(),
            f"{Stat.of(_vals(floor, 'changes', 'deltas')).med:.0f}",
            f"{Stat.of(_vals(floor, 'changes', 'runs')).med:.0f}",
            "0",
            kb(f_bytes.med),
            f_cpu.ms(),
            "",
        ]
    ]
    main_miss, all_miss, bytes_miss, no_chart = [], [], [], []
    cost_rows = element_cost(res)
    points = [(d.med, r.med) for _, d, r in cost_rows]
    for key, p in pages.items():
        d = p["demo"]
        changes = d.get("changes", [])
        main = Stat.of(_vals(d, "changes", "main_ms"))
        allc = Stat.of(_vals(d, "changes", "all_ms"))
        changed = Stat.of(_vals(d, "changes", "changed"))
        charts = Stat.of(_vals(d, "changes", "charts"))
        rm = ratio(main.med, f_re.med)
        main_met = None if math.isnan(rm) else rm <= MAIN_X
        limit = ALL_X * f_re.med * changed.med if changed.n and changed.med else math.nan
        all_met = None if math.isnan(limit) else allc.med <= limit
        every = changes + p["big"].get("changes", [])
        worst = max([c["ws_bytes"] for c in every] or [0])
        bytes_met = None if not every else worst <= WS_BYTES
        if main_met is False:
            same = floor_with(points, Stat.of(_vals(d, "changes", "deltas")).med)
            sized = "" if math.isnan(same) else f"; {x(ratio(main.med, same))} the floor sending"
            main_miss.append(
                f"{key} ({x(rm)}, {main.med:,.0f} ms{sized + ' as many elements' if sized else ''})"
            )
        if all_met is False:
            all_miss.append(f"{key} ({allc.med:,.0f} ms > {limit:,.0f} ms)")
        if bytes_met is False:
            bytes_miss.append(f"{key} (up to {kb(worst)})")
        if changes and not changed.med:
            no_chart.append(key)
        main_name = next((c["main_key"] for c in changes if c.get("main_key")), None)
        rows.append(
            [
                key,
                p["filter"],
                "n/a" if not changed.n else f"{changed.med:.0f} / {charts.med:.0f}",
                main.ms() + (f" `{main_name}`" if main_name else ""),
                x(rm),
                allc.ms(),
                "n/a" if math.isnan(limit) else f"{limit:,.0f} ms",
                Stat.of(_vals(d, "changes", "rerun_ms")).ms(),
                f"{Stat.of(_vals(d, 'changes', 'deltas')).med:.0f}",
                f"{Stat.of(_vals(d, 'changes', 'runs')).med:.0f}",
                _queries(d),
                f"{kb(Stat.of(_vals(d, 'changes', 'ws_bytes')).med)} (max {kb(worst)})",
                Stat.of(_vals(d, "changes", "cpu_ms")).ms(),
                f"main {ok(main_met)}, all {ok(all_met)}, bytes {ok(bytes_met)}",
            ]
        )
    body += _table(
        [
            "page",
            "filter",
            "redrawn / charts",
            "main chart",
            "× floor",
            "all charts",
            "budget all",
            "script run",
            "elements sent",
            "script runs",
            "queries run (ms)",
            "ws bytes / rerun",
            "server CPU / rerun",
            "budgets",
        ],
        rows,
    )
    na = f" (not applicable where the filter redraws no chart: {', '.join(no_chart)})"
    verdicts.append(
        _verdict(
            f"Main chart redrawn ≤ {MAIN_X}× floor rerender (the first budget, restated by "
            "issue 19 as the two budgets against the floor sending as many elements below: "
            "the floor itself takes 2–3× its own rerender once it sends as many elements as a "
            "page, see 'What a page's other elements cost its main chart')",
            main_miss,
            "met on every page" + (na if no_chart else "") + ".",
        )
    )
    verdicts.append(
        _verdict(
            f"All charts redrawn ≤ {ALL_X}× floor rerender per chart redrawn (the first "
            "budget, restated by issue 19 likewise)",
            all_miss,
            "met on every page" + (na if no_chart else "") + ".",
        )
    )
    verdicts.append(
        _verdict(
            f"Websocket bytes per rerun ≤ {kb(WS_BYTES)}",
            bytes_miss,
            "met on every page (both stores, worst rerun).",
        )
    )

    # -- what a page's other elements cost ---------------------------------------------------------
    if len(cost_rows) > 1:
        w("## What a page's other elements cost its main chart (the floor with filler rows)")
        w("")
        w(
            "The floor app with rows of filler under its chart (`?filler=N`: a metric and a "
            "caption in two columns, five elements a row, their values changing with the "
            "selection), measured in the same repetitions as the floor. The chart is sent "
            "first, and still waits: Streamlit sends a page whole on every rerun and the "
            "browser renders every element again, on the main thread that draws the chart."
        )
        w("")
        base = cost_rows[0][2].med
        rows = [
            [label, f"{deltas.med:.0f}", redraw.ms(), x(ratio(redraw.med, base))]
            for label, deltas, redraw in cost_rows
        ]
        body += _table(["variant", "elements sent per rerun", "chart redrawn", "× floor"], rows)
        rows = []
        sized_main, sized_last = [], []
        for key, p in pages.items():
            sent = Stat.of(_vals(p["demo"], "changes", "deltas"))
            main = Stat.of(_vals(p["demo"], "changes", "main_ms"))
            last = Stat.of(_vals(p["demo"], "changes", "all_ms"))
            if not sent.n or not main.n:
                continue
            same = floor_with(points, sent.med)
            r_main, r_last = ratio(main.med, same), ratio(last.med, same)
            m_ok = None if math.isnan(r_main) else r_main <= SIZED_MAIN_X
            l_ok = None if math.isnan(r_last) else r_last <= SIZED_LAST_X
            if m_ok is False:
                sized_main.append(f"{key} ({x(r_main)})")
            if l_ok is False:
                sized_last.append(f"{key} ({x(r_last)})")
            rows.append(
                [
                    key,
                    f"{sent.med:.0f}",
                    f"{main.med:,.0f} ms",
                    f"{same:,.0f} ms ({x(ratio(same, base))} floor)",
                    x(r_main),
                    ok(m_ok),
                    f"{last.med:,.0f} ms",
                    x(r_last),
                    ok(l_ok),
                ]
            )
        verdicts.append(
            _verdict(
                f"Main chart redrawn ≤ {SIZED_MAIN_X}× the floor sending as many elements "
                "(issue 19)",
                sized_main,
            )
        )
        verdicts.append(
            _verdict(
                f"Last chart redrawn ≤ {SIZED_LAST_X}× the floor sending as many elements "
                "(issue 19)",
                sized_last,
            )
        )
        w(
            "Each page against the floor sending as many elements (linear between the measured "
            "variants): the part of a page's main-chart time that its size alone explains."
        )
        w("")
        body += _table(
            [
                "page",
                "elements sent per rerun",
                "main chart",
                "floor with as many elements",
                "main / that floor",
                f"≤ {SIZED_MAIN_X}×",
                "last chart",
                "last / that floor",
                f"≤ {SIZED_LAST_X}×",
            ],
            rows,
        )
        reasons = sized_reasons(res, points)
        if reasons:
            w("")
            w(
                "Why the pages miss these budgets (read from this run; the floor with filler "
                "rows sends as many elements but runs no query and builds no figure):"
            )
            w("")
            body += [f"- {r}" for r in reasons] + [""]

    # -- scale ----------------------------------------------------------------------------------
    w(f"## {big_n:,} initiatives against the demo store (the same filter values)")
    w("")
    w(
        f"Budget: a page's rerender (all charts) ≤ {SCALE_X}× its rerender at demo scale. "
        f"DuckDB memory_limit {duck.get('memory_limit_setting')} "
        f"(CREATIVE_DASH_DUCKDB_MEMORY_LIMIT; the connection reports "
        f"{duck.get('memory_limit_big', '?')}), {duck.get('threads')} threads."
    )
    w("")
    rows, misses = [], []
    for key, p in pages.items():
        d, b = p["demo"], p["big"]
        a1 = Stat.of(_vals(d, "changes", "all_ms"))
        a2 = Stat.of(_vals(b, "changes", "all_ms"))
        r = ratio(a2.med, a1.med)
        met = None if math.isnan(r) else r <= SCALE_X
        if met is False:
            misses.append(f"{key} ({x(r)}: {a1.med:,.0f} → {a2.med:,.0f} ms)")
        rows.append(
            [
                key,
                a1.ms(),
                a2.ms(),
                x(r),
                ok(met),
                Stat.of(_vals(b, "changes", "rerun_ms")).ms(),
                _queries(b),
                Stat.of(_vals(b, "changes", "cpu_ms")).ms(),
            ]
        )
    body += _table(
        [
            "page",
            "rerender demo",
            "rerender large",
            "ratio",
            "budget",
            "script run large",
            "queries run (ms) large",
            "server CPU / rerun large",
        ],
        rows,
    )
    verdicts.append(
        _verdict(f"Rerender at {big_n:,} initiatives ≤ {SCALE_X}× demo scale", misses)
        + f" DuckDB memory_limit is set explicitly: {duck.get('memory_limit_setting')}."
    )

    # -- per chart ------------------------------------------------------------------------------
    w("## Where a rerender's time goes: each chart's redraw (median ms after the rerun was sent)")
    w("")
    w(
        "On load: ms from navigation start to each chart's first draw (demo store, new tabs). "
        "After a filter change: ms from the rerun sent to each chart's redraw."
    )
    w("")
    rows = []
    for key, p in pages.items():
        per = _charts(p["demo"].get("loads", []), "drawn")
        if per:
            rows.append([key, "load, demo", ", ".join(f"`{k}` {v:,.0f}" for k, v in per)])
        for store, label in (("demo", "demo"), ("big", "large")):
            per = _charts(p[store].get("changes", []))
            if per:
                rows.append([key, f"change, {label}", ", ".join(f"`{k}` {v:,.0f}" for k, v in per)])
    if rows:
        body += _table(["page", "when", "charts, slowest first"], rows)
    else:
        w("No chart drew.")
        w("")

    # -- chart specs ----------------------------------------------------------------------------
    w("## Largest parts of the chart specs sent (bytes of UTF-8 JSON, ≥ 2 KB)")
    w("")
    rows = []
    for key, p in pages.items():
        parts: dict[str, int] = {}
        for store in ("demo", "big"):
            for phase in ("loads", "changes"):
                for sample in p[store].get(phase, []):
                    for k, n in (sample.get("chart_parts") or {}).items():
                        parts[k] = max(parts.get(k, 0), n)
        top = sorted(parts.items(), key=lambda kv: -kv[1])[:6]
        if top:
            rows.append([key, ", ".join(f"`{k}` {kb(n)}" for k, n in top)])
    if rows:
        body += _table(["page", "parts, largest first"], rows)
    else:
        w("No part of a chart spec reaches 2 KB.")
        w("")

    # -- memory ---------------------------------------------------------------------------------
    mem = res.get("memory", {})
    w(f"## Server memory with concurrent sessions (`{mem.get('page', '?')}`, demo store)")
    w("")
    if "rss_n" in mem:
        n = mem["sessions"]
        per = (mem["rss_n"] - mem["rss_1"]) / (n - 1)
        met = per <= SESSION_BYTES
        w(
            f"VmRSS of a freshly started streamlit process: {mb(mem['rss_before'])} before any "
            f"session, {mb(mem['rss_1'])} with 1 session, {mb(mem['rss_n'])} with {n} open at "
            f"once: **{mb(per)} per extra session** (budget ≤ {mb(SESSION_BYTES)}: {ok(met)})."
        )
        trend = mem.get("rss_by_sessions") or {}
        if trend:
            w("")
            w(
                "Along the way: "
                + ", ".join(f"{k} sessions {mb(v)}" for k, v in trend.items())
                + ". The 20 tabs do not load the Plotly bundle (the server's share of a session "
                "does not depend on the browser drawing), so the two cores stay with the server."
            )
        verdicts.append(
            f"{n} concurrent sessions add ≤ {mb(SESSION_BYTES)} of server memory per session: "
            + ("met" if met else "**MISSED**")
            + f" ({mb(per)} per session)."
        )
    else:
        w(f"Not measured: {mem.get('error', 'no figures')}")
        verdicts.append(f"Concurrent sessions: not measured ({mem.get('error', '?')[:200]}).")
    w("")

    # -- requests -------------------------------------------------------------------------------
    outside = res.get("outside", [])
    w("## Requests that left localhost")
    w("")
    if outside:
        body.extend(_list(outside))
    else:
        w("None: every request and websocket of every tab in the run went to 127.0.0.1.")
        w("")
    verdicts.append(
        "No request leaves localhost: "
        + (f"**MISSED** ({len(outside)} distinct, e.g. `{outside[0]}`)." if outside else "met.")
    )

    # -- queries --------------------------------------------------------------------------------
    q = res.get("queries", {})
    if q:
        w(f"## Queries called directly (median of {q['n']} calls)")
        w("")
        w(
            "Every registered query the pages ran, with the arguments of its first call (the "
            "pages' landing filters). The last column is the slowest cache miss of that query "
            "inside the large store's server during the browser runs (any filter values)."
        )
        w("")
        srv = q.get("server_max_ms", {}).get("big", {})
        rows = []
        for name in sorted(q.get("demo", {}), key=lambda n: -Stat.of(q["big"].get(n, [])).med):
            a = Stat.of(q["demo"][name])
            b = Stat.of(q.get("big", {}).get(name, []))
            slow = srv.get(name)
            rows.append(
                [
                    f"`{name}`",
                    a.ms(),
                    b.ms(),
                    x(ratio(b.med, a.med)),
                    "—" if slow is None else f"{slow:,.0f} ms",
                ]
            )
        body += _table(["query", "demo", "large", "×", "slowest in server, large"], rows)

    # -- payloads -------------------------------------------------------------------------------
    w("## Websocket payload by element (median bytes, demo store, largest first)")
    w("")
    rows = [
        [
            "*floor*",
            _top(_elements(floor.get("loads", []))),
            _top(_elements(floor.get("changes", []))),
        ]
    ]
    for key, p in pages.items():
        d = p["demo"]
        rows.append(
            [key, _top(_elements(d.get("loads", []))), _top(_elements(d.get("changes", [])))]
        )
    body += _table(["page", "on load", "per rerun"], rows)

    # -- first visits ---------------------------------------------------------------------------
    w(
        "## First visits (cold server caches; the first tab of each server also has a cold "
        "browser cache)"
    )
    w("")
    rows = [
        [
            "*floor*",
            Stat.of(_vals(ff, "loads", "ttfc_ms")).ms(),
            Stat.of(_vals(ff, "changes", "main_ms")).ms(),
            "",
            "",
        ]
    ]
    for key, p in pages.items():
        d, b = p["demo"].get("first", {}), p["big"].get("first", {})
        rows.append(
            [
                key,
                Stat.of(_vals(d, "loads", "ttfc_ms")).ms(),
                Stat.of(_vals(d, "changes", "all_ms")).ms(),
                Stat.of(_vals(b, "loads", "ttfc_ms")).ms(),
                Stat.of(_vals(b, "changes", "all_ms")).ms(),
            ]
        )
    body += _table(["page", "TTFC demo", "rerender demo", "TTFC large", "rerender large"], rows)

    # -- what went wrong ------------------------------------------------------------------------
    errors = [
        f"{k} ({s}): {e}"
        for k, p in pages.items()
        for s in ("demo", "big")
        for part in (p[s].get("first", {}), p[s])
        for e in part.get("errors", [])
    ]
    errors += [f"floor: {e}" for e in ff.get("errors", []) + floor.get("errors", [])]
    for title, items in (
        ("Pages that showed an error", res.get("page_errors", [])),
        ("Measurements that failed", errors),
        ("HTTP errors", res.get("http_errors", [])),
        ("Browser console errors", res.get("console", [])),
    ):
        if items:
            w(f"## {title}")
            w("")
            body.extend(_list(items))
    if res.get("page_errors"):
        verdicts.append(
            f"Pages showed errors ({len(res['page_errors'])}): see 'Pages that showed an error'."
        )

    # -- head -----------------------------------------------------------------------------------
    head = [
        "# Benchmark results",
        "",
        f"`{meta['command']}` — {meta['started']}, {meta['reps']} repetitions"
        + (
            f" (of {meta['reps_planned']} planned: the time budget stopped the others)"
            if meta.get("reps_planned", meta["reps"]) != meta["reps"]
            else ""
        )
        + ", whole run "
        f"{meta.get('elapsed_s', 0) / 60:.1f} min. Figures are medians over the repetitions with "
        "(min–max); every budget is a ratio to the floor app measured in the same run, "
        "alternating floor and page.",
        "",
        f"- Machine: {meta['nproc']} CPUs ({meta.get('cpu', '?')}), "
        f"{meta.get('mem_bytes', 0) / 2**30:.1f} GiB memory; load average "
        f"{meta['load_start'][0]:.1f} at the start, {meta.get('load_end', [math.nan])[0]:.1f} at "
        "the end (a shared machine: other work ran during the measurements).",
        f"- Versions: Python {v['python']}, Streamlit {v['streamlit']}, Plotly {v['plotly']}, "
        f"DuckDB {v['duckdb']}, pandas {v['pandas']}, Chromium {v.get('chromium', '?')} "
        f"(Debian, headless), Playwright {v['playwright']}.",
    ]
    for name, label in (("demo", "demo"), ("big", "large")):
        s = stores.get(name)
        if s:
            scale = f" --scale {s['scale']}" if s["scale"] > 1 else ""
            head.append(
                f"- Store *{label}*: `init --demo{scale}`, {s['initiatives']:,} initiatives, "
                f"built in {s['build_s']:.1f} s."
            )
    head += [
        f"- DuckDB memory_limit: `CREATIVE_DASH_DUCKDB_MEMORY_LIMIT="
        f"{duck.get('memory_limit_setting')}` (reported by the connection: "
        f"{duck.get('memory_limit_demo', '?')}), threads {duck.get('threads')}.",
        f"- Floor (`bench/floor_app.py`: one selectbox, one 20-bar chart): TTFC {f_ttfc.ms()}, "
        f"rerender {f_re.ms()}, {kb(f_bytes.med)} and {f_cpu.ms()} of server CPU per rerun.",
    ]
    if res.get("skipped"):
        head.append(
            "- Not measured: "
            + "; ".join(f"`{k}` ({why})" for k, why in res["skipped"].items())
            + "."
        )
    head += ["", "## Budgets", "", *(f"- {v}" for v in verdicts), ""]
    return "\n".join(head + body) + "\n"
