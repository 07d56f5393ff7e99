"""The live pages' Streamlit side: where the presenter's and the voter's state is kept (session
and URL), the callbacks that change it, and the pieces the pages draw from several widgets.

The state and its rules are pure (``creative_dash.live.presenter``, ``creative_dash.live.ballot``);
every write goes through ``creative_dash.live`` (``save_deck``, ``create_poll``, ``vote``...).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any

import streamlit as st

from creative_dash import live, settings
from creative_dash.access import AccessDenied
from creative_dash.i18n import LANG_NAMES, LANGS, Translator
from creative_dash.live import LiveError, Poll, SceneRef, scenes
from creative_dash.live.presenter import (
    AUTO_DEFAULT_S,
    AUTO_MAX_S,
    AUTO_MIN_S,
    Draft,
    PollForm,
    Refused,
    Show,
    auto_seconds,
    join_headline_key,
    kind_note_key,
    poll_action,
    scene_number,
    tick_s,
)
from creative_dash.text import inert, visible
from creative_dash.ui.cache import q, store
from creative_dash.ui.empty import empty_kinds
from creative_dash.ui.lang import LANG_KEY, tr
from creative_dash.ui.render import plotly
from creative_dash.ui.session import user_id
from creative_dash.ui.sidebar import demo_badge_help, has_demo
from creative_dash.ui.urlstate import UrlValue
from creative_dash.views import empty as empty_view

COOKIE = "cd_voter"

# The URL: the deck presented and its slide (presenter mode), the poll voted on. Never the
# voter's token: a link is shared (a screenshot, a chat), and whoever opened a link carrying a
# token would see that voter's answer and could change it.
DECK = UrlValue("deck", lambda s: s if live.valid_id(s) else None)
SCENE = UrlValue("scene", scene_number)
POLL = UrlValue("poll", lambda s: s if live.valid_id(s) else None)
OLD_VOTER_PARAM = "voter"  # where earlier versions kept the token: ignored and removed

# Widget keys the pages draw and this module reads.
AUTO_KEY, AUTO_S_KEY = "live_auto", "live_auto_s"
PICK_KEY, TITLE_KEY = "live_deck_pick", "live_title"
VOTE_LANG_KEY = "vote_lang"
# Session state of this module.
DRAFT_KEY, SHOW_KEY = "live_draft", "live_show"
RETURN_KEY = "live_edit_deck"  # the deck to edit once back from presenting it
FOCUS_KEY = "live_poll_focus"  # the poll whose box is open (created or changed last)
ERROR_KEY = "live_error"  # a refused change, shown on the next run
TOKEN_KEY, COOKIE_SET_KEY = "vote_token", "vote_cookie_set"
VOTE_ERROR_KEY, VOTE_TOAST_KEY = "vote_error", "vote_toast"


def base_url() -> str:
    return live.app_base_url(settings.get("CREATIVE_DASH_PUBLIC_URL"), st.context.url, "live")


def share_url(deck_id: str) -> str:
    return f"{base_url()}/live?deck={deck_id}"


def load_deck(deck_id: str | None) -> live.Deck | None:
    rows = q("live_deck", deck_id=deck_id) if deck_id and live.valid_id(deck_id) else None
    return None if rows is None or rows.empty else live.deck_from_row(rows.iloc[0].to_dict())


def load_poll(poll_id: str) -> Poll | None:
    rows = q("live_poll", poll_id=poll_id)
    return None if rows.empty else Poll.from_row(rows.iloc[0].to_dict())


def take_error() -> LiveError | AccessDenied | None:
    """The change a callback refused since the last run, once."""
    return st.session_state.pop(ERROR_KEY, None)


# -- presenter mode ----------------------------------------------------------------------------
def show(deck: live.Deck) -> Show:
    """The deck on screen: a deck not shown yet (or a shared link) starts at ``?scene=N`` if the
    deck has it, else at the first slide; a deck saved shorter meanwhile keeps a slide it has."""
    current = st.session_state.get(SHOW_KEY)
    if isinstance(current, Show) and current.deck_id == deck.deck_id:
        current = current.fit(len(deck.scenes))
    else:
        current = Show.start(deck.deck_id, len(deck.scenes), time.monotonic(), SCENE.get())
    st.session_state[SHOW_KEY] = current
    return current


def _shown(moved: Show) -> None:
    st.session_state[SHOW_KEY] = moved
    SCENE.set(moved.number)


def go(step: int) -> None:
    """Move ``step`` slides (a button callback: runs before the page). A clicker pressed at
    either end of the deck changes nothing."""
    current = st.session_state.get(SHOW_KEY)
    if isinstance(current, Show):
        with suppress(Refused):
            _shown(current.go(step, time.monotonic()))


def exit_show(deck_id: str) -> None:
    """Leave presenter mode for the editor, editing the deck just shown."""
    st.session_state[RETURN_KEY] = deck_id
    DECK.clear()
    SCENE.clear()


def forget_show() -> None:
    """Out of presenter mode: presenting again starts anew."""
    st.session_state.pop(SHOW_KEY, None)


def demo_corner(t: Translator) -> None:
    """Presenter mode hides the app's demo badge (the slide fills the screen): while the store
    holds demo rows, a quiet label in the slide's corner (``static/css/presenter.css``) says so
    on the projector."""
    if has_demo():
        with st.container(key="live_demo_mark"):
            st.markdown(t("live.present.demo_mark"), help=demo_badge_help(t))


def presenter_bar(deck: live.Deck, current: Show, t: Translator) -> bool:
    """The bar above the slide: previous, the counter, next, auto-advance and its seconds, the
    deck's title, exit. Returns whether auto-advance is on."""
    prev, next_ = t("live.present.prev"), t("live.present.next")
    with st.container(key="live_bar", horizontal=True, vertical_alignment="center", gap="medium"):
        st.button(
            prev,
            key="live_prev",
            shortcut="Left",
            on_click=go,
            args=(-1,),
            disabled=not current.has_prev,
        )
        with st.container(key="live_counter", width="content"):
            st.markdown(t("live.present.counter", i=current.number, n=current.count))
        st.button(
            next_,
            key="live_next",
            shortcut="Right",
            on_click=go,
            args=(+1,),
            disabled=not current.has_next,
        )
        # Presentation clickers send PageDown/PageUp: the same moves, on buttons hidden by CSS.
        st.button(next_, key="live_next_clicker", shortcut="PageDown", on_click=go, args=(+1,))
        st.button(prev, key="live_prev_clicker", shortcut="PageUp", on_click=go, args=(-1,))
        auto = st.toggle(t("live.present.auto"), key=AUTO_KEY)
        st.number_input(
            t("live.present.auto_s"),
            min_value=AUTO_MIN_S,
            max_value=AUTO_MAX_S,
            value=AUTO_DEFAULT_S,
            step=1,
            key=AUTO_S_KEY,
            width=130,
            label_visibility="collapsed",
        )
        st.caption(t("live.present.auto_s"))
        st.space("stretch")
        st.caption(t("live.present.keys"))
        with st.container(key="live_deck_title", width="content"):
            st.text(visible(deck.title))
        exit_button(deck.deck_id, t, icon=":material/close:")
    return bool(auto)


