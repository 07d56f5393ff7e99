"""Live session: build a deck of scenes, present it full-screen, run audience polls.

``?deck=<id>`` opens the deck in presenter mode (``&scene=N`` keeps the position on reload).
The state and its rules are ``creative_dash.live.presenter``; ``creative_dash.ui.live`` keeps
them in the session and the URL and draws the pieces made of several widgets.
"""

from __future__ import annotations

import streamlit as st

from creative_dash import live, ui
from creative_dash.live import scenes
from creative_dash.live.presenter import Draft
from creative_dash.ui import live as lv

t = ui.tr()


def present(deck: live.Deck) -> None:
    """Presenter mode: the bar (moves, auto-advance, exit), then the slide and its join link."""
    ui.stylesheet("presenter")
    lv.demo_corner(t)  # the demo badge is hidden on the slide: a quiet corner label instead
    if not deck.scenes:
        st.warning(t("live.error.deck_empty"))
        lv.exit_button(deck.deck_id, t)
        return
    show = lv.show(deck)
    auto = lv.presenter_bar(deck, show, t)
    ref = deck.scenes[show.index]
    poll_id = scenes.poll_of(ref)
    if poll_id:
        chart_col, join_col = st.columns([3, 1], vertical_alignment="center")
        with join_col:
            lv.join_panel(poll_id)
    else:
        chart_col = st.container()
    with chart_col:
        lv.shown_scene(ref, show.index, auto=auto)


def deck_editor() -> None:
    """The deck: pick one (or start anew), order its slides, add some, save it, present it."""
    decks = ui.q("live_decks")
    titles = dict(zip(decks["deck_id"], decks["title"], strict=True))
    lv.return_from_show(titles)
    st.selectbox(
        t("live.deck.pick"),
        ["", *titles],
        key=lv.PICK_KEY,
        on_change=lv.pick_deck,
        format_func=lambda d: ui.visible(titles.get(d, t("live.deck.new"))),
    )
    # charts of data the store holds nothing of would be empty: say what is missing, who fills it
    ui.empty_notes(t, "initiatives", "hubs", "programme", "recommendations", "indicators")
    draft = lv.draft()
    st.subheader(t("live.deck.scenes", n=len(draft.scenes)))
    if not draft.scenes:
        st.info(t("live.deck.no_scenes"))
    lv.slide_rows(draft, t)

    with st.container(border=True, key="live_add"):
        st.markdown(f"**{t('live.deck.add_title')}**")
        new = lv.scene_picker(t)  # None while a parameter has nothing to offer
        st.button(
            t("live.deck.add"),
            key="live_add_button",
            on_click=lv.edit,
            args=(Draft.add, new),
            disabled=new is None,
            icon=":material/add:",
        )

    title = st.text_input(t("live.deck.title"), key=lv.TITLE_KEY, max_chars=live.MAX_DECK_TITLE)
    cols = st.columns(2)
    if cols[0].button(t("live.deck.save"), key="live_save", type="primary", icon=":material/save:"):
        error = lv.save_draft(title)
        if error:
            st.error(error.message(t))
        else:
            st.success(t("live.deck.saved"))
    deck_id = lv.draft().deck_id
    if deck_id:
        cols[1].button(
            t("live.deck.present"),
            key="live_present",
            on_click=lv.present,
            args=(deck_id,),
            icon=":material/slideshow:",
        )
        st.caption(t("live.deck.share"))
        st.code(lv.share_url(deck_id), language=None)


def poll_editor() -> None:
    """Polls: a new one in up to three languages, then each poll with its voting and join link."""
    with st.container(border=True, key="live_new_poll"):
        st.markdown(f"**{t('live.poll.new')}**")
        form = lv.poll_fields(t)
        create = t("live.poll.create")
        if st.button(create, key="live_poll_create", type="primary", icon=":material/add:"):
            error = lv.create_poll(form)
            if error:
                st.error(error.message(t))
            else:
                st.success(t("live.poll.created"))

    polls = ui.q("live_polls")
    if polls.empty:
        st.info(t("live.poll.none"))
    base = lv.base_url()
    for row in polls.to_dict("records"):
        lv.poll_box(live.Poll.from_row(row), row["votes"], base, t)


# -- the page: presenter mode with ?deck=, else the editor ----------------------------------------
if lv.DECK.given():
    deck = lv.load_deck(lv.DECK.get())
    if deck is None:
        st.title(t("live.title"))
        st.error(t("live.error.deck_not_found"))
    else:
        present(deck)
else:
    lv.forget_show()
    st.title(t("live.title"))
    st.caption(t("live.intro"))
    refused = lv.take_error()  # a change a button asked for and the rules refused
    if refused:
        st.error(refused.message(t))
    deck_tab, poll_tab = st.tabs([t("live.tab_deck"), t("live.tab_polls")])
    with deck_tab:
        deck_editor()
    with poll_tab:
        poll_editor()
