"""Audience voting, on phones, without sign-in: ``/vote?poll=<id>``.

One vote per device and poll: the server issues the device a random token for the poll on its
first visit (``live.issue_voter_token``; a vote with a token the server did not issue for that
poll is refused), kept in a cookie per poll (so opening the join link again in a new tab is the
same voter) and in the URL as ``?voter=`` (so a reload keeps it where cookies are blocked). A
vote can be changed until the poll closes.
"""

from __future__ import annotations

import streamlit as st

from creative_dash import live, ui
from creative_dash.i18n import LANG_NAMES, LANGS
from creative_dash.live import LiveError, Poll

COOKIE = "cd_voter"
t = ui.tr()

st.html("""<style>
.st-key-vote_question [data-testid="stText"] { font-size: 1.6rem !important; line-height: 1.35;
  font-weight: 600; }
.st-key-vote_answers button { min-height: 3.5rem; }
.st-key-vote_answers button p { font-size: 1.25rem !important; }
.st-key-vote_mine [data-testid="stText"] { font-size: 1.2rem !important; font-weight: 600; }
</style>""")


def voter_token(poll_id: str) -> str:
    """This device's token for the poll: session, else cookie, else URL, else a new one the
    server issues; then kept in all three. A token the server did not issue for this poll is
    ignored. Empty when the poll does not exist."""
    store = ui.store()
    cookie = f"{COOKIE}_{poll_id}"  # poll ids are [a-z0-9]: a valid cookie name
    token = st.session_state.get("vote_token")
    if not live.token_issued(store, poll_id, token):
        candidates = (st.context.cookies.get(cookie), st.query_params.get("voter"))
        token = next((c for c in candidates if live.token_issued(store, poll_id, c)), None)
        if token is None:
            try:
                token = live.issue_voter_token(store, poll_id)
            except LiveError:
                return ""  # no such poll: the ballot says so
        st.session_state["vote_token"] = token
        st.session_state.pop("vote_cookie_set", None)
    if st.query_params.get("voter") != token:
        st.query_params["voter"] = token
    if st.context.cookies.get(cookie) != token and not st.session_state.get("vote_cookie_set"):
        # Streamlit cannot set cookies from Python; this script only writes our own token,
        # which valid_token() restricted to [A-Za-z0-9_-].
        st.html(
            f"<script>document.cookie = '{cookie}={token}; max-age=2592000; path=/; "
            "SameSite=Lax';</script>",
            unsafe_allow_javascript=True,
        )
        st.session_state["vote_cookie_set"] = True
    return token


def _set_lang() -> None:
    st.session_state["lang"] = st.session_state["vote_lang"]


def _vote(poll_id: str, token: str, answer: str) -> None:
    try:
        live.vote(ui.store(), poll_id, token, answer)
    except LiveError as exc:
        st.session_state["vote_error"] = exc.key
    else:
        st.session_state["vote_error"] = None
        st.session_state["vote_toast"] = True


# Language first: voters arrive from a QR code with the phone's language, and may switch.
st.session_state["vote_lang"] = t.lang
st.segmented_control(
    t("sidebar.language"),
    LANGS,
    key="vote_lang",
    format_func=LANG_NAMES.get,
    on_change=_set_lang,
    label_visibility="collapsed",
    required=True,
)


def ballot(poll_id: str, token: str) -> None:
    """Question, answer buttons and the device's current answer; re-read every few seconds so
    the page notices when the presenter opens or closes the poll."""
    tr = ui.tr()
    rows = ui.q("live_poll", poll_id=poll_id)
    if rows.empty:
        st.error(tr("live.error.poll_not_found"))
        return
    poll = Poll.from_row(rows.iloc[0].to_dict())
    names = ui.region_names(tr) if poll.kind == "region" else {}
    labels = poll.answer_labels(tr, names)
    if poll.kind == "region":
        labels = dict(sorted(labels.items(), key=lambda kv: kv[1].casefold()))
    mine = ui.q("live_voter_answer", poll_id=poll_id, voter_token=token)
    current = None if mine.empty else str(mine.iloc[0]["answer"])

    with st.container(key="vote_question"):
        st.text(poll.question_in(tr.lang))
    error = st.session_state.get("vote_error")
    if error in ("poll_closed", "poll_not_open") and poll.status == "open":
        error = None  # the presenter (re)opened the poll since
    if error:
        st.error(tr(f"live.error.{error}"))
    if poll.status == "draft":
        st.info(tr("live.vote.not_open"))
    elif poll.status == "closed" and error != "poll_closed":
        st.info(tr("live.vote.closed"))
    if st.session_state.pop("vote_toast", False):
        # A toast shows wherever the voter has scrolled to (20 region buttons are a long list).
        st.toast(tr("live.vote.recorded"), icon=":material/check_circle:")
    # Above the answers: below 20 region buttons the confirmation would be out of sight.
    if current is not None:
        with st.container(key="vote_mine"):
            st.success(tr("live.vote.recorded"))
            st.text(tr("live.vote.your_answer") + " " + labels.get(current, current))
        if poll.status == "open":
            st.caption(tr("live.vote.change"))
    if poll.kind == "rating":
        st.caption(tr("live.vote.rating_hint"))
    with st.container(key="vote_answers"):
        for code, text in labels.items():
            st.button(
                live.md_escape(text),
                key=f"vote_answer_{code}",
                width="stretch",
                type="primary" if code == current else "secondary",
                disabled=poll.status != "open",
                on_click=_vote,
                args=(poll_id, token, code),
            )


poll_param = st.query_params.get("poll", "")
if not live.valid_id(poll_param):
    st.title(t("live.vote.title"))
    st.error(t("live.error.poll_not_found"))
else:
    st.fragment(ballot, run_every=3)(poll_param, voter_token(poll_param))
