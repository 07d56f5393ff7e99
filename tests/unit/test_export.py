from __future__ import annotations

import io
import threading
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest

from creative_dash.export import (
    CHUNK_ROWS,
    MIME,
    ExportBusy,
    ExportGate,
    Outcomes,
    export_filename,
    neutralize,
    to_csv_bytes,
    to_xlsx_bytes,
)
from creative_dash.i18n import LANGS, catalog

INJECTIONS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", '=HYPERLINK("http://x")']


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Атауы": ["Өнер ордасы фестивалі", "Қазына «Ұлан» — шеберхана", "plain"],
            "Бюджет, ₸": [1_500_000, -250, 0],
            "Орындалуы": [0.5, 1.25, None],
            "Басталуы": pd.to_datetime(["2024-03-01", "2025-12-31", None]),
            "Бағдарламадан": [True, False, True],
        }
    )


def read_csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", keep_default_na=False)


def test_csv_round_trip_keeps_rows_and_kazakh_letters():
    df = sample()
    data = to_csv_bytes(df)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    back = read_csv(data)
    assert list(back.columns) == list(df.columns)
    assert len(back) == 3
    assert back.iloc[0, 0] == "Өнер ордасы фестивалі"
    assert back.iloc[1, 0] == "Қазына «Ұлан» — шеберхана"
    assert back["Бюджет, ₸"].tolist() == [1_500_000, -250, 0]  # numbers unescaped
    assert back["Басталуы"].tolist() == ["2024-03-01", "2025-12-31", ""]


def test_csv_timestamps_keep_their_time():
    df = pd.DataFrame({"at": pd.to_datetime(["2024-03-01 10:30", "2024-03-02 00:00"])})
    assert read_csv(to_csv_bytes(df))["at"].tolist() == ["2024-03-01 10:30", "2024-03-02 00:00"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_csv_formula_injection_is_inert(payload):
    df = pd.DataFrame({"title": [payload, "ok"], "n": [1, 2]})
    back = pd.read_csv(io.BytesIO(to_csv_bytes(df)), encoding="utf-8-sig")
    cell = back.loc[0, "title"]
    assert cell == "'" + payload
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert back.loc[1, "title"] == "ok"


@pytest.mark.parametrize("payload", INJECTIONS)
def test_csv_header_injection_is_inert(payload):
    back = read_csv(to_csv_bytes(pd.DataFrame({payload: [1]})))
    assert back.columns[0] == "'" + payload


def read_xlsx(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_xlsx_round_trip_types():
    df = sample()
    ws = read_xlsx(to_xlsx_bytes(df, "Бастамалар"))
    assert ws.title == "Бастамалар"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == list(df.columns)
    assert len(rows) == 4
    assert rows[1][0] == "Өнер ордасы фестивалі"
    assert rows[2][0] == "Қазына «Ұлан» — шеберхана"
    # numbers stay numbers, negative numbers too (they are not text, so not escaped)
    assert [ws.cell(r, 2).value for r in (2, 3, 4)] == [1_500_000, -250, 0]
    assert all(ws.cell(r, 2).data_type == "n" for r in (2, 3, 4))
    assert ws.cell(2, 3).value == 0.5 and ws.cell(4, 3).value is None
    # dates stay dates, with a date format
    assert ws.cell(2, 4).is_date
    assert ws.cell(2, 4).value.date() == date(2024, 3, 1)
    assert ws.cell(4, 4).value is None
    assert ws.cell(2, 5).value is True
    assert ws.freeze_panes == "A2"
    assert ws.cell(1, 1).font.b


def test_xlsx_python_dates_and_timestamps():
    df = pd.DataFrame({"d": [date(2020, 1, 2)], "ts": [datetime(2020, 1, 2, 10, 30)]})
    ws = read_xlsx(to_xlsx_bytes(df))
    assert ws.cell(2, 1).is_date and ws.cell(2, 1).value == datetime(2020, 1, 2)
    assert ws.cell(2, 2).value == datetime(2020, 1, 2, 10, 30)


@pytest.mark.parametrize("payload", INJECTIONS + ["#N/A", "=A1\x01"])
def test_xlsx_formula_injection_is_inert(payload):
    df = pd.DataFrame({payload: [payload], "n": [3]})
    ws = read_xlsx(to_xlsx_bytes(df))
    for cell in (ws.cell(1, 1), ws.cell(2, 1)):
        assert cell.data_type == "s", cell.value
        assert not str(cell.value).startswith("=")
    if payload.startswith(("=", "+", "-", "@", "\t", "\r")):
        # XML turns a bare carriage return into a line feed when read back; still inert.
        expected = "'" + payload.replace("\x01", "").replace("\r", "\n")
        assert ws.cell(2, 1).value == expected
    assert ws.cell(2, 2).value == 3 and ws.cell(2, 2).data_type == "n"


def test_xlsx_has_no_formula_element():
    """The file itself: no <f> (formula) element anywhere in the sheet XML."""
    import zipfile

    data = to_xlsx_bytes(pd.DataFrame({"t": INJECTIONS}))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    assert "HYPERLINK" in sheet  # the text is there, as text


def test_xlsx_sheet_name_is_made_valid():
    ws = read_xlsx(to_xlsx_bytes(pd.DataFrame({"a": [1]}), "a/b:c*d?[e]" + "x" * 40))
    assert len(ws.title) <= 31 and not set(ws.title) & set("[]:*?/\\")


def test_empty_frame_exports():
    df = pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype="str")})
    assert read_csv(to_csv_bytes(df)).columns.tolist() == ["a", "b"]
    assert [c.value for c in read_xlsx(to_xlsx_bytes(df))[1]] == ["a", "b"]


