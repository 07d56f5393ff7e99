"""The light ballot: ``/ballot?poll=<id>``, what the join link and the QR code open on phones.

One HTML page of a few kilobytes, without JavaScript, served by the app's own server beside
Streamlit (``asgi.py``): on a phone on mobile data it is usable after one request, where the
Streamlit vote page (``/vote?poll=<id>``, still served) first loads Streamlit's frontend
(0.64 MB; bench/results.md, "The regional link"). A vote is a form post, answered by a
redirect to the page (post/redirect/get), so a reload never sends it twice.

The same rules as the vote page (``pages/vote.py``): one vote per device and poll, the device
known by a random token the server issued for that poll, kept in the same cookie as the vote
page's (``cd_voter_<poll>``: both pages are the same voter), never in the address; the vote goes
through ``live.vote``, which checks the poll is open, the answer is one of its answers and the
token was issued for it. Everything shown that someone typed (the question, the options) is
escaped as HTML text. A post from another site (its ``Origin`` or ``Sec-Fetch-Site``) writes
nothing, as does a post without the device's cookie, a body larger than a form's, or an answer
that is not the poll's; each gets its message in the voter's language.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from creative_dash import live, queries
from creative_dash.i18n import LANG_NAMES, LANGS, Translator, normalize_lang
from creative_dash.live.ballot import answer_order, ballot_messages
from creative_dash.settings import get as setting
from creative_dash.store import Store, StoreError
from creative_dash.text import visible
from creative_dash.ui.live import voter_cookie as cookie_name

__all__ = ["PATH", "Ballot", "Reply", "routes"]

log = logging.getLogger(__name__)

PATH = "/ballot"
COOKIE_AGE_S = 30 * 24 * 3600
MAX_BODY = 2048  # a form of one answer is a few dozen bytes
WAIT_REFRESH_S = 3  # a poll not open yet: the page asks again, as the vote page's timer does
# Messages a redirect may name (``?e=``): the live errors a vote can meet, and the page's own.
VOTE_ERRORS = frozenset(
    {
        "poll_not_found",
        "poll_closed",
        "poll_not_open",
        "bad_rating",
        "bad_option",
        "bad_region",
        "bad_token",
        "busy",
        "store",
    }
)
PAGE_ERRORS = frozenset({"cross_site", "press_again"})
PARAMS = frozenset({"poll", "lang", "e", "ok"})  # what the page's own addresses carry


@dataclass
class Reply:
    """What the page answers: a status, HTML or a redirect, and cookies to set."""

    status: int
    body: str = ""
    location: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)


@dataclass
class Ballot:
    """The page's logic on one store, with no web server: :meth:`get` and :meth:`post` take
    what a request carries and return a :class:`Reply` (the routes wrap them)."""

    store: Callable[[], Store]

    # -- reading ----------------------------------------------------------------------------------
    def get(
        self,
        params: Mapping[str, str],
        cookies: Mapping[str, str],
        accept_language: str = "",
    ) -> Reply:
        t = Translator(pick_lang(params.get("lang"), accept_language))
        try:
            return self._get(t, params, cookies)
        except (StoreError, live.LiveError) as exc:
            # the store does not answer (a restart, a full disk) or is too busy to issue a
            # token: said in the voter's language, and the page asks again by itself
            log.warning("ballot: the store did not answer: %s", exc)
            key = exc.key if isinstance(exc, live.LiveError) and exc.key in VOTE_ERRORS else "store"
            body = _box("error", t, key)
            return Reply(503, page(t, t("live.vote.title"), body, wait=True))

    def _get(self, t: Translator, params: Mapping[str, str], cookies: Mapping[str, str]) -> Reply:
        poll_id = params.get("poll") or ""
        if set(params) - PARAMS:
            # anything else in the address (an old link's ``?voter=``) is dropped unread: the
            # address a voter shares never carries what identifies a device
            error = params.get("e")
            return Reply(
                303,
                location=ballot_url(
                    poll_id,
                    t.lang,
                    error=error if error in VOTE_ERRORS | PAGE_ERRORS else None,
                    ok=bool(params.get("ok")),
                ),
            )
        store = self.store()
        poll = _poll(store, poll_id) if live.valid_id(poll_id) else None
        if poll is None:
            return Reply(404, page(t, t("live.vote.title"), _box("error", t, "poll_not_found")))
        token, cookies_out = self._token(store, poll_id, cookies)
        rows = queries.run(store, "live_voter_answer", poll_id=poll_id, voter_token=token)
        current = None if rows.empty else str(rows.iloc[0]["answer"])
        error = params.get("e")
        error = error if error in VOTE_ERRORS | PAGE_ERRORS else None
        body = ballot_html(t, poll, _labels(store, t, poll), current, error, bool(params.get("ok")))
        return Reply(
            200,
            page(t, poll.question_in(t.lang), body, wait=poll.status == "draft"),
            cookies=cookies_out,
        )

    def _token(
        self, store: Store, poll_id: str, cookies: Mapping[str, str]
    ) -> tuple[str, dict[str, str]]:
        """The device's token for the poll from its cookie, else a new one the server issues
        (set as the cookie)."""
        name = cookie_name(poll_id)
        token = cookies.get(name)
        if token and live.token_issued(store, poll_id, token):
            return token, {}
        token = live.issue_voter_token(store, poll_id)
        return token, {name: token}

    # -- voting -----------------------------------------------------------------------------------
    def post(
        self,
        params: Mapping[str, str],
        cookies: Mapping[str, str],
        body: bytes,
        *,
        same_site: bool,
    ) -> Reply:
        lang = normalize_lang(params.get("lang")) or "kk"
        poll_id = params.get("poll") or ""
        if not live.valid_id(poll_id):
            return self._back(poll_id, lang, "poll_not_found")
        if not same_site:
            return self._back(poll_id, lang, "cross_site")
        token = cookies.get(cookie_name(poll_id), "")
        answer = form_answer(body)
        try:
            store = self.store()
            if not token or not live.token_issued(store, poll_id, token):
                # no vote without the token the page gave this device (a cookie it kept)
                return self._back(poll_id, lang, "press_again")
            if answer is None:
                return self._back(poll_id, lang, "bad_option")
            live.vote(store, poll_id, token, answer)
        except live.LiveError as exc:
            return self._back(poll_id, lang, exc.key if exc.key in VOTE_ERRORS else "store")
        except StoreError as exc:
            log.warning("ballot: the vote was not stored: %s", exc)
            return self._back(poll_id, lang, "store")
        return Reply(303, location=ballot_url(poll_id, lang, ok=True))

    @staticmethod
    def _back(poll_id: str, lang: str, error: str) -> Reply:
        return Reply(303, location=ballot_url(poll_id, lang, error=error))


# -- the page's parts ------------------------------------------------------------------------------
def ballot_url(poll_id: str, lang: str, *, error: str | None = None, ok: bool = False) -> str:
    query = {"poll": poll_id if live.valid_id(poll_id) else "", "lang": lang}
    if error:
        query["e"] = error
    if ok:
        query["ok"] = "1"
    return f"{PATH}?{urlencode(query)}"


def pick_lang(asked: str | None, accept_language: str) -> str:
    """The language the link names (``?lang=``), else the phone's first language we have,
    else the app's default."""
    if normalize_lang(asked):
        return str(normalize_lang(asked))
    for part in accept_language.split(",")[:8]:
        code = normalize_lang(part.split(";")[0].strip())
        if code:
            return code
    return normalize_lang(setting("CREATIVE_DASH_DEFAULT_LANG")) or "kk"


