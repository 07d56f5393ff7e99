"""The presenter's state, with no Streamlit and no store: the deck being edited, the slide on
screen and when auto-advance moves on, and what the poll admin offers.

States are frozen values; a transition returns a new one, or raises :class:`Refused` when the
page's buttons would not have allowed it (a stale click, a step past the deck's end, a slide too
many). Time comes in as an argument, a monotonic clock's reading in seconds, so the timing is
computed from the state and tested without waiting. ``creative_dash.ui.live`` keeps these
values in the session and wires them to widgets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from creative_dash.live.model import (
    MAX_SCENES,
    POLL_TRANSITIONS,
    Deck,
    LiveError,
    SceneRef,
    options_from_lines,
)

__all__ = [
    "AUTO_DEFAULT_S",
    "AUTO_MAX_S",
    "AUTO_MIN_S",
    "AUTO_TICK_S",
    "Draft",
    "PollForm",
    "Refused",
    "Show",
    "auto_seconds",
    "join_headline_key",
    "kind_note_key",
    "poll_action",
    "scene_number",
    "tick_s",
]

# Seconds per slide while auto-advancing: the number input's range and first value.
AUTO_MIN_S, AUTO_MAX_S, AUTO_DEFAULT_S = 3, 600, 20
# While auto-advancing the shown slide re-runs every second: the time is checked on each run.
AUTO_TICK_S = 1.0


class Refused(LiveError):
    """A transition the state does not allow; ``key`` names its ``live.error.<key>`` message."""


# -- the deck editor ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """The deck being edited: its id once saved (None: a new deck), its title, its slides."""

    deck_id: str | None = None
    title: str = ""
    scenes: tuple[SceneRef, ...] = ()

    @classmethod
    def of(cls, deck: Deck) -> Draft:
        """Start editing a stored deck."""
        return cls(deck.deck_id, deck.title, tuple(deck.scenes))

    def add(self, ref: SceneRef) -> Draft:
        """The slide appended at the end; refused once the deck holds ``MAX_SCENES``."""
        if len(self.scenes) >= MAX_SCENES:
            raise Refused("deck_too_long", limit=MAX_SCENES)
        return replace(self, scenes=(*self.scenes, ref))

    def can_move(self, i: int, step: int) -> bool:
        n = len(self.scenes)
        return step in (-1, 1) and 0 <= i < n and 0 <= i + step < n

    def move(self, i: int, step: int) -> Draft:
        """Slide ``i`` swapped with its neighbour one up (-1) or down (+1)."""
        if not self.can_move(i, step):
            raise Refused("scene_unknown")
        scenes = list(self.scenes)
        scenes[i], scenes[i + step] = scenes[i + step], scenes[i]
        return replace(self, scenes=tuple(scenes))

    def remove(self, i: int) -> Draft:
        if not 0 <= i < len(self.scenes):
            raise Refused("scene_unknown")
        return replace(self, scenes=self.scenes[:i] + self.scenes[i + 1 :])

    def saved(self, deck_id: str, title: str) -> Draft:
        """The draft once the store holds it as ``deck_id`` (later saves replace that deck)."""
        return replace(self, deck_id=deck_id, title=title)


# -- the deck on screen ------------------------------------------------------------------------
def scene_number(text: str | None) -> int | None:
    """A slide number from the URL (``?scene=2``): digits only, else None."""
    return int(text) if text and text.isascii() and text.isdigit() else None


@dataclass(frozen=True)
class Show:
    """A deck being presented: slide ``index`` (0-based) of ``count``, shown since ``since``."""

    deck_id: str
    count: int
    index: int
    since: float

    @classmethod
    def start(cls, deck_id: str, count: int, now: float, number: int | None = None) -> Show:
        """Open a deck at slide ``number`` (1-based, from a shared link) if the deck has it, else
        at the first slide. An empty deck cannot be shown."""
        if count < 1:
            raise Refused("deck_empty")
        index = number - 1 if number is not None and 1 <= number <= count else 0
        return cls(deck_id, count, index, now)

    @property
    def number(self) -> int:
        """The shown slide's number, 1-based (the counter and ``?scene=``)."""
        return self.index + 1

    @property
    def has_prev(self) -> bool:
        return self.index > 0

    @property
    def has_next(self) -> bool:
        return self.index < self.count - 1

    def fit(self, count: int) -> Show:
        """The same show after the deck was saved with ``count`` slides (edited elsewhere)."""
        if count < 1:
            raise Refused("deck_empty")
        return replace(self, count=count, index=min(self.index, count - 1))

    def go(self, step: int, now: float, *, wrap: bool = False) -> Show:
        """``step`` slides on (negative: back). Without ``wrap`` the deck's ends are walls and a
        step through one is refused; with it the last slide is followed by the first."""
        index = self.index + step
        if wrap:
            index %= self.count
        elif not 0 <= index < self.count:
            raise Refused("scene_unknown")
        return replace(self, index=index, since=now)

    def seconds_left(self, now: float, every_s: float) -> float:
        """Seconds until auto-advance moves on (0: due now)."""
        return max(0.0, every_s - (now - self.since))

    def advanced(self, now: float, *, auto: bool, every_s: float) -> Show | None:
        """The next slide (after the last: the first) when auto-advance is on and the slide has
        been shown ``every_s`` seconds; None while it stays. One slide never advances."""
        if not auto or self.count < 2 or self.seconds_left(now, every_s) > 0:
            return None
        return self.go(+1, now, wrap=True)


def auto_seconds(value: float | str | None) -> int:
    """Seconds per slide from the number input, clamped to its range on the server as well."""
    if value is None:
        return AUTO_DEFAULT_S
    try:
        seconds = int(value)
    except (ValueError, OverflowError):
        return AUTO_DEFAULT_S
    return min(max(seconds, AUTO_MIN_S), AUTO_MAX_S)


def tick_s(refresh_s: float, *, auto: bool) -> float:
    """How often the shown slide re-runs: as often as its data needs (``Scene.refresh_s``), and
    at least every ``AUTO_TICK_S`` while auto-advancing."""
    return min(refresh_s, AUTO_TICK_S) if auto else refresh_s


# -- polls -------------------------------------------------------------------------------------
def poll_action(status: str) -> str:
    """The status the poll admin's button moves a poll to: open a draft or a closed poll
    (reopening keeps its votes), close an open one. The writes check the same table."""
    for target, sources in POLL_TRANSITIONS.items():
        if status in sources:
            return target
    raise Refused("bad_transition")


def join_headline_key(status: str) -> str:
    """The line above the presenter's QR code: scan to vote, or why voting is not possible."""
    return "live.join.scan" if status == "open" else f"live.join.status_{status}"


def kind_note_key(kind: str) -> str | None:
    """The note shown instead of option fields: region and rating polls have fixed answers."""
    return {"region": "live.poll.region_note", "rating": "live.poll.rating_note"}.get(kind)


@dataclass(frozen=True)
class PollForm:
    """The new-poll form's fields, as typed: one question and one options text per language."""

    kind: str
    question: Mapping[str, str | None]
    option_lines: Mapping[str, str | None]

    def options(self) -> list[dict[str, str]]:
        """The options ``live.create_poll`` receives (and checks): a choice poll's option N is
        line N of every language's text; other kinds have none."""
        if self.kind != "choice":
            return []
        return options_from_lines({k: v or "" for k, v in self.option_lines.items()})
