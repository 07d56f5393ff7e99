"""Three languages: message catalogues in files, and locale formatting through Babel.

Catalogues live in ``creative_dash/locales/<lang>/*.toml``; a file's tables become dotted keys
(``[nav] overview = ...`` in any file gives ``nav.overview``). Every language has the same keys
(``tests/unit/test_i18n.py``). Numbers, money and dates follow the language via Babel/CLDR;
Plotly has no Kazakh locale, so charts get their separators and preformatted hover text from here.
"""

from __future__ import annotations

import logging
import numbers
import tomllib
from datetime import date, datetime
from functools import cache
from importlib import resources
from math import copysign
from typing import Any

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_interval
from babel.numbers import NumberPattern, format_compact_decimal, parse_pattern

# the type, for annotations inside Translator (whose method `date` hides it)
Date = date
LANGS: tuple[str, ...] = ("kk", "ru", "en")
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
BABEL_LOCALE = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_US"}
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")

log = logging.getLogger(__name__)


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str], origin: str) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out, origin)
        else:
            if full in out:
                raise ValueError(f"duplicate message key {full!r} ({origin})")
            out[full] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every message of one language, by dotted key."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    out: dict[str, str] = {}
    folder = resources.files("creative_dash.locales").joinpath(lang)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            _flatten("", tomllib.loads(entry.read_text(encoding="utf-8")), out, entry.name)
    return out


def normalize_lang(value: str | None) -> str | None:
    """'ru-RU', 'kk_KZ', 'EN' -> 'ru', 'kk', 'en'; None when not one of ours."""
    if not value:
        return None
    code = value.replace("_", "-").split("-")[0].lower()
    return code if code in LANGS else None


def t(lang: str, key: str, **kwargs: Any) -> str:
    """The message ``key`` in ``lang``, formatted with ``kwargs``.

    A key missing in a language falls back to English and is logged (tests forbid it)."""
    cat = catalog(lang)
    text = cat.get(key)
    if text is None:
        log.warning("missing message %r in %s", key, lang)
        text = catalog("en").get(key, key)
    if not kwargs:
        return text
    for name, value in kwargs.items():
        # A value that ends with an abbreviation's full stop (Kazakh dates: "2026 ж. 03 жел.")
        # ends the sentence too: "… жүктеу 2026 ж. 03 жел.", not "… жел..".
        if isinstance(value, str) and value.endswith(".") and not value.endswith(".."):
            text = text.replace("{" + name + "}.", "{" + name + "}")
    return text.format(**kwargs)


@cache
def _pattern(fmt: str) -> NumberPattern:
    return parse_pattern(fmt)


@cache
def _babel_locale(name: str) -> Locale:
    return Locale.parse(name)


@cache
def _int_symbols(name: str) -> tuple[str, str]:
    """(group separator, minus sign) of a locale's numbers."""
    symbols = _babel_locale(name).number_symbols["latn"]
    return symbols["group"], symbols["minusSign"]


def _whole(value: float | int) -> int | None:
    """``value`` as an int when it is a whole number babel would print as one (not -0.0, not
    beyond the exact range of floats), else None."""
    if isinstance(value, numbers.Integral):
        return int(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if (
        number.is_integer()
        and abs(number) < 2**53
        and not (number == 0 and copysign(1, number) < 0)
    ):
        return int(number)
    return None


class Translator:
    """``tr = Translator('kk'); tr('nav.overview')`` and the formatting helpers, bound to a
    language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "kk"
        self.locale = BABEL_LOCALE[self.lang]

    def __call__(self, key: str, **kwargs: Any) -> str:
        return t(self.lang, key, **kwargs)

    def has(self, key: str) -> bool:
        return key in catalog(self.lang)

    # numbers ----------------------------------------------------------------------------------
    def num(self, value: float | int | None, digits: int = 0) -> str:
        if value is None or value != value:  # None or NaN
            return "—"
        if not digits and (whole := _whole(value)) is not None:
            # A whole number (counts, people, m²: most numbers shown) grouped by three, as babel
            # applies "#,##0" with the locale's symbols, ten times faster: a map's hover has
            # hundreds of them.
            group, minus = _int_symbols(self.locale)
            text = f"{abs(whole):,}".replace(",", group)
            return minus + text if whole < 0 else text
        fmt = "#,##0" + ("." + "0" * digits if digits else "")
        # what babel's format_decimal does, with the pattern parsed once, not on every number
        return _pattern(fmt).apply(value, _babel_locale(self.locale))

    def compact(self, value: float | int | None, digits: int = 1) -> str:
        if value is None or value != value:
            return "—"
        if abs(value) < 10_000:
            return self.num(value, 0)
        return format_compact_decimal(
            value, format_type="short", locale=self.locale, fraction_digits=digits
        )

    def kzt(self, value: float | int | None, compact: bool = True) -> str:
        """Tenge with millions/billions abbreviated in the user's language."""
        if value is None or value != value:
            return "—"
        amount = self.compact(value) if compact else self.num(value)
        return f"₸{amount}" if self.lang == "en" else f"{amount}\u00a0₸"

    def pct(self, value: float | None, digits: int = 1) -> str:
        if value is None or value != value:
            return "—"
        fmt = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return _pattern(fmt).apply(value, _babel_locale(self.locale))  # as format_percent

    def signed_pct(self, value: float | None, digits: int = 1) -> str:
        if value is None or value != value:
            return "—"
        text = self.pct(abs(value), digits)
        return ("+" if value > 0 else "−" if value < 0 else "±") + text

    # dates ------------------------------------------------------------------------------------
    def date(self, value: date | datetime | None, fmt: str = "medium") -> str:
        if value is None or value != value:
            return "—"
        if isinstance(value, datetime):
            value = value.date()
        return _babel_date(value, format=fmt, locale=self.locale)

    def date_range(self, start: Date, end: Date) -> str:
        """'12–14 May 2025' in the language's own order."""
        return format_interval(start, end, "yMMMMd", locale=self.locale)

    def month(self, value: Date) -> str:
        return _babel_date(value, format="LLLL y", locale=self.locale)

    # plotly -----------------------------------------------------------------------------------
    def plotly_separators(self) -> str:
        """Plotly's ``layout.separators``: decimal mark then thousands separator."""
        return ".," if self.lang == "en" else ",\u00a0"

    # reference names --------------------------------------------------------------------------
    def name_col(self, base: str = "name") -> str:
        """Column holding a name in this language, e.g. ``name_kk``."""
        return f"{base}_{self.lang}"

    def enum(self, group: str, value: str) -> str:
        """Translated label of a coded value (status, funding source, hub type...)."""
        return self(f"{group}.{value}")


# -- sorting names -------------------------------------------------------------------------------
# Kazakh letters sort right after their Russian base letter (Ақмола before Алматы), as in the
# Kazakh alphabet; Ұ before Ү after У. Russian and English sort as their letters.
_KK_AFTER = {
    "ә": "а",
    "ғ": "г",
    "қ": "к",
    "ң": "н",
    "ө": "о",
    "ұ": "у",
    "ү": "у",
    "һ": "х",
    "і": "и",
}
_KK_RANK = {"ұ": 1, "ү": 2}


def name_sort_key(name: str) -> list[tuple[int, int]]:
    """Sort key for region names in Kazakh, Russian or English."""
    key = []
    for ch in str(name).lower():
        base = _KK_AFTER.get(ch)
        key.append((ord(base), _KK_RANK.get(ch, 1)) if base else (ord(ch), 0))
    return key
