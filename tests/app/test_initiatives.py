from __future__ import annotations

import pytest

from creative_dash.i18n import KAZAKH_LETTERS, t
from creative_dash.queries import initiatives as iq
from creative_dash.store import Store, audit
from creative_dash.views import initiatives as view
from tests.app.apptest import charts as drawn
from tests.app.apptest import open_page, page_text


def table(at):
    return at.dataframe[0].value


def charts(at) -> list[dict]:
    return [el.figure for el in drawn(at)]


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_renders_in_each_language(demo_db, lang):
    at = open_page("initiatives", lang)
    assert not at.exception
    assert at.title[0].value == t(lang, "initiatives.title")
    assert len(table(at)) == iq.PAGE_SIZE
    assert t(lang, "initiatives.col_title") in table(at).columns
    specs = charts(at)
    assert len(specs) == 3
    titles = [s["layout"]["title"]["text"] for s in specs]
    assert t(lang, "initiatives.chart_budget") in titles
    assert t(lang, "initiatives.chart_status") in titles
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t(lang, "export.csv"), t(lang, "export.xlsx")]
    text = page_text(at)
    assert (
        t(
            lang,
            "initiatives.rows",
            first="1",
            last="50",
            total="1\u00a0500" if lang != "en" else "1,500",
        )
        in text
    )
    if lang == "kk":
        assert set(text) & KAZAKH_LETTERS
        assert "Rows" not in text and "Initiatives" not in text


def test_filter_by_widget_key_changes_table_and_charts(demo_store: Store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM initiatives WHERE region_iso = 'KZ-71' AND status = 'cancelled'"
    )
    assert 0 < expected < iq.PAGE_SIZE
    at = open_page("initiatives", "en")
    before = sum(len(trace["y"]) for trace in charts(at)[0]["data"][:1])
    at.multiselect(key="in_regions").set_value(["KZ-71"]).run()
    at.multiselect(key="in_status").set_value(["cancelled"]).run()
    assert not at.exception
    rows = table(at)
    assert len(rows) == expected
    assert set(rows[t("en", "initiatives.col_region")]) == {"Astana"}
    assert set(rows[t("en", "initiatives.col_status")]) == {t("en", "status.cancelled")}
    budget = charts(at)[0]
    assert before == 20
    assert budget["data"][0]["y"] == ["Astana"]
    planned = demo_store.scalar(
        "SELECT sum(budget_planned_kzt) FROM initiatives WHERE region_iso = 'KZ-71' "
        "AND status = 'cancelled'"
    )
    assert budget["data"][0]["x"] == [planned]
    status = charts(at)[2]
    assert [trace["name"] for trace in status["data"]] == [t("en", "status.cancelled")]
    assert sum(sum(trace["y"]) for trace in status["data"]) == expected
    assert at.query_params["in_regions"] in ("KZ-71", ["KZ-71"])


def test_search_by_widget_key(demo_store: Store):
    at = open_page("initiatives", "ru")
    at.text_input(key="in_q").set_value("фестиваль").run()
    expected = demo_store.scalar("SELECT count(*) FROM initiatives WHERE title ILIKE '%фестиваль%'")
    assert not at.exception
    assert t("ru", "initiatives.kpi_count") in [m.label for m in at.metric]
    assert at.metric[0].value == f"{expected:,}".replace(",", "\u00a0")
    assert all("фестиваль" in x.lower() for x in table(at)[t("ru", "initiatives.col_title")])


def test_url_params_preset_filters(demo_store: Store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM initiatives i WHERE region_iso = 'KZ-75' AND status = 'completed' "
        "AND EXISTS (SELECT 1 FROM initiative_sdgs s WHERE s.initiative_id = i.initiative_id "
        "AND s.sdg IN (4, 8))"
    )
    at = open_page(
        "initiatives",
        "en",
        in_regions="KZ-75",
        in_status="completed",
        in_sdg="4,8",
        in_sort="planned_desc",
    )
    assert not at.exception
    assert at.multiselect(key="in_regions").value == ["KZ-75"]
    assert at.selectbox(key="in_sort").value == "planned_desc"
    assert at.metric[0].value == f"{expected:,}"
    rows = table(at)
    assert set(rows[t("en", "initiatives.col_region")]) == {"Almaty"}
    assert len(rows) == min(expected, iq.PAGE_SIZE)


