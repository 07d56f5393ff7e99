"""The live session pages under AppTest: the presenter's editor and presenter mode, the audience's
vote page; a vote cast through the vote page's widgets shows in the presenter's chart."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from creative_dash import live, queries
from creative_dash.i18n import KAZAKH_LETTERS, LANGS, t
from creative_dash.live import SceneRef
from creative_dash.live.presenter import Draft
from creative_dash.store import MESSAGE_KEYS as STORE_MESSAGES
from creative_dash.text import inert
from creative_dash.ui import USER_KEY
from creative_dash.views.about import official_populations
from tests.app.apptest import charts, open_page, page_text
from tests.conftest import presenter_id

XSS = "<script>alert(1)</script>"
UNESCAPED_TAG = re.compile(r"(?<!\\)<[a-z/]")  # "<img" or "</" not preceded by a backslash


def assert_clean(at, lang: str) -> None:
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    for key in ("app.error", *STORE_MESSAGES):
        assert t(lang, key) not in errors


def make_poll(store, kind="choice", question=None, options=None, status="open") -> str:
    question = question or {
        "kk": "Қай шара маңызды?",
        "ru": "Какая мера важна?",
        "en": "Which measure matters?",
    }
    if kind == "choice" and options is None:
        options = [
            {"kk": "Гранттар", "ru": "Гранты", "en": "Grants"},
            {"kk": "Салық", "ru": "Налоги", "en": "Taxes"},
            {"kk": "Орын", "ru": "Помещения", "en": "Spaces"},
        ]
    actor = presenter_id(store)
    pid = live.create_poll(store, kind=kind, question=question, options=options or (), actor=actor)
    if status != "draft":
        live.open_poll(store, pid, actor=actor)
    if status == "closed":
        live.close_poll(store, pid, actor=actor)
    return pid


def make_deck(store, pid: str) -> str:
    return live.save_deck(
        store,
        title="Day 2",
        actor=presenter_id(store),
        scenes=[
            SceneRef("poll", {"poll": pid}),
            SceneRef("ranking", {"metric": "jobs_per_100k", "period": "all"}),
            SceneRef("per_year", {"region": "all"}),
        ],
    )


def chart_spec(at, i: int = 0) -> dict:
    return charts(at)[i].figure


def texts(at) -> list[str]:
    return [str(el.value) for el in at.text]


def markdown_sources(at) -> list[str]:
    out = []
    for kind in (
        "markdown",
        "caption",
        "title",
        "subheader",
        "error",
        "info",
        "success",
        "warning",
    ):
        out.extend(str(el.value) for el in getattr(at, kind))
    for kind in ("button", "expander", "selectbox", "text_input"):
        out.extend(str(getattr(el, "label", "") or "") for el in getattr(at, kind))
    return out


# -- presenter: editor ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_editor_renders_in_each_language(demo_store, lang):
    make_poll(demo_store)
    at = open_page("live", lang)
    assert_clean(at, lang)
    assert at.title[0].value == t(lang, "live.title")
    assert [tab.label for tab in at.tabs] == [t(lang, "live.tab_deck"), t(lang, "live.tab_polls")]
    labels = [b.label for b in at.button]
    assert t(lang, "live.poll.create") in labels and t(lang, "live.deck.save") in labels
    if lang == "kk":
        assert set(page_text(at)) & KAZAKH_LETTERS


def sign_in(at, user_id: str) -> None:
    """What a sign-in page leaves in the session: the user's id, nothing more."""
    at.session_state[USER_KEY] = user_id


