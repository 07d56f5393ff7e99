"""The initiatives explorer's tables as users see them: translated headers, values formatted
in the UI language (screen), or raw numbers and dates under translated headers (exports).

Pure functions, no Streamlit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from creative_dash.export import to_csv_bytes, to_xlsx_bytes, with_demo_column
from creative_dash.i18n import Translator

# What the explorer offers, re-exported for the page (pages import no queries).
from creative_dash.queries.initiatives import DEFAULT_SORT as DEFAULT_SORT
from creative_dash.queries.initiatives import EXPORT_CAP as EXPORT_CAP
from creative_dash.queries.initiatives import PAGE_SIZE as PAGE_SIZE
from creative_dash.queries.initiatives import SORTS
from creative_dash.queries.initiatives import XLSX_CAP as XLSX_CAP
from creative_dash.store.demo import DEMO_ACTOR
from creative_dash.views.cards import Card

YES = "✓"
SORT_KEYS: tuple[str, ...] = tuple(SORTS)  # the table's orders, in the order offered


def header(t: Translator, key: str) -> str:
    return t(f"initiatives.col_{key}")


def sdg_badges(goals: Iterable[Any] | None) -> str:
    """Goal numbers as one short text: ``4 · 8``."""
    if goals is None:
        return ""
    return " · ".join(str(int(g)) for g in goals)


def rows_caption(t: Translator, page: int, page_size: int, total: int) -> str:
    """'rows 51–100 of 1 234' (or the empty message)."""
    if total <= 0:
        return t("app.empty")
    first = (page - 1) * page_size + 1
    last = min(page * page_size, total)
    return t("initiatives.rows", first=t.num(first), last=t.num(last), total=t.num(total))


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-int(total) // int(page_size)))


def summary_cards(t: Translator, summary: Mapping[str, Any]) -> list[Card]:
    """The totals of the selection (an ``initiatives_summary`` row): count, planned (with the
    share spent under it), spent, jobs."""
    planned, spent = summary["planned_kzt"], summary["spent_kzt"]
    execution = t("initiatives.kpi_execution", pct=t.pct(spent / planned, 0)) if planned else None
    return [
        Card(t("initiatives.kpi_count"), t.num(summary["n"])),
        Card(t("initiatives.kpi_planned"), t.kzt(planned)),
        Card(t("initiatives.kpi_spent"), t.kzt(spent), None, execution, "off", "off"),
        Card(t("initiatives.kpi_jobs"), t.num(summary["jobs"])),
    ]


def table_key(prefix: str, selection: Any, page: int) -> str:
    """A table's widget key that changes with what it lists and its page, so a new selection
    or page starts with no row chosen."""
    digest = hashlib.sha1(repr(selection).encode()).hexdigest()[:10]
    return f"{prefix}_{digest}_{page}"


def export_notice(t: Translator, total: int, csv_cap: int, xlsx_cap: int) -> str | None:
    """What a download of ``total`` rows leaves out (None when nothing is capped)."""
    if total <= xlsx_cap:
        return None
    return t(
        "initiatives.export_capped",
        total=t.num(total),
        csv_cap=t.num(min(total, csv_cap)),
        xlsx_cap=t.num(xlsx_cap),
    )


def export_region_part(regions: Sequence[str]) -> str | None:
    """The region part of a download's file name: the one region, 'Nregions', or none."""
    if len(regions) == 1:
        return regions[0]
    return f"{len(regions)}regions" if regions else None


def _date(t: Translator, value: Any) -> str:
    return "—" if value is None or pd.isna(value) else t.date(value)


