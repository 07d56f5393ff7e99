"""Live session: audience polls, votes and presenter decks (domain logic, no Streamlit).

Every write goes through :meth:`Store.transaction`, which bumps the data version, so the
presenter's cached results refresh on the next fragment tick. Inputs are re-checked here on the
server whatever the widgets allowed: a rating is 1..5, an option index is in range, a region is
one of the 20 codes, a poll takes votes only while open.

Concurrency: every transaction updates the single ``data_version`` row, so DuckDB's optimistic
concurrency control makes simultaneous writers conflict (``TransactionException: Conflict``).
A conflicting writer rolls back and retries after a short random pause; this also serialises a
vote against a concurrent ``close_poll`` (one of the two retries and then sees the other's
result), so no vote is accepted after its poll was closed.
"""

from __future__ import annotations

import io
import json
import logging
import random
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import duckdb

from creative_dash.i18n import LANGS, Translator
from creative_dash.store import Store, audit

KINDS: tuple[str, ...] = ("choice", "rating", "region")
STATUSES: tuple[str, ...] = ("draft", "open", "closed")
RATING_VALUES: tuple[str, ...] = ("1", "2", "3", "4", "5")
MAX_QUESTION = 300
MAX_OPTION = 100
MIN_OPTIONS, MAX_OPTIONS = 2, 12
MAX_DECK_TITLE = 120
MAX_SCENES = 40
MAX_WRITE_ATTEMPTS = 200

# Short ids people can type from a slide: no 0/o, 1/l/i look-alikes.
_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_ID_RE = re.compile(r"[a-z0-9]{4,16}")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")

log = logging.getLogger(__name__)


