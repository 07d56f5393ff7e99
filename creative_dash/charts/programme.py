"""Charts of the Training programme page: participation, competencies, satisfaction,
recommendations and the initiatives that came out of the programme.

Pure builders ``(df, t, ...) -> go.Figure`` over the frames of ``creative_dash.queries.programme``.
Meaning never rides on colour alone: values are written on the bars, the highlighted region is
marked with ``▶`` in its label, overdue follow-ups have their own marker symbol and a ``⚠`` label.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

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
from creative_dash.i18n import Translator, name_sort_key

REC_STATUSES = vocab.REC_STATUSES
REC_STATUS_COLORS = {
    "proposed": "#9DB4C0",
    "accepted": "#5C9EAD",
    "in_progress": SKY,
    "implemented": "#2F6B3A",
    "rejected": "#B4464B",
}
# Open recommendations are circles, closed ones squares; an overdue follow-up is an "x".
REC_STATUS_SYMBOLS = {
    "proposed": "circle-open",
    "accepted": "circle",
    "in_progress": "diamond",
    "implemented": "square",
    "rejected": "square-open",
}
OVERDUE_COLOR = "#B4464B"
INITIATIVE_STATUSES = vocab.INITIATIVE_STATUSES
ABSENT_COLOR = "#C9D6DC"
PRE_COLOR = "#7A8C94"
MARK = "▶ "


def _row_height(n: int, per_row: int = 28, base: int = 130) -> int:
    return base + per_row * max(n, 1)


# Legends sit in their own band between the title and the plot, one entry per line: the band's
# height is then known in advance, so a legend never runs into
# the title or off the side on a phone, where long Kazakh names would wrap unpredictably.
TITLE_BAND_PX = 66  # title and subtitle, pinned to the top of the figure
TITLE_ONLY_PX = 46
LEGEND_ROW_PX = 21


def _legend_on_top(fig: go.Figure) -> go.Figure:
    shown = fig.layout.showlegend is not False
    entries = sum(1 for tr in fig.data if shown and tr.showlegend is not False and tr.name)
    band = TITLE_BAND_PX if fig.layout.title.subtitle.text else TITLE_ONLY_PX
    fig.update_layout(
        title={"y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 12}},
        legend={
            "orientation": "v",
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        margin={"l": 10, "r": 10, "b": 10, "t": band + entries * LEGEND_ROW_PX + 8},
    )
    return fig


# Kazakh letters sort right after the Russian letter they extend (CLDR kk order), which plain
# code-point order does not do (it puts "Ақмола" after "Атырау").
def _subtitle(fig: go.Figure, text: str) -> go.Figure:
    """Details under a short title: Plotly does not wrap titles, so on a phone a long title
    is cut off; the subtitle carries what may be cut."""
    fig.update_layout(title_subtitle_text=esc(text))
    return fig


def _count_axis(top: float) -> dict[str, object]:
    """Axis settings for counts: whole-number ticks (no "0,5 participants")."""
    return {"dtick": 1} if top <= 8 else {"tickformat": ",d"}


# Numbers inside stacked segments stay horizontal; a segment too narrow for its number drops
# it (the hover still has it) instead of shrinking or rotating it.
SEGMENT_TEXT = {"textangle": 0, "textposition": "inside", "insidetextanchor": "middle"}
UNIFORM_TEXT = {"minsize": 11, "mode": "hide"}


def _label(name: str, highlighted: bool) -> str:
    return esc((MARK if highlighted else "") + name)


# -- participation --------------------------------------------------------------------------------
def participation_bars(
    df: pd.DataFrame, t: Translator, *, highlight: str | None = None
) -> go.Figure:
    """One bar per region (all of them, most participants first), the count written on the
    bar; regions that sent nobody get an explicit "0 — not represented" label.

    ``df``: the ``participation_by_region`` frame."""
    present = int((df["participants"] > 0).sum())
    title = t("programme.participation_title")
    if df.empty:
        return empty_figure(t, title)
    sort_names: list[Any] = [tuple(name_sort_key(n)) for n in df["region_name"]]
    data = df.assign(_name=sort_names)
    data = data.sort_values(["participants", "_name"], ascending=[False, True])
    labels = [_label(n, c == highlight) for c, n in zip(data["region_iso"], data["region_name"])]
    texts = [t.num(v) if v > 0 else t("programme.absent_label") for v in data["participants"]]
    colors = [
        GOLD if c == highlight else (SKY if v > 0 else ABSENT_COLOR)
        for c, v in zip(data["region_iso"], data["participants"])
    ]
    fig = new_figure(t, title)
    _subtitle(fig, t("programme.participation_subtitle", present=present, total=len(df)))
    fig.add_trace(
        go.Bar(
            x=data["participants"].tolist(),
            y=labels,
            orientation="h",
            marker={"color": colors},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            customdata=[[t.num(h), t.num(d)] for h, d in zip(data["heads"], data["person_days"])],
            hovertemplate=(
                "%{y}: %{text}<br>" + esc(t("programme.hover_heads")) + ": "
                "%{customdata[0]}<br>"
                + esc(t("programme.hover_person_days"))
                + ": %{customdata[1]}<extra></extra>"
            ),
            name=esc(t("programme.participants")),
            showlegend=False,
        )
    )
    top = float(data["participants"].max()) if len(data) else 1.0
    # the one trace lists every region in order: "trace" order needs no second copy of the names
    fig.update_yaxes(categoryorder="trace", autorange="reversed", title=None)
    fig.update_xaxes(
        title={"text": esc(t("programme.participants"))},
        range=[0, top * 1.5 + 1],
        **_count_axis(top * 1.5 + 1),
    )
    fig.update_layout(height=_row_height(len(data), 24), bargap=0.25)
    return _legend_on_top(fig)


# -- competencies ---------------------------------------------------------------------------------
def competency_dumbbell(
    df: pd.DataFrame,
    t: Translator,
    *,
    label_col: str,
    title: str,
    key_col: str | None = None,
    highlight: str | None = None,
) -> go.Figure:
    """Before/after dumbbells: one row per ``label_col`` value, the pre score an open grey
    circle, the post score a filled circle, the mean gain written beside it ("+1.3").

    ``df``: a ``competency_gains`` or ``competency_gains_by_region`` frame (pre_mean,
    post_mean, gain_mean, participants). ``highlight`` marks the row whose ``key_col`` equals
    it. The title gets the average gain over all rows, weighted by participants."""
    if df.empty:
        return empty_figure(t, title)
    weights = df["participants"].astype(float)
    overall = float((df["gain_mean"] * weights).sum() / weights.sum()) if weights.sum() else 0.0
    keys = df[key_col].tolist() if key_col else [None] * len(df)
    labels = [
        _label(str(n), highlight is not None and k == highlight)
        for k, n in zip(keys, df[label_col])
    ]
    fig = new_figure(t, title)
    _subtitle(fig, t("programme.dumbbell_subtitle", gain=_signed(t, overall)))
    xs: list[float | None] = []
    ys: list[str | None] = []
    for label, pre, post in zip(labels, df["pre_mean"], df["post_mean"]):
        xs += [float(pre), float(post), None]
        ys += [label, label, None]
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#B8C7CF", "width": 4},
            hoverinfo="skip",
            showlegend=False,
            name="",
        )
    )
    custom = [
        [t.num(a, 1), t.num(b, 1), _signed(t, g), t.num(n)]
        for a, b, g, n in zip(df["pre_mean"], df["post_mean"], df["gain_mean"], df["participants"])
    ]
    hover = (
        "<b>%{y}</b><br>"
        + esc(t("programme.pre"))
        + ": %{customdata[0]}<br>"
        + esc(t("programme.post"))
        + ": %{customdata[1]}<br>"
        + esc(t("programme.gain"))
        + ": %{customdata[2]}<br>"
        + esc(t("programme.hover_participants"))
        + ": %{customdata[3]}<extra></extra>"
    )
    fig.add_trace(
        go.Scatter(
            x=df["pre_mean"].tolist(),
            y=labels,
            mode="markers",
            name=esc(t("programme.pre")),
            marker={"symbol": "circle-open", "size": 12, "color": PRE_COLOR, "line": {"width": 2}},
            customdata=custom,
            hovertemplate=hover,
        )
    )
    post_colors = [GOLD if highlight is not None and k == highlight else SKY for k in keys]
    fig.add_trace(
        go.Scatter(
            x=df["post_mean"].tolist(),
            y=labels,
            mode="markers+text",
            name=esc(t("programme.post")),
            marker={"symbol": "circle", "size": 13, "color": post_colors},
            text=[_signed(t, g) for g in df["gain_mean"]],
            textposition="middle right",
            customdata=custom,
            hovertemplate=hover,
        )
    )
    fig.update_xaxes(range=[1, 10.9], dtick=1, title={"text": esc(t("programme.score_axis"))})
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed")
    fig.update_layout(height=_row_height(len(df), 30, 190))
    return _legend_on_top(fig)


def _signed(t: Translator, value: float) -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + t.num(abs(value), 1)


# -- satisfaction ---------------------------------------------------------------------------------
def satisfaction_mean(df: pd.DataFrame) -> tuple[float | None, int, int]:
    """(mean score of those who answered or None, answered, not answered) of a
    ``satisfaction_distribution`` frame."""
    answered = df[df["score"].notna()]
    n = int(answered["participants"].sum())
    missing = int(df.loc[df["score"].isna(), "participants"].sum())
    if n == 0:
        return None, 0, missing
    mean = float((answered["score"].astype(float) * answered["participants"]).sum() / n)
    return mean, n, missing


def satisfaction_bars(df: pd.DataFrame, t: Translator) -> go.Figure:
    """Bars for scores 1–5 and, apart, a grey bar for "not answered"; counts on the bars, the
    mean (of those who answered) in the title."""
    mean, answered, missing = satisfaction_mean(df)
    title = t("programme.satisfaction_title")
    subtitle = (
        t("programme.satisfaction_subtitle", mean=t.num(mean, 1), n=t.num(answered))
        if mean is not None
        else t("programme.satisfaction_subtitle_empty")
    )
    if answered == 0 and missing == 0:
        return _subtitle(empty_figure(t, title), subtitle)
    scores = df[df["score"].notna()]
    fig = _subtitle(new_figure(t, title), subtitle)
    fig.add_trace(
        go.Bar(
            x=[str(int(s)) for s in scores["score"]],
            y=scores["participants"].tolist(),
            text=[t.num(v) for v in scores["participants"]],
            textposition="outside",
            cliponaxis=False,
            marker={"color": SKY},
            name=esc(t("programme.answered")),
            hovertemplate=(esc(t("programme.score")) + " %{x}: %{text}<extra></extra>"),
        )
    )
    fig.add_trace(
        go.Bar(
            x=[esc(t("programme.not_answered"))],
            y=[missing],
            text=[t.num(missing)],
            textposition="outside",
            cliponaxis=False,
            marker={
                "color": "#FFFFFF",
                "line": {"color": PRE_COLOR, "width": 2},
                "pattern": {"shape": "/", "fgcolor": PRE_COLOR},
            },
            name=esc(t("programme.not_answered")),
            hovertemplate="%{x}: %{text}<extra></extra>",
        )
    )
    top = max([*scores["participants"].tolist(), missing, 1])
    fig.update_yaxes(
        title={"text": esc(t("programme.participants"))},
        range=[0, top * 1.25],
        **_count_axis(top * 1.25),
    )
    fig.update_xaxes(title={"text": esc(t("programme.satisfaction_axis"))}, type="category")
    fig.update_layout(height=380, bargap=0.3, showlegend=False)
    return _legend_on_top(fig)


# -- recommendations ------------------------------------------------------------------------------
def recommendations_by_category_bars(df: pd.DataFrame, t: Translator) -> go.Figure:
    """Stacked horizontal bars: recommendations per category, one segment per status (the
    count written in it). A category with overdue follow-ups says so in its label
    ("Export · ⚠ 10"), where it is never cut off, whatever the screen width.

    ``df``: the ``recommendations_by_category`` frame."""
    title = t("programme.rec_category_title")
    if df.empty:
        return empty_figure(t, title)
    totals = df.groupby("category", sort=False)[["recommendations", "overdue"]].sum()
    order = totals.sort_values("recommendations", ascending=False).index.tolist()
    labels = {
        c: esc(
            t.enum("rec_category", c)
            + (f" · ⚠ {t.num(totals.loc[c, 'overdue'])}" if totals.loc[c, "overdue"] > 0 else "")
        )
        for c in order
    }
    fig = _subtitle(new_figure(t, title), t("programme.rec_category_subtitle"))
    for status in REC_STATUSES:
        part = df[df["status"] == status].set_index("category")
        if part.empty:
            continue
        cats = [c for c in order if c in part.index]
        fig.add_trace(
            go.Bar(
                x=[int(part.loc[c, "recommendations"]) for c in cats],
                y=[labels[c] for c in cats],
                orientation="h",
                name=esc(t.enum("rec_status", status)),
                marker={"color": REC_STATUS_COLORS[status]},
                text=[t.num(part.loc[c, "recommendations"]) for c in cats],
                **SEGMENT_TEXT,
                hovertemplate="%{y}<br>" + esc(t.enum("rec_status", status)) + ": %{text}"
                "<extra></extra>",
            )
        )
    top = float(totals["recommendations"].max())
    fig.update_layout(
        barmode="stack",
        uniformtext=UNIFORM_TEXT,
        height=_row_height(len(order), 36, 200),
    )
    fig.update_yaxes(
        categoryorder="array", categoryarray=[labels[c] for c in order], autorange="reversed"
    )
    fig.update_xaxes(
        title={"text": esc(t("programme.recommendations"))},
        range=[0, top * 1.05],
        **_count_axis(top),
    )
    return _legend_on_top(fig)


HOVER_TEXT_CHARS = 80


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with "…" if cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:—-") + "…"


def followup_timeline(df: pd.DataFrame, t: Translator, *, today: date) -> go.Figure:
    """Follow-up dates per region: one marker per recommendation with a date, shaped by status,
    overdue ones drawn as a red "x" with their own legend entry; a line marks ``today``.
    The hover quotes the start of the recommendation's text (user-entered: escaped; the table
    on the page has it whole), so every rerun does not carry all the texts.

    ``df``: the ``recommendations_list`` frame."""
    title = t("programme.followup_title")
    dated = df[df["follow_up_date"].notna()]
    if dated.empty:
        return empty_figure(t, title)
    region_order = sorted(set(dated["region_name"]), key=name_sort_key)
    hover = (
        "<b>%{y}</b><br>%{customdata[0]}<br>"
        + esc(t("programme.col_category"))
        + ": %{customdata[1]}<br>"
        + esc(t("programme.col_status"))
        + ": %{customdata[2]}<br>"
        + esc(t("programme.col_body"))
        + ": %{customdata[3]}<br>"
        + esc(t("programme.col_follow_up"))
        + ": %{customdata[4]}%{customdata[5]}"
        "<extra></extra>"
    )

    def custom(rows: pd.DataFrame) -> list[list[str]]:
        return [
            [
                esc(shorten(r["text"], HOVER_TEXT_CHARS)),
                esc(t.enum("rec_category", r["category"])),
                esc(t.enum("rec_status", r["status"])),
                esc(t.enum("body", r["responsible_body"])),
                t.date(r["follow_up_date"]),
                ("<br>⚠ " + esc(t("programme.days_overdue", n=t.num(r["days_overdue"]))))
                if r["is_overdue"]
                else "",
            ]
            for r in rows.to_dict("records")
        ]

    fig = new_figure(t, title)
    on_time = dated[~dated["is_overdue"].astype(bool)]
    for status in REC_STATUSES:
        part = on_time[on_time["status"] == status]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(d).strftime("%Y-%m-%d") for d in part["follow_up_date"]],
                y=esc_all(part["region_name"]),
                mode="markers",
                marker={
                    "symbol": REC_STATUS_SYMBOLS[status],
                    "size": 11,
                    "color": REC_STATUS_COLORS[status],
                    "line": {"width": 1.5},
                },
                name=esc(t.enum("rec_status", status)),
                customdata=custom(part),
                hovertemplate=hover,
            )
        )
    late = dated[dated["is_overdue"].astype(bool)]
    if not late.empty:
        fig.add_trace(
            go.Scatter(
                x=[pd.Timestamp(d).strftime("%Y-%m-%d") for d in late["follow_up_date"]],
                y=esc_all(late["region_name"]),
                mode="markers",
                marker={
                    "symbol": "x",
                    "size": 12,
                    "color": OVERDUE_COLOR,
                    "line": {"width": 1, "color": "#FFFFFF"},
                },
                name=esc(t("programme.overdue_legend", n=t.num(len(late)))),
                customdata=custom(late),
                hovertemplate=hover,
            )
        )
    day = pd.Timestamp(today).strftime("%Y-%m-%d")
    fig.add_shape(
        type="line",
        x0=day,
        x1=day,
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#10222B", "width": 1.5, "dash": "dash"},
    )
    fig.add_annotation(
        x=day,
        y=1,
        yref="paper",
        yanchor="top",
        xanchor="right",
        showarrow=False,
        text=esc(t("programme.today", date=t.date(today))),
        font={"size": 12},
        bgcolor="rgba(255,255,255,0.85)",
    )
    fig.update_yaxes(
        categoryorder="array", categoryarray=esc_all(region_order), autorange="reversed"
    )
    fig.update_xaxes(type="date", tickformat="%m.%Y")
    fig.update_layout(
        height=_row_height(len(region_order), 26, 220),
        hovermode="closest",
    )
    return _legend_on_top(fig)


# -- initiatives from the programme ---------------------------------------------------------------
def initiatives_by_region_status(
    df: pd.DataFrame, t: Translator, *, highlight: str | None = None
) -> go.Figure:
    """Stacked horizontal bars: the programme's initiatives per region, one segment per status
    (counts written in the segments), regions with most initiatives first.

    ``df``: the ``programme_initiatives_by_region`` frame."""
    title = t("programme.init_status_title")
    if df.empty:
        return empty_figure(t, title)
    totals = df.groupby(["region_iso", "region_name"])["initiatives"].sum().reset_index()
    totals = totals.sort_values(["initiatives", "region_name"], ascending=[False, True])
    order = totals["region_iso"].tolist()
    names = dict(zip(totals["region_iso"], totals["region_name"]))
    labels = {c: _label(names[c], c == highlight) for c in order}
    fig = _subtitle(new_figure(t, title), t("programme.init_status_subtitle"))
    for status in INITIATIVE_STATUSES:
        part = df[df["status"] == status].set_index("region_iso")
        if part.empty:
            continue
        regs = [c for c in order if c in part.index]
        fig.add_trace(
            go.Bar(
                x=[int(part.loc[c, "initiatives"]) for c in regs],
                y=[labels[c] for c in regs],
                orientation="h",
                name=esc(t.enum("status", status)),
                marker={"color": STATUS_COLORS[status]},
                text=[t.num(part.loc[c, "initiatives"]) for c in regs],
                **SEGMENT_TEXT,
                hovertemplate="%{y}<br>" + esc(t.enum("status", status)) + ": %{text}"
                "<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        uniformtext=UNIFORM_TEXT,
        height=_row_height(len(order), 26, 200),
    )
    fig.update_yaxes(
        categoryorder="array", categoryarray=[labels[c] for c in order], autorange="reversed"
    )
    top = float(totals["initiatives"].max())
    fig.update_xaxes(title={"text": esc(t("programme.initiatives"))}, **_count_axis(top))
    return _legend_on_top(fig)


def budget_execution_bars(
    df: pd.DataFrame, t: Translator, *, highlight: str | None = None
) -> go.Figure:
    """Per region: planned budget (light bar) with the spent budget over it (dark bar) and the
    execution share written at the end ("48%"); regions by planned budget.

    ``df``: the ``programme_initiatives_by_region`` frame (summed over statuses here)."""
    title = t("programme.execution_title")
    if df.empty:
        return empty_figure(t, title)
    subtitle = t("programme.execution_subtitle")
    sums = df.groupby(["region_iso", "region_name"], as_index=False)[
        ["budget_planned_kzt", "budget_spent_kzt"]
    ].sum()
    sums = sums.sort_values(["budget_planned_kzt", "region_name"], ascending=[False, True])
    labels = [_label(n, c == highlight) for c, n in zip(sums["region_iso"], sums["region_name"])]
    share = [
        s / p if p else None for p, s in zip(sums["budget_planned_kzt"], sums["budget_spent_kzt"])
    ]
    fig = _subtitle(new_figure(t, title), subtitle)
    fig.add_trace(
        go.Bar(
            x=sums["budget_planned_kzt"].tolist(),
            y=labels,
            orientation="h",
            name=esc(t("programme.planned")),
            marker={"color": "#BFDDEA"},
            customdata=[
                [t.kzt(p), t.kzt(s), t.pct(x, 0) if x is not None else "—"]
                for p, s, x in zip(sums["budget_planned_kzt"], sums["budget_spent_kzt"], share)
            ],
            text=[t.pct(x, 0) if x is not None else "—" for x in share],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=(
                "%{y}<br>"
                + esc(t("programme.planned"))
                + ": %{customdata[0]}<br>"
                + esc(t("programme.spent"))
                + ": %{customdata[1]}<br>"
                + esc(t("programme.execution"))
                + ": %{customdata[2]}<extra></extra>"
            ),
        )
    )
    fig.add_trace(
        go.Bar(
            x=sums["budget_spent_kzt"].tolist(),
            y=labels,
            orientation="h",
            name=esc(t("programme.spent")),
            marker={"color": "#0B4F6C"},
            width=0.45,
            hoverinfo="skip",
        )
    )
    top = float(sums["budget_planned_kzt"].max()) or 1.0
    tickvals = [top * f for f in (0, 0.25, 0.5, 0.75, 1.0)]
    fig.update_layout(
        barmode="overlay",
        height=_row_height(len(sums), 26, 200),
    )
    # the first trace lists every region in order: "trace" order needs no third copy of the names
    fig.update_yaxes(categoryorder="trace", autorange="reversed")
    fig.update_xaxes(
        title={"text": esc(t("programme.budget_axis"))},
        range=[0, top * 1.18],
        tickvals=tickvals,
        ticktext=[t.kzt(v) for v in tickvals],
    )
    return _legend_on_top(fig)
