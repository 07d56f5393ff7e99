"""Live session: build a deck of scenes, present it full-screen, run audience polls.

``?deck=<id>`` opens the deck in presenter mode (``&scene=N`` keeps the position on reload).
"""

from __future__ import annotations

import time

import streamlit as st

from creative_dash import live, settings, ui
from creative_dash.access import AccessDenied
from creative_dash.i18n import LANGS
from creative_dash.live import LiveError, Poll, SceneRef, scenes

# Writes name the signed-in user (ui.user_id()); the store decides whether that user may write.
t = ui.tr()


def base_url() -> str:
    return live.app_base_url(settings.get("CREATIVE_DASH_PUBLIC_URL"), st.context.url, "live")


def share_url(deck_id: str) -> str:
    return f"{base_url()}/live?deck={deck_id}"


# -- presenter mode -----------------------------------------------------------------------------
PRESENTER_CSS = """<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
.st-key-demo_badge, .st-key-live_next_clicker, .st-key-live_prev_clicker {
  display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding: 0.75rem 2rem 0 2rem !important; max-width: 100% !important; }
.st-key-live_bar p, .st-key-live_bar button p { font-size: 1.6rem !important; }
.st-key-live_bar input { font-size: 1.4rem !important; }
.st-key-live_counter p { font-size: 2rem !important; font-weight: 700; }
.st-key-live_deck_title [data-testid="stText"] { font-size: 1.5rem !important; }
.st-key-live_join [data-testid="stText"] { font-size: 1.7rem !important; line-height: 1.3; }
.st-key-live_join_url [data-testid="stText"] { font-size: 2rem !important; font-weight: 700;
  word-break: break-all; }
</style>"""


def _go(step: int, n: int, wrap: bool = False) -> None:
    """Move to another scene (a button callback: runs before the page)."""
    idx = st.session_state.get("live_idx", 0) + step
    idx = idx % n if wrap else max(0, min(n - 1, idx))
    st.session_state["live_idx"] = idx
    st.session_state["live_shown_at"] = time.monotonic()
    st.query_params["scene"] = str(idx + 1)


def _exit(deck_id: str) -> None:
    st.session_state["live_edit_deck"] = deck_id
    for key in ("deck", "scene"):
        if key in st.query_params:
            del st.query_params[key]


def _scene_chart(ref: SceneRef, idx: int, n: int) -> None:
    """The shown scene: re-read every tick (cached by data version), auto-advance if asked."""
    tr = ui.tr()
    try:
        fig = scenes.figure(ref, ui.q, tr, presenter=True)
    except LiveError as exc:
        st.warning(exc.message(tr))
    else:
        ui.plotly(fig, key=f"live_chart_{idx}")
    if st.session_state.get("live_auto") and n > 1:
        shown = st.session_state.setdefault("live_shown_at", time.monotonic())
        if time.monotonic() - shown >= st.session_state.get("live_auto_s", 20):
            _go(+1, n, wrap=True)
            st.rerun()


def _join_panel(poll_id: str) -> None:
    rows = ui.q("live_poll", poll_id=poll_id)
    if rows.empty:
        return
    poll = Poll.from_row(rows.iloc[0].to_dict())
    url = live.join_url(base_url(), poll_id)
    with st.container(key="live_join"):
        st.text(
            t("live.join.scan") if poll.status == "open" else t("live.join.status_" + poll.status)
        )
        st.image(live.qr_png(url), width="stretch")
        with st.container(key="live_join_url"):
            st.text(url)
    if live.is_local_address(url):
        st.caption(t("live.join.local_hint"))


