"""Reading and validating import files (creative_dash.imports): formats, numbers, dates, names
in three languages, every problem listed at once, and the hostile files, each refused with a
message in the reader's language."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from creative_dash.i18n import LANGS, Translator, catalog
from creative_dash.imports import TABLES, parse, validate
from creative_dash.imports import spec as spec_mod
from creative_dash.imports.template import template_csv, template_xlsx
from creative_dash.imports.validate import header_labels
from creative_dash.store import Store, importer

INIT = TABLES["initiatives"]
POP = TABLES["population"]
RU = Translator("ru")
KK = Translator("kk")

HEADER_EN = (
    "Title,Region,Sector,Status,Start date,End date,Planned budget (KZT),Spent (KZT),"
    "Funding source,Jobs created,Young beneficiaries,Women beneficiaries"
)
INIT_HEADER = {
    lang: ";".join(Translator(lang)(f"imports.col.{n}") for n in INIT.names[1:]) for lang in LANGS
}


@pytest.fixture(scope="module")
def lookups(demo_db_template: Path):
    s = Store(str(demo_db_template), read_only=True)
    try:
        yield importer.lookups(s)
    finally:
        s.close()


def init_row(title: str = "Креативті хаб «Абай»", region: str = "KZ-10", **over: str) -> str:
    cells = {
        "title": title,
        "region": region,
        "sector": "music",
        "status": "in_progress",
        "start_date": "2026-03-01",
        "end_date": "",
        "budget_planned_kzt": "25 000 000",
        "budget_spent_kzt": "5 000 000",
        "funding_source": "local",
        "jobs_created": "12",
        "beneficiaries_youth": "150",
        "beneficiaries_women": "90",
    }
    cells.update(over)
    return ";".join(cells[n] for n in INIT.names[1:])


def csv_file(lang: str, *rows: str, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([INIT_HEADER[lang], *rows]) + "\r\n").encode(encoding)


def rules(parsed) -> list[str]:
    return [p.rule for p in parsed.problems]


def xlsx(rows: list[list], extra_parts: dict[str, bytes] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    if not extra_parts:
        return buf.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        for name, data in extra_parts.items():
            dst.writestr(name, data)
    return out.getvalue()


# -- what is accepted -----------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_utf8_file_with_headers_in_any_language_is_read(lookups, lang, encoding):
    parsed = parse(csv_file(lang, init_row(), encoding=encoding), "a.csv", INIT, lookups, lang)
    assert parsed.ok, parsed.problems
    assert parsed.header_lang == lang
    (row,) = parsed.rows
    assert row["title"] == "Креативті хаб «Абай»"
    assert row["budget_planned_kzt"] == 25_000_000 and row["start_date"] == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("1 234 567", "ru", 1_234_567),
        ("1\u00a0234\u00a0567", "kk", 1_234_567),
        ("1\u202f234\u202f567", "ru", 1_234_567),
        ("1,234,567", "ru", 1_234_567),
        ("1,234,567", "en", 1_234_567),
        ("1234567", "en", 1_234_567),
        ("1 234,5", "ru", 1234.5),
        ("1,5", "kk", 1.5),
        ("1,234", "en", 1234),
        ("1,234", "ru", 1.234),
        ("1,234,567.25", "en", 1_234_567.25),
    ],
)
def test_numbers_as_kazakh_russian_and_english_excel_write_them(text, lang, value):
    parse_number = spec_mod.v.number_parser(integer=False, minimum=0, maximum=1e12)

    class Info:
        context = {"lang": lang}

    assert parse_number(text, Info()) == pytest.approx(value)


@pytest.mark.parametrize(
    "name", ["KZ-75", "kz-75", "KZ-ALA", "Алматы", "Almaty", "  almaty ", "75"]
)
def test_regions_by_code_or_name_in_any_language(lookups, name):
    parsed = parse(csv_file("ru", init_row(region=name)), "a.csv", INIT, lookups, "ru")
    assert parsed.ok and parsed.rows[0]["region"] == "KZ-75"


@pytest.mark.parametrize("name", ["Абай облысы", "Абайская область", "Abai Region", "область Абай"])
def test_a_new_regions_names_all_resolve(lookups, name):
    parsed = parse(csv_file("kk", init_row(region=name)), "a.csv", INIT, lookups, "kk")
    assert parsed.ok and parsed.rows[0]["region"] == "KZ-10"


def test_coded_values_by_label_in_any_language(lookups):
    row = init_row(status="Жүзеге асырылуда" if KK.has("status.in_progress") else "in_progress")
    label_kk = KK("status.in_progress")
    label_ru = RU("funding.local")
    parsed = parse(
        csv_file("ru", init_row(status=label_kk, funding_source=label_ru)),
        "a.csv",
        INIT,
        lookups,
        "ru",
    )
    assert parsed.ok, parsed.problems and row
    assert parsed.rows[0]["status"] == "in_progress"
    assert parsed.rows[0]["funding_source"] == "local"


def test_dates_in_iso_or_day_month_year(lookups):
    parsed = parse(
        csv_file("ru", init_row(start_date="01.03.2026", end_date="2026-12-31")),
        "a.csv",
        INIT,
        lookups,
        "ru",
    )
    assert parsed.ok
    assert parsed.rows[0]["start_date"] == date(2026, 3, 1)
    assert parsed.rows[0]["end_date"] == date(2026, 12, 31)


@pytest.mark.parametrize("table", list(TABLES))
@pytest.mark.parametrize("lang", LANGS)
def test_every_template_reimports_with_no_problem(lookups, table, lang):
    t = Translator(lang)
    spec = TABLES[table]
    for data, name in ((template_xlsx(spec, t), "t.xlsx"), (template_csv(spec, t), "t.csv")):
        parsed = parse(data, name, spec, lookups, lang)
        assert parsed.ok, (name, parsed.problems)
        assert len(parsed.rows) == 1 and parsed.header_lang == lang


def test_the_xlsx_template_explains_every_column(lookups):
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(INIT, RU)))
    data, helps = book.worksheets
    assert data.title == RU("imports.help.data_sheet") and helps.title == RU("imports.help.sheet")
    assert [c.value for c in data[1]] == [RU(f"imports.col.{n}") for n in INIT.names]
    assert all(c.comment is not None for c in data[1])
    described = [row[0].value for row in helps.iter_rows(min_row=2, max_row=len(INIT.columns) + 1)]
    assert described == [RU(f"imports.col.{n}") for n in INIT.names]
    assert any("ДД.ММ.ГГГГ" in str(c.value) for row in helps.iter_rows() for c in row)


def test_headers_are_distinct_in_each_language():
    for spec in TABLES.values():
        for lang in LANGS:
            labels = [catalog(lang)[f"imports.col.{n}"] for n in spec.names]
            assert len(set(labels)) == len(labels), (spec.name, lang)
        assert len(header_labels(spec)) >= len(spec.columns)


# -- all problems at once -------------------------------------------------------------------------
def test_three_errors_are_listed_at_once_with_row_column_value_and_rule(lookups):
    data = csv_file(
        "ru",
        init_row(),
        init_row(title="Б", region="KZ-99"),
        init_row(title="В", budget_planned_kzt="много"),
        init_row(title="Г", start_date="2026-05-01", end_date="2026-04-01"),
    )
    parsed = parse(data, "a.csv", INIT, lookups, "ru")
    found = [(p.row, p.column, p.value, p.rule) for p in parsed.problems]
    assert found == [
        (3, "region", "KZ-99", "unknown_region"),
        (4, "budget_planned_kzt", "много", "not_number"),
        (5, "end_date", "2026-04-01", "end_before_start"),
    ]
    frame = parsed.problems_frame(RU)
    assert list(frame.columns) == ["Строка", "Столбец", "Значение", "Ошибка"]
    assert frame.iloc[0].tolist() == [3, "Регион", "KZ-99", RU("imports.rule.unknown_region")]
    assert len(parsed.rows) == 1


# -- hostile files --------------------------------------------------------------------------------
def only(parsed, rule: str):
    assert rules(parsed) == [rule], parsed.problems
    assert parsed.rows == []
    return parsed.problems[0]


@pytest.mark.parametrize("codec", ["cp1251", "kz1048"])
def test_a_legacy_code_page_is_refused_with_how_to_save_it(lookups, codec):
    data = csv_file("ru", init_row(title="Креативный хаб"), encoding=codec)
    problem = only(parse(data, "a.csv", INIT, lookups, "ru"), "encoding")
    assert "CSV UTF-8" in problem.message(RU) and "Windows-1251" in problem.message(RU)
    assert "CSV UTF-8" in problem.message(KK) and problem.message(KK) != problem.message(RU)


def test_utf16_is_refused(lookups):
    data = csv_file("ru", init_row()).decode("utf-8-sig").encode("utf-16")
    only(parse(data, "a.csv", INIT, lookups, "ru"), "utf16")


def test_kazakh_letters_lost_to_question_marks_are_refused(lookups):
    data = csv_file("ru", init_row(title="?аза?стан креативті ?абы"))
    problem = only(parse(data, "a.csv", INIT, lookups, "ru"), "mangled")
    assert problem.row == 2 and problem.column == "title"
    assert "CSV UTF-8" in problem.message(KK)
    header = INIT_HEADER["kk"].replace("Өңір", "?ңір")
    mangled_header = f"{header}\r\n{init_row()}\r\n".encode()
    assert "mangled" in rules(parse(mangled_header, "a.csv", INIT, lookups, "kk"))


def test_a_10000_character_title_is_refused_by_the_length_rule(lookups):
    problem = only(
        parse(csv_file("kk", init_row(title="А" * 10_000)), "a.csv", INIT, lookups, "kk"),
        "too_long",
    )
    assert problem.ctx == {"max": 300, "length": 10_000}
    assert "10 000" in problem.message(RU).replace("\u00a0", " ")


def test_formulas_html_and_markdown_are_kept_as_plain_text(lookups):
    titles = [
        '=HYPERLINK("http://x","y")',
        "+1+1",
        "@SUM(A1)",
        "<b>жирный</b><script>x</script>",
        "**жирный** [ссылка](http://x)",
    ]
    data = csv_file("ru", *(init_row(title=t) for t in titles))
    parsed = parse(data, "a.csv", INIT, lookups, "ru")
    assert parsed.ok
    assert [r["title"] for r in parsed.rows] == titles
    # an exported, neutralised text gets its quote back off
    again = parse(csv_file("ru", init_row(title="'=1+1")), "a.csv", INIT, lookups, "ru")
    assert again.rows[0]["title"] == "=1+1"


def test_a_formula_cell_of_a_workbook_is_read_as_its_text_never_evaluated(lookups):
    header = [RU(f"imports.col.{n}") for n in INIT.names]
    row = [
        None,
        "=1+1",
        "KZ-10",
        "music",
        "in_progress",
        date(2026, 3, 1),
        None,
        "=2*3",
        5,
        "local",
        1,
        2,
        3,
    ]
    parsed = parse(xlsx([header, row]), "a.xlsx", INIT, lookups, "ru")
    assert [(p.column, p.rule) for p in parsed.problems] == [("budget_planned_kzt", "not_number")]
    row[7] = 6
    parsed = parse(xlsx([header, row]), "a.xlsx", INIT, lookups, "ru")
    assert parsed.ok and parsed.rows[0]["title"] == "=1+1"


def write_population(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("region,as_of,population,status,source\n")
        line = "KZ-10,2026-01-01,595676,official,BNS\n"
        for _ in range(rows // 10_000):
            out.write(line * 10_000)


def test_a_million_rows_are_refused_by_the_row_limit_with_memory_bounded(
    lookups, tmp_path, monkeypatch
):
    assert spec_mod.MAX_ROWS == 50_000
    # a lower limit keeps the test quick (rows up to the limit are validated under tracemalloc)
    monkeypatch.setattr(validate, "MAX_ROWS", 10_000)
    path = tmp_path / "million.csv"
    write_population(path, 1_000_000)
    assert path.stat().st_size > 30_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            parsed = parse(stream, path.name, POP, lookups, "ru")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    problem = only(parsed, "too_many_rows")
    assert "10 000" in problem.message(RU).replace("\u00a0", " ")
    assert peak < path.stat().st_size  # stopped at the limit: the file was never held


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(lookups):
    good = xlsx([["region", "as_of", "population", "status", "source"]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(item, src.read(item.filename))
        with dst.open("xl/worksheets/sheet1.xml", "w") as part:
            chunk = b" " * (1024 * 1024)
            for _ in range(150):  # 150 MB of spaces: about 150 KB packed
                part.write(chunk)
    data = out.getvalue()
    assert len(data) < 1_000_000
    only(parse(data, "bomb.xlsx", POP, lookups, "ru"), "zip_bomb")


def test_an_xlsx_with_external_links_is_refused(lookups):
    data = xlsx(
        [["region", "as_of", "population", "status", "source"]],
        {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
    )
    problem = only(parse(data, "links.xlsx", POP, lookups, "kk"), "external_links")
    assert problem.message(KK) == KK("imports.rule.external_links")


def test_macros_and_old_xls_files_are_refused(lookups):
    data = xlsx([["region"]], {"xl/vbaProject.bin": b"\0" * 10})
    only(parse(data, "m.xlsx", POP, lookups, "ru"), "macros")
    only(parse(b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old.xls", POP, lookups, "ru"), "xls")
    only(parse(b"not a workbook", "x.xlsx", POP, lookups, "ru"), "not_xlsx")


def test_duplicate_keys_in_one_file_are_listed(lookups):
    data = csv_file("ru", init_row(), init_row(title="Другое"), init_row())
    parsed = parse(data, "a.csv", INIT, lookups, "ru")
    assert rules(parsed) == ["duplicate_key"] and not parsed.ok
    assert parsed.problems[0].row == 4 and parsed.problems[0].ctx == {"first": 2}
    pop = b"region,as_of,population,status,source\nKZ-10,2026-01-01,1,official,x\n"
    pop += b"Abai Region,01.01.2026,2,official,y\n"
    parsed = parse(pop, "p.csv", POP, lookups, "en")
    assert rules(parsed) == ["duplicate_key"] and parsed.problems[0].row == 3


def test_a_header_in_mixed_languages_is_refused(lookups):
    header = INIT_HEADER["ru"].replace(RU("imports.col.title"), KK("imports.col.title"))
    data = f"{header}\r\n{init_row()}\r\n".encode()
    problem = only(parse(data, "a.csv", INIT, lookups, "ru"), "mixed_languages")
    assert problem.row == 1


def test_unknown_duplicate_and_missing_columns_are_listed_together(lookups):
    header = INIT_HEADER["en"].replace("Title", "Name of thing").replace("Sector", "Region")
    parsed = parse(f"{header}\n{init_row()}\n".encode(), "a.csv", INIT, lookups, "en")
    assert sorted(rules(parsed)) == [
        "duplicate_column",
        "missing_column",
        "missing_column",
        "unknown_column",
    ]


def test_an_empty_file_and_a_file_with_only_headers(lookups):
    only(parse(b"", "a.csv", INIT, lookups, "ru"), "empty_file")
    only(parse(b"\xef\xbb\xbf\r\n\r\n", "a.csv", INIT, lookups, "ru"), "empty_file")
    only(parse(xlsx([]), "a.xlsx", INIT, lookups, "ru"), "empty_file")
    only(parse(csv_file("ru"), "a.csv", INIT, lookups, "ru"), "no_rows")
    only(parse(xlsx([INIT_HEADER["kk"].split(";")]), "a.xlsx", INIT, lookups, "kk"), "no_rows")


def test_dates_as_excel_serial_numbers_are_refused_with_the_date_they_stand_for(lookups):
    problem = only(
        parse(csv_file("ru", init_row(start_date="46082")), "a.csv", INIT, lookups, "ru"),
        "excel_serial",
    )
    assert problem.ctx == {"date": "2026-03-01"} and "2026-03-01" in problem.message(RU)
    header = [RU(f"imports.col.{n}") for n in INIT.names]
    row = [None, "X", "KZ-10", "music", "in_progress", 46082, None, 5, 5, "local", 1, 2, 3]
    parsed = parse(xlsx([header, row]), "a.xlsx", INIT, lookups, "ru")
    assert rules(parsed) == ["excel_serial"]


def test_negative_and_absurd_numbers_and_dates_are_refused(lookups):
    data = csv_file(
        "ru",
        init_row(budget_planned_kzt="-5"),
        init_row(title="Б", budget_spent_kzt="99 999 999 999 999"),
        init_row(title="В", jobs_created="1,5"),
        init_row(title="Г", start_date="1900-01-01"),
        init_row(title="Д", beneficiaries_women="NaN"),
    )
    parsed = parse(data, "a.csv", INIT, lookups, "ru")
    assert rules(parsed) == ["too_small", "too_large", "not_integer", "date_range", "not_number"]
    pop = b"region,as_of,population,status,source\nKZ-10,2026-01-01,50000000,official,x\n"
    assert rules(parse(pop, "p.csv", POP, lookups, "en")) == ["too_large"]


def test_control_characters_and_line_breaks_in_a_title_are_refused(lookups):
    data = csv_file("ru", init_row(title="a\x07b"), init_row(title='"a\nb"'))
    assert rules(parse(data, "a.csv", INIT, lookups, "ru")) == ["control_chars", "line_break"]


def test_every_rule_has_a_message_in_every_language():
    used = {
        "required",
        "not_number",
        "not_integer",
        "too_small",
        "too_large",
        "not_date",
        "date_range",
        "excel_serial",
        "unknown_value",
        "unknown_region",
        "unknown_sector",
        "unknown_indicator",
        "too_long",
        "control_chars",
        "line_break",
        "mangled",
        "end_before_start",
        "duplicate_key",
        "other_region",
        "unknown_id",
        "unknown_recommendation",
        "region_mismatch",
        "empty_file",
        "no_rows",
        "encoding",
        "utf16",
        "xls",
        "not_xlsx",
        "xlsx_broken",
        "zip_bomb",
        "external_links",
        "macros",
        "too_big",
        "too_many_rows",
        "too_many_columns",
        "csv_broken",
        "unknown_column",
        "duplicate_column",
        "missing_column",
        "mixed_languages",
        "blank_header",
        "extra_cells",
        "invalid",
        "role",
    }
    for lang in LANGS:
        assert used <= {k.split(".")[-1] for k in catalog(lang) if k.startswith("imports.rule.")}


def test_openpyxl_parses_workbooks_through_defusedxml():
    from openpyxl import xml

    assert xml.DEFUSEDXML is True
