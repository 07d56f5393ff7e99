"""Which pages the benchmark visits, at which URL, and which filter it changes on each.

Pages come from ``creative_dash.navigation.PAGES`` when the benchmark runs, so a new page is
measured without touching this file: by default its filter is the shared sidebar's region
selectbox and its main chart is the first chart on the page. Entries below refine that.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.browser import Filter

# Pages that cannot be opened without parameters (a poll's vote page needs ?poll=<id>).
SKIP: dict[str, str] = {
    "vote": "needs a poll id in the URL",
}
# Query strings that make a page show what it is for.
QUERY: dict[str, str] = {
    "region": "?region=KZ-71",
}
# The chart whose redraw counts as "the main chart redrawn" (default: the first on the page).
MAIN_CHART: dict[str, str] = {
    "overview": "ov_map",
    "region": "rg_peer_chart",
}
DEFAULT_FILTER = Filter("years", "slider", "sidebar years (slider)")
# Per-page filters, where the sidebar's years are not what the page is filtered by.
FILTERS: dict[str, Filter] = {
    "hubs": Filter("hubs_years", "slider", "hubs' opening years (slider)"),
    "programme": Filter("region", "selectbox", "sidebar region (selectbox)"),
}


@dataclass(frozen=True)
class Target:
    key: str
    path: str  # URL path and query, e.g. "/region?region=KZ-71"
    flt: Filter
    main_chart: str | None


def pages() -> tuple[list[Target], dict[str, str]]:
    """(pages to measure, the default page first; {page key: why it is skipped}).

    The default page comes first because a Streamlit server whose first request is a deep
    link (``/initiatives``) runs the file under pages/ without app.py (Streamlit's old
    pages-directory mode, left on until some session runs app.py's ``st.navigation``)."""
    from creative_dash.navigation import DEFAULT_PAGE, PAGES

    targets: list[Target] = []
    skipped: dict[str, str] = {}
    for spec in PAGES:
        hidden = getattr(spec, "hidden", False) or getattr(spec, "visibility", "") == "hidden"
        if spec.key in SKIP or hidden:
            skipped[spec.key] = SKIP.get(spec.key, "hidden page (needs parameters)")
            continue
        path = "/" if spec.key == DEFAULT_PAGE else f"/{spec.key}"
        targets.append(
            Target(
                spec.key,
                path + QUERY.get(spec.key, ""),
                FILTERS.get(spec.key, DEFAULT_FILTER),
                MAIN_CHART.get(spec.key),
            )
        )
    return targets, skipped


def overview_path(targets: list[Target]) -> tuple[str, str]:
    """(page key, path) on which the concurrent sessions are opened: the overview if it
    exists, else the first page measured."""
    for t in targets:
        if t.key == "overview":
            return t.key, t.path
    return targets[0].key, targets[0].path
