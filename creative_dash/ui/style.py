"""Page stylesheets: constant CSS kept in ``static/css/`` rather than inline in the pages."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import streamlit as st

CSS_DIR = Path(__file__).resolve().parents[2] / "static" / "css"


@cache
def css_text(name: str) -> str:
    """The text of ``static/css/<name>.css`` (read once per process)."""
    return (CSS_DIR / f"{name}.css").read_text(encoding="utf-8")


def stylesheet(name: str) -> None:
    """Add ``static/css/<name>.css`` to this run of the page (a style-only element: it takes no
    place on screen). The files hold no user data, so they are read once per process."""
    st.html(f"<style>{css_text(name)}</style>")
