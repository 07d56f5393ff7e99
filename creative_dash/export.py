"""Downloads of what a page shows: CSV and Excel (XLSX) bytes, their file names, and the limit
on how many are built at once.

Pure functions, no Streamlit. A page builds a display DataFrame (headers already in the UI
language, raw numbers and dates rather than formatted strings so spreadsheets can compute with
them) and hands it to :func:`to_csv_bytes` / :func:`to_xlsx_bytes`; ``ui.download_buttons``
builds the file only when the user clicks, through :data:`GATE`.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage
return as a formula ("CSV injection"). Titles and names in the store are typed by users, so every
*text* cell with such a start is prefixed with a single quote in both formats, and XLSX text
cells are always written as strings (never as formulas). Numbers stay numbers, dates stay dates.

Memory: both writers go through the frame a slice of rows at a time (:data:`CHUNK_ROWS`), and
the XLSX writer (XlsxWriter in ``constant_memory`` mode) sends each row to a temporary file as
soon as it is complete, so an export never holds a Python object per cell. What an export costs
is mostly its query and the finished file; :class:`ExportGate` bounds how many run at once.
"""

from __future__ import annotations

import io
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

from creative_dash import settings

__all__ = [
    "CHUNK_ROWS",
    "DEMO_COLUMN",
    "FORMULA_STARTS",
    "GATE",
    "MIME",
    "ExportBusy",
    "ExportGate",
    "Outcomes",
    "export_filename",
    "neutralize",
    "with_demo_column",
    "to_csv_bytes",
    "to_xlsx_bytes",
]

MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"
CHUNK_ROWS = 2_000  # rows converted at a time: a few MB of Python objects at most
# Excel: sheet names are at most 31 characters and may not contain these.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FILE_PART_BAD = re.compile(r"[^A-Za-z0-9]+")
# Characters XML 1.0 cannot carry (tab, line feed and carriage return can): dropped from text.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# Demo rows travel marked: an ``is_demo`` column (the same name in every language, for
# spreadsheets and scripts), "demo" in the file name, and in XLSX a sheet with the note saying so
# (kept in the table's ``attrs`` by :func:`with_demo_column`).
DEMO_COLUMN = "is_demo"
DEMO_NOTE = "demo_note"  # key of the note in DataFrame.attrs
DEMO_SHEET = "demo"


def with_demo_column(table: pd.DataFrame, is_demo: Iterable[Any], note: str) -> pd.DataFrame:
    """``table`` with the ``is_demo`` column last; when any row is demo, ``note`` (in the user's
    language) goes with it for the XLSX file's note sheet."""
    out = table.copy()
    out[DEMO_COLUMN] = [bool(v) for v in is_demo]
    if out[DEMO_COLUMN].any():
        out.attrs[DEMO_NOTE] = note
    return out


def neutralize(text: str) -> str:
    """A text that a spreadsheet will show, never run: formula-like starts get a ``'`` prefix."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _chunks(df: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for start in range(0, len(df), CHUNK_ROWS):
        yield df.iloc[start : start + CHUNK_ROWS]


# Column kinds, decided once per column from its dtype.
_NUMBER, _BOOL, _DATE, _DATETIME, _STR, _TEXT = "number", "bool", "date", "datetime", "str", "text"


def _kind(col: pd.Series) -> str:
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _BOOL
    if pd.api.types.is_numeric_dtype(dtype):
        return _NUMBER
    if pd.api.types.is_datetime64_any_dtype(dtype):
        present = col.dropna()
        if getattr(dtype, "tz", None) is not None:
            present = present.dt.tz_localize(None)
        # Dates without a time of day are written as dates, per column.
        return _DATE if bool((present == present.dt.normalize()).all()) else _DATETIME
    if isinstance(dtype, pd.StringDtype):
        return _STR  # only strings (or missing)
    return _TEXT  # mixed values: each value is looked at on its own


# -- CSV ------------------------------------------------------------------------------------------
def _csv_column(col: pd.Series, kind: str) -> Any:
    if kind in (_STR, _TEXT):
        return [v if _is_missing(v) else neutralize(str(v)) for v in col.tolist()]
    if kind in (_DATE, _DATETIME):
        return col.dt.strftime("%Y-%m-%d %H:%M" if kind == _DATETIME else "%Y-%m-%d")
    return col


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Kazakh letters), comma-separated.

    Headers and text cells are neutralized; numbers are written with a dot decimal mark."""
    kinds = [_kind(df.iloc[:, i]) for i in range(df.shape[1])]
    buf = io.BytesIO()
    text = io.TextIOWrapper(buf, encoding="utf-8", newline="", write_through=True)
    text.write(UTF8_BOM)
    header = True
    for part in _chunks(df) if len(df) else [df]:
        out = pd.DataFrame(
            {i: _csv_column(part.iloc[:, i], kind) for i, kind in enumerate(kinds)},
            index=part.index,
        )
        out.columns = [neutralize(str(c)) for c in df.columns]
        out.to_csv(text, index=False, header=header, lineterminator="\r\n")
        header = False
    text.detach()
    return buf.getvalue()