def page_table(
    df: pd.DataFrame,
    t: Translator,
    region_names: Mapping[str, str],
    sector_names: Mapping[str, str],
) -> pd.DataFrame:
    """One page of ``initiatives_page`` for the screen. ``execution`` is a percentage (0–100+,
    NaN when nothing was planned) for a progress bar; everything else is text."""
    execution = (df["execution"].astype(float) * 100).round(0)
    out = pd.DataFrame(
        {
            header(t, "id"): df["initiative_id"].astype(str).tolist(),
            header(t, "title"): df["title"].tolist(),
            header(t, "region"): [region_names.get(c, c) for c in df["region_iso"]],
            header(t, "sector"): [sector_names.get(c, c) for c in df["sector_code"]],
            header(t, "status"): [t.enum("status", s) for s in df["status"]],
            header(t, "start"): [_date(t, v) for v in df["start_date"]],
            header(t, "end"): [_date(t, v) for v in df["end_date"]],
            header(t, "planned"): [t.kzt(v) for v in df["budget_planned_kzt"]],
            header(t, "spent"): [t.kzt(v) for v in df["budget_spent_kzt"]],
            header(t, "execution"): execution.tolist(),
            header(t, "funding"): [t.enum("funding", f) for f in df["funding_source"]],
            header(t, "jobs"): [t.num(v) for v in df["jobs_created"]],
            header(t, "sdgs"): [sdg_badges(g) for g in df["sdgs"]],
            header(t, "origin"): [YES if v else "" for v in df["from_programme"]],
        }
    )
    return out


def export_table(
    df: pd.DataFrame,
    t: Translator,
    region_names: Mapping[str, str],
    sector_names: Mapping[str, str],
) -> pd.DataFrame:
    """``initiatives_export`` for a download: translated headers and coded values, raw
    numbers (tenge, percentages as fractions) and dates so spreadsheets can compute."""

    def dates(col: str) -> pd.Series:
        return pd.to_datetime(df[col]).dt.normalize()

    table = pd.DataFrame(
        {
            header(t, "id"): df["initiative_id"].astype("int64"),
            header(t, "title"): df["title"].astype(str),
            header(t, "region_code"): df["region_iso"].astype(str),
            header(t, "region"): [region_names.get(c, c) for c in df["region_iso"]],
            header(t, "sector"): [sector_names.get(c, c) for c in df["sector_code"]],
            header(t, "other_sectors"): [
                "; ".join(sector_names.get(c, c) for c in (codes if codes is not None else []))
                for codes in df["other_sectors"]
            ],
            header(t, "status"): [t.enum("status", s) for s in df["status"]],
            header(t, "start"): dates("start_date"),
            header(t, "end"): dates("end_date"),
            header(t, "planned_kzt"): df["budget_planned_kzt"].astype("int64"),
            header(t, "spent_kzt"): df["budget_spent_kzt"].astype("int64"),
            header(t, "execution_share"): df["execution"].astype(float).round(4),
            header(t, "funding"): [t.enum("funding", f) for f in df["funding_source"]],
            header(t, "jobs"): df["jobs_created"].astype("int64"),
            header(t, "youth"): df["beneficiaries_youth"].astype("int64"),
            header(t, "women"): df["beneficiaries_women"].astype("int64"),
            header(t, "hub"): df["hub_name"].astype(object).where(df["hub_name"].notna(), None),
            header(t, "origin"): [
                t("initiatives.origin_programme") if v else t("initiatives.origin_other")
                for v in df["from_programme"]
            ],
            header(t, "sdgs"): [sdg_badges(g) for g in df["sdgs"]],
        }
    )
    return with_demo_column(table, df["is_demo"], t("export.demo_note"))


def actor_name(t: Translator, actor: Any) -> str:
    """Who made a change; the demo generator is named in the UI language."""
    return t("initiatives.actor_demo") if actor == DEMO_ACTOR else str(actor)


def export_file(
    df: pd.DataFrame,
    t: Translator,
    kind: str,
    region_names: Mapping[str, str],
    sector_names: Mapping[str, str],
) -> bytes:
    """The download of ``initiatives_export`` rows: ``kind`` is "csv" or "xlsx"."""
    table = export_table(df, t, region_names, sector_names)
    if kind == "csv":
        return to_csv_bytes(table)
    if kind == "xlsx":
        return to_xlsx_bytes(table, t("initiatives.title"))
    raise ValueError(f"unknown export kind {kind!r}")


