"""Live session domain, queries, charts and scenes: polls, votes, decks, join links."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from creative_dash import live, queries
from creative_dash import store as store_mod
from creative_dash.charts.live import (
    PRESENTER_FONT,
    PRESENTER_TITLE,
    poll_results_figure,
    presenter_layout,
    region_ranking_figure,
)
from creative_dash.filters import Filters
from creative_dash.i18n import LANGS, Translator, t
from creative_dash.live import LiveError, Poll, SceneRef, scenes
from creative_dash.metrics import METRIC_BY_CODE
from tests.conftest import presenter_id

XSS = "<script>alert(1)</script>"


def run_on(store):
    return lambda name, **params: queries.run(store, name, **params)


def make_poll(store, kind="choice", status="open", **kw):
    kw.setdefault("question", {"en": "Best measure?", "ru": "Лучшая мера?"})
    if kind == "choice":
        kw.setdefault(
            "options", [{"en": "Grants", "kk": "Гранттар"}, {"en": "Tax"}, {"en": "Spaces"}]
        )
    actor = presenter_id(store)
    pid = live.create_poll(store, kind=kind, actor=actor, **kw)
    if status in ("open", "closed"):
        live.open_poll(store, pid, actor=actor)
    if status == "closed":
        live.close_poll(store, pid, actor=actor)
    return pid


_ISSUED: dict[tuple[str, str, int], str] = {}


def token(store, pid: str, i: int) -> str:
    """Voter i's token for this poll, issued by the server (the same on every call)."""
    key = (store.location, pid, i)
    if key not in _ISSUED:
        _ISSUED[key] = live.issue_voter_token(store, pid)
    return _ISSUED[key]


def results(store, pid) -> dict[str, int]:
    df = queries.run(store, "live_poll_results", poll_id=pid)
    return dict(zip(df["answer"], df["votes"].astype(int), strict=True))


# -- polls ---------------------------------------------------------------------------------------
def test_create_poll_stores_a_draft_with_cleaned_texts(demo_store):
    pid = live.create_poll(
        demo_store,
        kind="choice",
        actor=presenter_id(demo_store),
        question={"kk": "  Қай   шара?  ", "ru": "", "en": None},
        options=[{"kk": "А"}, {"ru": "Б", "en": "B"}, {"kk": "  "}],
    )
    poll = live.get_poll(demo_store, pid)
    assert poll.status == "draft"
    assert poll.question == {"kk": "Қай шара?"}
    assert poll.options == [{"kk": "А"}, {"ru": "Б", "en": "B"}]  # the blank option dropped
    audit = demo_store.query(
        "SELECT action FROM audit_log WHERE table_name = 'polls' AND row_key = $k", {"k": pid}
    )
    assert audit["action"].tolist() == ["insert"]


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"kind": "quiz", "question": {"en": "Q"}}, "bad_kind"),
        ({"kind": "rating", "question": {"kk": " ", "ru": ""}}, "question_empty"),
        ({"kind": "rating", "question": {"en": "x" * 301}}, "question_too_long"),
        (
            {"kind": "choice", "question": {"en": "Q"}, "options": [{"en": "only one"}]},
            "options_count",
        ),
        (
            {
                "kind": "choice",
                "question": {"en": "Q"},
                "options": [{"en": str(i)} for i in range(13)],
            },
            "options_count",
        ),
        (
            {
                "kind": "choice",
                "question": {"en": "Q"},
                "options": [{"en": "a"}, {"en": "b" * 101}],
            },
            "option_too_long",
        ),
    ],
)
def test_create_poll_rejects_bad_input(demo_store, kwargs, key):
    with pytest.raises(LiveError) as err:
        live.create_poll(demo_store, actor=presenter_id(demo_store), **kwargs)
    assert err.value.key == key
    assert isinstance(err.value, ValueError)
    for lang in LANGS:  # every rejection has a message in every language
        assert err.value.message(Translator(lang)) != f"live.error.{key}"
    assert demo_store.scalar("SELECT count(*) FROM polls") == 0


