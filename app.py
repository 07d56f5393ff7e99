"""The frame: page config, the shared sidebar (language, region, years), navigation; the health
check's run (the store's state) and what users see when the store fails."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from creative_dash import settings
from creative_dash.store import open_store, store_fault

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
settings.redact_logs()  # no log line shows a password, whoever writes it
log = logging.getLogger("creative_dash.app")
ROOT = Path(__file__).resolve().parent
FAVICON = ROOT / "static" / "favicon.png"


def health_probe() -> bool:
    """True in the run that Streamlit's script health check makes (``GET
    /_stcore/script-health-check``, on with ``server.scriptHealthCheckEnabled``): a session that
    is not one of the server's, no browser behind it. False under AppTest (no server)."""
    from streamlit import runtime
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if not runtime.exists():
        return False
    ctx = get_script_run_ctx()
    return ctx is not None and not runtime.get_instance().is_active_session(ctx.session_id)


# The health check reports the store, not only the web server: its run checks the store and
# raises the store's fault (HTTP 503, the fault in the log) or stops here (200), drawing nothing.
# Before creative_dash.ui is imported: its first import may rerun a run (ui/pages_patch.py),
# which the health check would take for a success.
if health_probe():
    try:
        open_store(settings.db_location()).check()
    except Exception as exc:
        fault = store_fault(exc, settings.db_location())
        log.error("health check: %s", fault or exc)
        if fault is None:
            raise
        raise fault from None
    st.stop()

from creative_dash import ui  # noqa: E402
from creative_dash.i18n import Translator  # noqa: E402
from creative_dash.navigation import DEFAULT_PAGE, PAGES  # noqa: E402

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
                help=ui.demo_badge_help(t),  # what is demo, what is official
                query_params={"lang": lang},
            )
    else:  # a store of reference data only says so on every page, and links to what is missing
        ui.reference_badge(t)
    ui.forget_later()
    ui.later(ui.url_notice, last=True)  # names what the link gave that the page ignored
    ui.run_page(nav, {spec.key: spec for spec in PAGES})  # or sign-in, if reading needs it
    ui.draw_later()  # what the page kept places for (ui.later), once its main content is sent
    ui.sources_footer(t, nav)  # where the page's figures come from, and their dates
except Exception as exc:  # users see a short message in their language, the log the details
    fault = store_fault(exc, settings.db_location())
    if fault is None:
        log.exception("page failed")
        st.error(t("app.error"))
    else:  # what is wrong with the store, and who can do what about it
        log.error("store fault: %s", fault)
        st.error(t(fault.message_key))
        if ui.passes_by_itself(fault):
            ui.retry_when_back(t)  # and the page comes back by itself