def detail_fields(
    row: Mapping[str, Any], t: Translator, sector_names: Mapping[str, str]
) -> list[tuple[str, str]]:
    """(label, value) pairs of one ``initiative_detail`` row, formatted for the screen."""
    lang = t.lang
    planned, spent = row["budget_planned_kzt"], row["budget_spent_kzt"]
    execution = spent / planned if planned else None
    other = row["other_sectors"] if row["other_sectors"] is not None else []
    hub = "—"
    if row["hub_name"] is not None and not pd.isna(row["hub_name"]):
        hub = t(
            "initiatives.hub_value",
            name=row["hub_name"],
            city=row["hub_city"],
            kind=t.enum("hub_type", row["hub_type"]),
            status=t.enum("hub_status", row["hub_status"]),
        )
    programme = t("initiatives.origin_other")
    if row["from_programme"]:
        title = row.get(f"programme_title_{lang}")
        programme = title if isinstance(title, str) and title else t("initiatives.origin_programme")
    return [
        (header(t, "id"), str(row["initiative_id"])),
        (header(t, "title"), str(row["title"])),
        (header(t, "region"), f"{row[f'region_name_{lang}']} ({row['region_iso']})"),
        (header(t, "sector"), str(row[f"sector_name_{lang}"])),
        (header(t, "other_sectors"), ", ".join(sector_names.get(c, c) for c in other) or "—"),
        (header(t, "status"), t.enum("status", row["status"])),
        (header(t, "start"), _date(t, row["start_date"])),
        (
            header(t, "end"),
            _date(t, row["end_date"])
            if not pd.isna(row["end_date"])
            else t("initiatives.open_ended"),
        ),
        (header(t, "planned"), t.kzt(planned, compact=False)),
        (header(t, "spent"), t.kzt(spent, compact=False)),
        (header(t, "execution"), t.pct(execution, 0) if execution is not None else "—"),
        (header(t, "funding"), t.enum("funding", row["funding_source"])),
        (header(t, "jobs"), t.num(row["jobs_created"])),
        (header(t, "youth"), t.num(row["beneficiaries_youth"])),
        (header(t, "women"), t.num(row["beneficiaries_women"])),
        (header(t, "hub"), hub),
        (header(t, "sdgs"), sdg_badges(row["sdgs"]) or "—"),
        (header(t, "origin"), programme),
        (
            t("initiatives.updated"),
            t(
                "initiatives.updated_value",
                date=_date(t, row["updated_at"]),
                actor=actor_name(t, row["updated_by"]),
                version=row["version"],
            ),
        ),
        (t("initiatives.demo_row"), YES if row["is_demo"] else ""),
    ]


def detail_table(
    row: Mapping[str, Any], t: Translator, sector_names: Mapping[str, str]
) -> pd.DataFrame:
    """The details as a two-column table (field, value)."""
    fields = detail_fields(row, t, sector_names)
    return pd.DataFrame(
        {
            t("initiatives.field"): [k for k, _ in fields],
            t("initiatives.value"): [v for _, v in fields],
        }
    )


def _changes(before: Any, after: Any) -> str:
    """'field: old → new' for the fields an audit row changed (or the whole row on insert)."""
    try:
        b = json.loads(before) if isinstance(before, str) else {}
        a = json.loads(after) if isinstance(after, str) else {}
    except ValueError:
        return ""
    keys = sorted(set(a) | set(b))
    parts = [f"{k}: {b.get(k, '—')} → {a.get(k, '—')}" for k in keys if b.get(k) != a.get(k)]
    return "; ".join(parts)


def audit_table(df: pd.DataFrame, t: Translator) -> pd.DataFrame:
    """``initiative_audit`` for the screen: when, who, what, which fields changed."""
    return pd.DataFrame(
        {
            t("initiatives.audit_at"): [
                "—" if pd.isna(v) else f"{t.date(v)} {pd.Timestamp(v):%H:%M}"
                for v in df["logged_at"]
            ],
            t("initiatives.audit_actor"): [actor_name(t, a) for a in df["actor"]],
            t("initiatives.audit_action"): [
                t(f"initiatives.action_{a}") if t.has(f"initiatives.action_{a}") else str(a)
                for a in df["action"]
            ],
            t("initiatives.audit_changes"): [
                _changes(b, a) for b, a in zip(df["before_json"], df["after_json"], strict=True)
            ],
        }
    )
