"""Live session writes: polls, votes and presenter decks in the store.

Every write goes through :meth:`Store.transaction`, so the data versions caches key on change
and the presenter's cached results refresh on the next fragment tick.

Who: the presenter's writes (polls created, opened, closed, deleted; decks saved, deleted) go
through the write gateway (:mod:`creative_dash.store.gateway`) with ``actor`` = the signed-in
user's id: the gateway reads that user's role from the store and refuses anyone but a presenter
or an admin (:class:`~creative_dash.access.AccessDenied`), with an audit row either way. Votes
are anonymous: a vote needs a voter token the server issued for that poll
(:func:`issue_voter_token`); any other token is refused.

Concurrency: no two votes write the same row (a vote bumps no data version: a poll's votes are
versioned by their count and revisions, see :class:`creative_dash.store.Versions`), so votes on
a poll, in one process or on several replicas of a shared PostgreSQL, never conflict with each
other, nor with an import. Presenter writes bump the ``live`` topic's version. A write that still
loses a race (DuckDB's optimistic concurrency control, PostgreSQL's serialization failures and
deadlocks) rolls back whole and is tried again by the store
(:func:`creative_dash.store.retry_conflicts`); past its bounds it is ``LiveError("busy")``. A
vote holds its poll's row for share while it checks that the poll is open (PostgreSQL), and in
one process writers of this module take turns: so no vote is accepted after its poll was closed.
A fault of the store (a full disk, a lost database server) is no conflict: it is not retried, and
comes out as ``LiveError("store")`` (the store's own message goes to the log).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import duckdb

from creative_dash.access import DELETE, INSERT, UPDATE
from creative_dash.i18n import LANGS
from creative_dash.live.model import (
    KINDS,
    MAX_DECK_TITLE,
    MAX_OPTION,
    MAX_OPTIONS,
    MAX_QUESTION,
    MAX_SCENES,
    MIN_OPTIONS,
    POLL_TRANSITIONS,
    RATING_VALUES,
    Deck,
    LiveError,
    Poll,
    SceneRef,
    clean_texts,
    deck_from_row,
    is_filled,
    new_id,
    new_voter_token,
    valid_id,
    valid_token,
)
from creative_dash.store import Store, StoreConflict, StoreError, gateway, retry_conflicts
from creative_dash.store.gateway import ActorRef

__all__ = [
    "MAX_WRITE_ATTEMPTS",
    "create_poll",
    "get_poll",
    "set_poll_status",
    "open_poll",
    "close_poll",
    "delete_poll",
    "issue_voter_token",
    "token_issued",
    "vote",
    "save_deck",
    "delete_deck",
    "load_deck",
]

log = logging.getLogger(__name__)
MAX_WRITE_ATTEMPTS = 200
MAX_WRITE_SECONDS = 5.0  # a write that keeps conflicting gives up after this long ("busy")

# -- retrying writes --------------------------------------------------------------------------
T = TypeVar("T")

# On a DuckDB file, writers of this module queue on a lock instead of colliding: a room voting at
# once would otherwise spend most of its time in conflict retries (measured: 100 parallel votes
# took ~6 s and ~1,600 attempts without it, well under 1 s with it), and it is what keeps a vote
# from slipping past a poll being closed (the file has one writing process). On PostgreSQL the
# database orders writers (a vote reads its poll for share) and votes write no common row: no
# lock there. Writers elsewhere can still conflict with us, hence the store's retries as well.
_WRITE_LOCK = threading.Lock()


def _with_retry(
    store: Store,
    write: Callable[[], T],
    attempts: int = MAX_WRITE_ATTEMPTS,
    seconds: float = MAX_WRITE_SECONDS,
) -> T:
    """``write()`` through the store's retries of conflicts (:func:`retry_conflicts`), at most
    ``attempts`` times and ``seconds`` long (then ``LiveError("busy")``). A fault of the store
    ends it at once with ``LiveError("store")``."""

    def locked() -> T:
        with _WRITE_LOCK:
            return write()

    try:
        # PostgreSQL orders writers itself (rows held for share, serialization failures tried
        # again): a vote does not wait for this process's other votes there
        once = write if store.is_postgres else locked
        return retry_conflicts(once, attempts=attempts, seconds=seconds, where=store.where)
    except StoreConflict as exc:
        raise LiveError("busy") from exc
    except StoreError as exc:
        log.error("write failed: %s", exc)
        raise LiveError("store") from exc


def create_poll(
    store: Store,
    *,
    kind: str,
    question: Mapping[str, str | None],
    options: Sequence[Mapping[str, str | None]] = (),
    actor: ActorRef,
) -> str:
    """Store a new poll (status draft) and return its id.

    ``question`` maps languages to text (at least one filled); ``options`` are the choices of a
    ``choice`` poll, each a mapping of languages to labels; rating and region polls take none."""
    if kind not in KINDS:
        raise LiveError("bad_kind")
    texts = clean_texts(
        question, MAX_QUESTION, empty="question_empty", too_long="question_too_long"
    )
    clean_options: list[dict[str, str]] = []
    if kind == "choice":
        filled = [o for o in options if any(is_filled(v) for v in o.values())]
        if not MIN_OPTIONS <= len(filled) <= MAX_OPTIONS:
            raise LiveError("options_count", min=MIN_OPTIONS, max=MAX_OPTIONS)
        clean_options = [
            clean_texts(o, MAX_OPTION, empty="option_empty", too_long="option_too_long")
            for o in filled
        ]
    poll_id = new_id()
    now = datetime.now()
    row = {
        "poll_id": poll_id,
        "kind": kind,
        **{f"question_{lang}": texts.get(lang) for lang in LANGS},
        "options_json": json.dumps(clean_options, ensure_ascii=False),
        "status": "draft",
        "created_at": now,
        "updated_by": gateway.actor_name(actor),
    }

    def write() -> None:
        with gateway.write(store, actor, "polls", key=poll_id, action=INSERT) as w:
            w.cur.execute(
                "INSERT INTO polls (poll_id, kind, question_kk, question_ru, question_en, "
                "options_json, status, created_at, opened_at, closed_at, updated_by) VALUES "
                "($poll_id, $kind, $question_kk, $question_ru, $question_en, $options_json, "
                "$status, $created_at, NULL, NULL, $updated_by)",
                row,
            )

    _with_retry(store, write)
    return poll_id


def get_poll(store: Store, poll_id: str) -> Poll | None:
    if not valid_id(poll_id):
        return None
    df = store.query("SELECT * FROM polls WHERE poll_id = $p", {"p": poll_id})
    return None if df.empty else Poll.from_row(df.iloc[0].to_dict())


def set_poll_status(store: Store, poll_id: str, status: str, *, actor: ActorRef) -> None:
    """Open or close a poll."""
    if status not in POLL_TRANSITIONS:
        raise LiveError("bad_transition")

    def write() -> None:
        with gateway.write(store, actor, "polls", key=poll_id, action=UPDATE) as w:
            if w.before is None:
                raise LiveError("poll_not_found")
            if w.before["status"] not in POLL_TRANSITIONS[status]:
                raise LiveError("bad_transition")
            stamp = "opened_at" if status == "open" else "closed_at"
            # The column name comes from the two literals above, never from input.
            w.cur.execute(
                f"UPDATE polls SET status = $s, {stamp} = $now, updated_by = $a WHERE poll_id = $p",  # noqa: S608
                {"s": status, "now": datetime.now(), "a": w.actor_name, "p": poll_id},
            )

    _with_retry(store, write)


def open_poll(store: Store, poll_id: str, *, actor: ActorRef) -> None:
    set_poll_status(store, poll_id, "open", actor=actor)


def close_poll(store: Store, poll_id: str, *, actor: ActorRef) -> None:
    set_poll_status(store, poll_id, "closed", actor=actor)


def delete_poll(store: Store, poll_id: str, *, actor: ActorRef) -> None:
    """Delete a poll with its votes and voter tokens (decks showing it then skip that slide)."""

    def write() -> None:
        with gateway.write(store, actor, "polls", key=poll_id, action=DELETE) as w:
            if w.before is None:
                raise LiveError("poll_not_found")
            for table in ("votes", "voter_tokens", "polls"):
                # table names are the literals above
                w.cur.execute(f"DELETE FROM {table} WHERE poll_id = $p", {"p": poll_id})  # noqa: S608

    if not valid_id(poll_id):
        raise LiveError("poll_not_found")
    _with_retry(store, write)


# -- voter tokens -------------------------------------------------------------------------------
def issue_voter_token(store: Store, poll_id: str) -> str:
    """A new voter token for this poll, recorded as issued by the server (one per device: the
    vote page keeps it in a cookie and the URL). Anonymous: no user, no audit row."""
    if not valid_id(poll_id):
        raise LiveError("poll_not_found")
    token = new_voter_token()

    def write() -> None:
        # no version bumped: nothing cached reads voter tokens, and phones joining at once must
        # not queue on one row
        with store.transaction(topic=None) as cur:
            found = cur.execute(
                "SELECT count(*) FROM polls WHERE poll_id = $p", {"p": poll_id}
            ).fetchone()
            if not found or not found[0]:
                raise LiveError("poll_not_found")
            cur.execute(
                "INSERT INTO voter_tokens (token, poll_id, issued_at) VALUES ($t, $p, $at)",
                {"t": token, "p": poll_id, "at": datetime.now()},
            )

    _with_retry(store, write)
    return token


def token_issued(store: Store, poll_id: str, token: Any) -> bool:
    """Whether the server issued ``token`` for this poll (anything else is refused)."""
    if not valid_token(token) or not valid_id(poll_id):
        return False
    return bool(
        store.scalar(
            "SELECT count(*) FROM voter_tokens WHERE token = $t AND poll_id = $p",
            {"t": token, "p": poll_id},
        )
    )


def _check_answer(cur: duckdb.DuckDBPyConnection, poll: Poll, answer: str) -> None:
    if poll.kind == "rating":
        if answer not in RATING_VALUES:
            raise LiveError("bad_rating")
    elif poll.kind == "choice":
        if answer not in poll.answers():
            raise LiveError("bad_option")
    else:
        found = cur.execute(
            "SELECT count(*) FROM regions WHERE iso_code = $c", {"c": answer}
        ).fetchone()
        if not found or not found[0]:
            raise LiveError("bad_region")


def vote(store: Store, poll_id: str, voter_token: str, answer: str | int) -> str:
    """Record (or replace) this device's answer; returns the stored answer code.

    Raises :class:`LiveError` when the poll is unknown, not open, the token was not issued by
    the server for this poll (:func:`issue_voter_token`), or the answer is invalid."""
    if not valid_token(voter_token):
        raise LiveError("bad_token")
    if not valid_id(poll_id):
        raise LiveError("poll_not_found")
    code = str(answer).strip()

    def write() -> None:
        # Versioned by the votes themselves (their count and revisions), so that no two votes
        # write the same row: votes never conflict with each other, nor with an import.
        with store.transaction(topic=None) as cur:
            # the poll may not be closed under this vote (PostgreSQL: its row held for share)
            row = store.read_for_share(cur, "polls", poll_id)
            if row is None:
                raise LiveError("poll_not_found")
            issued = cur.execute(
                "SELECT count(*) FROM voter_tokens WHERE token = $v AND poll_id = $p",
                {"v": voter_token, "p": poll_id},
            ).fetchone()
            if not issued or not issued[0]:
                raise LiveError("bad_token")  # a token the server did not issue for this poll
            poll = Poll.from_row(row)
            if poll.status == "closed":
                raise LiveError("poll_closed")
            if poll.status != "open":
                raise LiveError("poll_not_open")
            _check_answer(cur, poll, code)
            cur.execute(
                "INSERT INTO votes (poll_id, voter_token, answer, voted_at, revision) "
                "VALUES ($p, $v, $a, $at, 0) ON CONFLICT (poll_id, voter_token) "
                "DO UPDATE SET answer = excluded.answer, voted_at = excluded.voted_at, "
                # revision given, not left to its default: the postgres extension sends NULL
                "revision = coalesce(votes.revision, 0) + 1",
                {"p": poll_id, "v": voter_token, "a": code, "at": datetime.now()},
            )

    # Votes are anonymous and the votes table is their record, so no audit row per vote: it
    # would double the writes of a room voting at once.
    _with_retry(store, write)
    return code


def save_deck(
    store: Store,
    *,
    title: str,
    scenes: Sequence[SceneRef],
    actor: ActorRef,
    deck_id: str | None = None,
) -> str:
    """Create a deck (no ``deck_id``) or replace an existing one's title and scenes.

    Scene names and parameters are checked against the scene registry and the store."""
    # scenes import the model, not this module; still, the store layer stays below them.
    from creative_dash import queries
    from creative_dash.live import scenes as registry

    title = " ".join(str(title or "").split())
    if not title:
        raise LiveError("deck_title_empty")
    if len(title) > MAX_DECK_TITLE:
        raise LiveError("deck_title_too_long", limit=MAX_DECK_TITLE)
    if not scenes:
        raise LiveError("deck_empty")
    if len(scenes) > MAX_SCENES:
        raise LiveError("deck_too_long", limit=MAX_SCENES)

    def run(name: str, **params: Any) -> Any:
        return queries.run(store, name, **params)

    checked = [registry.validate(ref, run) for ref in scenes]
    payload = json.dumps([ref.to_json() for ref in checked], ensure_ascii=False)
    now = datetime.now()
    new = deck_id is None
    the_id = new_id(8) if deck_id is None else deck_id
    if not valid_id(the_id):
        raise LiveError("deck_not_found")

    def write() -> None:
        action = INSERT if new else UPDATE
        with gateway.write(store, actor, "decks", key=the_id, action=action) as w:
            values = {"d": the_id, "t": title, "s": payload, "now": now, "a": w.actor_name}
            if new:
                w.cur.execute("INSERT INTO decks VALUES ($d, $t, $s, $now, $now, $a, 1)", values)
            else:
                if w.before is None:
                    raise LiveError("deck_not_found")
                w.cur.execute(
                    "UPDATE decks SET title = $t, scenes_json = $s, updated_at = $now, "
                    "updated_by = $a, version = version + 1 WHERE deck_id = $d",
                    values,
                )

    _with_retry(store, write)
    return the_id


def delete_deck(store: Store, deck_id: str, *, actor: ActorRef) -> None:
    """Delete a deck (its polls stay)."""
    if not valid_id(deck_id):
        raise LiveError("deck_not_found")

    def write() -> None:
        with gateway.write(store, actor, "decks", key=deck_id, action=DELETE) as w:
            if w.before is None:
                raise LiveError("deck_not_found")
            w.cur.execute("DELETE FROM decks WHERE deck_id = $d", {"d": deck_id})

    _with_retry(store, write)


def load_deck(store: Store, deck_id: str) -> Deck | None:
    if not valid_id(deck_id):
        return None
    df = store.query("SELECT * FROM decks WHERE deck_id = $d", {"d": deck_id})
    return None if df.empty else deck_from_row(df.iloc[0].to_dict())
