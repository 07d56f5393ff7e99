"""Running a page of the real app (app.py with its navigation) under Streamlit's AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from creative_dash.navigation import DEFAULT_PAGE

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 60


def open_page(page: str, lang: str = "kk", **query: str) -> AppTest:
    """Run app.py, then switch to ``pages/<page>.py`` with the given query parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page != DEFAULT_PAGE:  # the first run shows the default page
        at.switch_page(f"pages/{page}.py")
        at.run()
    return at


def page_text(at: AppTest) -> str:
    """All markdown, titles, captions and errors of the page, joined."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info"):
        parts.extend(str(el.value) for el in getattr(at, kind))
    return "\n".join(parts)
