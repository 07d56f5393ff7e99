"""Charts of the filtered initiatives: budget by region, jobs per million tenge, status by year.

Pure builders: aggregated DataFrames in (from ``queries/initiatives.py``), a new figure out.
Hover text is preformatted with the Translator (Plotly has no Kazakh locale) and every
user-entered text (initiative titles) goes through ``esc``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from creative_dash import vocab
from creative_dash.charts.base import GOLD, SKY, STATUS_COLORS, empty_figure, esc, new_figure
from creative_dash.i18n import Translator

STATUS_ORDER = vocab.INITIATIVE_STATUSES
JOBS_BY = ("region", "sector")
# Statuses differ by pattern as well as colour, so the stack reads without colour vision.
STATUS_PATTERNS = {
    "proposed": "",
    "approved": ".",
    "in_progress": "/",
    "completed": "",
    "cancelled": "x",
}


def _height(n_bars: int) -> int:
    return max(320, 110 + 26 * n_bars)


# Legends go under the plot: a wrapped legend above it would cover the title on phones.
LEGEND_BELOW = {"orientation": "h", "yanchor": "top", "y": -0.1, "xanchor": "left", "x": 0}


def _subtitled(fig: go.Figure, subtitle: str) -> go.Figure:
    """Short title, the rest in a subtitle: Plotly does not wrap titles, phones cut them."""
    fig.update_layout(title_subtitle_text=esc(subtitle), margin={"t": 80})
    return fig


def kzt_ticks(top: float, t: Translator, n: int = 4) -> tuple[list[float], list[str]]:
    """Round tick values from 0 to ``top`` with tenge labels in the UI language (Plotly's own
    SI suffixes, 5B or 300M, are English)."""
    if not top or top <= 0:
        return [0.0], [t.kzt(0)]
    raw = top / n
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    values = [i * step for i in range(int(top // step) + 2)]
    return values, [t.kzt(v) for v in values]


def budget_by_region(df: pd.DataFrame, t: Translator, region_names: Mapping[str, str]) -> go.Figure:
    """Planned and spent budget per region (horizontal bars, largest planned on top).

    ``df``: initiatives_by_region. Hover names each region's largest initiative."""
    title = t("initiatives.chart_budget")
    subtitle = t("initiatives.chart_budget_sub")
    if df.empty:
        return _subtitled(empty_figure(t, title), subtitle)
    d = df.sort_values(["planned_kzt", "region_iso"], ascending=[True, False])
    names = [esc(region_names.get(c, c)) for c in d["region_iso"]]
    fig = new_figure(
        t,
        title,
        height=_height(len(d)),
        barmode="group",
        legend=LEGEND_BELOW,
        xaxis_title=None,  # the tick labels carry the ₸
        yaxis_title=None,
    )
    _subtitled(fig, subtitle)
    largest = [
        t("initiatives.hover_largest", title=esc(ti), amount=t.kzt(a))
        for ti, a in zip(d["largest_title"], d["largest_planned_kzt"], strict=True)
    ]
    top = float(max(d["planned_kzt"].max(), d["spent_kzt"].max()))
    tickvals, ticktext = kzt_ticks(top, t)
    fig.update_xaxes(tickmode="array", tickvals=tickvals, ticktext=ticktext)
    for col, key, colour in (("planned_kzt", "planned", SKY), ("spent_kzt", "spent", GOLD)):
        label = t(f"initiatives.{key}")
        custom = [
            [t.kzt(v), t.num(n), big] for v, n, big in zip(d[col], d["n"], largest, strict=True)
        ]
        fig.add_trace(
            go.Bar(
                x=d[col].astype(float).tolist(),
                y=names,
                orientation="h",
                name=label,
                marker_color=colour,
                customdata=custom,
                hovertemplate=(
                    f"<b>%{{y}}</b><br>{esc(label)}: %{{customdata[0]}}<br>"
                    f"{esc(t('initiatives.hover_count'))}: %{{customdata[1]}}<br>"
                    "%{customdata[2]}<extra></extra>"
                ),
            )
        )
    return fig


def jobs_per_million(
    df: pd.DataFrame, t: Translator, names: Mapping[str, str], by: str
) -> go.Figure:
    """Jobs created per million tenge spent, per region or per main sector (``by``).

    ``df``: initiatives_by_region or initiatives_by_sector; the key column is ``region_iso`` or
    ``sector_code``. Groups that spent nothing are left out (no ratio)."""
    if by not in JOBS_BY:
        raise ValueError(f"by must be one of {JOBS_BY}")
    title = t("initiatives.chart_jobs")
    subtitle = t(f"initiatives.chart_jobs_{by}")
    key = "region_iso" if by == "region" else "sector_code"
    d = df[df["spent_kzt"] > 0].copy() if not df.empty else df
    if d.empty:
        return _subtitled(empty_figure(t, title), subtitle)
    d["ratio"] = d["jobs"].astype(float) / (d["spent_kzt"].astype(float) / 1e6)
    d = d.sort_values(["ratio", key], ascending=[True, False])
    labels = [esc(names.get(c, c)) for c in d[key]]
    fig = new_figure(
        t,
        title,
        height=_height(len(d)) + 20,
        xaxis_title=None,  # the title names the unit
        yaxis_title=None,
    )
    _subtitled(fig, subtitle)
    custom = [
        [t.num(r, 2), t.num(j), t.kzt(s)]
        for r, j, s in zip(d["ratio"], d["jobs"], d["spent_kzt"], strict=True)
    ]
    fig.add_trace(
        go.Bar(
            x=d["ratio"].round(4).tolist(),
            y=labels,
            orientation="h",
            name=t("initiatives.axis_jobs_per_mln"),
            marker_color=SKY,
            customdata=custom,
            text=[c[0] for c in custom],
            textposition="auto",
            hovertemplate=(
                f"<b>%{{y}}</b><br>{esc(t('initiatives.axis_jobs_per_mln'))}: "
                f"%{{customdata[0]}}<br>{esc(t('initiatives.jobs'))}: %{{customdata[1]}}"
                f"<br>{esc(t('initiatives.spent'))}: %{{customdata[2]}}<extra></extra>"
            ),
        )
    )
    return fig


def status_by_year(df: pd.DataFrame, t: Translator) -> go.Figure:
    """Initiatives per start year, stacked by status. ``df``: initiatives_status_by_year."""
    title = t("initiatives.chart_status")
    subtitle = t("initiatives.chart_status_sub")
    if df.empty:
        return _subtitled(empty_figure(t, title), subtitle)
    years = sorted(int(y) for y in df["start_year"].unique())
    fig = new_figure(
        t,
        title,
        barmode="stack",
        height=420,
        legend={**LEGEND_BELOW, "traceorder": "normal"},
        xaxis_title=None,  # the subtitle says these are start years
        yaxis_title=t("initiatives.axis_count"),
    )
    _subtitled(fig, subtitle)
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years])
    counts = df.pivot_table(
        index="start_year", columns="status", values="n", aggfunc="sum", fill_value=0
    )
    for status in STATUS_ORDER:
        if status not in counts.columns:
            continue
        values = counts[status].reindex(years, fill_value=0).astype(int).tolist()
        label = t.enum("status", status)
        fig.add_trace(
            go.Bar(
                x=years,
                y=values,
                name=label,
                marker_color=STATUS_COLORS[status],
                marker_pattern_shape=STATUS_PATTERNS[status],
                customdata=[t.num(v) for v in values],
                hovertemplate=f"%{{x}} · {esc(label)}: %{{customdata}}<extra></extra>",
            )
        )
    return fig
