"""Charts of the national overview (the region dashboard reuses the mixes).

Pure builders: query frame + Translator in, a new ``go.Figure`` out. Every bar carries its value
as text, names come translated from the reference tables or the catalogue, and hover text is
preformatted by the Translator (Plotly has no Kazakh locale).
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd
import plotly.graph_objects as go

from creative_dash import vocab
from creative_dash.charts.base import (
    FUNDING_COLORS,
    GOLD,
    PALETTE,
    SDG_COLORS,
    SKY,
    STATUS_COLORS,
    empty_figure,
    esc,
    esc_all,
    new_figure,
)
from creative_dash.i18n import Translator
from creative_dash.metrics import Metric, best_first, format_value, rank_words, ranks

UNCTAD_COLORS = {
    "heritage": "#9C6644",
    "arts": "#B4464B",
    "media": SKY,
    "functional_creations": "#5B8C2A",
}
UNCTAD_ORDER = ("heritage", "arts", "media", "functional_creations")
STATUS_ORDER = vocab.INITIATIVE_STATUSES
BAR_HEIGHT = 26


TITLE_LINE = 40  # characters per title line: Plotly never wraps a title, a phone shows ~40


def titled(fig: go.Figure, title: str, top: int = 50) -> go.Figure:
    """Give ``fig`` its title wrapped over lines, with a top margin that fits them (``top``:
    the margin for one line, more when a legend sits above the plot)."""
    lines = textwrap.wrap(title, TITLE_LINE) or [title]
    fig.update_layout(
        title={"text": "<br>".join(esc(line) for line in lines)},
        margin={"t": top + 22 * (len(lines) - 1)},
    )
    return fig


def _bar_height(n: int, extra: int = 110) -> int:
    return max(260, n * BAR_HEIGHT + extra)


def nice_ticks(largest: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to about ``largest`` (1, 2, 2.5 or 5 times a power of ten)."""
    if largest <= 0:
        return [0.0]
    raw = largest / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(largest // step) + 2)]


def money_axis(fig: go.Figure, t: Translator, largest: float, axis: str = "x") -> None:
    """Tick labels in tenge formatted by the Translator ("200 млн ₸", not Plotly's "200M")."""
    ticks = nice_ticks(largest, 3)  # few ticks: "1,5 млрд ₸" is wide
    update = fig.update_xaxes if axis == "x" else fig.update_yaxes
    update(tickmode="array", tickvals=ticks, ticktext=[t.kzt(v) for v in ticks])


def _room_for_labels(fig: go.Figure, largest: float, factor: float = 1.15) -> None:
    """Widen the value axis so the labels outside the longest bar stay inside the chart."""
    if largest > 0:
        fig.update_xaxes(range=[0, largest * factor], autorange=False)


def ranking_bars(
    df: pd.DataFrame, metric: Metric, t: Translator, *, title: str, highlight: str | None = None
) -> go.Figure:
    """The regions ranked on ``metric`` (``region_metrics`` frame), best on top, oblasts and
    cities as two legend entries, every bar labelled with its value; regions without a value
    are listed last with a dash."""
    if df.empty:
        return titled(empty_figure(t, title), title)
    data = df.copy()
    data["_rank"] = ranks(data[metric.code], metric.higher_is_better)
    data = best_first(data, metric, t.name_col())
    n = int(data[metric.code].notna().sum())
    names = [esc(v) for v in data[t.name_col()]]
    if highlight:
        names = [
            f"<b>▶ {name}</b>" if code == highlight else name
            for name, code in zip(names, data["iso_code"])
        ]
    data["_label"] = names
    fig = new_figure(t, title, height=_bar_height(len(data)))
    for kind, color in (("oblast", SKY), ("city", GOLD)):
        rows = data[data["kind"] == kind]
        if rows.empty:
            continue
        texts = [format_value(t, metric, v) for v in rows[metric.code]]
        rank_texts = [
            rank_words(t, int(r), n) if not pd.isna(r) else t("overview.no_rank")
            for r in rows["_rank"]
        ]
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=rows["_label"].tolist(),
                x=rows[metric.code].fillna(0).tolist(),
                text=esc_all(texts),
                textposition="outside",
                cliponaxis=False,
                marker={"color": color},
                name=esc(t(f"overview.kind_legend.{kind}")),
                customdata=[[code, esc(r)] for code, r in zip(rows["iso_code"], rank_texts)],
                hovertemplate="%{y}: <b>%{text}</b><br>%{customdata[1]}<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=data["_label"].tolist()[::-1], title=None)
    fig.update_xaxes(title=esc(metric.unit_text(t)), rangemode="tozero")
    largest = float(data[metric.code].fillna(0).max())  # 0 when no region has a value
    _room_for_labels(fig, largest, 1.2)
    if metric.money:
        money_axis(fig, t, largest)
    else:
        fig.update_xaxes(exponentformat="none", separatethousands=True)
    fig.update_layout(barmode="overlay", bargap=0.25)
    return titled(fig, title, top=90)


def sector_bars(df: pd.DataFrame, t: Translator, *, title: str) -> go.Figure:
    """Initiatives per main sector (``overview_sector_mix``), largest on top, coloured by UNCTAD
    group (legend) with the count on every bar."""
    if df.empty or int(df["initiatives"].sum()) == 0:
        return titled(empty_figure(t, title), title)
    data = df.sort_values(["initiatives", "sort_order"], ascending=[False, True])
    fig = new_figure(t, title, height=_bar_height(len(data)))
    for group in UNCTAD_ORDER:
        rows = data[data["unctad_group"] == group]
        if rows.empty:
            continue
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=esc_all(rows[t.name_col()]),
                x=rows["initiatives"].tolist(),
                text=[t.num(v) for v in rows["initiatives"]],
                textposition="outside",
                cliponaxis=False,
                marker={"color": UNCTAD_COLORS[group]},
                name=esc(t.enum("unctad", group)),
                customdata=[[t.kzt(v)] for v in rows["budget_planned"]],
                hovertemplate=(
                    "%{y}: <b>%{text}</b><br>"
                    + esc(t("overview.budget_planned"))
                    + ": %{customdata[0]}<extra></extra>"
                ),
            )
        )
    fig.update_yaxes(
        categoryorder="array", categoryarray=list(reversed(esc_all(data[t.name_col()]))), title=None
    )
    # The UNCTAD legend wraps in a narrow column: below the bars it cannot cover the title.
    # Every bar carries its count, so the value axis needs neither title nor tick labels.
    fig.update_xaxes(title=None, rangemode="tozero", showticklabels=False)
    _room_for_labels(fig, float(data["initiatives"].max()), 1.2)
    fig.update_layout(
        barmode="overlay",
        bargap=0.25,
        legend={"orientation": "h", "y": -0.02, "yanchor": "top", "x": 0},
        margin={"b": 60},
    )
    return titled(fig, title)


