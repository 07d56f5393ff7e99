"""Charts of one region's dashboard (its map is in ``charts.maps``; the funding and sector mixes
are the overview's builders).

Pure builders: frame + Translator in, a new ``go.Figure`` out, values preformatted.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from creative_dash import vocab
from creative_dash.charts.base import (
    GOLD,
    SKY,
    STATUS_COLORS,
    empty_figure,
    esc,
    esc_all,
    new_figure,
)
from creative_dash.charts.overview import money_axis, titled
from creative_dash.i18n import Translator
from creative_dash.metrics import Metric, best_first, format_value

PIPELINE = ("proposed", "approved", "in_progress", "completed")
REC_STATUS_ORDER = vocab.REC_STATUSES
REC_STATUS_COLORS = {
    "proposed": "#9DB4C0",
    "accepted": "#5C9EAD",
    "in_progress": SKY,
    "implemented": "#2F6B3A",
    "rejected": "#B4464B",
}


def status_pipeline(df: pd.DataFrame, t: Translator, *, title: str) -> go.Figure:
    """Initiatives by status (``overview_status_pipeline``) as ordered bars, proposed on top to
    completed, with cancelled apart in its own panel below."""
    if df.empty or int(df["initiatives"].sum()) == 0:
        return titled(empty_figure(t, title), title)
    counts = dict(zip(df["status"], df["initiatives"].astype(int)))
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        row_heights=[0.8, 0.2],
        vertical_spacing=0.08,
        figure=new_figure(t, title, height=340),
    )
    for row, statuses in ((1, PIPELINE), (2, ("cancelled",))):
        labels = [esc(t.enum("status", s)) for s in statuses]
        values = [counts.get(s, 0) for s in statuses]
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=labels,
                x=values,
                text=[t.num(v) for v in values],
                textposition="outside",
                cliponaxis=False,
                marker={"color": [STATUS_COLORS[s] for s in statuses]},
                showlegend=False,
                name=esc(t("region.pipeline_trace")),
                hovertemplate="%{y}: <b>%{text}</b><extra></extra>",
            ),
            row=row,
            col=1,
        )
        fig.update_yaxes(
            categoryorder="array", categoryarray=list(reversed(labels)), row=row, col=1
        )
    # room for the count beside the longest bar (shared by both panels)
    fig.update_xaxes(range=[0, max(counts.values()) * 1.15], autorange=False)
    fig.update_xaxes(title=esc(t("overview.axis_initiatives")), row=2, col=1)
    return titled(fig, title)


def quarter_label(t: Translator, year: int, quarter: int) -> str:
    return t("region.quarter", year=year, q=quarter)


def timeline_quarters(
    df: pd.DataFrame, t: Translator, *, title: str, years: tuple[int, int] | None = None
) -> go.Figure:
    """Initiatives started per quarter (``overview_started_by_quarter``), stacked by status."""
    if df.empty:
        return titled(empty_figure(t, title), title)
    first, last = years or (int(df["year"].min()), int(df["year"].max()))
    index = [(y, q) for y in range(first, last + 1) for q in range(1, 5)]
    table = df.pivot_table(
        index=["year", "quarter"],
        columns="status",
        values="initiatives",
        aggfunc="sum",
        fill_value=0,
    ).reindex(index, fill_value=0)
    x = [esc(quarter_label(t, y, q)) for y, q in index]
    fig = new_figure(t, title, height=360)
    for status in vocab.INITIATIVE_STATUSES:
        if status not in table.columns:
            continue
        values = table[status].astype(int).tolist()
        fig.add_trace(
            go.Bar(
                x=x,
                y=values,
                name=esc(t.enum("status", status)),
                marker={"color": STATUS_COLORS[status]},
                hovertemplate="%{x} · " + esc(t.enum("status", status)) + ": <b>%{y}</b>"
                "<extra></extra>",
            )
        )
    # below the slanted quarter labels: the legend cannot cover the title
    fig.update_layout(
        barmode="stack",
        margin={"b": 110},
        legend={"orientation": "h", "y": -0.38, "yanchor": "top", "x": 0},
    )
    fig.update_xaxes(type="category", title=None, tickangle=-45)
    fig.update_yaxes(title=esc(t("overview.axis_initiatives")), rangemode="tozero")
    return titled(fig, title)


def competency_chart(df: pd.DataFrame, t: Translator, *, title: str) -> go.Figure:
    """Mean self-assessment before and after the programme per competency
    (``region_competencies``): a dumbbell, hollow circle before, filled diamond after, both
    labelled."""
    data = df.dropna(subset=["pre_mean", "post_mean"])
    if data.empty:
        return titled(empty_figure(t, title), title)
    names = esc_all(data[t.name_col()])
    fig = new_figure(t, title, height=max(280, 60 * len(data) + 120))
    xs: list[float | None] = []
    ys: list[str | None] = []
    for name, pre, post in zip(names, data["pre_mean"], data["post_mean"]):
        xs += [pre, post, None]
        ys += [name, name, None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#9DB4C0", "width": 3},
            hoverinfo="skip",
            showlegend=False,
            name="",
        )
    )
    for col, label_key, symbol, color, position in (
        ("pre_mean", "region.score_pre", "circle-open", "#5A6B73", "middle left"),
        ("post_mean", "region.score_post", "diamond", SKY, "middle right"),
    ):
        label = esc(t(label_key))
        fig.add_trace(
            go.Scatter(
                x=data[col].tolist(),
                y=names,
                mode="markers+text",
                marker={"symbol": symbol, "size": 14, "color": color, "line": {"width": 2}},
                text=[t.num(v, 1) for v in data[col]],
                textposition=position,
                cliponaxis=False,
                name=label,
                hovertemplate="%{y}<br>" + label + ": <b>%{text}</b><extra></extra>",
            )
        )
    fig.update_xaxes(range=[0, 10.5], title=esc(t("region.score_axis")), dtick=1)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(names)), title=None)
    return titled(fig, title, top=90)


def recommendation_bars(df: pd.DataFrame, t: Translator, *, title: str) -> go.Figure:
    """The region's recommendations by status (``region_recommendations`` rows counted)."""
    if df.empty:
        return titled(empty_figure(t, title), title)
    counts = df["status"].value_counts()
    statuses = [s for s in REC_STATUS_ORDER if s in counts.index]
    labels = [esc(t.enum("rec_status", s)) for s in statuses]
    values = [int(counts[s]) for s in statuses]
    fig = new_figure(t, title, height=max(220, 40 * len(statuses) + 110))
    fig.add_trace(
        go.Bar(
            orientation="h",
            y=labels,
            x=values,
            text=[t.num(v) for v in values],
            textposition="outside",
            cliponaxis=False,
            marker={"color": [REC_STATUS_COLORS[s] for s in statuses]},
            showlegend=False,
            name=esc(t("region.recs_trace")),
            hovertemplate="%{y}: <b>%{text}</b><extra></extra>",
        )
    )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)), title=None)
    fig.update_xaxes(title=esc(t("region.recs_axis")), rangemode="tozero", dtick=1)
    return titled(fig, title)