def test_editor_creates_a_poll_opens_it_and_saves_a_deck(demo_store, presenter):
    at = open_page("live", "en")
    sign_in(at, presenter)
    at.selectbox(key="live_poll_kind").select("choice").run()
    at.text_input(key="live_q_ru").input("Какая мера важнее?")
    at.text_input(key="live_q_en").input("Which measure matters most?")
    at.text_area(key="live_opts_en").input("Grants\nTax incentives\nSpaces")
    at.text_area(key="live_opts_ru").input("Гранты\nЛьготы")
    at.button(key="live_poll_create").click().run()
    assert_clean(at, "en")
    polls = demo_store.query("SELECT * FROM polls")
    assert len(polls) == 1 and polls["status"][0] == "draft"
    pid = polls["poll_id"][0]
    assert json.loads(polls["options_json"][0]) == [
        {"ru": "Гранты", "en": "Grants"},
        {"ru": "Льготы", "en": "Tax incentives"},
        {"en": "Spaces"},
    ]

    at.button(key=f"live_open_{pid}").click().run()
    assert live.get_poll(demo_store, pid).status == "open"
    at.button(key=f"live_poll_add_{pid}").click().run()
    at.selectbox(key="live_add_scene").select("ranking").run()
    at.selectbox(key="live_add_ranking_metric").select("jobs_per_100k").run()
    at.button(key="live_add_button").click().run()
    at.text_input(key="live_title").input("Session, day 2")
    at.button(key="live_save").click().run()
    assert_clean(at, "en")
    assert at.success[-1].value == t("en", "live.deck.saved")
    decks = demo_store.query("SELECT * FROM decks")
    assert len(decks) == 1 and decks["title"][0] == "Session, day 2"
    assert json.loads(decks["scenes_json"][0]) == [
        {"scene": "poll", "params": {"poll": pid}},
        {"scene": "ranking", "params": {"metric": "jobs_per_100k", "period": "all"}},
    ]
    assert demo_store.scalar("SELECT count(*) FROM audit_log WHERE table_name = 'decks'") == 1

    at.button(key="live_present").click().run()
    assert at.query_params["deck"] in (decks["deck_id"][0], [decks["deck_id"][0]])
    assert any("1 / 2" in m.value for m in at.markdown)


@pytest.mark.parametrize("who", [None, "editor_kz10", "u-forged000000"])
def test_editor_writes_are_refused_unless_a_presenter_is_signed_in(demo_store, who, request):
    at = open_page("live", "ru")
    if who is not None:
        sign_in(at, request.getfixturevalue(who) if who == "editor_kz10" else who)
        at.run()
        # an id the store does not know ends the session at the next page load
        assert (USER_KEY in at.session_state) == (who == "editor_kz10")
    at.text_input(key="live_q_ru").input("Какая мера важнее?")
    at.selectbox(key="live_poll_kind").select("rating").run()
    at.button(key="live_poll_create").click().run()
    assert not at.exception
    reason = "role" if who == "editor_kz10" else "sign_in"
    assert t("ru", f"access.denied.{reason}") in [e.value for e in at.error]
    assert demo_store.scalar("SELECT count(*) FROM polls") == 0
    refused = demo_store.query(
        "SELECT table_name, after_json FROM audit_log WHERE action = 'refused'"
    )
    assert refused["table_name"].tolist() == ["polls"]
    assert json.loads(refused["after_json"][0]) == {"action": "insert", "reason": reason}


def test_editor_shows_validation_messages(demo_store):
    at = open_page("live", "ru")
    at.button(key="live_poll_create").click().run()
    assert t("ru", "live.error.question_empty") in [e.value for e in at.error]
    at.button(key="live_save").click().run()
    assert t("ru", "live.error.deck_title_empty") in [e.value for e in at.error]
    assert demo_store.scalar("SELECT count(*) FROM polls") == 0


# -- presenter mode -----------------------------------------------------------------------------------


def test_presenter_mode_without_demo_rows_has_no_demo_label(demo_store):
    with demo_store.transaction() as cur:
        for table in ("initiatives", "hubs", "participants"):
            cur.execute(f"UPDATE {table} SET is_demo = FALSE")  # noqa: S608 -- constant names
    deck = make_deck(demo_store, make_poll(demo_store))
    at = open_page("live", "en", deck=deck)
    assert_clean(at, "en")
    assert t("en", "live.present.counter", i=1, n=3) in [m.value for m in at.markdown]
    assert t("en", "live.present.demo_mark") not in [m.value for m in at.markdown]


@pytest.mark.parametrize("lang", LANGS)
def test_presenter_mode_renders_in_each_language(demo_store, lang):
    pid = make_poll(demo_store)
    deck = make_deck(demo_store, pid)
    at = open_page("live", lang, deck=deck)
    assert_clean(at, lang)
    assert any(m.value == t(lang, "live.present.counter", i=1, n=3) for m in at.markdown)
    spec = chart_spec(at)
    assert spec["layout"]["title"]["text"] == live.get_poll(demo_store, pid).question[lang]
    assert spec["layout"]["font"]["size"] >= 20  # large type for the back of the room
    assert spec["data"][0]["x"] == [0, 0, 0]
    assert at.button(key="live_next").proto.shortcut
    assert at.button(key="live_prev").disabled
    assert any(pid in x for x in texts(at))  # the join link under the QR code
    assert at.get("image")  # the QR code
    # the demo badge is hidden on the slide: the corner label says demo instead
    mark = [m for m in at.markdown if m.value == t(lang, "live.present.demo_mark")]
    official = official_populations(queries.run(demo_store, "regions"))
    assert 10 <= official < 20  # some official figures, some estimates (data/reference)
    assert mark and t(lang, "app.demo_badge_help", official=official, n=20) == mark[0].proto.help


