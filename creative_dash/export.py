"""Downloads of what a page shows: CSV and Excel (XLSX) bytes, and their file names.

Pure functions, no Streamlit. A page builds a display DataFrame (headers already in the UI
language, raw numbers and dates rather than formatted strings so spreadsheets can compute with
them) and hands it to :func:`to_csv_bytes` / :func:`to_xlsx_bytes`, then renders::

    st.download_button(t("export.csv"), data=to_csv_bytes(df),
                       file_name=export_filename("hubs", region, years, "csv"),
                       mime=MIME["csv"], key="hubs_dl_csv")

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
return as a formula ("CSV injection"). Titles and names in the store are typed by users, so every
*text* cell with such a start is prefixed with a single quote in both formats, and XLSX text
cells are always written as strings (never as formulas). Numbers stay numbers, dates stay dates.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

__all__ = [
    "MIME",
    "FORMULA_STARTS",
    "neutralize",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "export_filename",
]

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Excel: sheet names are at most 31 characters and may not contain these.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FILE_PART_BAD = re.compile(r"[^A-Za-z0-9]+")


def neutralize(text: str) -> str:
    """A text that a spreadsheet will show, never run: formula-like starts get a ``'`` prefix."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text_columns(df: pd.DataFrame) -> list[bool]:
    """Which columns hold text (or mixed values) rather than numbers, booleans or dates."""
    out = []
    for dtype in df.dtypes:
        numeric = pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        out.append(not (numeric or pd.api.types.is_datetime64_any_dtype(dtype)))
    return out


# -- CSV ------------------------------------------------------------------------------------------
def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Kazakh letters), comma-separated.

    Headers and text cells are neutralized; numbers are written with a dot decimal mark."""
    out = df.copy()
    out.columns = [neutralize(str(c)) for c in df.columns]
    for i, is_text in enumerate(_text_columns(df)):
        col = df.iloc[:, i]
        if is_text:
            out.isetitem(i, [v if _is_missing(v) else neutralize(str(v)) for v in col])
        elif pd.api.types.is_datetime64_any_dtype(col.dtype):
            # Dates without a time of day are written as dates, per column.
            has_time = bool((col.dropna() != col.dropna().dt.normalize()).any())
            out.isetitem(i, col.dt.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d"))
    text = out.to_csv(index=False, lineterminator="\r\n")
    return (UTF8_BOM + text).encode("utf-8")


# -- XLSX -----------------------------------------------------------------------------------------
def _sheet_title(name: str) -> str:
    clean = _SHEET_BAD.sub(" ", name).strip().strip("'") or "data"
    return clean[:31]


def _xlsx_value(value: Any) -> tuple[Any, str | None]:
    """(value for openpyxl, number format) of one cell; text comes back as a neutralized str."""
    if _is_missing(value):
        return None, None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # Excel has no time zones: keep the wall-clock time
            stamp = stamp.tz_localize(None)
        if stamp == stamp.normalize():
            return stamp.date(), DATE_FORMAT
        return stamp.to_pydatetime(), DATETIME_FORMAT
    if isinstance(value, date):
        return value, DATE_FORMAT
    if isinstance(value, np.bool_ | bool):
        return bool(value), None
    if isinstance(value, np.integer | int):
        return int(value), None
    if isinstance(value, np.floating | float):
        return float(value), None
    # Everything else (str, Decimal, lists...) is shown as text.
    return neutralize(ILLEGAL_CHARACTERS_RE.sub("", str(value))), None


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """One sheet: a bold, frozen header row, then the rows.

    Text cells are always strings (``data_type 's'``, never a formula) and neutralized like the
    CSV; numbers stay numeric, dates get a date format."""
    wb = Workbook(write_only=True)  # streams rows: memory stays flat for large exports
    ws = wb.create_sheet(_sheet_title(sheet_name))
    headers = [str(c) for c in df.columns]
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(len(header) + 2, 10), 50)
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=neutralize(ILLEGAL_CHARACTERS_RE.sub("", header)))
        cell.data_type = "s"
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)

    for row in df.itertuples(index=False, name=None):
        cells = []
        for value in row:
            xl_value, number_format = _xlsx_value(value)
            cell = WriteOnlyCell(ws, value=xl_value)
            if isinstance(xl_value, str):
                # openpyxl infers a formula from a leading '=' and an error from '#N/A': a
                # string is a string, whatever it looks like.
                cell.data_type = "s"
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        ws.append(cells)

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- file names -----------------------------------------------------------------------------------
def _file_part(text: str) -> str:
    return _FILE_PART_BAD.sub("-", text).strip("-") or "x"


def export_filename(
    page: str, region: str | None, years: Sequence[int] | None, ext: str, today: date | None = None
) -> str:
    """``initiatives_KZ-71_2019-2026_2026-11-26.xlsx``: page, region ISO code (or ``all``),
    year range (one year when first == last, ``all`` when None), today's date. ASCII only."""
    region_part = _file_part(region) if region else "all"
    if years:
        first, last = int(years[0]), int(years[-1])
        years_part = str(first) if first == last else f"{first}-{last}"
    else:
        years_part = "all"
    day = (today or date.today()).isoformat()
    return f"{_file_part(page)}_{region_part}_{years_part}_{day}.{_file_part(ext).lower()}"