def test_question_falls_back_to_another_filled_language():
    poll = Poll("p1", "rating", {"ru": "Вопрос?"}, [], "open")
    assert [poll.question_in(lang) for lang in LANGS] == ["Вопрос?"] * 3
    poll = Poll("p1", "rating", {"kk": "Сұрақ?", "en": "Question?"}, [], "open")
    assert poll.question_in("ru") == "Сұрақ?"
    assert poll.question_in("en") == "Question?"


def test_status_transitions(demo_store):
    pid = make_poll(demo_store, status="draft")
    with pytest.raises(LiveError, match="bad_transition"):
        live.close_poll(demo_store, pid, actor=presenter_id(demo_store))
    live.open_poll(demo_store, pid, actor=presenter_id(demo_store))
    live.close_poll(demo_store, pid, actor=presenter_id(demo_store))
    live.open_poll(
        demo_store, pid, actor=presenter_id(demo_store)
    )  # a closed poll can be reopened, votes kept
    assert live.get_poll(demo_store, pid).status == "open"
    with pytest.raises(LiveError, match="poll_not_found"):
        live.open_poll(demo_store, "nosuch", actor=presenter_id(demo_store))


# -- votes -----------------------------------------------------------------------------------------
def test_vote_is_stored_and_can_be_changed(demo_store):
    pid = make_poll(demo_store)
    live.vote(demo_store, pid, token(demo_store, pid, 1), 0)
    live.vote(demo_store, pid, token(demo_store, pid, 2), "2")
    live.vote(
        demo_store, pid, token(demo_store, pid, 1), "2"
    )  # changes its mind: counted once, new answer
    assert results(demo_store, pid) == {"2": 2}
    assert demo_store.scalar("SELECT count(*) FROM votes WHERE poll_id = $p", {"p": pid}) == 2


@pytest.mark.parametrize(
    "kind, bad, good, key",
    [
        ("rating", ["0", "6", "3.5", "x", "-1", " "], ["1", 5], "bad_rating"),
        ("choice", ["3", "-1", "a", "1.0"], ["0", 2], "bad_option"),
        (
            "region",
            ["KZ-00", "kz-71", "Almaty", "KZ-71'--"],
            ["KZ-71", "KZ-75", "KZ-79"],
            "bad_region",
        ),
    ],
)
def test_vote_validates_the_answer(demo_store, kind, bad, good, key):
    pid = make_poll(demo_store, kind=kind)
    for i, answer in enumerate(bad):
        with pytest.raises(LiveError) as err:
            live.vote(demo_store, pid, token(demo_store, pid, i), answer)
        assert err.value.key == key, answer
    for i, answer in enumerate(good):
        assert live.vote(demo_store, pid, token(demo_store, pid, 100 + i), answer) == str(answer)
    assert sum(results(demo_store, pid).values()) == len(good)


def test_vote_rejects_bad_tokens_and_unknown_polls(demo_store):
    pid = make_poll(demo_store)
    for bad in ("", "short", "x" * 65, "with space 12345678", "a/b" * 8, None):
        with pytest.raises(LiveError, match="bad_token"):
            live.vote(demo_store, pid, bad, "0")
    with pytest.raises(LiveError, match="poll_not_found"):
        live.vote(demo_store, "zzzzzz", live.new_voter_token(), "0")
    with pytest.raises(LiveError, match="poll_not_found"):
        live.vote(demo_store, "'; DROP TABLE votes; --", live.new_voter_token(), "0")