def exit_button(deck_id: str, t: Translator, **kw: Any) -> None:
    st.button(t("live.present.exit"), key="live_exit", on_click=exit_show, args=(deck_id,), **kw)


def _scene_chart(ref: SceneRef, index: int) -> None:
    """The shown slide, re-read on every tick (cached by data version); then auto-advance."""
    t = tr()
    if kind := empty_view.scene_empty(ref.scene, ref.params, empty_kinds()):
        st.info(t(f"empty.{kind}", n=0), icon=":material/inventory_2:")  # not an empty chart
    else:
        try:
            fig = scenes.figure(ref, q, t, presenter=True)
        except LiveError as exc:
            st.warning(exc.message(t))
        else:
            plotly(fig, key=f"live_chart_{index}")
    current = st.session_state.get(SHOW_KEY)
    if not isinstance(current, Show):
        return
    moved = current.advanced(
        time.monotonic(),
        auto=bool(st.session_state.get(AUTO_KEY)),
        every_s=auto_seconds(st.session_state.get(AUTO_S_KEY, AUTO_DEFAULT_S)),
    )
    if moved is not None:
        _shown(moved)
        st.rerun()


def shown_scene(ref: SceneRef, index: int, *, auto: bool) -> None:
    """Slide ``index`` as a fragment re-run as often as its data (or auto-advance) needs."""
    scene = scenes.SCENES.get(ref.scene)
    every = tick_s(scene.refresh_s if scene else 3.0, auto=auto)
    st.fragment(_scene_chart, run_every=every)(ref, index)


