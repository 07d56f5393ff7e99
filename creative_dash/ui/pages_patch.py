"""The one patch of Streamlit this app makes: deep links on a freshly started server.

With a ``pages/`` folder next to app.py (a layout the client fixed), Streamlit runs a page file on
its own (its old multipage mode: no sidebar, no language, file names as menu) for any request
that comes before some session has run app.py's ``st.navigation``. That is exactly what happens
when a shared link such as ``/region?region=KZ-79`` is the first request after a restart.
:func:`leave_pages_directory_mode` switches that mode off and, if the current run is such a
page-on-its-own run, reruns it through app.py. ``tests/unit/test_pages_patch.py`` fails when a
Streamlit upgrade changes the attribute patched here.

That rerun happens in the middle of the first import of ``creative_dash.ui``, and only for the
first session: when many deep links arrive at once on a fresh server (a replica restarted while
a room holds links), the other sessions waiting on that import got ``ImportError: cannot import
name 'ui'``, or ran their page alone. So the server switches the mode off before any session
starts (:func:`before_any_session`, called by asgi.py, which Streamlit loads at start); the
rerun at import remains for ``streamlit run app.py``, where nothing runs before a session.
"""

from __future__ import annotations

import streamlit as st

# The class attribute Streamlit reads to decide on the old multipage mode.
PATCHED = ("streamlit.runtime.pages_manager", "PagesManager", "uses_pages_directory")


def before_any_session() -> None:
    """Switch the old multipage mode off for the whole process; call at server start."""
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


def leave_pages_directory_mode() -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    in_old_mode = PagesManager.uses_pages_directory is True
    PagesManager.uses_pages_directory = False
    if in_old_mode and get_script_run_ctx() is not None:
        st.rerun()