def test_draft_and_closed_polls_reject_votes_with_a_translated_message(demo_store):
    draft = make_poll(demo_store, status="draft")
    with pytest.raises(LiveError) as err:
        live.vote(demo_store, draft, token(demo_store, draft, 1), "0")
    assert err.value.key == "poll_not_open"

    pid = make_poll(demo_store)
    live.vote(demo_store, pid, token(demo_store, pid, 1), "1")
    live.close_poll(demo_store, pid, actor=presenter_id(demo_store))
    with pytest.raises(LiveError) as err:
        live.vote(demo_store, pid, token(demo_store, pid, 2), "0")  # a late voter
    assert err.value.key == "poll_closed"
    with pytest.raises(LiveError):
        live.vote(
            demo_store, pid, token(demo_store, pid, 1), "0"
        )  # changing after close is late too
    messages = {lang: err.value.message(Translator(lang)) for lang in LANGS}
    assert messages == {lang: t(lang, "live.error.poll_closed") for lang in LANGS}
    assert len(set(messages.values())) == 3
    assert results(demo_store, pid) == {"1": 1}


def test_votes_survive_a_restart(demo_db):
    s = store_mod.open_store(str(demo_db))
    pid = make_poll(s)
    for i in range(25):
        live.vote(s, pid, token(s, pid, i), i % 3)
    live.vote(s, pid, token(s, pid, 0), "2")
    before = results(s, pid)
    store_mod.close_all()  # the process goes away
    reopened = store_mod.open_store(str(demo_db))
    assert reopened is not s
    assert results(reopened, pid) == before == {"0": 8, "1": 8, "2": 9}
    assert live.get_poll(reopened, pid).status == "open"


# -- decks -----------------------------------------------------------------------------------------
def test_save_update_and_load_a_deck(demo_store):
    pid = make_poll(demo_store)
    refs = [
        SceneRef("poll", {"poll": pid}),
        SceneRef("ranking", {"metric": "jobs", "period": "2024"}),
        SceneRef("per_year", {"region": "KZ-75"}),
    ]
    deck_id = live.save_deck(
        demo_store, title="  Day 2 ", scenes=refs, actor=presenter_id(demo_store)
    )
    deck = live.load_deck(demo_store, deck_id)
    assert deck.title == "Day 2" and deck.scenes == refs and deck.version == 1
    live.save_deck(
        demo_store,
        title="Day 2 (short)",
        scenes=refs[1:],
        actor=presenter_id(demo_store),
        deck_id=deck_id,
    )
    deck = live.load_deck(demo_store, deck_id)
    assert deck.scenes == refs[1:] and deck.version == 2
    audit = demo_store.query(
        "SELECT action, before_json FROM audit_log WHERE table_name = 'decks' "
        "AND row_key = $k ORDER BY logged_at",
        {"k": deck_id},
    )
    assert audit["action"].tolist() == ["insert", "update"]
    assert json.loads(audit["before_json"][1])["title"] == "Day 2"


@pytest.mark.parametrize(
    "title, refs, key",
    [
        ("", [SceneRef("per_year", {"region": "all"})], "deck_title_empty"),
        ("x" * 121, [SceneRef("per_year", {"region": "all"})], "deck_title_too_long"),
        ("T", [], "deck_empty"),
        ("T", [SceneRef("per_year", {"region": "all"})] * 41, "deck_too_long"),
        ("T", [SceneRef("nosuch", {})], "scene_unknown"),
        (
            "T",
            [SceneRef("ranking", {"metric": "1; DROP TABLE decks", "period": "all"})],
            "scene_param",
        ),
        ("T", [SceneRef("ranking", {"metric": "jobs"})], "scene_param"),
        ("T", [SceneRef("per_year", {"region": "KZ-00"})], "scene_param"),
        ("T", [SceneRef("poll", {"poll": "nosuch"})], "scene_param"),
    ],
)
def test_save_deck_rejects_bad_input(demo_store, title, refs, key):
    with pytest.raises(LiveError) as err:
        live.save_deck(demo_store, title=title, scenes=refs, actor=presenter_id(demo_store))
    assert err.value.key == key
    assert demo_store.scalar("SELECT count(*) FROM decks") == 0


