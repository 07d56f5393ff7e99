"""The Training programme page under AppTest: renders in every language with the programme's
real facts, filters by widget key change the recommendation charts, the sidebar region narrows
the page (and the per-region comparisons mark it)."""

from __future__ import annotations

from datetime import date

import pytest

from creative_dash.i18n import KAZAKH_LETTERS, t
from tests.app.apptest import charts, open_page, page_text


def by_title(at, title: str) -> dict:
    for el in charts(at):
        spec = el.figure
        if spec["layout"]["title"]["text"] == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def bars_total(spec: dict) -> int:
    return int(sum(sum(tr["x"]) for tr in spec["data"] if tr["type"] == "bar"))


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_renders_in_each_language(demo_store, lang):
    at = open_page("programme", lang)
    assert not at.exception
    assert at.title[0].value == t(lang, "programme.title")
    text = page_text(at)
    row = demo_store.query("SELECT * FROM programmes").iloc[0]
    assert row[f"venue_{lang}"] in text and row[f"organisers_{lang}"] in text
    assert t(lang, "programme.showing_all") in text
    participation = by_title(at, t(lang, "programme.participation_title"))
    assert len(participation["data"][0]["y"]) == 20
    assert participation["layout"]["title"]["subtitle"]["text"] == t(
        lang, "programme.participation_subtitle", present=20, total=20
    )
    assert bars_total(participation) == demo_store.scalar("SELECT count(*) FROM participants")
    # 5 of the 9 charts and tables: the competency, recommendation and initiative sections
    # are lazy tabs that draw only the open view
    assert len(charts(at)) == 5
    # the agenda's expander is closed: its table is neither read nor sent; the other tables
    # are in closed tabs
    assert len(at.dataframe) == 0
    assert t(lang, "programme.sessions_demo") not in text
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t(lang, "export.csv"), t(lang, "export.xlsx")] * 2
    at.session_state["prog_agenda"] = True  # the reader opens the agenda
    at.run()
    assert not at.exception
    assert len(at.dataframe) == 1
    n_sessions = demo_store.scalar("SELECT count(*) FROM programme_sessions")
    assert len(at.dataframe[0].value) == n_sessions
    assert t(lang, "programme.sessions_demo") in page_text(at)
    if lang == "kk":
        assert set(text) & KAZAKH_LETTERS
        assert "Participants" not in text and "Recommendations" not in text


def _chart_titles(at) -> list[str]:
    return [el.figure["layout"]["title"]["text"] for el in charts(at)]


def test_competency_tabs_draw_only_the_open_one_and_keep_it_in_the_url(demo_store):
    at = open_page("programme", "en")
    titles = _chart_titles(at)
    assert t("en", "programme.comp_by_competency") in titles
    assert t("en", "programme.comp_by_region") not in titles
    assert "prog_comp_tab" not in at.query_params  # the first tab: no parameter
    # a link to the second tab opens it, in another language too
    at = open_page("programme", "ru", prog_comp_tab="region")
    assert not at.exception
    titles = _chart_titles(at)
    assert t("ru", "programme.comp_by_region") in titles
    assert t("ru", "programme.comp_by_competency") not in titles
    region_chart = by_title(at, t("ru", "programme.comp_by_region"))
    assert len(region_chart["data"][-1]["y"]) == 20
    # switching the language keeps the open tab
    at.selectbox(key="lang").set_value("kk").run()
    assert not at.exception
    assert t("kk", "programme.comp_by_region") in _chart_titles(at)
    assert at.query_params["prog_comp_tab"] in ("region", ["region"])
    # an unknown value falls back to the first tab
    at = open_page("programme", "en", prog_comp_tab="nonsense")
    assert not at.exception
    assert t("en", "programme.comp_by_competency") in _chart_titles(at)


def test_budget_execution_tab_opens_from_the_url(demo_store):
    at = open_page("programme", "en", prog_init_tab="execution", region="KZ-71")
    assert not at.exception
    titles = _chart_titles(at)
    assert t("en", "programme.init_status_title") not in titles
    budget = by_title(at, t("en", "programme.execution_title"))
    # regions in the order of the first trace, the selected one marked
    names = list(budget["data"][0]["y"])
    assert len(names) == len(set(names)) and any(n.startswith("▶") for n in names)
    assert budget["layout"]["yaxis"]["categoryorder"] == "trace"
    assert list(budget["data"][1]["y"]) == names


