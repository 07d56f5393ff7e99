"""What the overview shows besides charts: KPI cards and captions, formatted in the UI language.

Pure functions (query frames in, plain values out), no Streamlit: the page renders them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash.i18n import Translator
from creative_dash.metrics import KPI_METRICS, KPI_ROWS, METRIC_BY_CODE, Metric, format_value


@dataclass(frozen=True)
class KpiCard:
    key: str
    label: str
    value: str
    delta: str | None  # the change against the previous period, formatted
    delta_color: str  # green | red | gray (our deltas start with U+2212, not "-")
    delta_arrow: str  # up | down | off
    help: str


def _missing(value: Any) -> bool:
    return value is None or pd.isna(value)


def period_text(t: Translator, first: int, last: int) -> str:
    return str(first) if first == last else f"{first}–{last}"


def _value(t: Translator, metric: Metric, value: Any) -> str:
    return "—" if _missing(value) else format_value(t, metric, value)


def _delta(
    t: Translator, metric: Metric, current: Any, previous: Any
) -> tuple[str | None, str, str]:
    """(text, colour, arrow) of the change from ``previous`` to ``current``; the colour says
    better (green) or worse (red), the arrow up or down."""
    if _missing(current) or _missing(previous):
        return None, "gray", "off"
    diff = float(current) - float(previous)
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    if metric.kind == "share":
        text = t("overview.pp", value=f"{sign}{t.num(abs(diff) * 100, 1)}")
    elif float(previous) == 0:
        # no percentage from zero: the absolute change says it
        text = f"{sign}{format_value(t, metric, abs(diff))}"
    else:
        text = t.signed_pct(diff / abs(float(previous)))
    if diff == 0:
        return text, "gray", "off"
    arrow = "up" if diff > 0 else "down"
    return text, "green" if (diff > 0) == metric.higher_is_better else "red", arrow


def _help(t: Translator, metric: Metric, note: str) -> str:
    return f"{metric.help(t)} {note}"


def kpi_cards(t: Translator, kpis: pd.DataFrame, data_from: int | None = None) -> list[KpiCard]:
    """The cards of the catalogue's KPIs from the ``overview_kpis`` frame (rows 'current' and
    'previous').

    ``data_from``: the first year with initiatives in the store. A previous period wholly
    before it has no data to compare with (not zero activity): initiative and programme figures
    then show no change. Hubs and indicators keep theirs: they carry their own dates."""
    current = kpis[kpis["period"] == "current"].iloc[0]
    previous = kpis[kpis["period"] == "previous"].iloc[0]
    prev_period = period_text(t, int(previous["first_year"]), int(previous["last_year"]))
    before_data = data_from is not None and int(previous["last_year"]) < data_from
    cards = []
    for code in KPI_METRICS:
        metric = METRIC_BY_CODE[code]
        now, before = current[code], previous[code]
        delta, color, arrow = None, "gray", "off"
        if before_data and not metric.own_dates:
            help_text = _help(t, metric, t("overview.kpi_no_earlier", year=data_from))
        elif not metric.comparable:
            help_text = _help(t, metric, t("overview.kpi_no_change"))
        elif _missing(before):
            help_text = _help(t, metric, t("overview.kpi_no_previous", period=prev_period))
        else:
            delta, color, arrow = _delta(t, metric, now, before)
            value = _value(t, metric, before)
            help_text = _help(
                t, metric, t("overview.kpi_previous", period=prev_period, value=value)
            )
        if code == "private_impact_share" and current["budget_planned"]:
            help_text += " " + t(
                "overview.kpi_share_split",
                private=t.kzt(current["budget_private"]),
                impact=t.kzt(current["budget_impact"]),
            )
        cards.append(
            KpiCard(code, metric.label(t), _value(t, metric, now), delta, color, arrow, help_text)
        )
    return cards


def card_rows(cards: list[KpiCard]) -> list[list[KpiCard]]:
    """The cards in rows by theme (the catalogue's ``kpi_row``), in catalogue order."""
    by_key = {c.key: c for c in cards}
    return [
        [by_key[c] for c in KPI_METRICS if c in by_key and METRIC_BY_CODE[c].kpi_row == row]
        for row in KPI_ROWS
    ]


def map_caption(t: Translator, metric: Metric, metrics: pd.DataFrame) -> str:
    """The caption under the map: how to use it, what ``metric`` counts and, per capita, which
    population figures it divides by."""
    notes = [t("overview.map_help"), metric.help(t)]
    if metric.per_capita:
        notes.append(population_caption(t, metrics))
    return " ".join(notes)


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