def test_a_damaged_deck_row_loads_without_its_bad_scenes():
    row = {
        "deck_id": "abcd1234",
        "title": "T",
        "version": 1,
        "updated_at": None,
        "scenes_json": json.dumps(
            [{"scene": "per_year", "params": {"region": "all"}}, "junk", {"params": {}}]
        ),
    }
    assert live.deck_from_row(row).scenes == [SceneRef("per_year", {"region": "all"})]
    assert live.deck_from_row({**row, "scenes_json": "not json"}).scenes == []


# -- join link, QR code, escaping ---------------------------------------------------------------------
def test_base_url_from_setting_or_browser():
    assert live.app_base_url("https://x.kz/dash/", "http://h/live", "live") == "https://x.kz/dash"
    assert live.app_base_url("", "http://10.0.0.5:8501/live", "live") == "http://10.0.0.5:8501"
    assert live.app_base_url("", "https://h/sub/live?deck=x", "live") == "https://h/sub"
    assert (
        live.join_url("http://10.0.0.5:8501", "abc234") == "http://10.0.0.5:8501/ballot?poll=abc234"
    )
    assert live.is_local_address("http://localhost:8501/vote?poll=x")
    assert live.is_local_address("http://127.0.0.1:8604")
    assert not live.is_local_address("http://10.0.0.5:8501")


def test_qr_code_is_a_png_made_locally():
    png = live.qr_png("http://10.0.0.5:8501/vote?poll=abc234")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 200
    assert live.qr_png("http://10.0.0.5:8501/vote?poll=abc234") == png
    assert live.qr_png("http://10.0.0.5:8501/vote?poll=abc235") != png


def test_tokens_and_ids():
    tokens = {live.new_voter_token() for _ in range(100)}
    assert len(tokens) == 100 and all(live.valid_token(x) for x in tokens)
    assert live.valid_id(live.new_id()) and not live.valid_id("ABC-12")


# -- queries ------------------------------------------------------------------------------------------
def test_region_ranking_covers_all_regions_and_matches_raw_sums(demo_store):
    df = queries.run(
        demo_store, "live_region_ranking", metric="jobs", filters=Filters(years=(2024, 2024))
    )
    assert len(df) == 20 and df["rank"].iloc[0] == 1
    assert df["value"].is_monotonic_decreasing
    raw = demo_store.query("SELECT region_iso, start_date, status, jobs_created FROM initiatives")
    raw = raw[(pd.to_datetime(raw["start_date"]).dt.year == 2024) & (raw["status"] != "cancelled")]
    expected = raw.groupby("region_iso")["jobs_created"].sum()
    got = df.set_index("iso_code")["value"]
    for iso, value in got.items():
        assert value == expected.get(iso, 0), iso


def test_per_capita_ranking_divides_by_population(demo_store):
    jobs = queries.run(demo_store, "live_region_ranking", metric="jobs").set_index("iso_code")
    rate = queries.run(demo_store, "live_region_ranking", metric="jobs_per_100k").set_index(
        "iso_code"
    )
    pop = queries.run(demo_store, "regions").set_index("iso_code")["population"]
    for iso in ("KZ-71", "KZ-75", "KZ-10"):
        assert rate.at[iso, "value"] == pytest.approx(jobs.at[iso, "value"] * 1e5 / pop[iso])


def test_ranking_metric_comes_from_the_allow_list(demo_store):
    with pytest.raises(ValueError):
        queries.run(demo_store, "live_region_ranking", metric="jobs_created); DROP TABLE x; --")


def test_initiatives_per_year_totals(demo_store):
    df = queries.run(demo_store, "live_initiatives_per_year")
    assert df["initiatives"].sum() == demo_store.scalar("SELECT count(*) FROM initiatives")
    one = queries.run(demo_store, "live_initiatives_per_year", filters=Filters(regions=["KZ-75"]))
    assert one["initiatives"].sum() == demo_store.scalar(
        "SELECT count(*) FROM initiatives WHERE region_iso = 'KZ-75'"
    )


# -- charts ---------------------------------------------------------------------------------------------
def choice_poll(question=None, status="open"):
    return Poll(
        "p1",
        "choice",
        question or {"en": "Best?", "ru": "Лучшее?", "kk": "Ең жақсы?"},
        [{"en": "A", "ru": "A-ru"}, {"en": "B"}, {"en": "C"}],
        status,
    )


