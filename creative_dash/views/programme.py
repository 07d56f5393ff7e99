"""Tables and figures of the Training programme page: translated headers, values in the UI
language.

Pure functions, no Streamlit. Tables that can be downloaded have two forms: for the screen
(numbers and dates formatted as text) and for export (same columns and headers, raw numbers and
dates).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from creative_dash.charts.programme import satisfaction_mean
from creative_dash.export import with_demo_column
from creative_dash.i18n import Translator
from creative_dash.text import inert
from creative_dash.views.cards import Card
from creative_dash.views.selection import programme_period_caption

OVERDUE_BADGE = "⚠"
TOP_N = 10  # the programme's largest initiatives listed


def programme_facts(summary: pd.DataFrame, t: Translator) -> dict[str, str] | None:
    """title, dates, venue, organisers, source of the ``programme_summary`` row, in the UI
    language, inert (for Markdown: the page shows them in a heading and captions); None when
    the store has no such programme."""
    if summary.empty:
        return None
    row = summary.iloc[0]
    return {
        "title": inert(row[f"title_{t.lang}"]),
        "dates": t.date_range(row["start_date"], row["end_date"]),
        "venue": inert(row[f"venue_{t.lang}"]),
        "organisers": inert(row[f"organisers_{t.lang}"]),
        "source": inert(row["source"]),
        # where the facts are shown: the note, and the stored source in its help (the source is
        # quoted as stored, in its own language)
        "source_note": t("programme.facts_source"),
    }


def facts_note(t: Translator, facts: dict[str, str], years: tuple[int, int]) -> str:
    """The caption under the programme's facts: where they come from, and how its dates relate
    to the selected period."""
    return facts["source_note"] + " " + programme_period_caption(t, facts["dates"], years)


def showing(t: Translator, region: str | None, names: dict[str, str]) -> str:
    """Which regions the page shows (the comparisons keep every region, marking the chosen one)."""
    return (
        t("programme.showing_region", region=inert(names[region]))
        if region
        else t("programme.showing_all")
    )


def sessions_table(df: pd.DataFrame, t: Translator) -> pd.DataFrame:
    """The ``programme_sessions_agenda`` rows: day, time, kind, session."""
    return pd.DataFrame(
        {
            t("programme.col_day"): [
                t("programme.day_label", n=int(n), date=t.date(d, "d MMMM"))
                for n, d in zip(df["day_no"], df["day"])
            ],
            t("programme.col_time"): df["starts_at"].tolist(),
            t("programme.col_kind"): [t.enum("session_kind", k) for k in df["kind"]],
            t("programme.col_session"): df["title"].tolist(),
        }
    )


def participation_totals(df: pd.DataFrame, region: str | None = None) -> dict[str, int]:
    """participants and person_days (of ``region`` when given, else of all), regions_present
    and regions_total (always over all regions) of a ``participation_by_region`` frame."""
    mine = df[df["region_iso"] == region] if region else df
    return {
        "participants": int(mine["participants"].sum()),
        "regions_present": int((df["participants"] > 0).sum()),
        "regions_total": len(df),
        "person_days": int(mine["person_days"].sum()),
    }


def recommendations_table(
    df: pd.DataFrame, t: Translator, *, for_export: bool = False
) -> pd.DataFrame:
    """The ``recommendations_list`` rows. The first column flags an overdue follow-up with
    ⚠ and the days overdue (a sign and words, not colour)."""
    overdue = [
        f"{OVERDUE_BADGE} {t('programme.days_overdue', n=t.num(n))}" if late else ""
        for late, n in zip(df["is_overdue"], df["days_overdue"])
    ]
    follow: Any
    if for_export:
        follow = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df["follow_up_date"]]
    else:
        follow = [t.date(v) if pd.notna(v) else "—" for v in df["follow_up_date"]]
    table = pd.DataFrame(
        {
            t("programme.col_overdue"): overdue,
            t("programme.col_region"): df["region_name"].tolist(),
            t("programme.col_category"): [t.enum("rec_category", c) for c in df["category"]],
            t("programme.col_text"): df["text"].tolist(),
            t("programme.col_status"): [t.enum("rec_status", s) for s in df["status"]],
            t("programme.col_body"): [t.enum("body", b) for b in df["responsible_body"]],
            t("programme.col_follow_up"): follow,
        }
    )
    if for_export:
        return with_demo_column(table, df["is_demo"], t("export.demo_note"))
    return table


def recommendation_totals(by_category: pd.DataFrame) -> dict[str, int]:
    """recommendations, overdue, implemented of a ``recommendations_by_category`` frame."""
    return {
        "recommendations": int(by_category["recommendations"].sum()),
        "overdue": int(by_category["overdue"].sum()),
        "implemented": int(
            by_category.loc[by_category["status"] == "implemented", "recommendations"].sum()
        ),
    }


def initiative_totals(by_region: pd.DataFrame) -> dict[str, float | None]:
    """initiatives, planned, spent, execution (spent / planned, None when nothing planned) of
    a ``programme_initiatives_by_region`` frame."""
    planned = float(by_region["budget_planned_kzt"].sum())
    spent = float(by_region["budget_spent_kzt"].sum())
    return {
        "initiatives": float(by_region["initiatives"].sum()),
        "planned": planned,
        "spent": spent,
        "execution": spent / planned if planned else None,
    }


def initiatives_table(df: pd.DataFrame, t: Translator, *, for_export: bool = False) -> pd.DataFrame:
    """The ``programme_initiatives_top`` rows: title, region, sector, status, start, planned,
    spent, execution."""
    start: Any
    planned: Any
    spent: Any
    execution: Any
    if for_export:
        start = [None if pd.isna(v) else pd.Timestamp(v).date() for v in df["start_date"]]
        planned = df["budget_planned_kzt"].astype("Int64")
        spent = df["budget_spent_kzt"].astype("Int64")
        execution = df["execution"].astype("Float64").round(4)
    else:
        start = [t.date(v) if pd.notna(v) else "—" for v in df["start_date"]]
        planned = [t.kzt(v) for v in df["budget_planned_kzt"]]
        spent = [t.kzt(v) for v in df["budget_spent_kzt"]]
        execution = [t.pct(v, 0) if pd.notna(v) else "—" for v in df["execution"]]
    table = pd.DataFrame(
        {
            t("programme.col_initiative"): df["title"].tolist(),
            t("programme.col_region"): df["region_name"].tolist(),
            t("programme.col_sector"): df["sector_name"].tolist(),
            t("programme.col_status"): [t.enum("status", s) for s in df["status"]],
            t("programme.col_start"): start,
            t("programme.col_planned_kzt" if for_export else "programme.col_planned"): planned,
            t("programme.col_spent_kzt" if for_export else "programme.col_spent"): spent,
            t("programme.col_execution"): execution,
        }
    )
    if for_export:
        return with_demo_column(table, df["is_demo"], t("export.demo_note"))
    return table


def participation_cards(t: Translator, df: pd.DataFrame, region: str | None) -> list[Card]:
    """Participants, regions present of all, person-days (``participation_totals`` of a
    ``participation_by_region`` frame)."""
    totals = participation_totals(df, region)
    regions = t(
        "programme.metric_regions_value",
        present=totals["regions_present"],
        total=totals["regions_total"],
    )
    return [
        Card(t("programme.metric_participants"), t.num(totals["participants"])),
        Card(t("programme.metric_regions"), regions),
        Card(t("programme.metric_person_days"), t.num(totals["person_days"])),
    ]


def satisfaction_cards(t: Translator, distribution: pd.DataFrame) -> list[Card]:
    """The mean score (— without answers) and how many did not answer, of a
    ``satisfaction_distribution`` frame."""
    mean, _answered, missing = satisfaction_mean(distribution)
    value = t("programme.metric_satisfaction_value", mean=t.num(mean, 1)) if mean else "—"
    return [
        Card(t("programme.metric_satisfaction"), value),
        Card(t("programme.metric_not_answered"), t.num(missing)),
    ]


def recommendation_cards(t: Translator, by_category: pd.DataFrame) -> list[Card]:
    """Recommendations, overdue follow-ups, implemented (``recommendation_totals`` of a
    ``recommendations_by_category`` frame)."""
    totals = recommendation_totals(by_category)
    return [
        Card(t("programme.metric_recommendations"), t.num(totals["recommendations"])),
        Card(t("programme.metric_overdue"), t.num(totals["overdue"])),
        Card(t("programme.metric_implemented"), t.num(totals["implemented"])),
    ]


def initiative_cards(t: Translator, by_region: pd.DataFrame) -> list[Card]:
    """Initiatives, planned, spent, execution (``initiative_totals`` of a
    ``programme_initiatives_by_region`` frame)."""
    totals = initiative_totals(by_region)
    return [
        Card(t("programme.metric_initiatives"), t.num(totals["initiatives"])),
        Card(t("programme.metric_planned"), t.kzt(totals["planned"])),
        Card(t("programme.metric_spent"), t.kzt(totals["spent"])),
        Card(t("programme.metric_execution"), t.pct(totals["execution"], 0)),
    ]