def funding_bars(df: pd.DataFrame, t: Translator, *, title: str) -> go.Figure:
    """Planned budget by funding source (``overview_funding_mix``), each bar labelled with the
    amount and its share."""
    if df.empty or int(df["budget_planned"].sum()) == 0:
        return titled(empty_figure(t, title), title)
    labels = [esc(t.enum("funding", s)) for s in df["funding_source"]]
    texts = [
        f"{t.kzt(b)} ({t.pct(s, 0)})" if not pd.isna(s) else t.kzt(b)
        for b, s in zip(df["budget_planned"], df["share"])
    ]
    fig = new_figure(t, title, height=_bar_height(len(df), 120))
    fig.add_trace(
        go.Bar(
            orientation="h",
            y=labels,
            x=df["budget_planned"].tolist(),
            text=texts,
            textposition="outside",
            cliponaxis=False,
            marker={"color": [FUNDING_COLORS.get(s, PALETTE[0]) for s in df["funding_source"]]},
            customdata=[
                [t.num(n), t.kzt(s)] for n, s in zip(df["initiatives"], df["budget_spent"])
            ],
            hovertemplate=(
                "%{y}<br>"
                + esc(t("overview.budget_planned"))
                + ": <b>%{text}</b><br>"
                + esc(t("overview.budget_spent"))
                + ": %{customdata[1]}<br>"
                + esc(t("overview.axis_initiatives"))
                + ": %{customdata[0]}"
                "<extra></extra>"
            ),
            showlegend=False,
            name=esc(t("overview.budget_planned")),
        )
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)), title=None)
    fig.update_xaxes(title=esc(t("overview.axis_budget")), rangemode="tozero")
    # "₸27.9B · 44.0%" is long: leave room for it beside the longest bar
    largest = float(df["budget_planned"].max())
    _room_for_labels(fig, largest, 1.6)
    money_axis(fig, t, largest)
    return titled(fig, title)


