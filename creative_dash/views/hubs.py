"""Tables of the Creative hubs page: translated headers, values in the UI language.

Pure functions (DataFrame in, DataFrame out), no Streamlit. ``hubs_table`` has two forms: for the
screen (numbers and dates formatted as text in the UI language) and for export (the same columns
and headers, raw numbers and dates, so spreadsheets can compute with them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from creative_dash.export import with_demo_column
from creative_dash.i18n import Translator
from creative_dash.text import inert
from creative_dash.views.cards import Card


def hubs_table(df: pd.DataFrame, t: Translator, *, for_export: bool = False) -> pd.DataFrame:
    """One row per hub of the ``hubs_for_map`` query, in its order."""
    if for_export:
        opened: Any = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df["opened_on"]]
        residents: Any = df["residents"].astype("Int64")
        area: Any = df["floor_area_m2"].astype("Float64")
    else:
        opened = [t.date(v) if pd.notna(v) else "—" for v in df["opened_on"]]
        residents = [t.num(v) if pd.notna(v) else "—" for v in df["residents"]]
        area = [t.num(v) if pd.notna(v) else "—" for v in df["floor_area_m2"]]
    table = pd.DataFrame(
        {
            t("hubs.col_name"): df["name"].tolist(),
            t("hubs.col_type"): [t.enum("hub_type", v) for v in df["hub_type"]],
            t("hubs.col_status"): [t.enum("hub_status", v) for v in df["status"]],
            t("hubs.col_sectors"): df["sectors"].tolist(),
            t("hubs.col_region"): df["region_name"].tolist(),
            t("hubs.col_city"): df["city"].tolist(),
            t("hubs.col_opened"): opened,
            t("hubs.col_residents"): residents,
            t("hubs.col_floor_area_unit"): area,
        }
    )
    if for_export:
        return with_demo_column(table, df["is_demo"], t("export.demo_note"))
    return table


def hub_totals(by_type: pd.DataFrame) -> dict[str, float]:
    """Totals of the ``hubs_by_type`` rows: hubs, operating, residents, floor_area_m2."""
    return {
        "hubs": int(by_type["hubs"].sum()) if len(by_type) else 0,
        "operating": int(by_type["operating"].sum()) if len(by_type) else 0,
        "residents": float(by_type["residents"].sum()) if len(by_type) else 0.0,
        "floor_area_m2": float(by_type["floor_area_m2"].sum()) if len(by_type) else 0.0,
    }


def hub_cards(t: Translator, totals: dict[str, float]) -> list[Card]:
    """The figures above the map; each says what it counts."""
    return [
        Card(t("hubs.metric_hubs"), t.num(totals["hubs"]), t("hubs.metric_hubs_help")),
        Card(
            t("hubs.metric_operating"), t.num(totals["operating"]), t("hubs.metric_operating_help")
        ),
        Card(t("hubs.metric_residents"), t.num(totals["residents"])),
        Card(
            t("hubs.metric_floor_area"), t("hubs.area_value", area=t.num(totals["floor_area_m2"]))
        ),
    ]


def showing_caption(t: Translator, focus: Sequence[str], names: Mapping[str, str]) -> str:
    """Which regions the map and table show."""
    if not focus:
        return t("hubs.showing_all")
    return t("hubs.showing_regions", regions=", ".join(inert(names.get(c, c)) for c in focus))


def without_coordinates(df: pd.DataFrame) -> int:
    """How many hubs of the ``hubs_for_map`` rows the map cannot place."""
    return int((df["lat"].isna() | df["lon"].isna()).sum())