def test_next_and_previous_move_through_the_deck(demo_store):
    deck = make_deck(demo_store, make_poll(demo_store))
    at = open_page("live", "en", deck=deck)
    at.button(key="live_next").click().run()
    assert any(m.value == "2 / 3" for m in at.markdown)
    assert chart_spec(at)["layout"]["title"]["text"].startswith("Regions ranked")
    assert at.query_params["scene"] in ("2", ["2"])
    at.button(key="live_next").click().run()
    assert at.button(key="live_next").disabled
    assert chart_spec(at)["layout"]["title"]["text"] == t("en", "live.per_year.title")
    at.button(key="live_prev").click().run()
    assert any(m.value == "2 / 3" for m in at.markdown)


def test_shared_link_opens_at_the_given_scene_and_unknown_decks_say_so(demo_store):
    deck = make_deck(demo_store, make_poll(demo_store))
    at = open_page("live", "kk", deck=deck, scene="3")
    assert any(m.value == "3 / 3" for m in at.markdown)
    at = open_page("live", "kk", deck="nosuch1")
    assert t("kk", "live.error.deck_not_found") in [e.value for e in at.error]


def counter(at) -> str:
    return next(m.value for m in at.markdown if re.fullmatch(r"\d+ / \d+", m.value))


def url(at, key: str):
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def test_auto_advance_moves_on_once_the_slide_was_shown_long_enough(demo_store):
    deck = make_deck(demo_store, make_poll(demo_store))
    at = open_page("live", "en", deck=deck)
    at.number_input(key="live_auto_s").set_value(600)
    at.toggle(key="live_auto").set_value(True).run()
    assert counter(at) == "1 / 3"  # switched on: not due for 600 s
    shown = at.session_state["live_show"]
    at.session_state["live_show"] = replace(shown, since=shown.since - 600)  # shown 600 s ago
    at.run()
    assert_clean(at, "en")
    assert counter(at) == "2 / 3" and url(at, "scene") == "2"
    assert chart_spec(at)["layout"]["title"]["text"].startswith("Regions ranked")
    at.toggle(key="live_auto").set_value(False)
    at.session_state["live_show"] = replace(shown, index=1, since=shown.since - 6000)
    at.run()
    assert counter(at) == "2 / 3"  # off: stays, however long


def test_a_clicker_at_either_end_of_the_deck_changes_nothing(demo_store):
    deck = make_deck(demo_store, make_poll(demo_store))
    at = open_page("live", "en", deck=deck, scene="3")
    at.button(key="live_next_clicker").click().run()
    assert_clean(at, "en")
    assert counter(at) == "3 / 3" and url(at, "scene") == "3"
    at.button(key="live_prev_clicker").click().run()
    assert counter(at) == "2 / 3" and url(at, "scene") == "2"
    at.button(key="live_prev").click().run()
    at.button(key="live_prev_clicker").click().run()
    assert counter(at) == "1 / 3" and not at.error


def test_exit_returns_to_the_editor_with_the_deck_shown(demo_store):
    deck = make_deck(demo_store, make_poll(demo_store))
    at = open_page("live", "en", deck=deck, scene="2")
    at.button(key="live_exit").click().run()
    assert_clean(at, "en")
    assert "deck" not in at.query_params and "scene" not in at.query_params
    assert at.selectbox(key="live_deck_pick").value == deck
    assert at.text_input(key="live_title").value == "Day 2"
    assert at.subheader[0].value == t("en", "live.deck.scenes", n=3)
    at.button(key="live_present").click().run()  # presenting again starts at the first slide
    assert counter(at) == "1 / 3" and url(at, "scene") == "1"


def test_slides_are_reordered_and_removed_in_the_editor(demo_store):
    pid = make_poll(demo_store)
    deck = make_deck(demo_store, pid)
    at = open_page("live", "en")
    sign_in(at, presenter_id(demo_store))
    at.selectbox(key="live_deck_pick").select(deck).run()
    assert at.button(key="live_up_0").disabled and at.button(key="live_down_2").disabled
    at.button(key="live_down_0").click().run()  # poll, ranking, per_year -> ranking, poll, ...
    at.button(key="live_up_2").click().run()  # -> ranking, per_year, poll
    at.button(key="live_remove_0").click().run()  # -> per_year, poll
    at.button(key="live_save").click().run()
    assert_clean(at, "en")
    stored = json.loads(demo_store.query("SELECT scenes_json FROM decks")["scenes_json"][0])
    assert stored == [
        {"scene": "per_year", "params": {"region": "all"}},
        {"scene": "poll", "params": {"poll": pid}},
    ]
    assert demo_store.scalar("SELECT count(*) FROM decks") == 1  # saved over the picked deck


