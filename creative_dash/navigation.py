"""The one list of pages: app.py builds st.navigation from it, tests compare it with pages/.

(key, file under pages/, title message key, section message key, material icon)
"""

from __future__ import annotations

from typing import NamedTuple


class PageSpec(NamedTuple):
    key: str
    path: str
    title_key: str
    section_key: str
    icon: str
    hidden: bool = False  # reachable by URL (e.g. the poll's join link) but not in the menu


PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "overview", "pages/overview.py", "nav.overview", "nav.section_explore", ":material/map:"
    ),
    PageSpec(
        "region", "pages/region.py", "nav.region", "nav.section_explore", ":material/location_city:"
    ),
    PageSpec(
        "initiatives",
        "pages/initiatives.py",
        "nav.initiatives",
        "nav.section_explore",
        ":material/lightbulb:",
    ),
    PageSpec("live", "pages/live.py", "nav.live", "nav.section_programme", ":material/co_present:"),
    PageSpec(
        "vote",
        "pages/vote.py",
        "live.vote.nav_title",
        "nav.section_programme",
        ":material/how_to_vote:",
        hidden=True,
    ),
    PageSpec("hubs", "pages/hubs.py", "nav.hubs", "nav.section_explore", ":material/hub:"),
    PageSpec(
        "programme",
        "pages/programme.py",
        "nav.programme",
        "nav.section_programme",
        ":material/school:",
    ),
    PageSpec("about", "pages/about.py", "nav.about", "nav.section_info", ":material/info:"),
)

DEFAULT_PAGE = "overview"
