"""The light ballot (``/ballot?poll=<id>``, creative_dash/ui/ballot_page.py) through a real
ASGI server stack (Starlette's test client, cookies kept per client as a phone's browser does):
one page per request, a vote as a form post, every hostile input answered in the voter's
language with nothing written."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from creative_dash import live, queries, web
from creative_dash.i18n import LANGS, Translator, name_sort_key
from creative_dash.ui import ballot_page
from creative_dash.ui.ballot_page import MAX_BODY, cookie_name
from tests.unit.test_live import XSS, make_poll

HOST = "http://testserver"


@pytest.fixture
def app(demo_store):
    return Starlette(routes=ballot_page.routes(lambda: demo_store))


def phone(app, lang: str = "en") -> TestClient:
    """A phone's browser: its own cookies, its language, and the headers a browser sends with
    a form posted from the page it shows (same origin)."""
    return TestClient(
        app,
        base_url=HOST,
        follow_redirects=True,
        headers={"Accept-Language": f"{lang};q=0.9", "Sec-Fetch-Site": "same-origin"},
    )


class _Page(HTMLParser):
    """The buttons, the text and the meta refresh of a page (what a voter sees and presses)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.buttons: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self.refresh = False
        self.scripts = 0
        self._in_button: dict[str, str | None] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "button":
            self._in_button = {**a, "label": ""}
            self.buttons.append(self._in_button)
        if tag == "meta" and a.get("http-equiv") == "refresh":
            self.refresh = True
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "button":
            self._in_button = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_button is not None:
            self._in_button["label"] = (self._in_button["label"] or "") + data

    @property
    def all_text(self) -> str:
        return " ".join(self.text)


def votes(store, pid) -> list[tuple[str, str]]:
    rows = store.query(
        "SELECT voter_token, answer FROM votes WHERE poll_id = $p ORDER BY voter_token", {"p": pid}
    )
    return list(rows.itertuples(index=False, name=None))


def test_a_phone_votes_and_changes_its_answer(app, demo_store):
    pid = make_poll(demo_store)
    client = phone(app)
    first = client.get(f"/ballot?poll={pid}")
    assert first.status_code == 200
    page = _Page(first.text)
    assert [b["label"] for b in page.buttons] == ["Grants", "Tax", "Spaces"]
    assert page.scripts == 0 and not page.refresh  # no JavaScript; an open poll needs no reload
    token = client.cookies.get(cookie_name(pid))
    assert token and live.token_issued(demo_store, pid, token)
    assert token not in first.text  # never in the page or the address
    assert "httponly" in first.headers["set-cookie"].lower()
    assert "samesite=lax" in first.headers["set-cookie"].lower()
    assert "no-store" in first.headers["cache-control"]
    assert "default-src 'none'" in first.headers["content-security-policy"]

    voted = client.post(f"/ballot?poll={pid}&lang=en", data={"answer": "1"})
    assert voted.history[0].status_code == 303  # post/redirect/get: a reload sends nothing
    assert votes(demo_store, pid) == [(token, "1")]
    page = _Page(voted.text)
    assert "Your vote is recorded." in page.all_text
    assert "Your answer: Tax" in re.sub(r"\s+", " ", page.all_text)
    assert [b.get("class") for b in page.buttons] == [None, "mine", None]

    client.post(f"/ballot?poll={pid}&lang=en", data={"answer": "2"})
    assert votes(demo_store, pid) == [(token, "2")]  # changed, still one vote
    again = client.get(f"/ballot?poll={pid}")  # the phone opens the link again: same voter
    assert client.cookies.get(cookie_name(pid)) == token
    assert "set-cookie" not in again.headers


def test_the_vote_page_and_the_ballot_are_the_same_voter(app, demo_store):
    """The Streamlit vote page keeps the token in the same cookie: a phone that voted there
    and opens the ballot sees its answer, and a new answer replaces it."""
    pid = make_poll(demo_store)
    token = live.issue_voter_token(demo_store, pid)
    live.vote(demo_store, pid, token, "0")
    client = phone(app)
    client.cookies.set(cookie_name(pid), token)
    page = _Page(client.get(f"/ballot?poll={pid}").text)
    assert [b.get("class") for b in page.buttons] == ["mine", None, None]
    client.post(f"/ballot?poll={pid}", data={"answer": "1"})
    assert votes(demo_store, pid) == [(token, "1")]


