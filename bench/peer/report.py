"""The pure parts of ``python -m bench.peer``: what each chart must show under a sector filter,
whether what a chart holds is that, and the section of bench/results.md."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bench import sections

SECTION_START, SECTION_END = sections.markers("peer comparison", "bench.peer")
GOAL_FILTER = 1.5  # the project at least this many times faster on a filter change
CHART_KINDS = ("map", "ranking", "sectors")
# Our overview's chart keys (Streamlit element keys) for each kind.
OUR_KEYS = {"map": "ov_map", "ranking": "ov_ranking", "sectors": "ov_sector_mix"}


# -- what the charts must show ------------------------------------------------------------------
def expected_sql(app: str) -> dict[str, str]:
    """SQL (DuckDB, on our store) of each chart's numbers under ``$sectors`` (names; every
    sector when unfiltered), over Superset's dataset (``api.dataset_sql``: the overview's
    definitions). ``app``: ours (the map of 20 regions) or superset (the map's 16)."""
    from bench.peer.api import PER_100K, dataset_sql

    def by(metric: str, column: str) -> str:
        sql = "SELECT {} AS v FROM ({}) d WHERE list_contains($sectors, sector_name) GROUP BY {}"
        return sql.format(metric, dataset_sql(), column)  # constants of bench.peer only

    ranking = by(PER_100K.format(col="population"), "region_name")
    return {
        "map": ranking if app == "ours" else by(PER_100K.format(col="map_population"), "map_code"),
        "ranking": ranking,
        "sectors": by("COUNT(DISTINCT initiative_id)", "main_sector_name"),
    }


def signature(values: Iterable[float], places: int = 2) -> list[float]:
    """A chart's numbers as a comparable list: rounded, zeros dropped (our charts list every
    region or sector, with 0 where nothing passes the filter; Superset leaves those rows out),
    sorted."""
    return sorted(r for v in values if (r := round(float(v), places)) != 0)


def matches(expected: Sequence[float], got: Sequence[float]) -> bool:
    """The chart holds the expected numbers (each within 0.01 + 0.1%: rounding of the shown
    figures), no more, no fewer."""
    exp, have = signature(expected), signature(got)
    return len(exp) == len(have) and all(
        abs(a - b) <= 0.01 + 1e-3 * abs(a) for a, b in zip(exp, have, strict=True)
    )


def plotly_values(kind: str, traces: Sequence[Mapping[str, Any]]) -> list[float]:
    """The numbers a drawn Plotly chart of ours shows: the map's colour values (z), the bars'
    lengths (x of horizontal bars, else y)."""
    if kind == "map":
        return [v for tr in traces for v in tr.get("z", [])]
    out: list[float] = []
    for tr in traces:
        if tr.get("type") != "bar":
            continue
        xs, ys = tr.get("x", []), tr.get("y", [])
        out += xs if len(xs) >= len(ys) else ys
    return out


def first_match(
    draws: Sequence[Mapping[str, Any]], kind: str, expected: Sequence[float], since: float
) -> float | None:
    """The moment of the first draw after ``since`` whose numbers are the expected ones."""
    for d in draws:
        if d["t"] > since and matches(expected, plotly_values(kind, d["traces"])):
            return float(d["t"])
    return None


def superset_shown(
    answers: Sequence[Mapping[str, Any]],
    paints: Sequence[float],
    expected: Sequence[float],
    since: float,
) -> float | None:
    """The moment a Superset chart shows the expected numbers: its first paint after the first
    answer (after ``since``) holding them."""
    for a in answers:
        if a["t"] > since and matches(expected, a["values"]):
            after = [p for p in paints if p >= a["t"]]
            return after[0] if after else None
    return None


# -- the section ---------------------------------------------------------------------------------
def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _s(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms == ms else "n/a"


def _cell(xs: Sequence[float]) -> str:
    if not xs:
        return "n/a"
    if len(xs) == 1:
        return _s(xs[0])
    return f"{_s(median(xs))} ({min(xs) / 1000:.2f}–{max(xs) / 1000:.2f})"


def verdicts(res: Mapping[str, Any]) -> list[tuple[str, bool | None, str]]:
    """(what, met (None: not measured), figures) for each part of the goal."""
    out: list[tuple[str, bool | None, str]] = []
    for scale in res["scales"]:
        for link in res["links"]:
            cell = res["cells"][f"{scale}|{link}"]
            ours, sup = cell["ours"], cell["superset"]
            f_o, f_s = median(ours["change"]), median(sup["change"])
            ratio = f_s / f_o if ours["change"] and sup["change"] else float("nan")
            ok = None if ratio != ratio else ratio >= GOAL_FILTER
            out.append(
                (
                    f"filter change, {scale}, {link} link: the project ≥ {GOAL_FILTER:g}× faster",
                    ok,
                    f"{_s(f_o)} against {_s(f_s)}: {ratio:.2f}×" if ok is not None else "n/a",
                )
            )
            for visit in ("cold", "warm"):
                v_o, v_s = median(ours[visit]), median(sup[visit])
                ok = None if not (ours[visit] and sup[visit]) else v_o <= v_s
                out.append(
                    (
                        f"first visit ({visit}), {scale}, {link} link: the project not slower",
                        ok,
                        f"{_s(v_o)} against {_s(v_s)}",
                    )
                )
    return out


def render(res: Mapping[str, Any]) -> str:
    m = res["meta"]
    lines = [
        SECTION_START,
        "## Against a peer: Apache Superset",
        "",
        f"Measured {m['started']} by `make bench-peer` (`python -m bench.peer`): {m['reps']} "
        f"repetitions of each cell, medians (min–max); load average {m['load_start']:.2f} at "
        f"the start, {m['load_end']:.2f} at the end, {m['nproc']} cores shared with other "
        "work.",
        "",
        f"- **Versions:** Apache Superset {m['superset']} (PyPI, its own virtual environment "
        f"`bench/peer/.venv`, pinned in `bench/peer/requirements.txt`; gunicorn "
        f"{m['gunicorn_workers']}), duckdb {m['duckdb']} with duckdb-engine "
        f"{m['duckdb_engine']} on both sides; the project at commit {m['commit']} "
        f"(`streamlit run asgi.py`, as `make run`), Streamlit {m['streamlit']}; Chromium "
        f"{m['chromium']}.",
        "- **Same data:** the stores of `python -m creative_dash init --demo` (1.5 k initiatives) "
        "and `--demo --scale 1000` (1.5 M). Superset reads a copy of each file (a DuckDB file "
        "opened for writing by one process cannot be opened by another) with "
        "`access_mode=read_only`, from one flat table made in that copy before it starts: a "
        "row per initiative and sector it works in (main or further: the overview's sector "
        "filter), with its region's population, its map region and the sectors' names "
        "(`bench/peer/api.py`), counted as distinct initiatives. A deployment would flatten "
        "its data so for Superset: the same SQL as a virtual dataset took about 3 s per chart "
        "query at 1.5 M initiatives, DuckDB alone.",
        "- **Same charts:** initiatives per 100,000 inhabitants on the map and in the region "
        "ranking, initiatives per sector; Superset's country map, bar charts and a native "
        "filter on the sector, built by the script through Superset's REST API. Our overview "
        "in English (`/?lang=en`), Superset's dashboard opened anonymously (the Public role, "
        "as our overview needs no sign-in); Superset's data cache on (files), as ours "
        "(st.cache_data).",
        "- **Map:** Superset's bundled Kazakhstan map is the one before 2018: 16 regions (no "
        "Abai, Zhetysu, Ulytau, Shymkent; Almaty region and Almaty city share one code). Its "
        "map shows the 20 regions' figures merged into those 16 (Abai in East Kazakhstan, "
        "Zhetysu and Almaty city in Almaty, Ulytau in Karaganda, Shymkent in South "
        "Kazakhstan); ours draws the 20 regions of today.",
        "- **First visit:** from navigation start until every chart shows its numbers; "
        "**cold**: a new browser context (empty HTTP cache), **warm**: a new tab in it (warm "
        "HTTP cache, a new session). Both servers have served the page before.",
        "- **Filter change:** one more sector added to the sector filter in a kept tab (ours: "
        "the overview's sector filter, committed when its menu closes; Superset: the native "
        "filter, committed by *Apply filters*), from the committing input until every chart "
        "shows the numbers of the new filter. Detected by the data, not by time: ours when a "
        "chart's Plotly draw holds the expected numbers (computed from the store); Superset "
        "when a chart paints (a canvas draw or an SVG change in its holder) after the "
        "chart-data answer holding the expected numbers has arrived. Each change goes to a "
        "selection neither server has had (both miss their caches).",
        f"- **Links:** local (no emulation) and the regional link of `bench.link`: "
        f"{m['link_text']}, applied to the tab (cold and warm visits, filter changes).",
        f"- **Blocked:** {m['blocked']}",
        "",
        "| store | link | app | first visit, cold | first visit, warm | filter change |",
        "|---|---|---|---|---|---|",
    ]
    for scale in res["scales"]:
        for link in res["links"]:
            cell = res["cells"][f"{scale}|{link}"]
            for app, label in (("ours", "the project"), ("superset", "Superset")):
                c = cell[app]
                lines.append(
                    f"| {scale} | {link} | {label} | {_cell(c['cold'])} | {_cell(c['warm'])} | "
                    f"{_cell(c['change'])} |"
                )
    lines += [
        "",
        "**Goal** (the project ≥ 1.5× faster than Superset on a filter change at both "
        "scales, and not slower on the first visit, on the local and the regional link):",
        "",
    ]
    vs = verdicts(res)
    for what, ok, figures in vs:
        word = "not measured" if ok is None else ("met" if ok else "**MISSED**")
        lines.append(f"- {what}: {word} ({figures}).")
    missed = [w for w, ok, _ in vs if ok is False]
    unmeasured = [w for w, ok, _ in vs if ok is None]
    lines.append("")
    if not missed and not unmeasured:
        lines.append("The goal is met in every cell.")
    else:
        lines.append(
            f"The goal is missed in {len(missed)} of {len(vs)} parts"
            + (f" and {len(unmeasured)} were not measured" if unmeasured else "")
            + "."
        )
    if res.get("errors"):
        lines += ["", "Errors during the run:", ""]
        lines += [f"- {e}" for e in res["errors"][:20]]
    lines += [
        "",
        "The machine was shared with other work during the run (the load averages above, on "
        "2 cores): the absolute times are longer than on an idle machine, for both apps "
        "alike (each repetition alternates them); compare the two apps within a row, and look "
        "at min–max before trusting a median.",
    ]
    if res.get("notes"):
        lines += [""] + list(res["notes"])
    lines += ["", SECTION_END, ""]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Put ``section`` into results.md in place of the previous one (or at the end); the rest
    of the file is kept as it is."""
    sections.write(path, section, SECTION_START, SECTION_END)


def section_of(path: Path) -> str | None:
    """This section of an existing results.md, if it has one."""
    found = [k for k in sections.kept(path) if k.startswith(SECTION_START)]
    return found[0] if found else None
