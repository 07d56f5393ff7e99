"""Audience voting, on phones, without sign-in: ``/vote?poll=<id>``.

One vote per device and poll: the server issues the device a random token, kept in the session
and in a cookie (so opening the join link again in a new tab is the same voter), never in the
address: a shared link carries no voter. A vote can be changed until the poll closes.
"""

from __future__ import annotations

import streamlit as st

from creative_dash import ui
from creative_dash.live.ballot import answer_order, ballot_messages
from creative_dash.ui import live as lv

t = ui.tr()
ui.stylesheet("vote")
# Language first: voters arrive from a QR code with the phone's language, and may switch.
lv.language_switch(t)


def ballot(poll_id: str, token: str) -> None:
    """Question, answer buttons and the device's current answer; re-read every few seconds so
    the page notices when the presenter opens or closes the poll."""
    tr = ui.tr()
    poll = lv.load_poll(poll_id)
    if poll is None:
        st.error(tr("live.error.poll_not_found"))
        return
    names = ui.region_names(tr) if poll.kind == "region" else {}
    labels = answer_order(poll.kind, poll.answer_labels(tr, names))
    mine = ui.q("live_voter_answer", poll_id=poll_id, voter_token=token)
    current = None if mine.empty else str(mine.iloc[0]["answer"])

    with st.container(key="vote_question"):
        st.text(ui.visible(poll.question_in(tr.lang)))
    error, info = ballot_messages(poll.status, st.session_state.get(lv.VOTE_ERROR_KEY))
    if error:
        st.error(tr(f"live.error.{error}"))
    if info:
        st.info(tr(info))
    if st.session_state.pop(lv.VOTE_TOAST_KEY, False):
        # A toast shows wherever the voter has scrolled to (20 region buttons are a long list).
        st.toast(tr("live.vote.recorded"), icon=":material/check_circle:")
    # Above the answers: below 20 region buttons the confirmation would be out of sight.
    if current is not None:
        with st.container(key="vote_mine"):
            st.success(tr("live.vote.recorded"))
            st.text(ui.visible(tr("live.vote.your_answer") + " " + labels.get(current, current)))
        if poll.status == "open":
            st.caption(tr("live.vote.change"))
    if poll.kind == "rating":
        st.caption(tr("live.vote.rating_hint"))
    with st.container(key="vote_answers"):
        for code, text in labels.items():
            st.button(
                ui.inert(text),
                key=f"vote_answer_{code}",
                width="stretch",
                type="primary" if code == current else "secondary",
                disabled=poll.status != "open",
                on_click=lv.cast_vote,
                args=(poll_id, token, code),
            )


poll_id = lv.POLL.get()
if poll_id is None:
    st.title(t("live.vote.title"))
    st.error(t("live.error.poll_not_found"))
else:
    st.fragment(ballot, run_every=3)(poll_id, lv.voter_token(poll_id))