def join_panel(poll_id: str) -> None:
    """Beside a poll's slide: scan to vote (or why not), the QR code and the join link."""
    poll = load_poll(poll_id)
    if poll is None:
        return
    t = tr()
    url = live.join_url(base_url(), poll_id)
    with st.container(key="live_join"):
        st.text(t(join_headline_key(poll.status)))
        st.image(live.qr_png(url), width="stretch")
        with st.container(key="live_join_url"):
            st.text(url)
    if live.is_local_address(url):
        st.caption(t("live.join.local_hint"))


# -- the deck editor ---------------------------------------------------------------------------
def draft() -> Draft:
    value = st.session_state.get(DRAFT_KEY)
    if not isinstance(value, Draft):
        value = st.session_state[DRAFT_KEY] = Draft()
    return value


def edit(change: Callable[..., Draft], *args: Any) -> None:
    """A button callback: the draft becomes ``change(draft, *args)`` (a ``Draft`` transition);
    a refused change leaves it and says why on the next run."""
    try:
        st.session_state[DRAFT_KEY] = change(draft(), *args)
    except Refused as exc:
        st.session_state[ERROR_KEY] = exc


def _load(deck_id: str) -> None:
    deck = load_deck(deck_id)
    st.session_state[DRAFT_KEY] = loaded = Draft() if deck is None else Draft.of(deck)
    st.session_state[TITLE_KEY] = loaded.title


def pick_deck() -> None:
    """The deck picker's callback: edit the picked deck (none: a new one)."""
    _load(st.session_state.get(PICK_KEY) or "")


def return_from_show(deck_ids: Any) -> None:
    """Back from presenting: pick the deck just shown, if it is still one of ``deck_ids``."""
    if st.session_state.get(RETURN_KEY) in deck_ids:
        st.session_state[PICK_KEY] = st.session_state.pop(RETURN_KEY)
        _load(st.session_state[PICK_KEY])


def save_draft(title: str) -> LiveError | AccessDenied | None:
    """Store the draft under ``title`` (a new deck, or the one it was loaded from)."""
    current = draft()
    try:
        deck_id = live.save_deck(
            store(), title=title, scenes=current.scenes, actor=user_id(), deck_id=current.deck_id
        )
    except (LiveError, AccessDenied) as exc:
        return exc
    st.session_state[DRAFT_KEY] = current.saved(deck_id, title)
    return None


def present(deck_id: str) -> None:
    """The Present button's callback: presenter mode from the first slide."""
    DECK.set(deck_id)
    SCENE.set(1)
    forget_show()


