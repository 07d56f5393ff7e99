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
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
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


def _xlsx_value(value: Any) -> Any:
    """One value for openpyxl: None, bool, int, float, date, datetime, or a neutralized str."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # Excel has no time zones: keep the wall-clock time
            stamp = stamp.tz_localize(None)
        return stamp.date() if stamp == stamp.normalize() else stamp.to_pydatetime()
    if isinstance(value, date | bool | int | float):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    # Everything else (str, Decimal, lists...) is shown as text.
    return neutralize(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _xlsx_column(col: pd.Series) -> list[Any]:
    """A column's values for openpyxl; whole numeric and date columns converted at once."""
    dtype = col.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        if getattr(dtype, "tz", None) is not None:
            col = col.dt.tz_localize(None)
        present = col.dropna()
        if (present == present.dt.normalize()).all():
            return [None if pd.isna(v) else v.date() for v in col]
        return [None if pd.isna(v) else v.to_pydatetime() for v in col]
    if (
        pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_integer_dtype(dtype)
        or pd.api.types.is_float_dtype(dtype)
    ):
        return [None if _is_missing(v) else v for v in col.astype(object).tolist()]
    return [_xlsx_value(v) for v in col.tolist()]


def _text_cell(ws: Any, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    return cell


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """One sheet: a bold, frozen header row, then the rows.

    Text cells are always strings (``data_type 's'``, never a formula) and neutralized like the
    CSV; numbers stay numeric, dates are dates (with a date format)."""
    wb = Workbook(write_only=True)  # streams rows: memory stays flat for large exports
    ws = wb.create_sheet(_sheet_title(sheet_name))
    headers = [str(c) for c in df.columns]
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(max(len(header) + 2, 10), 50)
    ws.freeze_panes = "A2"

    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = _text_cell(ws, neutralize(ILLEGAL_CHARACTERS_RE.sub("", header)))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)

    columns = [_xlsx_column(df.iloc[:, i]) for i in range(df.shape[1])]
    for row in zip(*columns, strict=True):
        # Plain values are much faster for openpyxl than cell objects. A neutralized str can
        # no longer start with "=", so openpyxl types it 's' -- except an error literal such
        # as "#N/A", which it would type 'e': those become explicit string cells. The tests
        # check every text cell comes back with data_type 's'.
        ws.append(
            [
                _text_cell(ws, v)
                if isinstance(v, str) and (v in ERROR_CODES or v.startswith("="))
                else v
                for v in row
            ]
        )

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