def test_a_full_deck_refuses_another_slide_and_says_why(demo_store):
    at = open_page("live", "en")
    full = Draft(scenes=(SceneRef("per_year", {"region": "all"}),) * live.MAX_SCENES)
    at.session_state["live_draft"] = full
    at.selectbox(key="live_add_scene").select("ranking").run()
    at.button(key="live_add_button").click().run()
    assert_clean(at, "en")
    assert t("en", "live.error.deck_too_long", limit=live.MAX_SCENES) in [e.value for e in at.error]
    assert at.session_state["live_draft"] == full


def test_a_poll_is_closed_and_reopened_from_the_editor(demo_store):
    pid = make_poll(demo_store)
    live.vote(demo_store, pid, live.issue_voter_token(demo_store, pid), "1")
    at = open_page("live", "en")
    sign_in(at, presenter_id(demo_store))
    sign_in(at, presenter_id(demo_store))
    assert f"live_open_{pid}" not in [b.key for b in at.button]
    at.button(key=f"live_close_{pid}").click().run()
    assert live.get_poll(demo_store, pid).status == "closed"
    at.button(key=f"live_open_{pid}").click().run()
    assert_clean(at, "en")
    assert live.get_poll(demo_store, pid).status == "open"
    assert demo_store.scalar("SELECT count(*) FROM votes") == 1  # reopening keeps the votes
    assert f"live_close_{pid}" in [b.key for b in at.button]


# -- the vote page ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_vote_page_renders_in_each_language(demo_store, lang):
    pid = make_poll(demo_store)
    at = open_page("vote", lang, poll=pid)
    assert_clean(at, lang)
    assert live.get_poll(demo_store, pid).question[lang] in texts(at)
    labels = [b.label for b in at.button if b.key and b.key.startswith("vote_answer_")]
    assert labels == [o[lang] for o in live.get_poll(demo_store, pid).options]
    assert live.valid_token(at.session_state["vote_token"])
    assert "voter" not in at.query_params  # the token stays out of the address


def test_vote_page_falls_back_to_another_filled_language(demo_store):
    pid = make_poll(demo_store, kind="rating", question={"ru": "Оцените сессию"})
    at = open_page("vote", "kk", poll=pid)
    assert "Оцените сессию" in texts(at)
    assert [b.label for b in at.button if b.key.startswith("vote_answer_")] == [
        t("kk", f"live.rating.r{i}") for i in range(1, 6)
    ]


def test_region_poll_offers_the_20_regions_in_the_voters_language(demo_store):
    pid = make_poll(demo_store, kind="region", question={"en": "Where next?"})
    at = open_page("vote", "ru", poll=pid)
    keys = [b.key for b in at.button if b.key.startswith("vote_answer_")]
    assert len(keys) == 20 and "vote_answer_KZ-75" in keys
    assert at.button(key="vote_answer_KZ-79").label == "Шымкент"
    at.button(key="vote_answer_KZ-79").click().run()
    assert demo_store.query("SELECT answer FROM votes")["answer"].tolist() == ["KZ-79"]


def test_voting_through_the_page_reaches_the_presenters_chart(demo_store):
    pid = make_poll(demo_store)
    deck = make_deck(demo_store, pid)
    voter = open_page("vote", "kk", poll=pid)
    voter.button(key="vote_answer_1").click().run()
    assert_clean(voter, "kk")
    stored = demo_store.query(
        "SELECT voter_token, answer FROM votes WHERE poll_id = $p", {"p": pid}
    )
    assert stored["answer"].tolist() == ["1"]
    assert stored["voter_token"][0] == voter.session_state["vote_token"]
    assert voter.success[0].value == t("kk", "live.vote.recorded")
    assert voter.button(key="vote_answer_1").proto.type == "primary"

    presenter = open_page("live", "ru", deck=deck)
    assert chart_spec(presenter)["data"][0]["x"] == [0, 1, 0]

    voter.button(key="vote_answer_2").click().run()  # changes the vote: still one vote
    assert demo_store.query("SELECT answer FROM votes WHERE poll_id = $p", {"p": pid})[
        "answer"
    ].tolist() == ["2"]
    presenter = open_page("live", "ru", deck=deck)
    spec = chart_spec(presenter)
    assert spec["data"][0]["x"] == [0, 0, 1]
    assert spec["layout"]["title"]["subtitle"]["text"] == t("ru", "live.results.total", n="1")