def slide_rows(current: Draft, t: Translator) -> None:
    """The draft's slides, numbered, each with buttons to move it up, down or out."""
    for i, ref in enumerate(current.scenes):
        with st.container(horizontal=True, vertical_alignment="center", key=f"live_scene_{i}"):
            st.text(visible(f"{i + 1}. {scenes.label(ref, q, t)}"), width="stretch")
            for name, icon, step in (("up", "arrow_upward", -1), ("down", "arrow_downward", 1)):
                st.button(
                    "",
                    key=f"live_{name}_{i}",
                    icon=f":material/{icon}:",
                    on_click=edit,
                    args=(Draft.move, i, step),
                    disabled=not current.can_move(i, step),
                    help=t(f"live.deck.{name}"),
                )
            st.button(
                "",
                key=f"live_remove_{i}",
                icon=":material/delete:",
                on_click=edit,
                args=(Draft.remove, i),
                help=t("live.deck.remove"),
            )


def scene_picker(t: Translator) -> SceneRef | None:
    """A scene and a value for each of its parameters; None while one has nothing to offer."""
    name = st.selectbox(
        t("live.deck.scene"),
        list(scenes.SCENES),
        key="live_add_scene",
        format_func=lambda s: t(scenes.SCENES[s].label_key),
    )
    scene = scenes.SCENES[name]
    params: dict[str, str] = {}
    for col, param in zip(st.columns(max(1, len(scene.params))), scene.params, strict=False):
        options = param.options(q, t)
        if not options:
            col.info(t("live.deck.no_options"))
            continue
        labels: dict[str, str] = dict(options)
        chosen: str | None = col.selectbox(
            t(param.label_key),
            list(labels),
            key=f"live_add_{name}_{param.name}",
            format_func=partial(_option_label, labels),
        )
        if chosen is not None:
            params[param.name] = chosen
    return SceneRef(name, params) if len(params) == len(scene.params) else None


def _option_label(labels: dict[str, str], value: str) -> str:
    return visible(labels[value])


# -- polls -------------------------------------------------------------------------------------
def poll_fields(t: Translator) -> PollForm:
    """The new poll's fields: its kind, the question in each language, and for a choice poll
    its options in each language (region and rating polls have fixed answers)."""
    kind = st.selectbox(
        t("live.poll.kind"),
        live.KINDS,
        key="live_poll_kind",
        format_func=lambda k: t(f"live.kind.{k}"),
    )
    st.caption(t("live.poll.languages"))
    question = {
        lang: st.text_input(
            t(f"live.poll.question_{lang}"), key=f"live_q_{lang}", max_chars=live.MAX_QUESTION
        )
        for lang in LANGS
    }
    lines: dict[str, str | None] = {}
    note = kind_note_key(kind)  # region and rating polls have fixed answers
    if note:
        st.caption(t(note))
    else:
        for col, lang in zip(st.columns(3), LANGS, strict=True):
            lines[lang] = col.text_area(
                t(f"live.poll.options_{lang}"),
                key=f"live_opts_{lang}",
                help=t("live.poll.options_help"),
            )
    return PollForm(kind, question, lines)


def create_poll(form: PollForm) -> LiveError | AccessDenied | None:
    try:
        poll_id = live.create_poll(
            store(), kind=form.kind, question=form.question, options=form.options(), actor=user_id()
        )
    except (LiveError, AccessDenied) as exc:
        return exc
    st.session_state[FOCUS_KEY] = poll_id
    return None


def set_status(poll_id: str, status: str) -> None:
    """The open/close button's callback; a refused change is shown on the next run."""
    try:
        live.set_poll_status(store(), poll_id, status, actor=user_id())
    except (LiveError, AccessDenied) as exc:
        st.session_state[ERROR_KEY] = exc
    st.session_state[FOCUS_KEY] = poll_id


def focused(poll_id: str) -> bool:
    return st.session_state.get(FOCUS_KEY) == poll_id


