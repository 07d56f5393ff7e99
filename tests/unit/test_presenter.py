"""The presenter's state without Streamlit: the deck editor's draft, the deck on screen with its
auto-advance timing (a clock passed in, never waited for), the poll admin's choices, the ballot."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from creative_dash import live
from creative_dash.live import Deck, SceneRef
from creative_dash.live.ballot import answer_order, ballot_messages
from creative_dash.live.presenter import (
    AUTO_DEFAULT_S,
    AUTO_MAX_S,
    AUTO_MIN_S,
    AUTO_TICK_S,
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

A = SceneRef("poll", {"poll": "abcd23"})
B = SceneRef("ranking", {"metric": "jobs", "period": "all"})
C = SceneRef("per_year", {"region": "all"})


def refused(key: str):
    return pytest.raises(Refused, match=f"^{key}")


# -- the draft -----------------------------------------------------------------------------------
def test_a_new_draft_is_empty_and_unsaved():
    draft = Draft()
    assert draft.deck_id is None and draft.title == "" and draft.scenes == ()


def test_add_appends_and_leaves_the_old_draft_as_it_was():
    one = Draft().add(A)
    two = one.add(B)
    assert one.scenes == (A,) and two.scenes == (A, B)
    with pytest.raises(FrozenInstanceError):
        two.scenes = ()  # type: ignore[misc]


def test_add_is_refused_once_the_deck_is_full():
    full = Draft(scenes=(A,) * live.MAX_SCENES)
    with refused("deck_too_long") as info:
        full.add(B)
    assert info.value.params == {"limit": live.MAX_SCENES}
    assert isinstance(info.value, live.LiveError)  # pages show it like any live error
    assert Draft(scenes=(A,) * (live.MAX_SCENES - 1)).add(B).scenes[-1] == B


def test_move_swaps_a_slide_with_its_neighbour():
    draft = Draft(scenes=(A, B, C))
    assert draft.move(1, -1).scenes == (B, A, C)
    assert draft.move(1, +1).scenes == (A, C, B)
    assert draft.move(0, +1).move(1, +1).scenes == (B, C, A)
    assert draft.scenes == (A, B, C)


@pytest.mark.parametrize(
    "i, step",
    [(0, -1), (2, +1), (3, -1), (-1, +1), (0, +2), (1, 0)],
    ids=["first up", "last down", "past the end", "negative", "two places", "no step"],
)
def test_moves_the_buttons_do_not_offer_are_refused(i, step):
    draft = Draft(scenes=(A, B, C))
    assert not draft.can_move(i, step)
    with refused("scene_unknown"):
        draft.move(i, step)


def test_can_move_is_what_the_up_and_down_buttons_offer():
    draft = Draft(scenes=(A, B, C))
    assert [(draft.can_move(i, -1), draft.can_move(i, +1)) for i in range(3)] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    assert not Draft(scenes=(A,)).can_move(0, -1) and not Draft(scenes=(A,)).can_move(0, +1)


def test_remove_and_its_refusals():
    draft = Draft(scenes=(A, B, C))
    assert draft.remove(1).scenes == (A, C)
    assert draft.remove(2).remove(0).scenes == (B,)
    for i in (3, -1):
        with refused("scene_unknown"):
            draft.remove(i)
    with refused("scene_unknown"):
        Draft().remove(0)  # a second click on the last slide's remove button


def test_a_stored_deck_is_edited_and_saved_under_its_id():
    deck = Deck("deck2345", "Day 2", [A, B], version=3, updated_at=None)
    draft = Draft.of(deck)
    assert draft == Draft("deck2345", "Day 2", (A, B))
    new = Draft().add(C).saved("new23456", "Day 3")
    assert new == Draft("new23456", "Day 3", (C,))
    assert new.add(A).deck_id == "new23456"  # later saves replace that deck


# -- the deck on screen ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, number",
    [("2", 2), ("12", 12), ("0", 0), ("", None), (None, None), ("-1", None), ("+2", None)]
    + [("2.0", None), (" 2", None), ("x", None), ("٣", None)],
)
def test_scene_number_from_the_url(text, number):
    assert scene_number(text) == number


def test_a_show_starts_at_the_linked_slide_if_the_deck_has_it():
    assert Show.start("d1234", 3, now=100.0) == Show("d1234", 3, 0, 100.0)
    assert Show.start("d1234", 3, 100.0, number=3).index == 2
    for number in (0, 4, 99):
        assert Show.start("d1234", 3, 100.0, number=number).index == 0
    with refused("deck_empty"):
        Show.start("d1234", 0, 100.0)


def test_next_and_previous_stop_at_the_decks_ends():
    first = Show.start("d1234", 3, now=0.0)
    assert (first.number, first.has_prev, first.has_next) == (1, False, True)
    second = first.go(+1, now=5.0)
    assert (second.index, second.since, second.has_prev, second.has_next) == (1, 5.0, True, True)
    last = second.go(+1, now=6.0)
    assert (last.number, last.has_next) == (3, False)
    with refused("scene_unknown"):
        last.go(+1, now=7.0)
    with refused("scene_unknown"):
        first.go(-1, now=7.0)
    assert last.go(-2, now=8.0).index == 0


def test_wrapping_moves_go_round_the_deck():
    last = Show("d1234", 3, 2, 0.0)
    assert last.go(+1, 1.0, wrap=True).index == 0
    assert Show("d1234", 3, 0, 0.0).go(-1, 1.0, wrap=True).index == 2


def test_a_deck_saved_shorter_while_shown_keeps_a_slide_it_has():
    shown = Show("d1234", 5, 4, 10.0)
    assert shown.fit(3) == Show("d1234", 3, 2, 10.0)
    assert shown.fit(8) == Show("d1234", 8, 4, 10.0)
    with refused("deck_empty"):
        shown.fit(0)


# -- auto-advance ----------------------------------------------------------------------------------
def test_auto_advance_is_due_after_the_chosen_seconds():
    shown = Show("d1234", 3, 0, since=100.0)
    assert shown.seconds_left(100.0, 20) == 20
    assert shown.seconds_left(119.5, 20) == pytest.approx(0.5)
    assert shown.advanced(119.9, auto=True, every_s=20) is None
    moved = shown.advanced(120.0, auto=True, every_s=20)
    assert moved == Show("d1234", 3, 1, 120.0)  # the next slide, timed from now
    assert shown.advanced(500.0, auto=False, every_s=20) is None  # switched off
    assert shown.seconds_left(500.0, 20) == 0


def test_auto_advance_wraps_and_never_moves_a_single_slide():
    assert Show("d1234", 3, 2, 0.0).advanced(30.0, auto=True, every_s=20).index == 0
    assert Show("d1234", 1, 0, 0.0).advanced(1e6, auto=True, every_s=3) is None


def test_auto_advance_over_a_minute_of_ticks():
    """The shown slide re-runs every AUTO_TICK_S: with 20 s per slide, a minute of ticks moves
    three times, each 20 s after the last, and a manual move restarts the count."""
    shown = Show.start("d1234", 4, now=0.0)
    moves = []
    now = 0.0
    while now <= 60.0:
        moved = shown.advanced(now, auto=True, every_s=20)
        if moved is not None:
            shown = moved
            moves.append((now, shown.number))
        now += AUTO_TICK_S
    assert moves == [(20.0, 2), (40.0, 3), (60.0, 4)]
    manual = shown.go(-1, now=65.0)
    assert manual.advanced(84.0, auto=True, every_s=20) is None
    assert manual.advanced(85.0, auto=True, every_s=20).number == 4


@pytest.mark.parametrize(
    "value, seconds",
    [(20, 20), (3, 3), (600, 600), (1, AUTO_MIN_S), (10_000, AUTO_MAX_S), (-5, AUTO_MIN_S)]
    + [(7.9, 7), ("15", 15), (None, AUTO_DEFAULT_S), ("x", AUTO_DEFAULT_S)]
    + [(float("inf"), AUTO_DEFAULT_S)],
)
def test_seconds_per_slide_are_clamped_on_the_server(value, seconds):
    assert auto_seconds(value) == seconds


def test_the_slide_reruns_every_second_while_auto_advancing():
    assert tick_s(3.0, auto=False) == 3.0 and tick_s(1.0, auto=False) == 1.0
    assert tick_s(3.0, auto=True) == AUTO_TICK_S == 1.0
    assert tick_s(0.5, auto=True) == 0.5  # a faster scene keeps its pace


# -- polls -----------------------------------------------------------------------------------------
def test_the_poll_admin_offers_the_one_change_the_status_allows():
    assert poll_action("draft") == "open"
    assert poll_action("open") == "closed"
    assert poll_action("closed") == "open"  # reopened, votes kept
    with refused("bad_transition"):
        poll_action("archived")


def test_every_change_the_poll_admin_offers_is_accepted_by_the_writes(demo_store, presenter):
    pid = live.create_poll(demo_store, kind="rating", question={"en": "Rate it"}, actor=presenter)
    seen = []
    for _ in range(4):
        status = live.get_poll(demo_store, pid).status
        seen.append(status)
        live.set_poll_status(demo_store, pid, poll_action(status), actor=presenter)
    assert seen == ["draft", "open", "closed", "open"]
    assert live.get_poll(demo_store, pid).status == "closed"
    for not_offered in ("closed", "draft"):
        with pytest.raises(live.LiveError, match="bad_transition"):
            live.set_poll_status(demo_store, pid, not_offered, actor=presenter)


def test_the_join_panel_and_the_form_notes():
    assert join_headline_key("open") == "live.join.scan"
    assert join_headline_key("draft") == "live.join.status_draft"
    assert join_headline_key("closed") == "live.join.status_closed"
    assert kind_note_key("choice") is None  # option fields instead
    assert kind_note_key("region") == "live.poll.region_note"
    assert kind_note_key("rating") == "live.poll.rating_note"


def test_the_poll_form_pairs_option_lines_only_for_choice_polls():
    lines = {"kk": "А\nБ", "ru": None, "en": "A\nB"}
    choice = PollForm("choice", {"en": "Q?"}, lines)
    assert choice.options() == [
        {"kk": "А", "ru": "", "en": "A"},
        {"kk": "Б", "ru": "", "en": "B"},
    ]
    assert PollForm("rating", {"en": "Q?"}, lines).options() == []
    assert PollForm("region", {"en": "Q?"}, {}).options() == []


# -- the ballot ----------------------------------------------------------------------------------
def test_regions_are_listed_alphabetically_other_answers_as_given():
    regions = {"KZ-75": "Алматы", "KZ-79": "Шымкент", "KZ-71": "астана"}
    assert list(answer_order("region", regions)) == ["KZ-75", "KZ-71", "KZ-79"]
    kazakh = {"KZ-11": "Ақмола облысы", "KZ-75": "Алматы", "KZ-10": "Абай облысы"}
    assert list(answer_order("region", kazakh)) == ["KZ-10", "KZ-11", "KZ-75"]
    choices = {"0": "Zeta", "1": "Alpha"}
    assert list(answer_order("choice", choices)) == ["0", "1"]


@pytest.mark.parametrize(
    "status, error, shown",
    [
        ("open", None, (None, None)),
        ("open", "poll_closed", (None, None)),  # reopened since: the old refusal is stale
        ("open", "poll_not_open", (None, None)),
        ("open", "bad_option", ("bad_option", None)),
        ("draft", None, (None, "live.vote.not_open")),
        ("draft", "poll_not_open", ("poll_not_open", "live.vote.not_open")),
        ("closed", None, (None, "live.vote.closed")),
        ("closed", "poll_closed", ("poll_closed", None)),  # the error says it already
    ],
)
def test_ballot_messages(status, error, shown):
    assert ballot_messages(status, error) == shown
