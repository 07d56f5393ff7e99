"""Templates to fill in: per table, the headers in the user's language, one example row, and an
explanation of each column (a second sheet, and a comment on each header of the XLSX).

The same layout serves the export of a table's current rows (:func:`frame_to_xlsx`), so a file
downloaded from the dashboard re-imports unchanged.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pandas as pd

from creative_dash import export
from creative_dash.i18n import Translator
from creative_dash.imports.spec import DATE, ENUM, INT, LOOKUP, NUMBER, TEXT, Column, TableSpec


def header(t: Translator, col: Column) -> str:
    return t(f"imports.col.{col.name}")


def _example(t: Translator, col: Column) -> Any:
    if col.kind == ENUM and col.example is not None:
        return t(f"{col.group}.{col.example}")
    return col.example


def template_frame(spec: TableSpec, t: Translator) -> pd.DataFrame:
    """The header in ``t``'s language and one example row."""
    return pd.DataFrame({header(t, c): [_example(t, c)] for c in spec.columns})


def format_text(t: Translator, col: Column) -> str:
    if col.kind == TEXT:
        return t("imports.help.text", max=t.num(col.max_length))
    if col.kind in (INT, NUMBER):
        return t(f"imports.help.{col.kind}", min=t.num(col.minimum), max=t.num(col.maximum))
    if col.kind == DATE:
        return t("imports.help.date")
    if col.kind == ENUM:
        allowed = "; ".join(t(f"{col.group}.{code}") for code in col.codes)
        return t("imports.help.enum", allowed=allowed)
    assert col.kind == LOOKUP
    return t(f"imports.help.{col.group}")


def help_frame(spec: TableSpec, t: Translator, extra: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per column: header, required, format, what to write (``extra``: column name ->
    more text, e.g. the sectors' names)."""
    extra = extra or {}
    return pd.DataFrame(
        {
            t("imports.help.column"): [header(t, c) for c in spec.columns],
            t("imports.help.required"): [
                t("imports.help.yes" if c.required else "imports.help.no") for c in spec.columns
            ],
            t("imports.help.format"): [format_text(t, c) for c in spec.columns],
            t("imports.help.description"): [
                " ".join(filter(None, (t(f"imports.desc.{c.name}"), extra.get(c.name))))
                for c in spec.columns
            ],
        }
    )


def _cell(ws: Any, row: int, col: int, value: Any, fmt: dict[str, Any]) -> None:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime | date):
        day = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        ws.write_datetime(row, col, day, fmt["date"])
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, int | float) or hasattr(value, "item"):
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, int | float):
            ws.write_number(row, col, number)
        else:
            ws.write_string(row, col, export.neutralize(str(number)), fmt["text"])
    else:
        ws.write_string(row, col, export.neutralize(str(value)), fmt["text"])


def frame_to_xlsx(
    spec: TableSpec, t: Translator, frame: pd.DataFrame, extra: dict[str, str] | None = None
) -> bytes:
    """A workbook: the data sheet (``frame``, whose columns are the spec's headers in ``t``'s
    language) with a comment on each header, and the columns sheet explaining them."""
    import xlsxwriter  # only a download needs it

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    fmt = {
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "text": book.add_format({"num_format": "@"}),
        "bold": book.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
    }
    data = book.add_worksheet(t("imports.help.data_sheet")[:31])
    helps = help_frame(spec, t, extra)
    for j, col in enumerate(spec.columns):
        data.write_string(0, j, header(t, col), fmt["bold"])
        data.write_comment(0, j, str(helps.iloc[j, 2]) + "\n" + str(helps.iloc[j, 3]))
        width = 14 if col.kind != TEXT else 30
        data.set_column(j, j, width, fmt["text"] if col.kind in (TEXT, ENUM, LOOKUP) else None)
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            _cell(data, i, j, value, fmt)
    data.freeze_panes(1, 0)
    sheet = book.add_worksheet(t("imports.help.sheet")[:31])
    for j, name in enumerate(helps.columns):
        sheet.write_string(0, j, str(name), fmt["bold"])
    for i, row in enumerate(helps.itertuples(index=False), start=1):
        for j, value in enumerate(row):
            sheet.write_string(i, j, str(value), fmt["wrap"])
    sheet.write_string(len(helps) + 2, 0, t("imports.help.example_note"))
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 3, 60)
    book.close()
    return buf.getvalue()


def template_xlsx(spec: TableSpec, t: Translator, extra: dict[str, str] | None = None) -> bytes:
    return frame_to_xlsx(spec, t, template_frame(spec, t), extra)


def template_csv(spec: TableSpec, t: Translator) -> bytes:
    """The header and the example row as CSV UTF-8 (with a byte-order mark, so Excel reads
    Kazakh letters); dates written as YYYY-MM-DD."""
    frame = template_frame(spec, t)
    for col in spec.columns:
        if col.kind == DATE:
            name = header(t, col)
            frame[name] = [None if x is None else x.isoformat() for x in frame[name]]
    return export.to_csv_bytes(frame)