def started_per_year(
    df: pd.DataFrame, t: Translator, *, title: str, years: tuple[int, int] | None = None
) -> go.Figure:
    """Initiatives started per year (``overview_started_by_year``), stacked by status (legend),
    with the year's total above each column."""
    if df.empty:
        return titled(empty_figure(t, title), title)
    first, last = years or (int(df["year"].min()), int(df["year"].max()))
    all_years = list(range(first, last + 1))
    table = df.pivot_table(
        index="year", columns="status", values="initiatives", aggfunc="sum", fill_value=0
    ).reindex(all_years, fill_value=0)
    x = [str(y) for y in all_years]
    fig = new_figure(t, title, height=380)
    for status in STATUS_ORDER:
        if status not in table.columns:
            continue
        values = table[status].astype(int).tolist()
        fig.add_trace(
            go.Bar(
                x=x,
                y=values,
                name=esc(t.enum("status", status)),
                marker={"color": STATUS_COLORS[status]},
                customdata=[[t.num(v)] for v in values],
                hovertemplate="%{x} · "
                + esc(t.enum("status", status))
                + ": <b>%{customdata[0]}</b><extra></extra>",
            )
        )
    totals = table.sum(axis=1).astype(int).tolist()
    fig.add_trace(
        go.Scatter(
            x=x,
            y=totals,
            mode="text",
            text=[t.num(v) for v in totals],
            textposition="top center",
            hoverinfo="skip",
            showlegend=False,
            name=esc(t("overview.total")),
            cliponaxis=False,
        )
    )
    # Five statuses wrap over lines on a phone: below the plot the legend cannot cover the title.
    fig.update_layout(
        barmode="stack",
        margin={"b": 80},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0},
    )
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title=esc(t("overview.axis_initiatives")), rangemode="tozero")
    return titled(fig, title)


def sdg_bars(df: pd.DataFrame, t: Translator, *, title: str) -> go.Figure:
    """Initiatives serving each of the 17 SDGs (``overview_sdg_counts``): the official colours,
    the goal number under each bar and its count above, the goal's name in the hover."""
    if df.empty or int(df["initiatives"].sum()) == 0:
        return titled(empty_figure(t, title), title)
    goals = [int(g) for g in df["sdg"]]
    fig = new_figure(t, title, height=380)
    fig.add_trace(
        go.Bar(
            x=[str(g) for g in goals],
            y=df["initiatives"].tolist(),
            text=[t.num(v) for v in df["initiatives"]],
            textposition="outside",
            cliponaxis=False,
            marker={"color": [SDG_COLORS[g] for g in goals]},
            customdata=[
                [esc(t("overview.sdg_label", goal=g)), esc(t(f"overview.sdg.g{g}"))] for g in goals
            ],
            hovertemplate="<b>%{customdata[0]}</b> %{customdata[1]}<br>"
            + esc(t("overview.axis_initiatives"))
            + ": %{text}<extra></extra>",
            showlegend=False,
            name=esc(t("overview.axis_initiatives")),
        )
    )
    fig.update_xaxes(type="category", title=esc(t("overview.axis_sdg")))
    fig.update_yaxes(title=esc(t("overview.axis_initiatives")), rangemode="tozero")
    return titled(fig, title)