# -- XLSX -----------------------------------------------------------------------------------------
def _sheet_title(name: str) -> str:
    clean = _SHEET_BAD.sub(" ", name).strip().strip("'") or "data"
    return clean[:31].strip().strip("'") or "data"


def _clean_text(value: Any) -> str:
    # Line breaks as Excel writes them (a bare carriage return would be stored as "_x000D_").
    text = neutralize(_ILLEGAL_XML.sub("", str(value)))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _plain_stamp(value: Any) -> datetime:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:  # Excel has no time zones: keep the wall-clock time
        stamp = stamp.tz_localize(None)
    return stamp.to_pydatetime()


class _SheetWriter:
    """Writes one value into a cell by its Python type; ``None`` (and NaN) leaves it empty."""

    def __init__(self, ws: Any, date_fmt: Any, datetime_fmt: Any) -> None:
        self.ws = ws
        self.date_fmt = date_fmt
        self.datetime_fmt = datetime_fmt

    def number(self, row: int, col: int, value: Any) -> None:
        if value is None:
            return
        number = float(value) if isinstance(value, float | np.floating) else value
        if isinstance(number, float) and not math.isfinite(number):
            return  # NaN and infinities: an empty cell (Excel has no such numbers)
        self.ws.write_number(row, col, number)

    def boolean(self, row: int, col: int, value: Any) -> None:
        if value is not None:
            self.ws.write_boolean(row, col, bool(value))

    def stamp(self, row: int, col: int, value: Any, *, date_only: bool | None = None) -> None:
        if _is_missing(value):
            return
        stamp = _plain_stamp(value)
        if date_only is None:
            date_only = stamp == datetime(stamp.year, stamp.month, stamp.day)
        fmt = self.date_fmt if date_only else self.datetime_fmt
        self.ws.write_datetime(row, col, stamp, fmt)

    def text(self, row: int, col: int, value: Any) -> None:
        if not _is_missing(value):
            self.ws.write_string(row, col, _clean_text(value))

    def any(self, row: int, col: int, value: Any) -> None:
        """A value of a text or mixed column, by its own type."""
        if _is_missing(value):
            return
        if isinstance(value, bool | np.bool_):
            self.boolean(row, col, value)
        elif isinstance(value, pd.Timestamp | datetime):
            self.stamp(row, col, value)
        elif isinstance(value, date):
            self.ws.write_datetime(
                row, col, datetime(value.year, value.month, value.day), self.date_fmt
            )
        elif isinstance(value, int | float | np.integer | np.floating):
            self.number(row, col, value.item() if isinstance(value, np.generic) else value)
        else:  # str, Decimal, lists...: shown as text
            self.text(row, col, value)