def test_overdue_count_is_shown(demo_store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM recommendations WHERE follow_up_date < $d "
        "AND status NOT IN ('implemented', 'rejected')",
        {"d": date.today()},
    )
    at = open_page("programme", "en", prog_rec_tab="table")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("en", "programme.metric_overdue")] == f"{expected:,}"
    table = at.dataframe[0].value
    flagged = table[t("en", "programme.col_overdue")].str.startswith("⚠").sum()
    assert flagged == expected


def test_status_filter_by_widget_key_changes_the_chart(demo_store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM recommendations WHERE status = 'implemented'"
    )
    at = open_page("programme", "ru")
    title = t("ru", "programme.rec_category_title")
    before = by_title(at, title)
    assert len([tr for tr in before["data"] if tr["type"] == "bar"]) == 5
    at.multiselect(key="prog_rec_status").set_value(["implemented"]).run()
    assert not at.exception
    after = by_title(at, title)
    bars = [tr for tr in after["data"] if tr["type"] == "bar"]
    assert [b["name"] for b in bars] == [t("ru", "rec_status.implemented")]
    assert bars_total(after) == expected
    assert at.query_params["prog_rec_status"] in ("implemented", ["implemented"])
    # the table tab lists the same recommendations
    at = open_page("programme", "ru", prog_rec_tab="table")
    assert len(at.dataframe[0].value) > expected
    at.multiselect(key="prog_rec_status").set_value(["implemented"]).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == expected


def test_category_filter_from_the_url(demo_store):
    expected = demo_store.scalar("SELECT count(*) FROM recommendations WHERE category = 'tax'")
    at = open_page("programme", "kk", prog_rec_category="tax")
    assert not at.exception
    assert bars_total(by_title(at, t("kk", "programme.rec_category_title"))) == expected


def test_sidebar_region_narrows_the_page(demo_store):
    name = demo_store.scalar("SELECT name_en FROM regions WHERE iso_code = 'KZ-71'")
    n_recs = demo_store.scalar("SELECT count(*) FROM recommendations WHERE region_iso = 'KZ-71'")
    n_part = demo_store.scalar("SELECT count(*) FROM participants WHERE region_iso = 'KZ-71'")
    n_init = demo_store.scalar(
        "SELECT count(*) FROM initiatives WHERE from_programme AND region_iso = 'KZ-71'"
    )
    at = open_page("programme", "en", region="KZ-71", prog_rec_tab="table")
    assert not at.exception
    assert t("en", "programme.showing_region", region=name) in page_text(at)
    assert len(at.dataframe[0].value) == n_recs
    assert set(at.dataframe[0].value[t("en", "programme.col_region")]) == {name}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("en", "programme.metric_participants")] == str(n_part)
    assert metrics[t("en", "programme.metric_initiatives")] == str(n_init)
    at = open_page("programme", "en", region="KZ-71")  # the first tab: the category chart
    recs = by_title(at, t("en", "programme.rec_category_title"))
    assert bars_total(recs) == n_recs
    # the comparisons keep every region and mark the selected one
    participation = by_title(at, t("en", "programme.participation_title"))
    assert len(participation["data"][0]["y"]) == 20
    assert f"▶ {name}" in participation["data"][0]["y"]


def test_escaped_recommendation_text_in_the_timeline(demo_store):
    with demo_store.transaction() as cur:
        cur.execute(
            "UPDATE recommendations SET text = '<img src=x onerror=alert(1)>' "
            "WHERE recommendation_id = (SELECT min(recommendation_id) FROM recommendations "
            "WHERE follow_up_date IS NOT NULL)"
        )
    at = open_page("programme", "en", prog_rec_tab="followup")
    assert by_title(at, t("en", "programme.followup_title"))
    raw = "".join(el.spec for el in charts(at))
    assert "<img src=x" not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw


def test_recommendation_and_initiative_views_open_from_the_url(demo_store):
    """The follow-up timeline, the recommendations table and the largest initiatives are tabs
    drawn when open; a link opens them, and the print view unfolds every one."""
    at = open_page("programme", "kk", prog_rec_tab="followup", prog_init_tab="top")
    assert not at.exception
    titles = _chart_titles(at)
    assert t("kk", "programme.followup_title") in titles
    assert t("kk", "programme.rec_category_title") not in titles
    assert t("kk", "programme.init_status_title") not in titles
    assert len(at.dataframe) == 1  # the largest initiatives (the agenda is closed)
    assert t("kk", "programme.top_title", n=10) in page_text(at)
    printed = open_page("programme", "en", print="1")
    assert not printed.exception
    assert len(charts(printed)) == 8 and len(printed.dataframe) == 3
