"""URL-bound values without a widget (``ui.UrlValue``), in a one-widget app under AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.apptest import TIMEOUT


def counter_app() -> None:
    import streamlit as st

    from creative_dash.ui import UrlValue

    page = UrlValue("page", lambda s: int(s) if s.isdigit() and int(s) > 0 else None, default=1)
    st.button("next", key="next", on_click=lambda: page.set(page.get() + 1))
    st.button("first", key="first", on_click=page.set, args=(1,))
    st.button("clear", key="clear", on_click=page.clear)
    st.text(f"given={page.given()} page={page.get()}")  # after the callbacks' writes


def run(**query: str) -> AppTest:
    at = AppTest.from_function(counter_app, default_timeout=TIMEOUT)
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def shown(at: AppTest) -> str:
    return at.text[0].value


def test_a_url_value_reads_the_link_and_falls_back_to_its_default():
    assert shown(run()) == "given=False page=1"
    assert shown(run(page="4")) == "given=True page=4"
    for bad in ("0", "x", "-2"):
        assert shown(run(page=bad)) == "given=True page=1"  # given, not accepted


def test_a_url_value_is_written_and_removed_at_its_default():
    at = run()
    at.button(key="next").click().run()
    assert at.query_params["page"] in ("2", ["2"])
    at.button(key="next").click().run()
    assert at.query_params["page"] in ("3", ["3"]) and shown(at) == "given=True page=3"
    at.button(key="first").click().run()
    assert "page" not in at.query_params
    at = run(page="5")
    at.button(key="clear").click().run()
    assert "page" not in at.query_params and shown(at) == "given=False page=1"