def _xlsx_values(col: pd.Series, kind: str) -> list[Any]:
    """One slice of a column as plain Python values, missing ones as None."""
    if kind in (_NUMBER, _BOOL):
        return [None if _is_missing(v) else v for v in col.astype(object).tolist()]
    if kind in (_DATE, _DATETIME):
        if getattr(col.dtype, "tz", None) is not None:
            col = col.dt.tz_localize(None)
        return [None if v is pd.NaT else v for v in col.tolist()]
    return col.tolist()


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """One sheet: a bold, frozen header row, then the rows.

    Text cells are always strings (never a formula) and neutralized like the CSV; numbers stay
    numeric, dates are dates (with a date format). Rows are streamed to a temporary file
    (``constant_memory``): memory does not grow with the number of rows."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    try:
        ws = wb.add_worksheet(_sheet_title(sheet_name))
        bold = wb.add_format({"bold": True})
        out = _SheetWriter(
            ws,
            wb.add_format({"num_format": "yyyy-mm-dd"}),
            wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        )
        headers = [str(c) for c in df.columns]
        for i, header in enumerate(headers):
            ws.set_column(i, i, min(max(len(header) + 2, 10), 50))
        ws.freeze_panes(1, 0)
        for i, header in enumerate(headers):
            ws.write_string(0, i, _clean_text(header), bold)

        kinds = [_kind(df.iloc[:, i]) for i in range(df.shape[1])]
        writers: list[Callable[[int, int, Any], None]] = []
        for kind in kinds:
            if kind == _NUMBER:
                writers.append(out.number)
            elif kind == _BOOL:
                writers.append(out.boolean)
            elif kind == _DATE:
                writers.append(lambda r, c, v: out.stamp(r, c, v, date_only=True))
            elif kind == _DATETIME:
                writers.append(lambda r, c, v: out.stamp(r, c, v, date_only=False))
            elif kind == _STR:
                writers.append(out.text)
            else:
                writers.append(out.any)
        row = 1
        for part in _chunks(df):
            columns = [_xlsx_values(part.iloc[:, i], k) for i, k in enumerate(kinds)]
            for values in zip(*columns, strict=True):
                for col, (write, value) in enumerate(zip(writers, values)):
                    write(row, col, value)
                row += 1
        if note := df.attrs.get(DEMO_NOTE):
            notes = wb.add_worksheet(DEMO_SHEET)
            notes.set_column(0, 0, 100, wb.add_format({"text_wrap": True}))
            notes.write_string(0, 0, _clean_text(note), bold)
    finally:
        wb.close()
    return buf.getvalue()


# -- how many exports run at once -----------------------------------------------------------------
class ExportBusy(RuntimeError):
    """Every export slot of the process is taken: the user is asked to try again in a moment."""


class ExportGate:
    """At most ``slots`` exports are built at once in this process; one more is refused at once
    (:class:`ExportBusy`) rather than queued.

    Why refuse rather than wait: Streamlit builds a download in a thread of the event loop's
    small default pool, which a queue of waiting exports would fill; and an export costs memory
    (its query and its file) and a share of the CPU for as long as it runs, so more of them at
    once only make each one slower. ``slots`` 0 turns downloads off."""

    def __init__(self, slots: int) -> None:
        self.slots = max(0, int(slots))
        self._free = threading.Semaphore(self.slots)

    def run(self, build: Callable[[], bytes]) -> bytes:
        if not self._free.acquire(blocking=False):
            raise ExportBusy(f"all {self.slots} export slots are taken")
        try:
            return build()
        finally:
            self._free.release()

    def guarded(self, build: Callable[[], bytes], outcomes: Outcomes) -> Callable[[], bytes]:
        """``build`` through the gate, recording in ``outcomes`` whether it got a slot."""

        def run() -> bytes:
            def started() -> bytes:
                outcomes.record(True)
                return build()

            try:
                return self.run(started)
            except ExportBusy:
                outcomes.record(False)
                raise

        return run


class Outcomes:
    """Whether the builds of one download button got a slot, oldest first.

    A click on a download button both reruns the page and starts the build in another thread,
    in no set order: the rerun waits (briefly) for the build to say whether it got a slot, so the
    page can tell the user when it did not. Thread-safe."""

    MAX_AGE_S = 30.0  # an outcome no rerun took within this time is stale

    def __init__(self) -> None:
        self._items: deque[tuple[float, bool]] = deque(maxlen=16)
        self._ready = threading.Condition()

    def record(self, got_slot: bool) -> None:
        with self._ready:
            self._items.append((time.monotonic(), got_slot))
            self._ready.notify_all()

    def take(self, timeout: float) -> bool | None:
        """The oldest fresh outcome (True: the build got a slot; False: it was refused), waiting
        up to ``timeout`` seconds for one; None when none came."""
        deadline = time.monotonic() + timeout
        with self._ready:
            while True:
                now = time.monotonic()
                while self._items and now - self._items[0][0] > self.MAX_AGE_S:
                    self._items.popleft()
                if self._items:
                    return self._items.popleft()[1]
                if now >= deadline:
                    return None
                self._ready.wait(deadline - now)


GATE = ExportGate(int(settings.get("CREATIVE_DASH_EXPORT_SLOTS")))


# -- file names -----------------------------------------------------------------------------------
def _file_part(text: str) -> str:
    return _FILE_PART_BAD.sub("-", text).strip("-") or "x"


def export_filename(
    page: str,
    region: str | None,
    years: Sequence[int] | None,
    ext: str,
    today: date | None = None,
    *,
    demo: bool = False,
) -> str:
    """``initiatives_KZ-71_2019-2026_2026-11-26.xlsx``: page, region ISO code (or ``all``),
    year range (one year when first == last, ``all`` when None), ``demo`` when the store holds
    demo rows, today's date. ASCII only."""
    region_part = _file_part(region) if region else "all"
    if years:
        first, last = int(years[0]), int(years[-1])
        years_part = str(first) if first == last else f"{first}-{last}"
    else:
        years_part = "all"
    day = (today or date.today()).isoformat()
    mark = "_demo" if demo else ""
    return f"{_file_part(page)}_{region_part}_{years_part}{mark}_{day}.{_file_part(ext).lower()}"
