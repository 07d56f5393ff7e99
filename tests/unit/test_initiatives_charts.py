"""Chart builders and display tables of the initiatives explorer (pure, no Streamlit)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from creative_dash.charts.initiatives import (
    STATUS_ORDER,
    budget_by_region,
    jobs_per_million,
    kzt_ticks,
    status_by_year,
)
from creative_dash.i18n import KAZAKH_LETTERS, LANGS, Translator, t
from creative_dash.views.initiatives import (
    audit_table,
    detail_table,
    export_file,
    export_table,
    page_table,
    rows_caption,
    sdg_badges,
)

XSS = "<img src=x onerror=alert(1)>"
NAMES = {"KZ-71": "Astana", "KZ-75": "Almaty", "KZ-79": "Shymkent"}


def by_region() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_iso": ["KZ-71", "KZ-75", "KZ-79"],
            "n": [10, 20, 5],
            "planned_kzt": [300e6, 500e6, 100e6],
            "spent_kzt": [200e6, 400e6, 0],
            "jobs": [50, 40, 0],
            "largest_title": [XSS, "Өнер фестивалі", "x"],
            "largest_planned_kzt": [90e6, 120e6, 50e6],
        }
    )


def spec(fig) -> dict:
    return json.loads(fig.to_json())


@pytest.mark.parametrize("lang", LANGS)
def test_budget_by_region(lang):
    tr = Translator(lang)
    fig = budget_by_region(by_region(), tr, NAMES)
    assert fig.layout.title.text == t(lang, "initiatives.chart_budget")
    assert fig.layout.title.subtitle.text == t(lang, "initiatives.chart_budget_sub")
    assert fig.layout.legend.y < 0  # under the plot, never over the title
    assert [d.name for d in fig.data] == [
        t(lang, "initiatives.planned"),
        t(lang, "initiatives.spent"),
    ]
    assert all(d.type == "bar" and d.orientation == "h" for d in fig.data)
    # largest planned on top (last category of a horizontal bar chart)
    assert list(fig.data[0].y) == ["Shymkent", "Astana", "Almaty"]
    assert list(fig.data[0].x) == [100e6, 300e6, 500e6]
    assert list(fig.data[1].x) == [0, 200e6, 400e6]
    assert fig.data[0].customdata[2][0] == tr.kzt(500e6)
    # tick labels in the UI language, not Plotly's English SI suffixes
    assert fig.layout.xaxis.tickvals[:3] == (0, 200e6, 400e6)
    assert list(fig.layout.xaxis.ticktext[:2]) == [tr.kzt(0), tr.kzt(200e6)]
    assert fig.layout.separators == tr.plotly_separators()


@pytest.mark.parametrize(
    ("top", "step"), [(500e6, 200e6), (981e6, 250e6), (7.5e9, 2e9), (40, 10), (1, 0.25)]
)
def test_kzt_ticks_are_round(top, step):
    values, labels = kzt_ticks(top, Translator("kk"))
    assert values[0] == 0 and values[1] == pytest.approx(step) and values[-1] >= top
    assert all("B" not in x and "M" not in x for x in labels)


def test_budget_hover_escapes_titles():
    fig = budget_by_region(by_region(), Translator("en"), NAMES)
    text = json.dumps(spec(fig))
    assert XSS not in text
    hover_astana = fig.data[0].customdata[1][2]
    assert "&lt;img src=x onerror=alert(1)&gt;" in hover_astana
    assert "<img" not in hover_astana


@pytest.mark.parametrize("lang", LANGS)
def test_jobs_per_million_by_region_and_sector(lang):
    tr = Translator(lang)
    fig = jobs_per_million(by_region(), tr, NAMES, "region")
    assert fig.layout.title.text == t(lang, "initiatives.chart_jobs")
    assert fig.layout.title.subtitle.text == t(lang, "initiatives.chart_jobs_region")
    bar = fig.data[0]
    # Shymkent spent nothing: no ratio; Astana 50 jobs / 200 mln, Almaty 40 / 400 mln
    assert list(bar.y) == ["Almaty", "Astana"]
    assert list(bar.x) == pytest.approx([0.1, 0.25])
    assert list(bar.text) == [tr.num(0.1, 2), tr.num(0.25, 2)]
    sectors = by_region().rename(columns={"region_iso": "sector_code"})
    sectors["sector_code"] = ["music", "design", "crafts"]
    fig2 = jobs_per_million(sectors, tr, {"music": "M", "design": "D"}, "sector")
    assert fig2.layout.title.subtitle.text == t(lang, "initiatives.chart_jobs_sector")
    assert list(fig2.data[0].y) == ["D", "M"]


def test_jobs_per_million_rejects_unknown_grouping():
    with pytest.raises(ValueError):
        jobs_per_million(by_region(), Translator("en"), NAMES, "hub")


@pytest.mark.parametrize("lang", LANGS)
def test_status_by_year(lang):
    df = pd.DataFrame(
        {
            "start_year": [2020, 2020, 2021, 2022],
            "status": ["completed", "cancelled", "completed", "proposed"],
            "n": [5, 1, 7, 3],
        }
    )
    fig = status_by_year(df, Translator(lang))
    assert fig.layout.title.text == t(lang, "initiatives.chart_status")
    assert fig.layout.title.subtitle.text == t(lang, "initiatives.chart_status_sub")
    assert fig.layout.barmode == "stack"
    names = [d.name for d in fig.data]
    assert names == [t(lang, f"status.{s}") for s in ("proposed", "completed", "cancelled")]
    completed = fig.data[1]
    assert list(completed.x) == [2020, 2021, 2022] and list(completed.y) == [5, 7, 0]
    assert sum(sum(d.y) for d in fig.data) == 16
    # patterns as well as colours
    assert len({d.marker.pattern.shape for d in fig.data}) >= 2


def test_builders_are_fresh_and_repeatable():
    tr = Translator("ru")
    a, b = budget_by_region(by_region(), tr, NAMES), budget_by_region(by_region(), tr, NAMES)
    assert a is not b and spec(a) == spec(b)
    assert len(a.data) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_empty_input_gives_an_empty_figure(lang):
    tr = Translator(lang)
    empty = by_region().iloc[0:0]
    for fig in (
        budget_by_region(empty, tr, NAMES),
        jobs_per_million(empty, tr, NAMES, "region"),
        status_by_year(pd.DataFrame(columns=["start_year", "status", "n"]), tr),
    ):
        assert not fig.data
        assert fig.layout.annotations[0].text == t(lang, "app.empty")


def test_status_order_covers_schema_statuses():
    from creative_dash.queries.initiatives import STATUSES

    assert tuple(STATUS_ORDER) == STATUSES


# -- display tables ------------------------------------------------------------------------------
def page_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "initiative_id": [1, 2],
            "title": [XSS, "Өнер"],
            "region_iso": ["KZ-71", "KZ-75"],
            "sector_code": ["music", "design"],
            "status": ["completed", "in_progress"],
            "start_date": pd.to_datetime(["2024-03-01", "2025-01-10"]),
            "end_date": pd.to_datetime(["2024-12-01", None]),
            "budget_planned_kzt": [25_300_000, 0],
            "budget_spent_kzt": [12_650_000, 0],
            "execution": [0.5, None],
            "funding_source": ["grant", "local"],
            "jobs_created": [1234, 0],
            "from_programme": [True, False],
            "sdgs": [[4, 8], []],
        }
    )


@pytest.mark.parametrize("lang", LANGS)
def test_page_table_is_translated_and_formatted(lang):
    tr = Translator(lang)
    view = page_table(page_rows(), tr, NAMES, {"music": "Музыка", "design": "Дизайн"})
    assert list(view.columns)[1] == t(lang, "initiatives.col_title")
    row = view.iloc[0]
    assert row[t(lang, "initiatives.col_planned")] == tr.kzt(25_300_000)
    assert row[t(lang, "initiatives.col_status")] == t(lang, "status.completed")
    assert row[t(lang, "initiatives.col_funding")] == t(lang, "funding.grant")
    assert row[t(lang, "initiatives.col_start")] == tr.date(date(2024, 3, 1))
    assert row[t(lang, "initiatives.col_execution")] == 50
    assert row[t(lang, "initiatives.col_sdgs")] == "4 · 8"
    assert row[t(lang, "initiatives.col_jobs")] == tr.num(1234)
    assert view.iloc[1][t(lang, "initiatives.col_end")] == "—"
    assert pd.isna(view.iloc[1][t(lang, "initiatives.col_execution")])
    if lang == "kk":
        assert set("".join(view.columns)) & KAZAKH_LETTERS


def test_export_table_keeps_numbers_and_dates():
    rows = page_rows()
    rows["other_sectors"] = [["crafts"], []]
    rows["beneficiaries_youth"] = [10, 0]
    rows["beneficiaries_women"] = [5, 0]
    rows["hub_name"] = ["Hub «Шабыт»", None]
    rows["is_demo"] = [False, True]
    tr = Translator("kk")
    view = export_table(rows, tr, NAMES, {"music": "Музыка", "crafts": "Қолөнер"})
    assert view["is_demo"].tolist() == [False, True] and view.columns[-1] == "is_demo"
    planned = view[t("kk", "initiatives.col_planned_kzt")]
    assert pd.api.types.is_integer_dtype(planned) and planned.iloc[0] == 25_300_000
    assert pd.api.types.is_datetime64_any_dtype(view[t("kk", "initiatives.col_start")])
    assert view[t("kk", "initiatives.col_other_sectors")].tolist() == ["Қолөнер", ""]
    assert view[t("kk", "initiatives.col_origin")].iloc[0] == t(
        "kk", "initiatives.origin_programme"
    )
    assert view[t("kk", "initiatives.col_hub")].iloc[1] is None


def test_sdg_badges_and_rows_caption():
    assert sdg_badges([8, 4]) == "8 · 4"
    assert sdg_badges([]) == "" and sdg_badges(None) == ""
    tr = Translator("en")
    assert rows_caption(tr, 1, 50, 1234) == "Rows 1–50 of 1,234"
    assert rows_caption(tr, 25, 50, 1234) == "Rows 1,201–1,234 of 1,234"
    assert rows_caption(tr, 1, 50, 0) == t("en", "app.empty")


def test_detail_and_audit_tables():
    row = {
        "initiative_id": 5,
        "title": XSS,
        "region_iso": "KZ-71",
        "region_name_kk": "Астана",
        "region_name_ru": "Астана",
        "region_name_en": "Astana",
        "sector_code": "music",
        "sector_name_kk": "Музыка",
        "sector_name_ru": "Музыка",
        "sector_name_en": "Music",
        "other_sectors": ["design"],
        "status": "completed",
        "start_date": pd.Timestamp("2024-01-01"),
        "end_date": pd.NaT,
        "budget_planned_kzt": 100,
        "budget_spent_kzt": 50,
        "funding_source": "local",
        "jobs_created": 1,
        "beneficiaries_youth": 2,
        "beneficiaries_women": 3,
        "hub_name": "Hub",
        "hub_city": "Астана",
        "hub_type": "cluster",
        "hub_status": "operating",
        "sdgs": [8],
        "from_programme": False,
        "updated_at": pd.Timestamp("2026-01-01"),
        "updated_by": "demo-generator",
        "version": 1,
        "is_demo": True,
    }
    tr = Translator("kk")
    view = detail_table(row, tr, {"design": "Дизайн"})
    values = dict(zip(view.iloc[:, 0], view.iloc[:, 1], strict=True))
    assert values[t("kk", "initiatives.col_title")] == XSS  # shown as text by st.dataframe
    assert values[t("kk", "initiatives.col_other_sectors")] == "Дизайн"
    assert values[t("kk", "initiatives.col_end")] == t("kk", "initiatives.open_ended")
    assert t("kk", "initiatives.actor_demo") in values[t("kk", "initiatives.updated")]
    assert "demo-generator" not in " ".join(values.values())
    log = pd.DataFrame(
        {
            "logged_at": [pd.Timestamp("2026-02-03 10:15")],
            "actor": ["ed"],
            "action": ["update"],
            "before_json": ['{"status": "approved"}'],
            "after_json": ['{"status": "completed"}'],
        }
    )
    a = audit_table(log, tr)
    assert a.iloc[0, 2] == t("kk", "initiatives.action_update")
    assert a.iloc[0, 3] == "status: approved → completed"


def export_rows() -> pd.DataFrame:
    rows = page_rows()
    rows["title"] = ['=HYPERLINK("http://x")', "Өнер ордасы"]
    rows["other_sectors"] = [[], ["music"]]
    rows["beneficiaries_youth"] = [1, 2]
    rows["beneficiaries_women"] = [1, 1]
    rows["hub_name"] = [None, "Хаб"]
    rows["is_demo"] = [True, True]
    return rows


def test_export_file_csv_and_xlsx():
    import io

    import openpyxl

    tr = Translator("kk")
    data = export_file(export_rows(), tr, "csv", NAMES, {"music": "Музыка"})
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back.columns[1] == t("kk", "initiatives.col_title")
    assert back.iloc[0, 1] == '\'=HYPERLINK("http://x")'
    assert back.iloc[1, 1] == "Өнер ордасы"
    ws = openpyxl.load_workbook(
        io.BytesIO(export_file(export_rows(), tr, "xlsx", NAMES, {}))
    ).active
    assert ws.title == t("kk", "initiatives.title")
    assert ws.cell(2, 2).data_type == "s" and ws.cell(2, 2).value.startswith("'=")
    assert ws.cell(2, 10).value == 25_300_000 and ws.cell(2, 10).data_type == "n"
    with pytest.raises(ValueError):
        export_file(export_rows(), tr, "pdf", NAMES, {})
