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


PAGES: tuple[PageSpec, ...] = (
    PageSpec("initiatives", "pages/initiatives.py", "nav.initiatives", "nav.section_explore",
             ":material/lightbulb:"),
    PageSpec("about", "pages/about.py", "nav.about", "nav.section_info", ":material/info:"),
)

DEFAULT_PAGE = "about"