def present(deck: live.Deck) -> None:
    st.html(PRESENTER_CSS)
    n = len(deck.scenes)
    if n == 0:
        st.warning(t("live.error.deck_empty"))
        st.button(t("live.present.exit"), key="live_exit", on_click=_exit, args=(deck.deck_id,))
        return
    if st.session_state.get("live_deck_shown") != deck.deck_id:
        # A new deck (or a shared link): start at ?scene=N if given, else at the first.
        raw = st.query_params.get("scene", "1")
        start = int(raw) - 1 if raw.isdigit() and 1 <= int(raw) <= n else 0
        st.session_state.update(
            live_deck_shown=deck.deck_id, live_idx=start, live_shown_at=time.monotonic()
        )
    idx = min(st.session_state.get("live_idx", 0), n - 1)
    ref = deck.scenes[idx]

    with st.container(key="live_bar", horizontal=True, vertical_alignment="center", gap="medium"):
        st.button(
            t("live.present.prev"),
            key="live_prev",
            shortcut="Left",
            on_click=_go,
            args=(-1, n),
            disabled=idx == 0,
        )
        with st.container(key="live_counter", width="content"):
            st.markdown(t("live.present.counter", i=idx + 1, n=n))
        st.button(
            t("live.present.next"),
            key="live_next",
            shortcut="Right",
            on_click=_go,
            args=(+1, n),
            disabled=idx == n - 1,
        )
        # Presentation clickers send PageDown/PageUp: the same moves, on buttons hidden by CSS.
        for key, shortcut, step, label in (
            ("live_next_clicker", "PageDown", +1, "live.present.next"),
            ("live_prev_clicker", "PageUp", -1, "live.present.prev"),
        ):
            st.button(t(label), key=key, shortcut=shortcut, on_click=_go, args=(step, n))
        st.toggle(t("live.present.auto"), key="live_auto")
        st.number_input(
            t("live.present.auto_s"),
            min_value=3,
            max_value=600,
            value=20,
            step=1,
            key="live_auto_s",
            width=130,
            label_visibility="collapsed",
        )
        st.caption(t("live.present.auto_s"))
        st.space("stretch")
        st.caption(t("live.present.keys"))
        with st.container(key="live_deck_title", width="content"):
            st.text(deck.title)
        st.button(
            t("live.present.exit"),
            key="live_exit",
            on_click=_exit,
            args=(deck.deck_id,),
            icon=":material/close:",
        )

    scene = scenes.SCENES.get(ref.scene)
    tick = scene.refresh_s if scene else 3.0
    if st.session_state.get("live_auto"):
        tick = min(tick, 1.0)  # auto-advance is checked on each tick
    poll_id = scenes.poll_of(ref)
    if poll_id:
        chart_col, join_col = st.columns([3, 1], vertical_alignment="center")
        with join_col:
            _join_panel(poll_id)
    else:
        chart_col = st.container()
    with chart_col:
        st.fragment(_scene_chart, run_every=tick)(ref, idx, n)


# -- editor: the deck ---------------------------------------------------------------------------
def _draft() -> list[dict]:
    return st.session_state.setdefault("live_draft", [])


def _load_deck() -> None:
    deck_id = st.session_state.get("live_deck_pick") or ""
    rows = ui.q("live_deck", deck_id=deck_id) if deck_id else None
    if rows is None or rows.empty:
        st.session_state.update(live_draft=[], live_draft_id=None, live_title="")
        return
    deck = live.deck_from_row(rows.iloc[0].to_dict())
    st.session_state.update(
        live_draft=[r.to_json() for r in deck.scenes],
        live_draft_id=deck.deck_id,
        live_title=deck.title,
    )


def _move(i: int, step: int) -> None:
    draft = _draft()
    j = i + step
    if 0 <= j < len(draft):
        draft[i], draft[j] = draft[j], draft[i]


def _remove(i: int) -> None:
    draft = _draft()
    if 0 <= i < len(draft):
        draft.pop(i)


def _add_scene(name: str, params: dict[str, str]) -> None:
    _draft().append({"scene": name, "params": dict(params)})


def _present(deck_id: str) -> None:
    st.query_params["deck"] = deck_id
    st.query_params["scene"] = "1"
    st.session_state.pop("live_deck_shown", None)