def form_answer(body: bytes) -> str | None:
    """The ``answer`` field of a urlencoded form of at most :data:`MAX_BODY` bytes."""
    if len(body) > MAX_BODY:
        return None
    try:
        values = parse_qs(body.decode("ascii"), max_num_fields=4, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None
    answers = values.get("answer") or []
    return answers[0] if len(answers) == 1 and 0 < len(answers[0]) <= 16 else None


def _poll(store: Store, poll_id: str) -> live.Poll | None:
    rows = queries.run(store, "live_poll", poll_id=poll_id)
    return None if rows.empty else live.Poll.from_row(rows.iloc[0].to_dict())


def _labels(store: Store, t: Translator, poll: live.Poll) -> dict[str, str]:
    names: dict[str, str] = {}
    if poll.kind == "region":
        regions = queries.run(store, "regions")
        names = dict(zip(regions["iso_code"], regions[t.name_col()], strict=True))
    return answer_order(poll.kind, poll.answer_labels(t, names))


def _text(value: str) -> str:
    """Someone's text as HTML text: its controls shown as marks, nothing read as markup."""
    return html.escape(visible(value), quote=True)


def _box(kind: str, t: Translator, error: str) -> str:
    key = f"live.vote.{error}" if error in PAGE_ERRORS else f"live.error.{error}"
    return f'<p class="box {kind}" role="alert">{_text(t(key))}</p>'


def ballot_html(
    t: Translator,
    poll: live.Poll,
    labels: Mapping[str, str],
    current: str | None,
    error: str | None,
    ok: bool,
) -> str:
    """The page's body: languages, question, messages, the device's answer, the buttons."""
    parts = [_languages(t, poll.poll_id)]
    parts.append(f"<h1>{_text(poll.question_in(t.lang))}</h1>")
    shown_error, info = ballot_messages(poll.status, error if error in VOTE_ERRORS else None)
    if error in PAGE_ERRORS:
        parts.append(_box("error", t, error))
    elif shown_error:
        parts.append(_box("error", t, shown_error))
    if info:
        parts.append(f'<p class="box info">{_text(t(info))}</p>')
    if current is not None:
        answer = labels.get(current, current)
        recorded = "box ok" + (" new" if ok else "")
        parts.append(
            f'<div class="{recorded}" role="status"><p>{_text(t("live.vote.recorded"))}</p>'
            f"<p>{_text(t('live.vote.your_answer'))} <b>{_text(answer)}</b></p></div>"
        )
        if poll.status == "open":
            parts.append(f'<p class="hint">{_text(t("live.vote.change"))}</p>')
    if poll.kind == "rating":
        parts.append(f'<p class="hint">{_text(t("live.vote.rating_hint"))}</p>')
    disabled = "" if poll.status == "open" else " disabled"
    action = html.escape(ballot_url(poll.poll_id, t.lang), quote=True)
    buttons = "".join(
        f'<button name="answer" value="{html.escape(code, quote=True)}"'
        f"{' class=mine' if code == current else ''}{disabled}>{_text(text)}</button>"
        for code, text in labels.items()
    )
    parts.append(f'<form method="post" action="{action}" class="answers">{buttons}</form>')
    if poll.status == "draft":
        again = html.escape(ballot_url(poll.poll_id, t.lang), quote=True)
        parts.append(f'<p><a href="{again}">{_text(t("live.vote.check_again"))}</a></p>')
    return "\n".join(parts)


def _languages(t: Translator, poll_id: str) -> str:
    links = []
    for code in LANGS:
        name = _text(LANG_NAMES[code])
        if code == t.lang:
            links.append(f'<b aria-current="page">{name}</b>')
        else:
            href = html.escape(ballot_url(poll_id, code), quote=True)
            links.append(f'<a href="{href}" hreflang="{code}" lang="{code}">{name}</a>')
    return f'<nav class="langs">{" · ".join(links)}</nav>'


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:34rem;padding:1rem;color:#1f2937;background:#fff;line-height:1.4}
h1{font-size:1.35rem;margin:.8rem 0 1rem;white-space:pre-wrap;overflow-wrap:anywhere}
.langs{font-size:.95rem;color:#4b5563}.langs a{color:#1d4ed8}
.box{border-radius:.5rem;padding:.7rem .9rem;margin:.6rem 0}.box p{margin:.2rem 0}
.error{background:#fde8e8;color:#8a1c1c}.info{background:#e8f0fe;color:#1e3a8a}
.ok{background:#e6f4ea;color:#14532d}.new{outline:3px solid #16a34a}
.hint{color:#4b5563;font-size:.95rem}
.answers{display:flex;flex-direction:column;gap:.6rem;margin-top:1rem}
button{font:inherit;font-size:1.1rem;padding:.9rem 1rem;border-radius:.6rem;text-align:left;
border:1px solid #9ca3af;background:#f9fafb;color:#111827;overflow-wrap:anywhere}
button.mine{background:#1d4ed8;border-color:#1d4ed8;color:#fff}
button:disabled{opacity:.55}
"""


def page(t: Translator, title: str, body: str, *, wait: bool = False) -> str:
    """A whole HTML document in the reader's language; ``wait``: it reloads itself every few
    seconds (a poll not open yet opens without the voter doing anything)."""
    refresh = f'<meta http-equiv="refresh" content="{WAIT_REFRESH_S}">' if wait else ""
    return (
        f'<!doctype html><html lang="{t.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"{refresh}<title>{_text(title or t('live.vote.title'))}</title>"
        f"<style>{STYLE}</style></head><body>{body}</body></html>"
    )


# -- the web server's side -------------------------------------------------------------------------
# Nothing but the page's own style; framing is FrameGuard's (creative_dash.web), as for the app.
CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"


def same_site(request: Request) -> bool:
    """Whether a post comes from this site's own page: the browser's ``Sec-Fetch-Site``, else
    its ``Origin`` against the host asked (a form post from another site carries one of them;
    a client sending neither is no browser acting for a voter on another site)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def _response(request: Request, reply: Reply) -> Response:
    response: Response
    if reply.location is not None:
        response = RedirectResponse(reply.location, status_code=reply.status)
    else:
        response = HTMLResponse(reply.body, status_code=reply.status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    for name, value in reply.cookies.items():
        response.set_cookie(
            name,
            value,
            max_age=COOKIE_AGE_S,
            path="/",
            samesite="lax",
            httponly=True,
            secure=_secure(request),
        )
    return response


async def _read_body(request: Request) -> bytes:
    """At most :data:`MAX_BODY` + 1 bytes of the body (a larger one is refused unread)."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            break
    return data


def routes(store: Callable[[], Store]) -> list[Route]:
    """The ballot's route for ``st.App(routes=...)``; ``store`` gives the app's store."""
    ballot = Ballot(store)

    async def endpoint(request: Request) -> Response:
        params = {k[:64]: v[:256] for k, v in request.query_params.items()}
        if request.method == "POST":
            body = await _read_body(request)
            reply = await run_in_threadpool(
                ballot.post, params, request.cookies, body, same_site=same_site(request)
            )
        else:
            language = request.headers.get("accept-language", "")[:200]
            reply = await run_in_threadpool(ballot.get, params, request.cookies, language)
        return _response(request, reply)

    return [Route(PATH, endpoint, methods=["GET", "POST"])]