def test_a_hundred_phones_are_a_hundred_voters(app, demo_store):
    pid = make_poll(demo_store)
    for i in range(100):
        client = phone(app, LANGS[i % 3])
        client.get(f"/ballot?poll={pid}")
        client.post(f"/ballot?poll={pid}", data={"answer": str(i % 3)})
    stored = votes(demo_store, pid)
    assert len(stored) == 100 and len({tok for tok, _ in stored}) == 100
    counts = queries.run(demo_store, "live_poll_results", poll_id=pid)
    assert dict(zip(counts["answer"], counts["votes"], strict=True)) == {"0": 34, "1": 33, "2": 33}


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_speaks_the_phones_language(app, demo_store, lang):
    pid = make_poll(demo_store, kind="region")
    t = Translator(lang)
    response = phone(app, lang).get(f"/ballot?poll={pid}")
    assert f'<html lang="{lang}">' in response.text
    page = _Page(response.text)
    labels = [b["label"] for b in page.buttons]
    regions = queries.run(demo_store, "regions")
    names = set(regions[t.name_col()])
    assert len(labels) == 20 and set(labels) == names
    assert labels == sorted(labels, key=name_sort_key)  # alphabetical in the voter's language
    if lang == "kk":  # in the Kazakh alphabet's order: Қ after К, before Л
        assert labels.index("Ақмола облысы") < labels.index("Алматы")
    # the link's ?lang= wins over the phone's language
    other = next(code for code in LANGS if code != lang)
    asked = phone(app, lang).get(f"/ballot?poll={pid}&lang={other}")
    assert f'<html lang="{other}">' in asked.text


def test_a_poll_not_open_yet_reloads_itself_and_takes_no_vote(app, demo_store):
    pid = make_poll(demo_store, status="draft")
    client = phone(app, "ru")
    page = _Page(client.get(f"/ballot?poll={pid}").text)
    assert page.refresh and all("disabled" in b for b in page.buttons)
    assert Translator("ru")("live.vote.not_open") in page.all_text
    refused = client.post(f"/ballot?poll={pid}&lang=ru", data={"answer": "0"})
    assert votes(demo_store, pid) == []
    assert Translator("ru")("live.error.poll_not_open") in _Page(refused.text).all_text


def test_a_closed_poll_says_so_and_takes_no_vote(app, demo_store):
    pid = make_poll(demo_store)
    client = phone(app, "kk")
    client.get(f"/ballot?poll={pid}")
    live.close_poll(demo_store, pid, actor=live_actor(demo_store))
    refused = client.post(f"/ballot?poll={pid}&lang=kk", data={"answer": "0"})
    assert votes(demo_store, pid) == []
    text = _Page(refused.text).all_text
    assert Translator("kk")("live.error.poll_closed") in text


def live_actor(store):
    from tests.conftest import presenter_id

    return presenter_id(store)


def test_typed_text_is_shown_as_text(app, demo_store):
    hostile = XSS + ' "><img src=x onerror=alert(2)> \u202e'
    pid = make_poll(
        demo_store,
        question={"en": hostile},
        options=[{"en": hostile}, {"en": "<b>bold</b>"}],
    )
    response = phone(app).get(f"/ballot?poll={pid}")
    assert "<script>" not in response.text and "<img" not in response.text
    assert "<b>bold</b>" not in response.text
    page = _Page(response.text)
    assert page.scripts == 0
    assert page.buttons[0]["label"].startswith(XSS)  # shown exactly as typed...
    assert "⟨RLO⟩" in page.buttons[0]["label"]  # ...its invisible controls made visible
    assert page.buttons[1]["label"] == "<b>bold</b>"


@pytest.mark.parametrize(
    ("name", "answer", "headers", "message"),
    [
        ("another site", "0", {"Sec-Fetch-Site": "cross-site"}, "live.vote.cross_site"),
        (
            "another origin",
            "0",
            {"Sec-Fetch-Site": "", "Origin": "https://evil.example"},
            "live.vote.cross_site",
        ),
        ("not an answer", "7", {}, "live.error.bad_option"),
        ("a word", "drop table", {}, "live.error.bad_option"),
        ("too long", "1" * 40, {}, "live.error.bad_option"),
    ],
)
def test_hostile_posts_write_nothing(app, demo_store, name, answer, headers, message):
    pid = make_poll(demo_store)
    client = phone(app, "ru")
    client.get(f"/ballot?poll={pid}")
    sent = {k: v for k, v in headers.items() if v}
    if "Sec-Fetch-Site" in headers and not headers["Sec-Fetch-Site"]:
        client.headers.pop("Sec-Fetch-Site")
    response = client.post(f"/ballot?poll={pid}&lang=ru", data={"answer": answer}, headers=sent)
    assert votes(demo_store, pid) == [], name
    assert response.status_code == 200
    assert Translator("ru")(message) in _Page(response.text).all_text, name