def test_the_voter_token_never_travels_in_the_address(demo_store):
    """A shared link carries no voter: the token stays in the session (and the device's cookie),
    and a ``?voter=`` in a link (an old link, or another voter's token) is ignored and removed."""
    pid = make_poll(demo_store)
    first = open_page("vote", "en", poll=pid)
    first.button(key="vote_answer_0").click().run()
    token = first.session_state["vote_token"]
    assert "voter" not in first.query_params
    assert all(token not in str(v) for v in first.query_params.values())
    first.run()  # the session keeps its voter across reruns
    assert first.session_state["vote_token"] == token
    assert first.button(key="vote_answer_0").proto.type == "primary"

    # someone opens a link carrying the first voter's token: neither shown nor changed
    other = open_page("vote", "en", poll=pid, voter=token)
    assert_clean(other, "en")
    assert "voter" not in other.query_params
    assert other.session_state["vote_token"] != token
    assert not other.success  # "your vote is recorded" is not shown
    assert all(b.proto.type == "secondary" for b in other.button if b.key.startswith("vote_"))
    other.button(key="vote_answer_2").click().run()
    votes = demo_store.query(
        "SELECT voter_token, answer FROM votes WHERE poll_id = $p ORDER BY answer", {"p": pid}
    )
    assert votes.values.tolist() == [[token, "0"], [other.session_state["vote_token"], "2"]]


@pytest.mark.parametrize("shape", ["hand-typed", "another poll's"])
def test_a_token_in_the_address_is_never_used(demo_store, shape):
    pid = make_poll(demo_store)
    if shape == "hand-typed":
        bad = "forgedtoken00000Nxx"
    else:
        bad = live.issue_voter_token(demo_store, make_poll(demo_store))
    at = open_page("vote", "en", poll=pid, voter=bad)
    assert_clean(at, "en")
    token = at.session_state["vote_token"]
    assert token != bad and live.token_issued(demo_store, pid, token)
    at.button(key="vote_answer_1").click().run()
    assert demo_store.query("SELECT voter_token FROM votes")["voter_token"].tolist() == [token]


def test_late_vote_gets_a_clear_message(demo_store):
    pid = make_poll(demo_store)
    at = open_page("vote", "ru", poll=pid)
    live.close_poll(
        demo_store, pid, actor=presenter_id(demo_store)
    )  # closed while the phone shows the buttons
    at.button(key="vote_answer_0").click().run()
    assert t("ru", "live.error.poll_closed") in [e.value for e in at.error]
    assert demo_store.scalar("SELECT count(*) FROM votes") == 0
    assert all(b.disabled for b in at.button if b.key.startswith("vote_answer_"))


@pytest.mark.parametrize(
    "status, key", [("draft", "live.vote.not_open"), ("closed", "live.vote.closed")]
)
def test_vote_page_explains_draft_and_closed_polls(demo_store, status, key):
    pid = make_poll(demo_store, status=status)
    at = open_page("vote", "en", poll=pid)
    assert t("en", key) in [i.value for i in at.info]
    assert all(b.disabled for b in at.button if b.key.startswith("vote_answer_"))


def test_unknown_poll(demo_store):
    for poll in ("nosuch", "<script>"):
        at = open_page("vote", "en", poll=poll)
        assert_clean(at, "en")
        assert t("en", "live.error.poll_not_found") in [e.value for e in at.error]


# -- user text stays text ------------------------------------------------------------------------------
def test_poll_text_is_shown_as_text_never_as_html(demo_store):
    pid = make_poll(
        demo_store,
        question={"en": XSS},
        options=[{"en": "<img src=x onerror=alert(1)>"}, {"en": "**bold** [x](y)"}],
    )
    deck = make_deck(demo_store, pid)

    voter = open_page("vote", "en", poll=pid)
    assert XSS in texts(voter)  # st.text: no Markdown, no HTML
    assert not any(UNESCAPED_TAG.search(s) for s in markdown_sources(voter))
    assert voter.button(key="vote_answer_0").label == inert("<img src=x onerror=alert(1)>")
    assert voter.button(key="vote_answer_1").label == inert("**bold** [x](y)")
    assert "<" not in voter.button(key="vote_answer_0").label

    editor = open_page("live", "en")
    assert XSS in texts(editor)
    assert not any(UNESCAPED_TAG.search(s) for s in markdown_sources(editor))

    presenter = open_page("live", "en", deck=deck)
    spec = chart_spec(presenter)
    assert spec["layout"]["title"]["text"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert spec["layout"]["yaxis"]["ticktext"][0] == "&lt;img src=x onerror=alert(1)&gt;"
    assert "<script" not in charts(presenter)[0].spec
    assert not any(UNESCAPED_TAG.search(s) for s in markdown_sources(presenter))