def poll_box(poll: Poll, votes: int, base: str, t: Translator) -> None:
    """A poll in the editor: its question and facts, the button that opens or closes voting
    (whichever the poll's status allows), adding its results to the deck, its join link."""
    pid, question = poll.poll_id, poll.question_in(t.lang)
    with st.expander(inert(question), key=f"live_poll_box_{pid}", expanded=focused(pid)):
        st.text(visible(question))
        st.caption(
            t(
                "live.poll.facts",
                kind=t(f"live.kind.{poll.kind}"),
                status=t(f"live.status.{poll.status}"),
                votes=t.num(votes),
            )
        )
        action = poll_action(poll.status)
        opens = action == "open"
        with st.container(horizontal=True):
            st.button(
                t("live.poll.open" if opens else "live.poll.close"),
                key=f"live_open_{pid}" if opens else f"live_close_{pid}",
                type="primary" if opens else "secondary",
                on_click=set_status,
                args=(pid, action),
                icon=":material/play_arrow:" if opens else ":material/stop:",
            )
            st.button(
                t("live.poll.add_to_deck"),
                key=f"live_poll_add_{pid}",
                on_click=edit,
                args=(Draft.add, SceneRef("poll", {"poll": pid})),
                icon=":material/add_chart:",
            )
        join_link(live.join_url(base, pid), t)


def join_link(url: str, t: Translator) -> None:
    """A poll's QR code beside its join link, in the editor."""
    cols = st.columns([1, 3])
    cols[0].image(live.qr_png(url, scale=6), width=180)
    with cols[1]:
        st.caption(t("live.poll.join"))
        st.code(url, language=None)
        if live.is_local_address(url):
            st.caption(t("live.join.local_hint"))


# -- the vote page -----------------------------------------------------------------------------
def language_switch(t: Translator) -> None:
    """The language picker of the vote page, which has no sidebar: voters arrive from a QR code
    with the phone's language, and may switch."""

    def switch() -> None:
        st.session_state[LANG_KEY] = st.session_state[VOTE_LANG_KEY]

    st.session_state[VOTE_LANG_KEY] = t.lang
    st.segmented_control(
        t("sidebar.language"),
        LANGS,
        key=VOTE_LANG_KEY,
        format_func=lambda code: LANG_NAMES.get(code, code),
        on_change=switch,
        label_visibility="collapsed",
        required=True,
    )


def voter_cookie(poll_id: str) -> str:
    """The cookie of this device's token for the poll (the vote page's and the light ballot's:
    one voter on both)."""
    return f"{COOKIE}_{poll_id}"  # poll ids are [a-z0-9]: a valid cookie name


def voter_token(poll_id: str) -> str:
    """This device's token for the poll: the session's, else the device's cookie, provided the
    server issued it for this poll; else a new one the server issues. Then kept in both, never
    in the address (a ``?voter=`` there is dropped unread). Empty when the poll does not exist
    (the ballot says so)."""
    s = store()
    if OLD_VOTER_PARAM in st.query_params:
        del st.query_params[OLD_VOTER_PARAM]
    cookie_name = voter_cookie(poll_id)
    cookie = st.context.cookies.get(cookie_name)
    candidates = (st.session_state.get(TOKEN_KEY), cookie)
    token = next((c for c in candidates if live.token_issued(s, poll_id, c)), None)
    if token is None:
        try:
            token = live.issue_voter_token(s, poll_id)
        except LiveError:
            return ""
    st.session_state[TOKEN_KEY] = token
    if cookie != token and not st.session_state.get(COOKIE_SET_KEY):
        # Streamlit cannot set cookies from Python; this script only writes our own token,
        # which the server issued (valid_token: [A-Za-z0-9_-]).
        st.html(
            f"<script>document.cookie = '{cookie_name}={token}; max-age=2592000; path=/; "
            "SameSite=Lax';</script>",
            unsafe_allow_javascript=True,
        )
        st.session_state[COOKIE_SET_KEY] = True
    return token


def cast_vote(poll_id: str, token: str, answer: str) -> None:
    """An answer button's callback: the vote, or why it was refused, for the next run."""
    try:
        live.vote(store(), poll_id, token, answer)
    except LiveError as exc:
        st.session_state[VOTE_ERROR_KEY] = exc.key
    else:
        st.session_state[VOTE_ERROR_KEY] = None
        st.session_state[VOTE_TOAST_KEY] = True