def test_poll_chart_shows_every_option_with_exact_totals():
    tr = Translator("en")
    poll = choice_poll()
    df = pd.DataFrame({"answer": ["0", "2"], "votes": [3, 1]})
    fig = poll_results_figure(poll, df, tr, poll.answer_labels(tr, {}))
    bar = fig.data[0]
    assert list(bar.x) == [3, 0, 1]
    assert list(fig.layout.yaxis.ticktext) == ["A", "B", "C"]
    assert list(bar.text) == ["3 · 75%", "0 · 0%", "1 · 25%"]
    assert fig.layout.title.text == "Best?"
    assert fig.layout.title.subtitle.text == "Votes: 4"
    again = poll_results_figure(poll, df, tr, poll.answer_labels(tr, {}))
    assert again.to_plotly_json() == fig.to_plotly_json()  # fresh and deterministic


@pytest.mark.parametrize("lang", LANGS)
def test_poll_chart_speaks_the_readers_language(lang):
    tr = Translator(lang)
    poll = choice_poll()
    fig = poll_results_figure(
        poll, pd.DataFrame({"answer": [], "votes": []}), tr, poll.answer_labels(tr, {})
    )
    assert fig.layout.title.text == poll.question[lang]
    assert fig.layout.title.subtitle.text == t(lang, "live.results.total", n="0")
    # a Kazakh reader gets the Russian label when no Kazakh one was entered (kk, ru, en order)
    assert fig.layout.yaxis.ticktext[0] == ("A" if lang == "en" else "A-ru")
    assert fig.layout.yaxis.ticktext[1] == "B"


def test_poll_chart_escapes_user_text():
    tr = Translator("en")
    poll = Poll(
        "p1", "choice", {"en": XSS}, [{"en": "<img src=x onerror=alert(1)>"}, {"en": "ok"}], "open"
    )
    fig = poll_results_figure(
        poll, pd.DataFrame({"answer": ["0"], "votes": [1]}), tr, poll.answer_labels(tr, {})
    )
    spec = json.dumps(fig.to_plotly_json())
    assert "<script>" not in spec and "<img" not in spec
    assert fig.layout.title.text == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert fig.layout.yaxis.ticktext[0] == "&lt;img src=x onerror=alert(1)&gt;"


def test_rating_and_region_charts():
    tr = Translator("ru")
    rating = Poll("p2", "rating", {"ru": "Оценка?"}, [], "closed")
    df = pd.DataFrame({"answer": ["4", "5"], "votes": [1, 3]})
    fig = poll_results_figure(rating, df, tr, rating.answer_labels(tr, {}))
    assert list(fig.data[0].x) == [0, 0, 0, 1, 3]
    assert t("ru", "live.results.mean", mean="4,8") in fig.layout.title.subtitle.text
    assert t("ru", "live.results.closed") in fig.layout.title.subtitle.text

    region = Poll("p3", "region", {"ru": "Где?"}, [], "open")
    names = {"KZ-71": "Астана", "KZ-75": "Алматы", "KZ-79": "Шымкент"}
    fig = poll_results_figure(
        region,
        pd.DataFrame({"answer": ["KZ-79"], "votes": [2]}),
        tr,
        region.answer_labels(tr, names),
    )
    assert list(fig.layout.yaxis.ticktext) == ["Шымкент", "Алматы", "Астана"]  # by votes
    assert list(fig.data[0].x) == [2, 0, 0]


def test_presenter_layout_enlarges_any_figure(demo_store):
    tr = Translator("kk")
    df = queries.run(demo_store, "live_region_ranking", metric="initiatives")
    fig = region_ranking_figure(df, tr, METRIC_BY_CODE["initiatives"], "2019–2026")
    assert fig.layout.font.size in (None, 14)
    presenter_layout(fig)
    assert fig.layout.font.size == PRESENTER_FONT
    assert fig.layout.title.font.size == PRESENTER_TITLE
    assert fig.layout.yaxis.tickfont.size == PRESENTER_FONT
    assert fig.data[0].textfont.size > PRESENTER_FONT - 1
    assert fig.layout.yaxis.ticktext[0].startswith("1. ")