def test_neutralize():
    assert neutralize("=1") == "'=1"
    assert neutralize("1=1") == "1=1"
    assert neutralize("") == ""


def test_export_filename():
    day = date(2026, 11, 26)
    assert (
        export_filename("initiatives", "KZ-71", (2019, 2026), "xlsx", today=day)
        == "initiatives_KZ-71_2019-2026_2026-11-26.xlsx"
    )
    assert (
        export_filename("hubs", None, (2024, 2024), "csv", today=day)
        == "hubs_all_2024_2026-11-26.csv"
    )
    assert (
        export_filename("programme", None, None, "csv", today=day)
        == "programme_all_all_2026-11-26.csv"
    )
    # ASCII-safe whatever comes in
    name = export_filename("Бастамалар/../x", "KZ 71;rm", (2019, 2026), "CSV", today=day)
    assert name.isascii() and "/" not in name and " " not in name and ";" not in name
    assert name.endswith(".csv")
    assert export_filename("p", None, None, "csv").count("_") == 3  # today's date by default


def test_mime_types():
    assert MIME["csv"] == "text/csv"
    assert MIME["xlsx"].endswith("spreadsheetml.sheet")


def test_export_labels_in_every_language():
    for lang in LANGS:
        cat = catalog(lang)
        assert cat["export.csv"] and cat["export.xlsx"]
    assert catalog("kk")["export.csv"] != catalog("en")["export.csv"]


def test_xlsx_and_csv_stream_many_rows_in_order():
    """More rows than one slice (CHUNK_ROWS): every row, in order, across slice boundaries."""
    n = CHUNK_ROWS * 2 + 7
    df = pd.DataFrame(
        {
            "i": range(n),
            "t": [f"=row {i}" for i in range(n)],
            "d": pd.date_range("2020-01-01", periods=n, freq="D"),
        }
    )
    rows = list(read_xlsx(to_xlsx_bytes(df)).iter_rows(values_only=True))
    assert len(rows) == n + 1
    assert [r[0] for r in rows[1:]] == list(range(n))
    day = (pd.Timestamp("2020-01-01") + pd.Timedelta(days=CHUNK_ROWS)).to_pydatetime()
    assert rows[CHUNK_ROWS + 1] == (CHUNK_ROWS, f"'=row {CHUNK_ROWS}", day)
    back = read_csv(to_csv_bytes(df))
    assert back["i"].tolist() == list(range(n))
    assert back["t"].iloc[-1] == f"'=row {n - 1}"
    assert back["d"].iloc[0] == "2020-01-01"


