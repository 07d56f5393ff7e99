"""The message catalogues and the Translator's locale formatting.

Catalogues are read straight from ``creative_dash/locales/<lang>/*.toml`` (per file, so a message
put in the wrong file or forgotten in one language is reported with its file name).
"""

from __future__ import annotations

import random
import re
import string
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from creative_dash.i18n import KAZAKH_LETTERS, LANGS, Translator, catalog

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "creative_dash" / "locales"
NBSP = "\u00a0"
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
WORD = re.compile(r"[^\W\d_]{2,}")  # a run of 2+ letters

# Values that may be written in Latin script in the Kazakh (and Russian) catalogues, by key.
# Each entry says why. Keep this short: everything a user reads is Kazakh or Russian.
LATIN_ALLOWED: dict[str, str] = {}

# Keys whose Kazakh and Russian values may be identical although they have 3+ words
# (e.g. an organisation's official name used unchanged in both languages).
SAME_KK_RU_ALLOWED: dict[str, str] = {}


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = value


def _file_messages(lang: str, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    _flatten("", tomllib.loads((LOCALES / lang / name).read_text(encoding="utf-8")), out)
    return out


def _catalogue_files() -> list[str]:
    names: set[str] = set()
    for lang in LANGS:
        names |= {p.name for p in (LOCALES / lang).glob("*.toml")}
    return sorted(names)


FILES = _catalogue_files()


def _placeholders(text: str) -> set[str]:
    """Names of the ``{placeholders}`` in a message (ValueError on unbalanced braces)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def _words(text: str) -> list[str]:
    """Words a reader reads: placeholders, markup and code spans removed."""
    text = re.sub(r"\{[^{}]*\}", " ", text)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return WORD.findall(text)


def test_there_are_catalogues() -> None:
    assert "common.toml" in FILES
    for lang in LANGS:
        assert (LOCALES / lang).is_dir(), lang


@pytest.mark.parametrize("name", FILES)
def test_file_exists_in_every_language_with_the_same_keys(name: str) -> None:
    missing = [lang for lang in LANGS if not (LOCALES / lang / name).is_file()]
    assert not missing, f"{name} is missing in {missing}"
    keys = {lang: set(_file_messages(lang, name)) for lang in LANGS}
    for lang in LANGS:
        only_en = sorted(keys["en"] - keys[lang])
        only_here = sorted(keys[lang] - keys["en"])
        assert not only_en, f"{lang}/{name} lacks {only_en}"
        assert not only_here, f"{lang}/{name} has keys en/{name} lacks: {only_here}"


@pytest.mark.parametrize("name", FILES)
def test_values_are_non_empty_strings(name: str) -> None:
    for lang in LANGS:
        for key, value in _file_messages(lang, name).items():
            assert isinstance(value, str), f"{lang}/{name}: {key} is {type(value).__name__}"
            assert value.strip(), f"{lang}/{name}: {key} is empty"
            assert value == value.strip(), f"{lang}/{name}: {key} has surrounding blanks"


@pytest.mark.parametrize("name", FILES)
def test_placeholders_are_the_same_in_every_language(name: str) -> None:
    messages = {lang: _file_messages(lang, name) for lang in LANGS}
    for key, en_value in messages["en"].items():
        expected = _placeholders(en_value)
        for lang in LANGS:
            value = messages[lang].get(key)
            if value is None:
                continue  # reported by the key-set test
            try:
                found = _placeholders(value)
            except ValueError as exc:  # "{" without "}" would crash t() at run time
                pytest.fail(f"{lang}/{name}: {key}: {exc}")
            assert found == expected, f"{lang}/{name}: {key} has {found}, en has {expected}"


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_no_latin_only_sentences(name: str, lang: str) -> None:
    """A message of three or more words must be Cyrillic (proper names: LATIN_ALLOWED)."""
    bad = []
    for key, value in _file_messages(lang, name).items():
        if key in LATIN_ALLOWED:
            continue
        if len(_words(value)) >= 3 and not CYRILLIC.search(value):
            bad.append(f"{key} = {value!r}")
    assert not bad, f"{lang}/{name}: Latin-only messages:\n" + "\n".join(bad)


@pytest.mark.parametrize("name", FILES)
def test_kazakh_is_not_russian(name: str) -> None:
    """Kazakh text uses its own letters, and no sentence is a copy of the Russian one."""
    kk = _file_messages("kk", name)
    ru = _file_messages("ru", name)
    text = " ".join(str(v) for v in kk.values())
    if sum(len(_words(str(v))) for v in kk.values()) >= 10:
        assert set(text) & KAZAKH_LETTERS, f"kk/{name} contains no Kazakh-specific letter"
    copied = [
        key
        for key, value in kk.items()
        if key not in SAME_KK_RU_ALLOWED and len(_words(str(value))) >= 3 and ru.get(key) == value
    ]
    assert not copied, f"kk/{name} has Russian text copied unchanged: {copied}"


def test_catalog_loads_every_file_per_language() -> None:
    for lang in LANGS:
        merged: dict[str, Any] = {}
        for name in FILES:
            merged.update(_file_messages(lang, name))
        assert set(catalog(lang)) == set(merged), lang


def test_translator_formats_placeholders() -> None:
    assert Translator("en")("app.as_of", date="1 May 2025") == "as of 1 May 2025"
    assert "1 May 2025" in Translator("kk")("app.as_of", date="1 May 2025")


# -- locale formatting ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("lang", "expected"),
    [("kk", f"1{NBSP}234{NBSP}567,5"), ("ru", f"1{NBSP}234{NBSP}567,5"), ("en", "1,234,567.5")],
)
def test_numbers_follow_the_language(lang: str, expected: str) -> None:
    assert Translator(lang).num(1234567.5, 1) == expected


@pytest.mark.parametrize("lang", LANGS)
def test_whole_numbers_are_formatted_exactly_as_babel_does(lang: str) -> None:
    # Translator.num formats whole numbers itself (a map's hover has hundreds); babel's own
    # "#,##0" with the locale's symbols stays the reference, for every kind of number.
    from babel import Locale
    from babel.numbers import parse_pattern

    t = Translator(lang)
    locale = Locale.parse(t.locale)
    rng = random.Random(7)
    values: list[Any] = [0, 1, -1, 999, 1000, -1000, 10**6, 2**53 - 1, 2**53 + 1, 1e16]
    values += [1.0, -5.0, 0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 1234.4999]
    values += [np.int32(-123456), np.int64(98765), np.float64(98765.0), np.float32(1024.0)]
    values += [rng.randint(-(10**12), 10**12) for _ in range(300)]
    values += [float(rng.randint(-(10**9), 10**9)) for _ in range(300)]
    for value in values:
        assert t.num(value) == parse_pattern("#,##0").apply(value, locale), repr(value)
    assert t.num(1234567) == ("1,234,567" if lang == "en" else f"1{NBSP}234{NBSP}567")


@pytest.mark.parametrize(
    ("lang", "million", "billion"),
    [
        ("kk", "25,3 млн ₸", "2,5 млрд ₸"),
        ("ru", "25,3 млн ₸", "2,5 млрд ₸"),
        ("en", "₸25.3M", "₸2.5B"),
    ],
)
def test_tenge_compact_in_each_language(lang: str, million: str, billion: str) -> None:
    t = Translator(lang)
    for value, expected in ((25_300_000, million), (2_530_000_000, billion)):
        text = t.kzt(value)
        # Non-breaking spaces only: "25,3 / млн ₸" must never wrap over two lines.
        assert " " not in text, repr(text)
        assert text.replace(NBSP, " ").replace("\u202f", " ") == expected


def test_missing_values_are_a_dash() -> None:
    t = Translator("kk")
    assert t.num(None) == t.kzt(float("nan")) == t.pct(None) == t.date(None) == "—"


def test_percent_and_signed_percent() -> None:
    assert Translator("en").pct(0.123) == "12.3%"
    assert Translator("ru").pct(0.123) == Translator("kk").pct(0.123) == "12,3%"
    assert Translator("en").signed_pct(-0.05) == "−5.0%"
    assert Translator("en").signed_pct(0.05) == "+5.0%"


KK_MONTHS = [
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
]
RU_MONTHS = [
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
]
EN_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


@pytest.mark.parametrize(
    ("lang", "names"), [("kk", KK_MONTHS), ("ru", RU_MONTHS), ("en", EN_MONTHS)]
)
def test_month_names_are_translated(lang: str, names: list[str]) -> None:
    t = Translator(lang)
    for month, name in enumerate(names, start=1):
        text = t.month(date(2025, month, 1)).lower()
        assert name in text and "2025" in text, (lang, month, text)


def test_dates_differ_by_language() -> None:
    d = date(2025, 5, 12)
    texts = {lang: Translator(lang).date(d) for lang in LANGS}
    assert "May" in texts["en"] and "мая" in texts["ru"] and "мам" in texts["kk"]
    assert len(set(texts.values())) == 3


def test_plotly_separators() -> None:
    assert Translator("en").plotly_separators() == ".,"
    assert Translator("kk").plotly_separators() == f",{NBSP}"
    assert Translator("ru").plotly_separators() == f",{NBSP}"


def test_unknown_language_falls_back_to_kazakh() -> None:
    assert Translator("de").lang == "kk"


def test_a_value_ending_in_an_abbreviation_ends_the_sentence() -> None:
    """A Kazakh date ends with an abbreviation's full stop: no doubled full stop after it."""
    from creative_dash.i18n import Translator

    tr = Translator("kk")
    loaded = tr.date(date(2026, 12, 3))
    assert loaded.endswith(".")
    text = tr("app.sources_footer", version=13, loaded=loaded, first="x", last="y")
    assert f"{loaded} " in text and ".." not in text
    # English dates have no trailing full stop: the sentence keeps its own
    en = Translator("en")(
        "app.sources_footer", version=13, loaded="3 Dec 2026", first="x", last="y"
    )
    assert "3 Dec 2026." in en