def test_sidebar_region_is_the_default(demo_store: Store):
    at = open_page("initiatives", "kk", region="KZ-79")
    assert not at.exception
    expected = demo_store.scalar("SELECT count(*) FROM initiatives WHERE region_iso = 'KZ-79'")
    assert at.metric[0].value == f"{expected:,}".replace(",", "\u00a0")
    assert charts(at)[0]["data"][0]["y"] == ["Шымкент"]


def test_bad_url_params_fall_back(demo_db):
    at = open_page(
        "initiatives",
        "en",
        in_regions="KZ-99",
        in_sort="title; DROP",
        in_origin="x",
        in_page="abc",
        in_id="-3",
    )
    assert not at.exception
    assert at.selectbox(key="in_sort").value == iq.DEFAULT_SORT
    assert len(table(at)) == iq.PAGE_SIZE


def test_paging_by_url_and_reset_on_filter_change(demo_db):
    at = open_page("initiatives", "en", in_page="3")
    assert at.number_input(key="in_page").value == 3
    assert "Rows 101–150 of 1,500" in page_text(at)
    first_on_3 = table(at).iloc[0, 0]
    at.number_input(key="in_page").set_value(1).run()
    assert table(at).iloc[0, 0] != first_on_3
    at.number_input(key="in_page").set_value(30).run()
    assert "Rows 1,451–1,500 of 1,500" in page_text(at)
    at.selectbox(key="in_origin").set_value("programme").run()
    assert at.number_input(key="in_page").value == 1


def test_details_from_url_with_empty_history(demo_db):
    at = open_page("initiatives", "kk", in_id="42")
    assert not at.exception
    text = page_text(at)
    assert t("kk", "initiatives.details_title", id=42) in text
    assert t("kk", "initiatives.audit_empty") in text
    details = at.dataframe[1].value
    assert "42" in details.iloc[:, 1].tolist()
    at.button(key="in_close").click().run()
    assert t("kk", "initiatives.details_title", id=42) not in page_text(at)


def test_details_show_audit_history(demo_store: Store):
    with demo_store.transaction() as cur:
        audit(
            cur,
            actor="editor@akimat",
            table="initiatives",
            row_key="42",
            action="update",
            before={"status": "approved"},
            after={"status": "in_progress"},
        )
    at = open_page("initiatives", "en", in_id="42")
    assert not at.exception
    assert t("en", "initiatives.audit_empty") not in page_text(at)
    history = at.dataframe[2].value
    assert history.iloc[0][t("en", "editing.h_who")] == "editor@akimat"
    # the history names columns and codes in the reader's language (issue 16)
    changes = f"{t('en', 'editing.col.status')}: {t('en', 'status.approved')} → "
    changes += t("en", "status.in_progress")
    assert history.iloc[0][t("en", "editing.h_changes")] == changes


def test_unknown_initiative_says_so(demo_db):
    at = open_page("initiatives", "ru", in_id="999999")
    assert not at.exception
    assert t("ru", "initiatives.not_found", id=999999) in page_text(at)


def test_jobs_chart_by_sector(demo_db):
    at = open_page("initiatives", "en", in_jobs_by="sector")
    subtitles = [s["layout"]["title"].get("subtitle", {}).get("text") for s in charts(at)]
    assert t("en", "initiatives.chart_jobs_sector") in subtitles


def test_downloads_disabled_when_nothing_matches(demo_db):
    at = open_page("initiatives", "en", in_q="no such initiative title")
    assert not at.exception
    assert at.metric[0].value == "0"
    assert all(b.proto.disabled for b in at.get("download_button"))
    assert t("en", "app.empty") in page_text(at)


def test_cap_notice_only_for_large_selections(demo_db, monkeypatch):
    at = open_page("initiatives", "en")
    notice = t("en", "initiatives.export_capped", total="1,500", csv_cap="1,500", xlsx_cap="100")
    assert notice not in page_text(at)
    monkeypatch.setattr(view, "XLSX_CAP", 100)  # what the page offers
    at = open_page("initiatives", "en")
    assert notice in page_text(at)
