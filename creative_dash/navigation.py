"""The one list of pages: app.py builds st.navigation from it, tests compare it with pages/.

(key, file under pages/, title message key, section message key, material icon, and who sees
it: ``hidden`` pages are reachable by URL only; ``public`` pages stay open to everyone when
reading needs sign-in (CREATIVE_DASH_SIGN_IN_TO_READ); ``admin`` pages are in the menu of
ministry administrators only, and show nothing to anybody else; ``editor`` pages are in the menu
of signed-in administrators and region editors)
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
    public: bool = False  # open without sign-in even when reading needs it
    admin: bool = False  # for ministry administrators only
    editor: bool = False  # for ministry administrators and region editors


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
        public=True,
    ),
    PageSpec("hubs", "pages/hubs.py", "nav.hubs", "nav.section_explore", ":material/hub:"),
    PageSpec(
        "programme",
        "pages/programme.py",
        "nav.programme",
        "nav.section_programme",
        ":material/school:",
    ),
    PageSpec(
        "data_import",
        "pages/data_import.py",
        "nav.data_import",
        "nav.section_admin",
        ":material/upload_file:",
        editor=True,
    ),
    PageSpec(
        "users",
        "pages/users.py",
        "nav.users",
        "nav.section_admin",
        ":material/manage_accounts:",
        admin=True,
    ),
    PageSpec(
        "audit",
        "pages/audit.py",
        "nav.audit",
        "nav.section_admin",
        ":material/history:",
        admin=True,
    ),
    PageSpec(
        "sign_in",
        "pages/sign_in.py",
        "nav.sign_in",
        "nav.section_info",
        ":material/login:",
        hidden=True,
        public=True,
    ),
    PageSpec("about", "pages/about.py", "nav.about", "nav.section_info", ":material/info:"),
)

DEFAULT_PAGE = "overview"