def deck_editor() -> None:
    decks = ui.q("live_decks")
    titles = dict(zip(decks["deck_id"], decks["title"], strict=True))
    if st.session_state.get("live_edit_deck") in titles:
        # Back from presenting: edit the deck just shown.
        st.session_state["live_deck_pick"] = st.session_state.pop("live_edit_deck")
        _load_deck()
    st.selectbox(
        t("live.deck.pick"),
        ["", *titles],
        key="live_deck_pick",
        on_change=_load_deck,
        format_func=lambda d: titles.get(d, t("live.deck.new")),
    )

    draft = _draft()
    st.subheader(t("live.deck.scenes", n=len(draft)))
    if not draft:
        st.info(t("live.deck.no_scenes"))
    for i, item in enumerate(draft):
        ref = SceneRef.from_json(item)
        with st.container(horizontal=True, vertical_alignment="center", key=f"live_scene_{i}"):
            st.text(f"{i + 1}. {scenes.label(ref, ui.q, t)}", width="stretch")
            st.button(
                "",
                key=f"live_up_{i}",
                icon=":material/arrow_upward:",
                on_click=_move,
                args=(i, -1),
                disabled=i == 0,
                help=t("live.deck.up"),
            )
            st.button(
                "",
                key=f"live_down_{i}",
                icon=":material/arrow_downward:",
                on_click=_move,
                args=(i, 1),
                disabled=i == len(draft) - 1,
                help=t("live.deck.down"),
            )
            st.button(
                "",
                key=f"live_remove_{i}",
                icon=":material/delete:",
                on_click=_remove,
                args=(i,),
                help=t("live.deck.remove"),
            )

    with st.container(border=True, key="live_add"):
        st.markdown(f"**{t('live.deck.add_title')}**")
        names = list(scenes.SCENES)
        name = st.selectbox(
            t("live.deck.scene"),
            names,
            key="live_add_scene",
            format_func=lambda s: t(scenes.SCENES[s].label_key),
        )
        params: dict[str, str] = {}
        cols = st.columns(max(1, len(scenes.SCENES[name].params)))
        for col, param in zip(cols, scenes.SCENES[name].params, strict=False):
            options = param.options(ui.q, t)
            if not options:
                col.info(t("live.deck.no_options"))
                continue
            params[param.name] = col.selectbox(
                t(param.label_key),
                list(options),
                key=f"live_add_{name}_{param.name}",
                format_func=options.__getitem__,
            )
        complete = len(params) == len(scenes.SCENES[name].params)
        st.button(
            t("live.deck.add"),
            key="live_add_button",
            on_click=_add_scene,
            args=(name, params),
            disabled=not complete,
            icon=":material/add:",
        )

    st.text_input(t("live.deck.title"), key="live_title", max_chars=live.MAX_DECK_TITLE)
    cols = st.columns(2)
    if cols[0].button(t("live.deck.save"), key="live_save", type="primary", icon=":material/save:"):
        try:
            deck_id = live.save_deck(
                ui.store(),
                title=st.session_state.get("live_title", ""),
                scenes=[SceneRef.from_json(d) for d in draft],
                actor=ui.user_id(),
                deck_id=st.session_state.get("live_draft_id"),
            )
        except (LiveError, AccessDenied) as exc:
            st.error(exc.message(t))
        else:
            st.session_state["live_draft_id"] = deck_id
            st.success(t("live.deck.saved"))
    deck_id = st.session_state.get("live_draft_id")
    if deck_id:
        cols[1].button(
            t("live.deck.present"),
            key="live_present",
            on_click=_present,
            args=(deck_id,),
            icon=":material/slideshow:",
        )
        st.caption(t("live.deck.share"))
        st.code(share_url(deck_id), language=None)