class LiveError(ValueError):
    """A rejected live-session input; ``key`` names the message ``live.error.<key>``."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(f"{key} {params}" if params else key)
        self.key = key
        self.params = params

    def message(self, t: Translator) -> str:
        return t(f"live.error.{self.key}", **self.params)


# -- ids and tokens ---------------------------------------------------------------------------
def new_id(length: int = 6) -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def valid_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_ID_RE.fullmatch(value))


def new_voter_token() -> str:
    """A random device token (22 URL-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


def valid_token(value: Any) -> bool:
    """Tokens come back from cookies and URLs: only our own shape is accepted."""
    return isinstance(value, str) and bool(_TOKEN_RE.fullmatch(value))


# -- retrying writes --------------------------------------------------------------------------
T = TypeVar("T")


def _is_conflict(exc: BaseException) -> bool:
    # A failed COMMIT leaves no transaction, so the ROLLBACK in Store.transaction raises
    # "no transaction is active" chained to the conflict: both mean "try again".
    text = str(exc).lower()
    return isinstance(exc, duckdb.TransactionException) and (
        "conflict" in text or "no transaction is active" in text
    )


# Writers of this module queue on a lock instead of colliding: a room voting at once would
# otherwise spend most of its time in conflict retries (measured: 100 parallel votes took ~6 s
# and ~1,600 attempts without it, well under 1 s with it). Writers elsewhere (other pages, other
# processes on a shared PostgreSQL) can still conflict with us, hence the retry as well.
_WRITE_LOCK = threading.Lock()
conflict_retries = 0  # how many writes had to be retried (read by tests and logs)


def _with_retry(write: Callable[[], T], attempts: int = MAX_WRITE_ATTEMPTS) -> T:
    global conflict_retries
    for attempt in range(attempts):
        try:
            with _WRITE_LOCK:
                return write()
        except duckdb.TransactionException as exc:
            if not _is_conflict(exc):
                raise
            conflict_retries += 1
            log.debug("write conflict, retry %d: %s", attempt + 1, exc)
            # Random back-off so the losers of one conflict do not collide again in lockstep.
            time.sleep(random.uniform(0, min(0.002 * (attempt + 1), 0.05)))
    raise LiveError("busy")


# -- polls -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Poll:
    poll_id: str
    kind: str
    question: dict[str, str]  # lang -> text, only filled languages
    options: list[dict[str, str]]  # choice polls: lang -> label, only filled languages
    status: str
    opened_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Poll:
        question = {
            lang: row[f"question_{lang}"] for lang in LANGS if _filled(row.get(f"question_{lang}"))
        }
        options = [
            {lang: str(o[lang]) for lang in LANGS if _filled(o.get(lang))}
            for o in json.loads(row["options_json"] or "[]")
        ]
        return cls(
            poll_id=row["poll_id"],
            kind=row["kind"],
            question=question,
            options=options,
            status=row["status"],
            opened_at=_ts(row.get("opened_at")),
            closed_at=_ts(row.get("closed_at")),
        )

    def question_in(self, lang: str) -> str:
        return in_language(self.question, lang)

    def answers(self, region_codes: Sequence[str] = ()) -> list[str]:
        """Every valid answer code, in display order."""
        if self.kind == "choice":
            return [str(i) for i in range(len(self.options))]
        if self.kind == "rating":
            return list(RATING_VALUES)
        return list(region_codes)

    def answer_labels(self, t: Translator, region_names: Mapping[str, str]) -> dict[str, str]:
        """Answer code -> label in the reader's language (not escaped: callers escape)."""
        if self.kind == "choice":
            return {str(i): in_language(o, t.lang) for i, o in enumerate(self.options)}
        if self.kind == "rating":
            return {v: t(f"live.rating.r{v}") for v in RATING_VALUES}
        return dict(region_names)


def _ts(value: Any) -> datetime | None:
    if value is None or value != value:  # None or NaT
        return None
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def in_language(texts: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else in the first other filled language (kk, ru, en order)."""
    for candidate in (lang, *LANGS):
        if _filled(texts.get(candidate)):
            return texts[candidate].strip()
    return ""


def _clean_texts(
    texts: Mapping[str, str | None], limit: int, *, empty: str, too_long: str
) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        value = texts.get(lang)
        if _filled(value):
            value = " ".join(str(value).split())  # one line: no layout tricks in labels
            if len(value) > limit:
                raise LiveError(too_long, limit=limit)
            out[lang] = value
    if not out:
        raise LiveError(empty)
    return out


def options_from_lines(texts: Mapping[str, str]) -> list[dict[str, str]]:
    """Choice options from one text per language, one option per line: line N of every
    language is option N (a language with fewer lines leaves the rest to the others)."""
    lines = {lang: str(texts.get(lang) or "").splitlines() for lang in LANGS}
    count = max(len(v) for v in lines.values())
    return [{lang: v[i] if i < len(v) else "" for lang, v in lines.items()} for i in range(count)]


def create_poll(
    store: Store,
    *,
    kind: str,
    question: Mapping[str, str | None],
    options: Sequence[Mapping[str, str | None]] = (),
    actor: str,
) -> str:
    """Store a new poll (status draft) and return its id.

    ``question`` maps languages to text (at least one filled); ``options`` are the choices of a
    ``choice`` poll, each a mapping of languages to labels; rating and region polls take none."""
    if kind not in KINDS:
        raise LiveError("bad_kind")
    texts = _clean_texts(
        question, MAX_QUESTION, empty="question_empty", too_long="question_too_long"
    )
    clean_options: list[dict[str, str]] = []
    if kind == "choice":
        filled = [o for o in options if any(_filled(v) for v in o.values())]
        if not MIN_OPTIONS <= len(filled) <= MAX_OPTIONS:
            raise LiveError("options_count", min=MIN_OPTIONS, max=MAX_OPTIONS)
        clean_options = [
            _clean_texts(o, MAX_OPTION, empty="option_empty", too_long="option_too_long")
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
        "updated_by": actor,
    }

    def write() -> None:
        with store.transaction() as cur:
            cur.execute(
                "INSERT INTO polls (poll_id, kind, question_kk, question_ru, question_en, "
                "options_json, status, created_at, opened_at, closed_at, updated_by) VALUES "
                "($poll_id, $kind, $question_kk, $question_ru, $question_en, $options_json, "
                "$status, $created_at, NULL, NULL, $updated_by)",
                row,
            )
            audit(cur, actor=actor, table="polls", row_key=poll_id, action="insert", after=row)

    _with_retry(write)
    return poll_id


def get_poll(store: Store, poll_id: str) -> Poll | None:
    if not valid_id(poll_id):
        return None
    df = store.query("SELECT * FROM polls WHERE poll_id = $p", {"p": poll_id})
    return None if df.empty else Poll.from_row(df.iloc[0].to_dict())


# Allowed status changes: a closed poll can be reopened (votes kept), never set back to draft.
_TRANSITIONS = {"open": ("draft", "closed"), "closed": ("open",)}


def set_poll_status(store: Store, poll_id: str, status: str, *, actor: str) -> None:
    """Open or close a poll."""
    if status not in _TRANSITIONS:
        raise LiveError("bad_transition")

    def write() -> None:
        with store.transaction() as cur:
            row = cur.execute(
                "SELECT status FROM polls WHERE poll_id = $p", {"p": poll_id}
            ).fetchone()
            if row is None:
                raise LiveError("poll_not_found")
            if row[0] not in _TRANSITIONS[status]:
                raise LiveError("bad_transition")
            stamp = "opened_at" if status == "open" else "closed_at"
            # The column name comes from the two literals above, never from input.
            cur.execute(
                f"UPDATE polls SET status = $s, {stamp} = $now, updated_by = $a WHERE poll_id = $p",  # noqa: S608
                {"s": status, "now": datetime.now(), "a": actor, "p": poll_id},
            )
            audit(
                cur,
                actor=actor,
                table="polls",
                row_key=poll_id,
                action="update",
                before={"status": row[0]},
                after={"status": status},
            )

    _with_retry(write)


def open_poll(store: Store, poll_id: str, *, actor: str) -> None:
    set_poll_status(store, poll_id, "open", actor=actor)


def close_poll(store: Store, poll_id: str, *, actor: str) -> None:
    set_poll_status(store, poll_id, "closed", actor=actor)


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

    Raises :class:`LiveError` when the poll is unknown, not open, or the answer is invalid."""
    if not valid_token(voter_token):
        raise LiveError("bad_token")
    if not valid_id(poll_id):
        raise LiveError("poll_not_found")
    code = str(answer).strip()

    def write() -> None:
        with store.transaction() as cur:
            df = cur.execute("SELECT * FROM polls WHERE poll_id = $p", {"p": poll_id}).df()
            if df.empty:
                raise LiveError("poll_not_found")
            poll = Poll.from_row(df.iloc[0].to_dict())
            if poll.status == "closed":
                raise LiveError("poll_closed")
            if poll.status != "open":
                raise LiveError("poll_not_open")
            _check_answer(cur, poll, code)
            cur.execute(
                "INSERT INTO votes (poll_id, voter_token, answer, voted_at) "
                "VALUES ($p, $v, $a, $at) ON CONFLICT (poll_id, voter_token) "
                "DO UPDATE SET answer = excluded.answer, voted_at = excluded.voted_at",
                {"p": poll_id, "v": voter_token, "a": code, "at": datetime.now()},
            )

    # Votes are anonymous and the votes table is their record, so no audit row per vote: it
    # would double the writes of a room voting at once.
    _with_retry(write)
    return code


# -- decks -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SceneRef:
    """One slide of a deck: a registered scene and its parameters (strings)."""

    scene: str
    params: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"scene": self.scene, "params": dict(self.params)}

    @classmethod
    def from_json(cls, value: Any) -> SceneRef:
        if not isinstance(value, dict) or not isinstance(value.get("scene"), str):
            raise LiveError("scene_unknown")
        params = value.get("params") or {}
        if not isinstance(params, dict):
            raise LiveError("scene_param")
        return cls(value["scene"], {str(k): str(v) for k, v in params.items()})


@dataclass(frozen=True)
class Deck:
    deck_id: str
    title: str
    scenes: list[SceneRef]
    version: int
    updated_at: datetime | None


def save_deck(
    store: Store, *, title: str, scenes: Sequence[SceneRef], actor: str, deck_id: str | None = None
) -> str:
    """Create a deck (no ``deck_id``) or replace an existing one's title and scenes.

    Scene names and parameters are checked against the scene registry and the store."""
    # scenes.py imports this module (SceneRef, LiveError), hence the import here.
    from creative_dash import queries
    from creative_dash import scenes as registry

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
        with store.transaction() as cur:
            before = cur.execute(
                "SELECT title, scenes_json, version FROM decks WHERE deck_id = $d", {"d": the_id}
            ).fetchone()
            if new:
                cur.execute(
                    "INSERT INTO decks VALUES ($d, $t, $s, $now, $now, $a, 1)",
                    {"d": the_id, "t": title, "s": payload, "now": now, "a": actor},
                )
            else:
                if before is None:
                    raise LiveError("deck_not_found")
                cur.execute(
                    "UPDATE decks SET title = $t, scenes_json = $s, updated_at = $now, "
                    "updated_by = $a, version = version + 1 WHERE deck_id = $d",
                    {"d": the_id, "t": title, "s": payload, "now": now, "a": actor},
                )
            audit(
                cur,
                actor=actor,
                table="decks",
                row_key=the_id,
                action="insert" if new else "update",
                before=None
                if before is None
                else {"title": before[0], "scenes_json": before[1], "version": before[2]},
                after={"title": title, "scenes_json": payload},
            )

    _with_retry(write)
    return the_id


def deck_from_row(row: Mapping[str, Any]) -> Deck:
    """A deck from a ``decks`` row; scenes that cannot be read are dropped, not fatal."""
    refs = []
    try:
        raw = json.loads(row["scenes_json"])
    except (TypeError, ValueError):
        raw = []
    for item in raw if isinstance(raw, list) else []:
        try:
            refs.append(SceneRef.from_json(item))
        except LiveError:
            continue
    return Deck(
        deck_id=row["deck_id"],
        title=row["title"],
        scenes=refs,
        version=int(row["version"]),
        updated_at=_ts(row.get("updated_at")),
    )


def load_deck(store: Store, deck_id: str) -> Deck | None:
    if not valid_id(deck_id):
        return None
    df = store.query("SELECT * FROM decks WHERE deck_id = $d", {"d": deck_id})
    return None if df.empty else deck_from_row(df.iloc[0].to_dict())


# -- join link and QR code ---------------------------------------------------------------------
def app_base_url(public_url: str, browser_url: str | None, page_path: str) -> str:
    """The app's root address: the configured public URL, else the presenter's browser address
    without the current page's path (``http://host:8501/live`` -> ``http://host:8501``)."""
    if public_url.strip():
        return public_url.strip().rstrip("/")
    url = (browser_url or "").split("?")[0].split("#")[0].rstrip("/")
    suffix = "/" + page_path.strip("/")
    return url[: -len(suffix)] if url.endswith(suffix) else url


def join_url(base: str, poll_id: str) -> str:
    return f"{base.rstrip('/')}/vote?poll={poll_id}"


def is_local_address(url: str) -> bool:
    """Phones in the room cannot reach a presenter's localhost address."""
    host = re.sub(r"^[a-z]+://", "", url).split("/")[0].split(":")[0].lower()
    return host in ("localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "")


def qr_png(url: str, scale: int = 10) -> bytes:
    """The QR code of ``url`` as PNG bytes, made locally by segno (no network)."""
    import segno

    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~=:$&^\"'])")


def md_escape(text: str) -> str:
    """Text for labels Streamlit renders as Markdown (buttons): every Markdown, HTML, LaTeX and
    directive character backslash-escaped so user text shows literally."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
