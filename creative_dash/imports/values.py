"""How one cell becomes a value. Each parser is a pydantic ``BeforeValidator`` that raises a
``PydanticCustomError`` whose type names the rule broken (``imports.rule.<type>`` in the
catalogues), so every problem of a file comes out of one validation, listed with its row and
column.

- Numbers as Kazakh and Russian Excel write them (``1 234 567,5``, with a space, a no-break or a
  narrow no-break space between groups and a decimal comma) and as English Excel does
  (``1,234,567.5``); a lone comma (``1,5``) is a decimal comma, except in English where
  ``1,234`` is a thousand two hundred thirty-four.
- Dates as ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (both stated on the template), or a date cell of a
  workbook; a bare number in a date column is an Excel serial number shown as a number, refused
  with the date it would be.
- Regions by ISO code (``KZ-75``), former code (``KZ-ALA``), KATO prefix, or any known name in
  Kazakh, Russian or English; coded values (statuses, kinds) by code or by their label in any of
  the three languages.
- Text stripped; a text a spreadsheet export neutralised (``'=...``) gets its quote back off, so
  an export re-imports unchanged; formula-like text is kept as text (exports neutralise it
  again); control characters, and Kazakh letters lost to ``?`` by a legacy code page, refused.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from pydantic import ValidationInfo
from pydantic_core import PydanticCustomError

from creative_dash.export import FORMULA_STARTS
from creative_dash.i18n import LANGS, catalog

EXCEL_EPOCH = date(1899, 12, 30)
EARLIEST = date(1991, 1, 1)  # the Republic's statistics start here; earlier is a typo
LATEST = date(2100, 12, 31)

# Kazakh letters replaced by "?" (a file saved in a code page without them): a "?" before a
# Cyrillic letter or between two.
_MANGLED = re.compile(r"\?[\u0400-\u04ff]|[\u0400-\u04ff]\?[\u0400-\u04ff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\t\u2028\u2029]")
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2212": "-"})
_PLAIN = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?")
_SPACE_GROUPS = re.compile(r"[-+]?\d{1,3}( \d{3})+([.,]\d+)?")
_COMMA_GROUPS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?")
_DOT_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SERIAL = re.compile(r"\d{3,6}(\.0+)?")


def norm(text: str) -> str:
    """A name as compared on import: case, spacing, ё/е and quotes do not matter."""
    text = unicodedata.normalize("NFC", str(text)).translate(_SPACES)
    text = re.sub(r"[«»\"“”„']", "", text)
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


def required(
    parse: Callable[[Any, ValidationInfo], Any],
) -> Callable[[Any, ValidationInfo], Any]:
    """``parse``, refusing an empty cell."""

    def parse_required(value: Any, info: ValidationInfo) -> Any:
        if is_blank(value):
            raise _err("required")
        return parse(value, info)

    return parse_required


def _err(rule: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(rule, rule, ctx)


def _lang(info: ValidationInfo) -> str:
    ctx = info.context or {}
    return ctx.get("lang", "en")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text_of(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_mangled(text: str) -> None:
    if _MANGLED.search(text):
        raise _err("mangled")


# -- text -----------------------------------------------------------------------------------------
def text_parser(
    max_length: int, *, multiline: bool = False
) -> Callable[[Any, ValidationInfo], str | None]:
    def parse(value: Any, info: ValidationInfo) -> str | None:
        if is_blank(value):
            return None
        text = unicodedata.normalize("NFC", _text_of(value)).strip()
        # a text an export neutralised: the quote was ours, not the user's
        if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
            text = text[1:]
        if _CONTROL.search(text):
            raise _err("control_chars")
        if not multiline and _LINE_BREAK.search(text):
            raise _err("line_break")
        check_mangled(text)
        if len(text) > max_length:
            raise _err("too_long", max=max_length, length=len(text))
        return text

    return parse


# -- numbers --------------------------------------------------------------------------------------
def _number_text(text: str, lang: str) -> float:
    s = text.translate(_SPACES).strip().replace("'", "")
    if _PLAIN.fullmatch(s):
        return float(s)
    if _SPACE_GROUPS.fullmatch(s):
        return float(s.replace(" ", "").replace(",", "."))
    if _COMMA_GROUPS.fullmatch(s) and (lang == "en" or s.count(",") > 1 or "." in s):
        return float(s.replace(",", ""))
    if _DECIMAL_COMMA.fullmatch(s):
        return float(s.replace(",", "."))
    raise _err("not_number")


def number_parser(
    *, integer: bool, minimum: float, maximum: float
) -> Callable[[Any, ValidationInfo], float | int | None]:
    def parse(value: Any, info: ValidationInfo) -> float | int | None:
        if is_blank(value):
            return None
        if isinstance(value, bool) or isinstance(value, date | datetime):
            raise _err("not_number")
        if isinstance(value, int | float):
            number = float(value)
        else:
            number = _number_text(str(value), _lang(info))
        if not math.isfinite(number):
            raise _err("not_number")
        if integer and not number.is_integer():
            raise _err("not_integer")
        if number < minimum:
            raise _err("too_small", min=minimum)
        if number > maximum:
            raise _err("too_large", max=maximum)
        return int(number) if integer else number

    return parse


# -- dates ----------------------------------------------------------------------------------------
def _checked(day: date) -> date:
    if not EARLIEST <= day <= LATEST:
        raise _err("date_range", earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
    return day


def _serial(number: float) -> PydanticCustomError:
    try:
        meant = (EXCEL_EPOCH + timedelta(days=int(number))).isoformat()
    except OverflowError:
        meant = "?"
    return _err("excel_serial", date=meant)


def parse_date(value: Any, info: ValidationInfo) -> date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return _checked(value.date())
    if isinstance(value, date):
        return _checked(value)
    if isinstance(value, bool):
        raise _err("not_date")
    if isinstance(value, int | float):
        raise _serial(float(value))
    text = str(value).strip()
    parts = None
    if m := _ISO_DATE.fullmatch(text):
        parts = int(m[1]), int(m[2]), int(m[3])
    elif m := _DOT_DATE.fullmatch(text):
        parts = int(m[3]), int(m[2]), int(m[1])
    if parts is not None:
        try:
            day = date(*parts)
        except ValueError:  # 2026-02-30
            raise _err("not_date") from None
        return _checked(day)
    if _SERIAL.fullmatch(text):
        raise _serial(float(text))
    raise _err("not_date")


# -- coded values ---------------------------------------------------------------------------------
@cache
def enum_labels(group: str, codes: tuple[str, ...]) -> dict[str, str]:
    """Normalised code or label (any language) -> code."""
    out: dict[str, str] = {}
    for code in codes:
        out[norm(code)] = code
        out[norm(code.replace("_", " "))] = code
        for lang in LANGS:
            label = catalog(lang).get(f"{group}.{code}")
            if label:
                out.setdefault(norm(label), code)
    return out


def enum_parser(group: str, codes: tuple[str, ...]) -> Callable[[Any, ValidationInfo], str | None]:
    def parse(value: Any, info: ValidationInfo) -> str | None:
        if is_blank(value):
            return None
        text = _text_of(value)
        check_mangled(text)
        code = enum_labels(group, codes).get(norm(text))
        if code is None:
            raise _err("unknown_value", group=group)
        return code

    return parse


def lookup_parser(name: str) -> Callable[[Any, ValidationInfo], str | None]:
    """A value looked up in the context's ``lookups.<name>`` (regions, sectors, indicators)."""

    def parse(value: Any, info: ValidationInfo) -> str | None:
        if is_blank(value):
            return None
        text = _text_of(value)
        check_mangled(text)
        table: Mapping[str, str] = getattr((info.context or {})["lookups"], name)
        found = table.get(norm(text))
        if found is None:
            raise _err(f"unknown_{name.rstrip('s')}")
        return found

    return parse