def test_xlsx_missing_and_odd_values():
    df = pd.DataFrame(
        {
            "f": [1.5, float("nan"), float("inf")],
            "mixed": [Decimal("2.50"), np.int64(7), [1, 2]],
            "tz": pd.to_datetime(["2024-03-01 10:30", None, "2024-03-02 00:00"]).tz_localize(
                "Asia/Almaty"
            ),
            "s": pd.Series(["a", None, "=b"], dtype="str"),
        }
    )
    ws = read_xlsx(to_xlsx_bytes(df))
    assert [ws.cell(r, 1).value for r in (2, 3, 4)] == [1.5, None, None]  # no NaN/inf cells
    assert ws.cell(2, 2).value == "2.50" and ws.cell(2, 2).data_type == "s"
    assert ws.cell(3, 2).value == 7 and ws.cell(3, 2).data_type == "n"
    assert ws.cell(4, 2).value == "[1, 2]"
    assert ws.cell(2, 3).value == datetime(2024, 3, 1, 10, 30)  # wall-clock time kept
    assert ws.cell(3, 3).value is None
    assert [ws.cell(r, 4).value for r in (2, 3, 4)] == ["a", None, "'=b"]


# -- the export gate ------------------------------------------------------------------------------
def _hold_slot(gate: ExportGate) -> tuple[threading.Thread, threading.Event, threading.Event]:
    """A build that holds one of ``gate``'s slots until released."""
    holding, release = threading.Event(), threading.Event()

    def build() -> bytes:
        holding.set()
        release.wait(30)
        return b"x"

    thread = threading.Thread(target=gate.run, args=(build,))
    thread.start()
    assert holding.wait(30)
    return thread, holding, release


def test_gate_refuses_an_export_beyond_its_slots_and_says_so():
    gate = ExportGate(1)
    thread, _holding, release = _hold_slot(gate)
    outcomes = Outcomes()
    try:
        with pytest.raises(ExportBusy):
            gate.guarded(lambda: b"data", outcomes)()
        assert outcomes.take(0) is False
    finally:
        release.set()
        thread.join()
    assert gate.guarded(lambda: b"data", outcomes)() == b"data"  # the slot is free again
    assert outcomes.take(0) is True
    assert outcomes.take(0) is None  # each outcome is taken once


def test_gate_frees_its_slot_when_a_build_fails():
    gate = ExportGate(1)

    def broken() -> bytes:
        raise ValueError("store fault")

    with pytest.raises(ValueError):
        gate.run(broken)
    assert gate.run(lambda: b"ok") == b"ok"


def test_gate_with_no_slots_refuses_everything():
    outcomes = Outcomes()
    with pytest.raises(ExportBusy):
        ExportGate(0).guarded(lambda: b"data", outcomes)()
    assert outcomes.take(0) is False


def test_outcomes_wait_for_the_build_thread():
    outcomes = Outcomes()
    waiting = threading.Event()
    got: list[bool | None] = []

    def rerun() -> None:
        waiting.set()
        got.append(outcomes.take(30))

    thread = threading.Thread(target=rerun)
    thread.start()
    assert waiting.wait(30)
    outcomes.record(False)  # the build, in another thread, was refused
    thread.join(30)
    assert got == [False]


def test_outcomes_drop_stale_ones():
    outcomes = Outcomes()
    outcomes.MAX_AGE_S = -1.0  # everything recorded is already too old
    outcomes.record(False)
    assert outcomes.take(0) is None


def test_busy_message_in_every_language():
    texts = {lang: catalog(lang)["export.busy"] for lang in LANGS}
    assert len(set(texts.values())) == len(LANGS)
