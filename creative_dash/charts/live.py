"""Charts of the live session: poll results, a ranking of regions, initiatives per year, and the
presenter look (large type readable from the back of a room) for any figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import pandas as pd
import plotly.graph_objects as go

from creative_dash.charts.base import GOLD, SKY, esc, new_figure
from creative_dash.i18n import Translator
from creative_dash.metrics import Metric, format_value

# Presenter type sizes (px): a 1080p projector seen from ~15 m.


class PollShown(Protocol):
    """What the results chart reads of a poll (``creative_dash.live.model.Poll`` has it): the
    chart layer stays below the live package, which builds its scenes from these charts."""

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> str: ...

    def question_in(self, lang: str) -> str: ...


PRESENTER_FONT = 24
PRESENTER_TITLE = 40
PRESENTER_SUBTITLE = 26
PRESENTER_TEXT = 28
PRESENTER_HEIGHT = 860


def presenter_layout(fig: go.Figure, height: int = PRESENTER_HEIGHT) -> go.Figure:
    """Enlarge every text of ``fig`` for a projector (works on any builder's figure)."""
    if fig.layout.title.text:
        # Builders wrap long titles for phones; a projector has the width for one line. (User
        # text in titles is escaped, so every "<br>" here is a builder's own line break.)
        fig.update_layout(title_text=fig.layout.title.text.replace("<br>", " "))
    fig.update_layout(
        font={"size": PRESENTER_FONT},
        title={
            "font": {"size": PRESENTER_TITLE},
            "subtitle": {"font": {"size": PRESENTER_SUBTITLE}},
        },
        legend={"font": {"size": PRESENTER_FONT}},
        hoverlabel={"font": {"size": PRESENTER_FONT}},
        height=height,
        margin={"t": 140, "l": 20, "r": 40, "b": 20},
    )
    legend = fig.layout.legend
    if legend.orientation == "v" and legend.yanchor == "bottom":
        # A legend stacked above the plot (a phone layout) would run into the large title: one
        # row fits the projector's width.
        fig.update_layout(legend={"orientation": "h", "y": 1.0, "yanchor": "bottom"})
    if _legend_shown(fig) and (legend.yanchor in (None, "bottom")) and (legend.y or 1) >= 1:
        fig.update_layout(margin={"t": 190})  # room for the legend row under the subtitle
    fig.update_xaxes(tickfont={"size": PRESENTER_FONT}, title={"font": {"size": PRESENTER_FONT}})
    fig.update_yaxes(tickfont={"size": PRESENTER_FONT}, title={"font": {"size": PRESENTER_FONT}})
    fig.for_each_trace(
        lambda tr: tr.update(textfont={"size": PRESENTER_TEXT}) if "textfont" in tr else None
    )
    for ann in fig.layout.annotations or ():
        ann.update(font={"size": PRESENTER_FONT + 4})
    return fig


def _legend_shown(fig: go.Figure) -> bool:
    """Whether Plotly draws a legend: asked for, or by default with two or more named traces."""
    if fig.layout.showlegend is not None:
        return bool(fig.layout.showlegend)
    return sum(1 for tr in fig.data if tr.showlegend is not False and tr.name) > 1


def _counts(results: pd.DataFrame, answers: list[str]) -> list[int]:
    by_answer = dict(zip(results["answer"].astype(str), results["votes"].astype(int), strict=True))
    return [by_answer.get(a, 0) for a in answers]


def poll_results_figure(
    poll: PollShown, results: pd.DataFrame, t: Translator, labels: Mapping[str, str]
) -> go.Figure:
    """Horizontal bars: votes per answer, with count and share on each bar.

    ``labels`` maps every valid answer code to its label in the reader's language, in display
    order (all options are shown, with 0 before anyone voted). Region polls list regions by
    votes. User-entered text (question, options) is escaped."""
    answers = list(labels)
    counts = _counts(results, answers)
    total = int(results["votes"].sum()) if len(results) else 0
    if poll.kind == "region":
        order = sorted(range(len(answers)), key=lambda i: (-counts[i], labels[answers[i]]))
        answers = [answers[i] for i in order]
        counts = [counts[i] for i in order]
    shares = [c / total if total else 0.0 for c in counts]
    names = [esc(labels[a]) for a in answers]
    texts = [f"{t.num(c)} · {t.pct(s, 0)}" for c, s in zip(counts, shares, strict=True)]

    subtitle = [t("live.results.total", n=t.num(total))]
    if poll.kind == "rating" and total:
        mean = sum(int(a) * c for a, c in zip(answers, counts, strict=True)) / total
        subtitle.append(t("live.results.mean", mean=t.num(mean, 1)))
    if poll.status == "closed":
        subtitle.append(t("live.results.closed"))
    elif poll.status == "draft":
        subtitle.append(t("live.results.draft"))

    fig = new_figure(t, poll.question_in(t.lang))
    fig.update_layout(title={"subtitle": {"text": esc(" · ".join(subtitle))}})
    top = max(counts) if counts else 0
    positions = list(range(len(answers)))
    fig.add_trace(
        go.Bar(
            x=counts,
            y=positions,
            orientation="h",
            name=esc(t("live.results.votes")),
            marker={"color": [GOLD if c == top and c > 0 else SKY for c in counts]},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            constraintext="none",
            customdata=[[n, tx] for n, tx in zip(names, texts, strict=True)],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )
    )
    # Labels as tick text on numeric positions: two options with the same text stay two bars.
    fig.update_yaxes(tickvals=positions, ticktext=names, autorange="reversed", title=None)
    fig.update_xaxes(
        title={"text": esc(t("live.results.votes"))},
        rangemode="tozero",
        range=[0, max(top * 1.25, 1)],
        dtick=_dtick(top),
    )
    fig.update_layout(showlegend=False, bargap=0.25, height=max(320, 60 + 42 * len(answers)))
    return fig


def _dtick(top: int) -> int:
    """Whole-vote ticks (1, 2, 5, 10, 20, 50...) with at most ~8 labels."""
    step, factors = 1, (2, 2.5, 2)
    i = 0
    while top / step > 8:
        step = int(step * factors[i % 3])
        i += 1
    return step


def region_ranking_figure(
    df: pd.DataFrame, t: Translator, metric: Metric, period: str
) -> go.Figure:
    """The 20 regions as horizontal bars, best first; ``df`` from ``live_region_ranking``.

    Each bar is labelled with its rank, region name and formatted value (not colour alone); a
    region without a value comes last, unranked, labelled "no data"."""
    metric_label = metric.label(t)
    fig = new_figure(t, t("live.ranking.title", metric=metric_label))
    fig.update_layout(title={"subtitle": {"text": esc(period)}})
    if df.empty:
        return fig
    names = [
        f"{int(r)}. {n}" if not pd.isna(r) else f"– {n}"
        for r, n in zip(df["rank"], df[t.name_col()], strict=True)
    ]
    values = [0.0 if pd.isna(v) else float(v) for v in df["value"]]
    texts = [format_value(t, metric, v) for v in df["value"]]
    fig.add_trace(
        go.Bar(
            x=values,
            y=list(range(len(df))),
            orientation="h",
            name=esc(metric_label),
            marker={"color": [GOLD if not pd.isna(r) and r == 1 else SKY for r in df["rank"]]},
            text=texts,
            textposition="outside",
            cliponaxis=False,
            constraintext="none",
            customdata=[[esc(n), tx] for n, tx in zip(names, texts, strict=True)],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )
    )
    fig.update_yaxes(
        tickvals=list(range(len(df))), ticktext=[esc(n) for n in names], autorange="reversed"
    )
    fig.update_xaxes(
        title={"text": esc(metric_label)}, showticklabels=False, range=[0, (max(values) or 1) * 1.2]
    )
    fig.update_layout(showlegend=False, bargap=0.2, height=720)
    return fig


def initiatives_per_year_figure(df: pd.DataFrame, t: Translator, place: str) -> go.Figure:
    """Initiatives started per year (bars labelled with their count); hover adds completed and
    jobs. ``df`` from ``live_initiatives_per_year``; ``place`` names the region or country."""
    fig = new_figure(t, t("live.per_year.title"))
    fig.update_layout(title={"subtitle": {"text": esc(place)}})
    if df.empty:
        return fig
    years = [str(int(y)) for y in df["year"]]
    hover = [
        t("live.per_year.hover", year=y, n=t.num(n), completed=t.num(c), jobs=t.num(j))
        for y, n, c, j in zip(years, df["initiatives"], df["completed"], df["jobs"], strict=True)
    ]
    fig.add_trace(
        go.Bar(
            x=years,
            y=[int(v) for v in df["initiatives"]],
            name=esc(t("live.per_year.initiatives")),
            marker={"color": SKY},
            text=[t.num(v) for v in df["initiatives"]],
            textposition="outside",
            cliponaxis=False,
            customdata=[[esc(h)] for h in hover],
            hovertemplate="%{customdata[0]}<extra></extra>",
        )
    )
    fig.update_xaxes(type="category", title={"text": esc(t("live.per_year.year"))})
    fig.update_yaxes(
        title={"text": esc(t("live.per_year.initiatives"))},
        rangemode="tozero",
        range=[0, max(int(v) for v in df["initiatives"]) * 1.2 or 1],
    )
    fig.update_layout(showlegend=False)
    return fig
