"""The frame: page config, the shared sidebar (language, region, years), navigation."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from creative_dash import ui
from creative_dash.i18n import Translator
from creative_dash.navigation import DEFAULT_PAGE, PAGES
from creative_dash.store import StoreError

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("creative_dash.app")
ROOT = Path(__file__).resolve().parent
FAVICON = ROOT / "static" / "favicon.png"

t = Translator(ui.current_lang())
# A local icon: an emoji or material icon here would be fetched from a CDN as the favicon.
st.set_page_config(
    page_title=t("app.title"), page_icon=str(FAVICON), layout="wide", initial_sidebar_state="auto"
)
try:
    ui.check_session()  # idle, disabled or removed accounts, identity provider sign-in
    lang, region, years = ui.sidebar()
    t = Translator(lang)
    pages: dict[str, list[st.Page]] = {}
    page_by_key = {}
    for spec in PAGES:
        page = st.Page(
            str(ROOT / spec.path),
            title=t(spec.title_key),
            icon=spec.icon,
            url_path=spec.key,
            default=spec.key == DEFAULT_PAGE,
            visibility="visible" if ui.in_menu(spec) else "hidden",
        )
        pages.setdefault(t(spec.section_key), []).append(page)
        page_by_key[spec.key] = page
    nav = st.navigation(pages)
    st.session_state["_pages"] = page_by_key
    ui.identity_box(t)  # who is signed in, in the sidebar
    if ui.has_demo():
        with st.container(key="demo_badge"):
            st.page_link(
                page_by_key["about"],
                label=t("app.demo_badge"),
                icon=":material/science:",
                help=t("app.demo_badge_help"),
                query_params={"lang": lang},
            )
    ui.forget_later()
    ui.run_page(nav, {spec.key: spec for spec in PAGES})  # or sign-in, if reading needs it
    ui.draw_later()  # what the page kept places for (ui.later), once its main content is sent
except StoreError as exc:
    log.error("store error: %s", exc)
    st.error(t("app.store_locked"))
except Exception:  # users see a short message in their language, the log gets the details
    log.exception("page failed")
    st.error(t("app.error"))
