"""The live session's model: polls, decks and their checks, with no store and no Streamlit.

Inputs are re-checked here on the server whatever the widgets allowed: a rating is 1..5, an
option index is in range, a poll's texts fit their limits. ``creative_dash.live.writes`` stores
them; ``creative_dash.live.scenes`` turns a deck's slides into figures.
"""

from __future__ import annotations

import io
import json
import logging
import re
import secrets
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from creative_dash.i18n import LANGS, Translator

KINDS: tuple[str, ...] = ("choice", "rating", "region")
STATUSES: tuple[str, ...] = ("draft", "open", "closed")
# Allowed status changes (target: from): a closed poll can be reopened (votes kept), never set
# back to draft. The writes enforce it; the presenter's poll admin offers what it allows.
POLL_TRANSITIONS: dict[str, tuple[str, ...]] = {"open": ("draft", "closed"), "closed": ("open",)}
RATING_VALUES: tuple[str, ...] = ("1", "2", "3", "4", "5")
MAX_QUESTION = 300
MAX_OPTION = 100
MIN_OPTIONS, MAX_OPTIONS = 2, 12
MAX_DECK_TITLE = 120
MAX_SCENES = 40

# Short ids people can type from a slide: no 0/o, 1/l/i look-alikes.
_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_ID_RE = re.compile(r"[a-z0-9]{4,16}")
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")

__all__ = [
    "KINDS",
    "STATUSES",
    "POLL_TRANSITIONS",
    "RATING_VALUES",
    "MIN_OPTIONS",
    "MAX_OPTIONS",
    "MAX_QUESTION",
    "MAX_OPTION",
    "MAX_DECK_TITLE",
    "MAX_SCENES",
    "LiveError",
    "new_id",
    "valid_id",
    "new_voter_token",
    "valid_token",
    "Poll",
    "is_filled",
    "in_language",
    "clean_texts",
    "options_from_lines",
    "SceneRef",
    "Deck",
    "deck_from_row",
    "app_base_url",
    "join_url",
    "is_local_address",
    "qr_png",
]

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
    def from_row(cls, row: Mapping[Hashable, Any]) -> Poll:
        question = {
            lang: row[f"question_{lang}"]
            for lang in LANGS
            if is_filled(row.get(f"question_{lang}"))
        }
        options = [
            {lang: str(o[lang]) for lang in LANGS if is_filled(o.get(lang))}
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


def is_filled(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def in_language(texts: Mapping[str, str], lang: str) -> str:
    """The text in ``lang``, else in the first other filled language (kk, ru, en order)."""
    for candidate in (lang, *LANGS):
        if is_filled(texts.get(candidate)):
            return texts[candidate].strip()
    return ""


def clean_texts(
    texts: Mapping[str, str | None], limit: int, *, empty: str, too_long: str
) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        value = texts.get(lang)
        if is_filled(value):
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


def deck_from_row(row: Mapping[Hashable, Any]) -> Deck:
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
    """What the QR code and the join link open on phones: the light ballot (plain HTML served
    beside Streamlit, creative_dash/ui/ballot_page.py; the Streamlit vote page is /vote)."""
    return f"{base.rstrip('/')}/ballot?poll={poll_id}"


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