# -- scenes -----------------------------------------------------------------------------------------------
REQUIRED_SCENES = {"poll", "ranking", "per_year"}


def rounded(value):
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    if hasattr(value, "tolist"):
        return rounded(value.tolist())
    return value


def test_registry_has_the_required_scenes_and_rejects_duplicates():
    assert REQUIRED_SCENES <= set(scenes.SCENES)
    with pytest.raises(ValueError):
        scenes.register(scenes.SCENES["ranking"])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("name", sorted(scenes.SCENES))
def test_every_scene_builds_in_every_language(demo_store, name, lang):
    run = run_on(demo_store)
    tr = Translator(lang)
    if name == "poll":
        make_poll(demo_store)
    ref = SceneRef(name, scenes.default_params(name, run, tr))
    fig = scenes.figure(ref, run, tr, presenter=True)
    assert fig.data, name
    assert fig.layout.title.text and fig.layout.font.size == PRESENTER_FONT
    label = scenes.label(ref, run, tr)
    assert label.startswith(t(lang, scenes.SCENES[name].label_key))
    again = scenes.figure(ref, run, tr, presenter=True)
    # Same traces again (a fresh figure each call). Floats compared to 9 decimals: DuckDB's
    # parallel averages may differ in the last bit from one run to the next.
    assert rounded(again.to_plotly_json()) == rounded(fig.to_plotly_json())


def test_scene_figures_follow_new_votes(demo_store):
    run = run_on(demo_store)
    pid = make_poll(demo_store)
    ref = SceneRef("poll", {"poll": pid})
    assert list(scenes.figure(ref, run, Translator("en")).data[0].x) == [0, 0, 0]
    live.vote(demo_store, pid, token(demo_store, pid, 1), "1")
    assert list(scenes.figure(ref, run, Translator("en")).data[0].x) == [0, 1, 0]
    assert scenes.poll_of(ref) == pid
    assert scenes.poll_of(SceneRef("per_year", {"region": "all"})) is None


def test_scenes_reject_bad_params(demo_store):
    run = run_on(demo_store)
    with pytest.raises(LiveError, match="scene_param"):
        scenes.figure(
            SceneRef("ranking", {"metric": "jobs", "period": "1900"}), run, Translator("en")
        )
    with pytest.raises(LiveError, match="scene_unknown"):
        scenes.figure(SceneRef("nosuch", {}), run, Translator("en"))


def test_domain_modules_do_not_load_streamlit():
    code = (
        "import sys, creative_dash.live, creative_dash.live.scenes, creative_dash.charts.live, "
        "creative_dash.queries.live; print('streamlit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_options_from_lines_pairs_line_n_of_every_language():
    assert live.options_from_lines({"kk": "А\nБ", "en": "A\nB\nC"}) == [
        {"kk": "А", "ru": "", "en": "A"},
        {"kk": "Б", "ru": "", "en": "B"},
        {"kk": "", "ru": "", "en": "C"},
    ]
    assert live.options_from_lines({}) == []


def test_presenter_layout_lays_a_phone_legend_in_one_row_and_joins_wrapped_titles():
    import plotly.graph_objects as go

    fig = go.Figure([go.Bar(x=[1], name="a"), go.Bar(x=[2], name="b")])
    fig.update_layout(
        title_text="Long<br>title", legend={"orientation": "v", "y": 1, "yanchor": "bottom"}
    )
    presenter_layout(fig)
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.margin.t == 190
    assert fig.layout.title.text == "Long title"
    single = presenter_layout(go.Figure([go.Bar(x=[1], name="only")]))
    assert single.layout.margin.t == 140  # no legend drawn, no room kept for one