def test_a_post_without_the_phones_cookie_writes_nothing(app, demo_store):
    pid = make_poll(demo_store)
    stranger = phone(app, "en")  # never opened the page: no token
    response = stranger.post(f"/ballot?poll={pid}&lang=en", data={"answer": "0"})
    assert votes(demo_store, pid) == []
    assert Translator("en")("live.vote.press_again") in _Page(response.text).all_text
    forged = phone(app, "en")
    forged.cookies.set(cookie_name(pid), "A" * 22)  # a token the server never issued
    forged.post(f"/ballot?poll={pid}&lang=en", data={"answer": "0"})
    assert votes(demo_store, pid) == []
    # a token issued for another poll does not vote on this one
    other = make_poll(demo_store)
    client = phone(app, "en")
    client.get(f"/ballot?poll={other}")
    client.cookies.set(cookie_name(pid), client.cookies.get(cookie_name(other)))
    client.post(f"/ballot?poll={pid}&lang=en", data={"answer": "0"})
    assert votes(demo_store, pid) == []


def test_a_large_body_is_refused_unread(app, demo_store):
    pid = make_poll(demo_store)
    client = phone(app)
    client.get(f"/ballot?poll={pid}")
    body = b"answer=1&" + b"x=" + b"y" * (MAX_BODY * 50)
    response = client.post(
        f"/ballot?poll={pid}",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert votes(demo_store, pid) == []
    assert Translator("kk")("live.error.bad_option") in _Page(response.text).all_text


@pytest.mark.parametrize("poll", ["nope", "../../etc", "<script>", "", "a" * 200])
def test_an_unknown_poll_says_so(app, demo_store, poll):
    client = phone(app, "en")
    response = client.get("/ballot", params={"poll": poll})
    assert response.status_code == 404
    assert Translator("en")("live.error.poll_not_found") in _Page(response.text).all_text
    assert "<script>" not in response.text
    client.post("/ballot", params={"poll": poll, "lang": "en"}, data={"answer": "0"})
    assert demo_store.scalar("SELECT count(*) FROM votes") == 0


def test_a_token_in_the_address_is_dropped_unread(app, demo_store):
    pid = make_poll(demo_store)
    voter = phone(app)
    voter.get(f"/ballot?poll={pid}")
    voter.post(f"/ballot?poll={pid}&lang=en", data={"answer": "2"})
    token = voter.cookies.get(cookie_name(pid))
    other = phone(app)
    response = other.get(f"/ballot?poll={pid}&lang=en&voter={token}")
    assert response.history[0].status_code == 303
    assert "voter" not in str(response.url) and token not in response.text
    assert "Your vote is recorded." not in response.text  # the other phone is not that voter
    assert other.cookies.get(cookie_name(pid)) != token


def test_an_unknown_message_code_in_the_address_shows_nothing(app, demo_store):
    pid = make_poll(demo_store)
    response = phone(app).get(f"/ballot?poll={pid}&e=<script>alert(1)</script>")
    assert response.status_code == 200 and "alert(1)" not in response.text
    assert 'class="box error"' not in response.text


def test_the_apps_server_serves_the_ballot_as_it_is(demo_store):
    """Through the middleware asgi.py puts around the app: not rewritten (no Plotly preload),
    not compressed per body, framing refused as everywhere."""
    inner = Starlette(routes=ballot_page.routes(lambda: demo_store))
    stack = inner
    for m in reversed(web.middleware(passthrough=(ballot_page.PATH,))):
        stack = m.cls(stack, *m.args, **m.kwargs)
    pid = make_poll(demo_store)
    client = TestClient(stack, base_url=HOST, headers={"Accept-Encoding": "gzip, br"})
    response = client.get(f"/ballot?poll={pid}")
    assert response.status_code == 200
    assert "content-encoding" not in response.headers
    assert "plotly" not in response.text
    assert len(response.content) < 8_000  # one request of a few KB is the whole ballot
    policies = response.headers.get_list("content-security-policy")
    assert any("frame-ancestors" in p for p in policies)


def test_a_store_that_does_not_answer_is_said_in_the_voters_language(app, demo_store, monkeypatch):
    from creative_dash.store import StoreUnreachable

    pid = make_poll(demo_store)
    client = phone(app, "ru")
    client.get(f"/ballot?poll={pid}")

    def down(*_args, **_kwargs):
        raise StoreUnreachable.at("postgresql://u:secret@db/x", "connection refused")

    monkeypatch.setattr(demo_store, "query", down)
    response = client.get(f"/ballot?poll={pid}")
    assert response.status_code == 503
    page = _Page(response.text)
    assert Translator("ru")("live.error.store") in page.all_text
    assert page.refresh  # it asks again by itself
    assert "secret" not in response.text and "postgresql" not in response.text
    monkeypatch.setattr(demo_store, "scalar", down)
    monkeypatch.setattr(demo_store, "transaction", down)
    refused = client.post(f"/ballot?poll={pid}&lang=ru", data={"answer": "0"})
    assert Translator("ru")("live.error.store") in _Page(refused.text).all_text
    monkeypatch.undo()
    assert votes(demo_store, pid) == []
