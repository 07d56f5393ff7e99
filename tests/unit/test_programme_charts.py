"""The programme chart builders and tables: trace types, values, titles in each language,
explicit zeros, overdue marks, escaped user text."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from creative_dash import queries
from creative_dash.charts.programme import (
    HOVER_TEXT_CHARS,
    budget_execution_bars,
    competency_dumbbell,
    followup_timeline,
    initiatives_by_region_status,
    name_sort_key,
    participation_bars,
    recommendations_by_category_bars,
    satisfaction_bars,
    satisfaction_mean,
    shorten,
)
from creative_dash.i18n import LANGS, Translator, t
from creative_dash.text import inert
from creative_dash.views.programme import (
    initiative_totals,
    initiatives_table,
    participation_totals,
    programme_facts,
    recommendation_totals,
    recommendations_table,
    sessions_table,
)

EVIL = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
TODAY = date(2026, 3, 1)


def participation() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_iso": ["KZ-71", "KZ-75", "KZ-62"],
            "region_name": ["Астана", "Алматы", "Ұлытау"],
            "participants": [5, 3, 0],
            "heads": [1, 1, 0],
            "person_days": [15, 7, 0],
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_participation_shows_every_region_and_zero_explicitly(lang: str) -> None:
    fig = participation_bars(participation(), Translator(lang))
    bar = fig.data[0]
    assert bar.type == "bar" and bar.orientation == "h"
    assert list(bar.x) == [5, 3, 0] and len(bar.y) == 3
    assert bar.text[2] == t(lang, "programme.absent_label")
    assert fig.layout.title.text == t(lang, "programme.participation_title")
    assert fig.layout.title.subtitle.text == t(
        lang, "programme.participation_subtitle", present=2, total=3
    )


def test_participation_marks_the_selected_region_by_sign_not_only_colour() -> None:
    fig = participation_bars(participation(), Translator("ru"), highlight="KZ-75")
    assert fig.data[0].y[1] == "▶ Алматы"
    assert fig.data[0].marker.color[1] != fig.data[0].marker.color[0]


def gains() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "competency": ["a", "b"],
            "competency_name": ["Басқару", EVIL],
            "sort_order": [1, 2],
            "pre_mean": [4.0, 5.0],
            "post_mean": [6.0, 5.5],
            "gain_mean": [2.0, 0.5],
            "participants": [10, 30],
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_dumbbell_pre_post_and_gain_labels(lang: str) -> None:
    tr = Translator(lang)
    fig = competency_dumbbell(gains(), tr, label_col="competency_name", title="X")
    kinds = [(d.type, d.mode) for d in fig.data]
    assert kinds == [("scatter", "lines"), ("scatter", "markers"), ("scatter", "markers+text")]
    pre, post = fig.data[1], fig.data[2]
    assert list(pre.x) == [4.0, 5.0] and list(post.x) == [6.0, 5.5]
    assert pre.name == t(lang, "programme.pre") and post.name == t(lang, "programme.post")
    assert list(post.text) == ["+" + tr.num(2.0, 1), "+" + tr.num(0.5, 1)]
    assert pre.y[1] == ESCAPED  # labels are escaped
    # the title's gain is weighted by participants: (2*10 + 0.5*30) / 40 = 0.875
    assert fig.layout.title.text == "X"
    assert fig.layout.title.subtitle.text == t(
        lang, "programme.dumbbell_subtitle", gain="+" + tr.num(0.875, 1)
    )
    assert tuple(fig.layout.xaxis.range) == (1, 10.9)


def test_dumbbell_of_the_demo_store(demo_store) -> None:
    df = queries.run(demo_store, "competency_gains", lang="en")
    fig = competency_dumbbell(df, Translator("en"), label_col="competency_name", title="X")
    assert list(fig.data[2].x) == pytest.approx(df["post_mean"].tolist())
    assert list(fig.data[1].y) == df["competency_name"].tolist()


def test_dumbbell_highlight() -> None:
    df = gains().assign(region_iso=["KZ-71", "KZ-75"])
    fig = competency_dumbbell(
        df,
        Translator("en"),
        label_col="competency_name",
        title="X",
        key_col="region_iso",
        highlight="KZ-71",
    )
    assert fig.data[1].y[0] == "▶ Басқару" and fig.data[1].y[1] == ESCAPED


def sat() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "score": pd.array([1, 2, 3, 4, 5, None], dtype="Int64"),
            "participants": [0, 0, 2, 4, 4, 3],
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_satisfaction_distribution_and_not_answered_apart(lang: str) -> None:
    tr = Translator(lang)
    fig = satisfaction_bars(sat(), tr)
    scores, missing = fig.data
    assert list(scores.x) == ["1", "2", "3", "4", "5"] and list(scores.y) == [0, 0, 2, 4, 4]
    assert list(scores.text)[:2] == ["0", "0"]  # zeros are written, not hidden
    assert list(missing.x) == [t(lang, "programme.not_answered")] and list(missing.y) == [3]
    assert fig.layout.title.text == t(lang, "programme.satisfaction_title")
    assert fig.layout.title.subtitle.text == t(
        lang, "programme.satisfaction_subtitle", mean=tr.num(4.2, 1), n=tr.num(10)
    )


def test_satisfaction_mean_ignores_the_unanswered() -> None:
    assert satisfaction_mean(sat()) == (pytest.approx(4.2), 10, 3)
    none = sat().assign(participants=[0, 0, 0, 0, 0, 2])
    assert satisfaction_mean(none) == (None, 0, 2)
    fig = satisfaction_bars(none, Translator("kk"))
    assert fig.layout.title.subtitle.text == t("kk", "programme.satisfaction_subtitle_empty")


def test_satisfaction_mean_matches_sql(demo_store) -> None:
    df = queries.run(demo_store, "satisfaction_distribution")
    mean, n, _ = satisfaction_mean(df)
    assert mean == pytest.approx(demo_store.scalar("SELECT avg(satisfaction) FROM participants"))
    assert n == demo_store.scalar("SELECT count(satisfaction) FROM participants")


def recs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "recommendation_id": [1, 2, 3, 4],
            "region_iso": ["KZ-71", "KZ-75", "KZ-75", "KZ-11"],
            "region_name": ["Астана", "Алматы", "Алматы", "Ақмола облысы"],
            "category": ["tax", "tax", "export", "financing"],
            "text": [EVIL, "Салық жеңілдіктері", "Экспорт", "Қор"],
            "text_lang": ["kk"] * 4,
            "status": ["proposed", "accepted", "implemented", "in_progress"],
            "responsible_body": ["ministry", "akimat", "ministry", "parliament"],
            "follow_up_date": [date(2025, 10, 1), date(2026, 6, 1), None, date(2026, 1, 1)],
            "is_demo": [False, True, False, False],
            "is_overdue": [True, False, False, True],
            "days_overdue": [151, 0, 0, 59],
        }
    )


def rec_summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "category": ["tax", "tax", "export", "financing"],
            "status": ["proposed", "accepted", "implemented", "in_progress"],
            "recommendations": [3, 2, 1, 4],
            "overdue": [2, 0, 0, 1],
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_recommendations_by_category_stacked_by_status(lang: str) -> None:
    fig = recommendations_by_category_bars(rec_summary(), Translator(lang))
    bars = [d for d in fig.data if d.type == "bar"]
    assert [b.name for b in bars] == [
        t(lang, f"rec_status.{s}") for s in ("proposed", "accepted", "in_progress", "implemented")
    ]
    assert fig.layout.barmode == "stack"
    assert fig.layout.title.text == t(lang, "programme.rec_category_title")
    # categories ordered by total: tax 5, financing 4, export 1; overdue counts in the labels
    tr = Translator(lang)
    cats = [
        t(lang, "rec_category.tax") + f" · ⚠ {tr.num(2)}",
        t(lang, "rec_category.financing") + f" · ⚠ {tr.num(1)}",
        t(lang, "rec_category.export"),
    ]
    assert list(fig.layout.yaxis.categoryarray) == cats
    assert [d.type for d in fig.data] == ["bar"] * 4


def test_followup_timeline_escapes_and_marks_overdue() -> None:
    tr = Translator("en")
    fig = followup_timeline(recs(), tr, today=TODAY)
    raw = fig.to_json()
    assert EVIL not in raw and ESCAPED in raw
    late = [d for d in fig.data if d.marker.symbol == "x"]
    assert len(late) == 1 and len(late[0].x) == 2
    assert late[0].name == t("en", "programme.overdue_legend", n="2")
    on_time = [d for d in fig.data if d.marker.symbol != "x"]
    assert [d.name for d in on_time] == [t("en", "rec_status.accepted")]
    # the implemented one has no follow-up date and is not drawn
    assert sum(len(d.x) for d in fig.data) == 3
    assert fig.layout.shapes[0].x0 == "2026-03-01"
    assert fig.layout.annotations[0].text == t("en", "programme.today", date=tr.date(TODAY))
    # Kazakh order: Ақмола before Алматы before Астана
    assert list(fig.layout.yaxis.categoryarray) == ["Ақмола облысы", "Алматы", "Астана"]


def test_followup_hover_quotes_the_start_of_long_texts() -> None:
    long_text = "Создать региональный фонд поддержки креативных стартапов " * 4
    df = recs()
    df.loc[df.index[0], "text"] = long_text
    fig = followup_timeline(df, Translator("ru"), today=TODAY)
    quoted = [row[0] for d in fig.data for row in (d.customdata or [])]
    short = [q for q in quoted if q.startswith("Создать")]
    assert short and all(len(q) <= HOVER_TEXT_CHARS and q.endswith("…") for q in short)
    assert long_text.startswith(short[0][:-1])
    assert shorten("короткий текст", 80) == "короткий текст"
    assert shorten("one two three four five six", 12) == "one two…"


def test_name_sort_key_puts_kazakh_letters_after_their_base() -> None:
    names = ["Атырау", "Ақмола", "Ұлытау", "Улытау", "Үржар", "Шымкент"]
    assert sorted(names, key=name_sort_key) == [
        "Ақмола",
        "Атырау",
        "Улытау",
        "Ұлытау",
        "Үржар",
        "Шымкент",
    ]


def init_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_iso": ["KZ-71", "KZ-71", "KZ-75"],
            "region_name": ["Астана", "Астана", "Алматы"],
            "status": ["in_progress", "completed", "approved"],
            "initiatives": [2, 1, 4],
            "budget_planned_kzt": [100e6, 50e6, 40e6],
            "budget_spent_kzt": [30e6, 50e6, 0.0],
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_initiatives_by_region_status(lang: str) -> None:
    fig = initiatives_by_region_status(init_rows(), Translator(lang), highlight="KZ-75")
    assert [d.name for d in fig.data] == [
        t(lang, f"status.{s}") for s in ("approved", "in_progress", "completed")
    ]
    assert list(fig.layout.yaxis.categoryarray) == ["▶ Алматы", "Астана"]  # 4 before 3
    assert fig.layout.title.text == t(lang, "programme.init_status_title")


@pytest.mark.parametrize("lang", LANGS)
def test_budget_execution(lang: str) -> None:
    tr = Translator(lang)
    fig = budget_execution_bars(init_rows(), tr)
    planned, spent = fig.data
    assert list(planned.x) == [150e6, 40e6] and list(spent.x) == [80e6, 0.0]
    assert list(planned.text) == [tr.pct(80 / 150, 0), tr.pct(0.0, 0)]
    assert fig.layout.barmode == "overlay"
    assert fig.layout.title.text == t(lang, "programme.execution_title")


def test_empty_frames_give_empty_figures() -> None:
    tr = Translator("kk")
    for fig in (
        recommendations_by_category_bars(rec_summary().iloc[0:0], tr),
        followup_timeline(recs().iloc[0:0], tr, today=TODAY),
        initiatives_by_region_status(init_rows().iloc[0:0], tr),
        budget_execution_bars(init_rows().iloc[0:0], tr),
        competency_dumbbell(gains().iloc[0:0], tr, label_col="competency_name", title="X"),
    ):
        assert fig.layout.annotations[0].text == t("kk", "app.empty")


def test_builders_are_pure() -> None:
    tr = Translator("ru")
    a = followup_timeline(recs(), tr, today=TODAY)
    b = followup_timeline(recs(), tr, today=TODAY)
    assert json.loads(a.to_json()) == json.loads(b.to_json())


@pytest.mark.parametrize("lang", LANGS)
def test_recommendations_table_flags_overdue_with_a_sign(lang: str) -> None:
    tr = Translator(lang)
    view = recommendations_table(recs(), tr)
    col = t(lang, "programme.col_overdue")
    assert list(view.columns)[0] == col
    assert view[col].iloc[0] == "⚠ " + t(lang, "programme.days_overdue", n=tr.num(151))
    assert view[col].iloc[1] == ""
    assert view[t(lang, "programme.col_text")].iloc[0] == EVIL  # a table shows text as text
    assert view[t(lang, "programme.col_body")].iloc[3] == t(lang, "body.parliament")
    export = recommendations_table(recs(), tr, for_export=True)
    assert export[t(lang, "programme.col_follow_up")].iloc[0] == date(2025, 10, 1)
    assert export[t(lang, "programme.col_follow_up")].iloc[2] is None
    assert export["is_demo"].tolist() == [False, True, False, False]  # demo rows say so
    assert "is_demo" not in view.columns


def test_totals() -> None:
    assert recommendation_totals(rec_summary()) == {
        "recommendations": 10,
        "overdue": 3,
        "implemented": 1,
    }
    totals = initiative_totals(init_rows())
    assert totals["initiatives"] == 7 and totals["execution"] == pytest.approx(80 / 190)
    assert initiative_totals(init_rows().iloc[0:0])["execution"] is None
    p = participation()
    assert participation_totals(p) == {
        "participants": 8,
        "regions_present": 2,
        "regions_total": 3,
        "person_days": 22,
    }
    assert participation_totals(p, "KZ-75")["participants"] == 3


def test_initiatives_table(demo_store) -> None:
    df = queries.run(demo_store, "programme_initiatives_top", lang="kk", limit=5)
    tr = Translator("kk")
    view = initiatives_table(df, tr)
    assert view[t("kk", "programme.col_planned")].tolist() == [
        tr.kzt(v) for v in df["budget_planned_kzt"]
    ]
    export = initiatives_table(df, tr, for_export=True)
    assert (
        export[t("kk", "programme.col_planned_kzt")].tolist() == df["budget_planned_kzt"].tolist()
    )


@pytest.mark.parametrize("lang", LANGS)
def test_programme_facts_and_sessions(demo_store, lang: str) -> None:
    tr = Translator(lang)
    facts = programme_facts(queries.run(demo_store, "programme_summary"), tr)
    assert facts is not None
    row = demo_store.query("SELECT * FROM programmes").iloc[0]
    assert facts["venue"] == inert(row[f"venue_{lang}"])  # inert: the page shows it as Markdown
    assert facts["organisers"] == inert(row[f"organisers_{lang}"])
    assert facts["dates"] == tr.date_range(date(2025, 5, 12), date(2025, 5, 14))
    assert (
        programme_facts(queries.run(demo_store, "programme_summary", programme_id="x"), tr) is None
    )
    sessions = sessions_table(queries.run(demo_store, "programme_sessions_agenda", lang=lang), tr)
    assert len(sessions) == 9
    assert sessions[t(lang, "programme.col_kind")].iloc[0] == t(
        lang, "session_kind.strategic_session"
    )
