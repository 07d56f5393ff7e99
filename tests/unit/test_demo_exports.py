"""Demo data stays marked when it leaves the screen: the CSV/XLSX exports of initiatives, hubs,
recommendations and programme initiatives carry an ``is_demo`` column, XLSX files of demo rows a
note sheet in the user's language, and file names say "demo"; none of it without demo rows."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from creative_dash import queries
from creative_dash.export import (
    DEMO_COLUMN,
    DEMO_SHEET,
    export_filename,
    to_csv_bytes,
    to_xlsx_bytes,
)
from creative_dash.filters import Filters
from creative_dash.i18n import Translator
from creative_dash.store import Store
from creative_dash.views import hubs as hubs_view
from creative_dash.views import initiatives as initiatives_view
from creative_dash.views import programme as programme_view

TODAY = date(2026, 6, 1)
DEMO_TABLES = ("initiatives", "hubs", "recommendations", "participants")


def _exports(store: Store, t: Translator) -> dict[str, pd.DataFrame]:
    """Each export's table, as the pages build it."""

    def run(name: str, **kw: object) -> pd.DataFrame:
        return queries.run(store, name, **kw)

    f = Filters()
    regions = run("regions")
    sectors = run("sectors")
    return {
        "initiatives": initiatives_view.export_table(
            run("initiatives_export", filters=f),
            t,
            dict(zip(regions["iso_code"], regions[t.name_col()])),
            dict(zip(sectors["code"], sectors[t.name_col()])),
        ),
        "hubs": hubs_view.hubs_table(
            run("hubs_for_map", lang=t.lang, filters=f), t, for_export=True
        ),
        "recommendations": programme_view.recommendations_table(
            run("recommendations_list", lang=t.lang, filters=f, today=TODAY), t, for_export=True
        ),
        "programme-initiatives": programme_view.initiatives_table(
            run("programme_initiatives_top", lang=t.lang, filters=f, limit=10), t, for_export=True
        ),
    }


def _no_demo_rows(store: Store) -> None:
    """The same rows, none of them demo (as if loaded from real sources)."""
    with store.transaction() as cur:
        for table in DEMO_TABLES:
            cur.execute(f"UPDATE {table} SET is_demo = FALSE")  # noqa: S608 -- constant names
    assert not bool(queries.run(store, "store_facts").iloc[0]["has_demo"])


def _files(table: pd.DataFrame, sheet: str) -> tuple[pd.DataFrame, object]:
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig")
    book = load_workbook(io.BytesIO(to_xlsx_bytes(table, sheet)))
    return csv, book


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_demo_rows_are_marked_in_csv_and_xlsx(demo_store: Store, lang: str) -> None:
    t = Translator(lang)
    for name, table in _exports(demo_store, t).items():
        assert len(table), name
        csv, book = _files(table, "data")
        assert csv[DEMO_COLUMN].astype(bool).all(), name  # every demo row says so
        assert book.sheetnames == ["data", DEMO_SHEET], name
        assert book[DEMO_SHEET]["A1"].value == t("export.demo_note")
        sheet = book["data"]
        headers = [c.value for c in sheet[1]]
        column = headers.index(DEMO_COLUMN) + 1
        assert all(sheet.cell(row=r, column=column).value is True for r in range(2, 5)), name


def test_no_demo_mark_without_demo_rows(demo_store: Store) -> None:
    _no_demo_rows(demo_store)
    t = Translator("ru")
    for name, table in _exports(demo_store, t).items():
        assert len(table), name  # the same rows, real this time
        csv, book = _files(table, "data")
        assert not csv[DEMO_COLUMN].astype(bool).any(), name
        assert book.sheetnames == ["data"], name
        text = to_csv_bytes(table).decode("utf-8-sig")
        assert t("export.demo_note") not in text


@pytest.mark.parametrize(
    ("demo", "expected"),
    [
        (True, "hubs_KZ-62_2024-2026_demo_2026-06-01.csv"),
        (False, "hubs_KZ-62_2024-2026_2026-06-01.csv"),
    ],
)
def test_file_names_say_demo(demo: bool, expected: str) -> None:
    assert export_filename("hubs", "KZ-62", (2024, 2026), "csv", today=TODAY, demo=demo) == expected
