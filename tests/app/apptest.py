"""Running a page of the real app (app.py with its navigation) under Streamlit's AppTest."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from streamlit.runtime.state.common import user_key_from_element_id
from streamlit.testing.v1 import AppTest

from creative_dash.navigation import DEFAULT_PAGE
from creative_dash.ui import plotly_view

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
ENTRY = str(Path(__file__).resolve().parent / "entry.py")  # runs app.py; see entry.py
TIMEOUT = 60


def open_page(page: str, lang: str = "kk", **query: str) -> AppTest:
    """Run app.py, then switch to ``pages/<page>.py`` with the given query parameters."""
    at = AppTest.from_file(ENTRY, default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    if page != DEFAULT_PAGE:
        # Before the first run a page is known by its file name, as a browser's /<page> is:
        # every page's url_path is its file's stem (tests/unit/test_navigation.py).
        at.switch_page(f"../../pages/{page}.py")
    at.run()
    return at


def page_text(at: AppTest) -> str:
    """All markdown, titles, captions and errors of the page, joined."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info"):
        parts.extend(str(el.value) for el in getattr(at, kind))
    # inert text (creative_dash.text) as the reader sees it: references read, joiners dropped
    return html.unescape("\n".join(parts)).replace("\u2060", "")


@dataclass(frozen=True)
class Chart:
    """A chart the page drew (``creative_dash.ui.plotly_view``): its element id, key and figure."""

    id: str
    key: str
    sent: dict  # what the browser got (plotly_view.payload): spec, config, labels, select

    @property
    def figure(self) -> dict:
        return self.sent["spec"]

    @property
    def spec(self) -> str:
        """The figure as JSON text (to search it for markup)."""
        return json.dumps(self.sent["spec"], ensure_ascii=False)


def charts(at: AppTest) -> list[Chart]:
    """The page's charts in page order."""
    out = []
    for el in at.get("bidi_component"):
        proto = el.proto
        if proto.component_name != plotly_view.COMPONENT_NAME:
            continue
        data = plotly_view.decode(proto.bytes)
        out.append(Chart(proto.id, user_key_from_element_id(proto.id) or "", data))
    return out