# -- editor: polls -------------------------------------------------------------------------------
def poll_editor() -> None:
    with st.container(border=True, key="live_new_poll"):
        st.markdown(f"**{t('live.poll.new')}**")
        kind = st.selectbox(
            t("live.poll.kind"),
            live.KINDS,
            key="live_poll_kind",
            format_func=lambda k: t(f"live.kind.{k}"),
        )
        st.caption(t("live.poll.languages"))
        for lang in LANGS:
            st.text_input(
                t(f"live.poll.question_{lang}"), key=f"live_q_{lang}", max_chars=live.MAX_QUESTION
            )
        if kind == "choice":
            cols = st.columns(3)
            for col, lang in zip(cols, LANGS, strict=True):
                col.text_area(
                    t(f"live.poll.options_{lang}"),
                    key=f"live_opts_{lang}",
                    help=t("live.poll.options_help"),
                )
        elif kind == "region":
            st.caption(t("live.poll.region_note"))
        else:
            st.caption(t("live.poll.rating_note"))
        if st.button(
            t("live.poll.create"), key="live_poll_create", type="primary", icon=":material/add:"
        ):
            options = live.options_from_lines(
                {lang: st.session_state.get(f"live_opts_{lang}") or "" for lang in LANGS}
            )
            try:
                poll_id = live.create_poll(
                    ui.store(),
                    kind=kind,
                    actor=ui.user_id(),
                    question={lang: st.session_state.get(f"live_q_{lang}") for lang in LANGS},
                    options=options if kind == "choice" else (),
                )
            except (LiveError, AccessDenied) as exc:
                st.error(exc.message(t))
            else:
                st.success(t("live.poll.created"))
                st.session_state["live_poll_focus"] = poll_id

    polls = ui.q("live_polls")
    if polls.empty:
        st.info(t("live.poll.none"))
        return
    base = base_url()
    for row in polls.to_dict("records"):
        poll = Poll.from_row(row)
        pid = poll.poll_id
        with st.expander(
            live.md_escape(poll.question_in(t.lang)),
            key=f"live_poll_box_{pid}",
            expanded=st.session_state.get("live_poll_focus") == pid,
        ):
            st.text(poll.question_in(t.lang))
            st.caption(
                t(
                    "live.poll.facts",
                    kind=t(f"live.kind.{poll.kind}"),
                    status=t(f"live.status.{poll.status}"),
                    votes=t.num(row["votes"]),
                )
            )
            with st.container(horizontal=True):
                if poll.status != "open":
                    st.button(
                        t("live.poll.open"),
                        key=f"live_open_{pid}",
                        type="primary",
                        on_click=_set_status,
                        args=(pid, "open"),
                        icon=":material/play_arrow:",
                    )
                else:
                    st.button(
                        t("live.poll.close"),
                        key=f"live_close_{pid}",
                        on_click=_set_status,
                        args=(pid, "closed"),
                        icon=":material/stop:",
                    )
                st.button(
                    t("live.poll.add_to_deck"),
                    key=f"live_poll_add_{pid}",
                    on_click=_add_scene,
                    args=("poll", {"poll": pid}),
                    icon=":material/add_chart:",
                )
            url = live.join_url(base, pid)
            cols = st.columns([1, 3])
            cols[0].image(live.qr_png(url, scale=6), width=180)
            with cols[1]:
                st.caption(t("live.poll.join"))
                st.code(url, language=None)
                if live.is_local_address(url):
                    st.caption(t("live.join.local_hint"))


def _set_status(poll_id: str, status: str) -> None:
    try:
        live.set_poll_status(ui.store(), poll_id, status, actor=ui.user_id())
    except LiveError as exc:
        st.session_state["live_poll_error"] = f"live.error.{exc.key}"
    except AccessDenied as exc:
        st.session_state["live_poll_error"] = exc.message_key
    st.session_state["live_poll_focus"] = poll_id


# -- the page ------------------------------------------------------------------------------------
deck_param = st.query_params.get("deck")
if deck_param:
    rows = ui.q("live_deck", deck_id=deck_param) if live.valid_id(deck_param) else None
    if rows is None or rows.empty:
        st.title(t("live.title"))
        st.error(t("live.error.deck_not_found"))
    else:
        present(live.deck_from_row(rows.iloc[0].to_dict()))
else:
    st.session_state.pop("live_deck_shown", None)
    st.title(t("live.title"))
    st.caption(t("live.intro"))
    error_key = st.session_state.pop("live_poll_error", None)
    if error_key:
        st.error(t(error_key))
    deck_tab, poll_tab = st.tabs([t("live.tab_deck"), t("live.tab_polls")])
    with deck_tab:
        deck_editor()
    with poll_tab:
        poll_editor()
