"""What the overview shows besides charts: KPI cards and captions, formatted in the UI language.

Pure functions (query frames in, plain values out), no Streamlit: the page renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash.i18n import Translator


@dataclass(frozen=True)
class KpiCard:
    key: str
    label: str
    value: str
    delta: str | None  # the change against the previous period, formatted
    delta_color: str  # green | red | gray (our deltas start with U+2212, not "-")
    delta_arrow: str  # up | down | off
    help: str


# (code, query column, how to show it). Shares move in percentage points, counts in percent.
KPIS: tuple[tuple[str, str, str], ...] = (
    ("hubs", "hubs", "count"),
    ("initiatives", "initiatives", "count"),
    ("active", "active", "count"),  # no change shown: see NO_DELTA
    ("budget_planned", "budget_planned", "kzt"),
    ("budget_spent", "budget_spent", "kzt"),
    ("private_impact_share", "private_impact_share", "share"),
    ("jobs", "jobs", "count"),
    ("youth", "youth", "count"),
    ("women", "women", "count"),
    ("participants", "participants", "count"),
)


# Cards in rows by theme (activity, money, people): narrow enough rows that the values, in
# Kazakh too ("63,3 млрд ₸"), are not cut.
KPI_ROWS: tuple[tuple[str, ...], ...] = (
    ("hubs", "initiatives", "active", "participants"),
    ("budget_planned", "budget_spent", "private_impact_share"),
    ("jobs", "youth", "women"),
)

# "Active" uses the status recorded today (approved or in progress), so an earlier period looks
# empty: its change would mislead, and is left out (the help text says why).
NO_DELTA = frozenset({"active"})


def _missing(value: Any) -> bool:
    return value is None or pd.isna(value)


def period_text(t: Translator, first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _value(t: Translator, kind: str, value: Any) -> str:
    if _missing(value):
        return "—"
    if kind == "kzt":
        return t.kzt(value)
    if kind == "share":
        return t.pct(value)
    return t.num(value)


def _delta(t: Translator, kind: str, current: Any, previous: Any) -> tuple[str | None, str, str]:
    """(text, colour, arrow) of the change from ``previous`` to ``current``."""
    if _missing(current) or _missing(previous):
        return None, "gray", "off"
    diff = float(current) - float(previous)
    if kind == "share":
        points = abs(diff) * 100
        sign = "+" if diff > 0 else "−" if diff < 0 else "±"
        text = t("overview.pp", value=f"{sign}{t.num(points, 1)}")
    elif float(previous) == 0:
        # no percentage from zero: the absolute change says it
        sign = "+" if diff > 0 else "−" if diff < 0 else "±"
        amount = t.kzt(abs(diff)) if kind == "kzt" else t.num(abs(diff))
        text = f"{sign}{amount}"
    else:
        text = t.signed_pct(diff / abs(float(previous)))
    if diff > 0:
        return text, "green", "up"
    if diff < 0:
        return text, "red", "down"
    return text, "gray", "off"


def kpi_cards(t: Translator, kpis: pd.DataFrame, data_from: int | None = None) -> list[KpiCard]:
    """The overview's cards from the ``overview_kpis`` frame (rows 'current' and 'previous').

    ``data_from``: the first year with initiatives in the store. A previous period wholly
    before it has no data to compare with (not zero activity): initiative and programme figures
    then show no change. Hubs keep theirs: they carry their own opening dates."""
    current = kpis[kpis["period"] == "current"].iloc[0]
    previous = kpis[kpis["period"] == "previous"].iloc[0]
    prev_period = period_text(t, int(previous["first_year"]), int(previous["last_year"]))
    before_data = data_from is not None and int(previous["last_year"]) < data_from
    cards = []
    for code, column, kind in KPIS:
        if before_data and code != "hubs":
            delta, color, arrow = None, "gray", "off"
            help_text = (
                t(f"overview.kpi_help.{code}") + " " + t("overview.kpi_no_earlier", year=data_from)
            )
        elif code in NO_DELTA:
            delta, color, arrow = None, "gray", "off"
            help_text = t(f"overview.kpi_help.{code}") + " " + t("overview.kpi_no_change")
        else:
            delta, color, arrow = _delta(t, kind, current[column], previous[column])
            help_text = (
                t(f"overview.kpi_help.{code}")
                + " "
                + t(
                    "overview.kpi_previous",
                    period=prev_period,
                    value=_value(t, kind, previous[column]),
                )
            )
        if code == "private_impact_share" and current["budget_planned"]:
            help_text += " " + t(
                "overview.kpi_share_split",
                private=t.kzt(current["budget_private"]),
                impact=t.kzt(current["budget_impact"]),
            )
        cards.append(
            KpiCard(
                code,
                t(f"overview.kpi.{code}"),
                _value(t, kind, current[column]),
                delta,
                color,
                arrow,
                help_text,
            )
        )
    return cards


def card_rows(cards: list[KpiCard]) -> list[list[KpiCard]]:
    """The cards grouped in the rows of KPI_ROWS."""
    by_key = {c.key: c for c in cards}
    return [[by_key[k] for k in row if k in by_key] for row in KPI_ROWS]


def population_caption(t: Translator, metrics: pd.DataFrame) -> str:
    """Which population figures per-capita values divide by, and how far apart their dates are."""
    dates = metrics["population_as_of"].dropna()
    if dates.empty:
        return t("overview.population_none")
    first, last = dates.min(), dates.max()
    older = int((dates < last).sum())
    if first == last:
        return t("overview.population_same", date=t.date(last))
    return t(
        "overview.population_range",
        first=t.date(first),
        last=t.date(last),
        older=older,
        n=len(dates),
    )


def map_caption(t: Translator, metric: Any, metrics: pd.DataFrame) -> str:
    """Under the map: how to use it, and what a per-capita or gain metric rests on."""
    notes = [t("overview.map_help")]
    if metric.per_capita:
        notes.append(population_caption(t, metrics))
    if metric.code == "competency_gain":
        notes.append(t("overview.gain_help"))
    return " ".join(notes)