def peer_bars(
    df: pd.DataFrame,
    metric: Metric,
    t: Translator,
    *,
    iso: str,
    peers: Sequence[str],
    title: str,
    median_label: str,
) -> go.Figure:
    """The region and its peers on ``metric`` (``region_metrics`` rows), the region in gold and
    marked ▶ in its label, the peers' median as a dashed line."""
    data = df[df["iso_code"].isin([iso, *peers])].copy()
    if data.empty or data[metric.code].notna().sum() == 0:
        return titled(empty_figure(t, title), title)
    data = best_first(data, metric, t.name_col())
    labels = [
        f"<b>▶ {esc(n)}</b>" if code == iso else esc(n)
        for n, code in zip(data[t.name_col()], data["iso_code"])
    ]
    fig = new_figure(t, title, height=max(240, 30 * len(data) + 120))
    fig.add_trace(
        go.Bar(
            orientation="h",
            y=labels,
            x=data[metric.code].fillna(0).tolist(),
            text=esc_all(format_value(t, metric, v) for v in data[metric.code]),
            textposition="outside",
            cliponaxis=False,
            marker={"color": [GOLD if code == iso else SKY for code in data["iso_code"]]},
            showlegend=False,
            name=esc(metric.label(t)),
            hovertemplate="%{y}: <b>%{text}</b><extra></extra>",
        )
    )
    median = data.loc[data["iso_code"] != iso, metric.code].median()
    if not pd.isna(median):
        fig.add_vline(x=float(median), line={"color": "#10222B", "dash": "dash", "width": 1.5})
        fig.add_annotation(
            x=float(median),
            y=1.0,
            yref="paper",
            yanchor="bottom",
            text=esc(f"{median_label}: {format_value(t, metric, median)}"),
            showarrow=False,
            font={"size": 12},
        )
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)), title=None)
    fig.update_xaxes(title=esc(metric.unit_text(t)), rangemode="tozero")
    largest = float(data[metric.code].fillna(0).max())  # 0 when no region has a value
    if metric.money:
        money_axis(fig, t, largest)
    if largest > 0:
        fig.update_xaxes(range=[0, largest * 1.15])
    return titled(fig, title, top=60)
