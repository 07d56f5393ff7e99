"""Reading an uploaded file row by row, safely, with limits: nothing here holds more than one
row of a CSV, or one XLSX file of at most ``MAX_BYTES`` (its parts unpacked lazily by openpyxl in
read-only mode).

- CSV: UTF-8 with or without a byte-order mark, comma, semicolon (what Kazakh and Russian Excel
  write, their decimal mark being the comma) or tab separated. Anything else -- a legacy code
  page (Windows-1251, KZ-1048), UTF-16 ("Unicode text") -- is refused with how to save it.
- XLSX: checked as a zip first (parts, unpacked size, compression ratio: a zip bomb is refused
  before anything is unpacked), external links, data connections and macros refused; read by
  openpyxl, which parses its XML through defusedxml when installed (it is: requirements.txt),
  in read-only mode with formulas read as their text, never evaluated.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import IO, Any

from creative_dash.imports.spec import (
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_PARTS,
    MAX_RATIO,
    MAX_UNPACKED,
)

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003) and other OLE files
_BIG_PART = 1024 * 1024  # parts smaller than this are never called bombs, whatever their ratio


class ImportFileError(Exception):
    """A problem with the file as a whole: ``rule`` names ``imports.rule.<rule>``."""

    def __init__(self, rule: str, **ctx: Any) -> None:
        super().__init__(rule)
        self.rule = rule
        self.ctx = ctx


class _Counted(io.RawIOBase):
    """The bytes of ``raw``, refusing to read past ``limit`` of them."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise ImportFileError("too_big", max_mb=self.limit // (1024 * 1024))
        buffer[: len(data)] = data
        return len(data)


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_rows(stream: IO[bytes], limit: int = MAX_BYTES) -> Iterator[list[Any]]:
    head = stream.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("utf16")
    stream.seek(0)
    text = io.TextIOWrapper(
        io.BufferedReader(_Counted(stream, limit)),
        encoding="utf-8-sig",
        errors="strict",
        newline="",
    )
    line = 0
    try:
        first = text.readline()
        reader = csv.reader(_chain(first, text), delimiter=_delimiter(first), strict=False)
        for line, row in enumerate(reader, start=1):  # noqa: B007 - line is read after the loop
            yield row
    except UnicodeDecodeError:
        raise ImportFileError("encoding", row=line + 1) from None
    except csv.Error as exc:
        raise ImportFileError("csv_broken", row=line + 1, detail=str(exc)) from None


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _check_zip(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        raise ImportFileError("zip_bomb")
    unpacked = 0
    for info in infos:
        unpacked += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > _BIG_PART and info.file_size / packed > MAX_RATIO:
            raise ImportFileError("zip_bomb")
    if unpacked > MAX_UNPACKED:
        raise ImportFileError("zip_bomb")
    names = {info.filename.lower() for info in infos}
    if any(n.startswith("xl/externallinks/") for n in names) or "xl/connections.xml" in names:
        raise ImportFileError("external_links")
    if any(n.endswith("vbaproject.bin") for n in names):
        raise ImportFileError("macros")
    if "xl/workbook.xml" not in names:
        raise ImportFileError("not_xlsx")


def xlsx_rows(stream: IO[bytes], limit: int = MAX_BYTES) -> Iterator[list[Any]]:
    import openpyxl  # imported here: only an XLSX import needs it

    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError("too_big", max_mb=limit // (1024 * 1024))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_zip(zf)
    except zipfile.BadZipFile:
        raise ImportFileError("not_xlsx") from None
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - whatever a malformed workbook raises, it is refused
        raise ImportFileError("xlsx_broken") from None
    try:
        sheet = book.worksheets[0]
        try:
            # a column past MAX_COLUMNS is read only to tell the header is too wide
            for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
                yield list(row)
        except ImportFileError:
            raise
        except Exception:  # noqa: BLE001 - a part that does not parse (or a lying zip entry)
            raise ImportFileError("xlsx_broken") from None
    finally:
        book.close()


def file_kind(name: str, stream: IO[bytes]) -> str:
    """``csv`` or ``xlsx``, from the file's first bytes (its name only breaks a tie)."""
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        raise ImportFileError("xls")
    if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise ImportFileError("not_xlsx")
    return "csv"


def rows(name: str, stream: IO[bytes]) -> Iterator[list[Any]]:
    """The file's rows, header first, as lists of cells (text for CSV; text, numbers, dates or
    None for XLSX)."""
    if file_kind(name, stream) == "xlsx":
        return xlsx_rows(stream)
    return csv_rows(stream)
