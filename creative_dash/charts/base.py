"""The shared look of every chart, and helpers all builders use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from creative_dash.i18n import Translator
from creative_dash.text import inert

SKY = "#00769C"
GOLD = "#D9A300"
PALETTE = [
    "#00769C",
    "#D9A300",
    "#5B8C2A",
    "#B4464B",
    "#6B5B95",
    "#2E9CA6",
    "#C26E1A",
    "#7A7A7A",
    "#3D5A80",
    "#9C6644",
    "#4F772D",
    "#8E7DBE",
    "#E07A5F",
]
# Sequential scale for choropleths: light to sky blue to deep blue (readable on projectors).
SEQUENTIAL = [
    [0.0, "#F3F8FB"],
    [0.25, "#BFDDEA"],
    [0.5, "#6FB3D0"],
    [0.75, "#1D87AE"],
    [1.0, "#0B4F6C"],
]
# The 17 official UN SDG colours.
SDG_COLORS = {
    1: "#E5243B",
    2: "#DDA63A",
    3: "#4C9F38",
    4: "#C5192D",
    5: "#FF3A21",
    6: "#26BDE2",
    7: "#FCC30B",
    8: "#A21942",
    9: "#FD6925",
    10: "#DD1367",
    11: "#FD9D24",
    12: "#BF8B2E",
    13: "#3F7E44",
    14: "#0A97D9",
    15: "#56C02B",
    16: "#00689D",
    17: "#19486A",
}
STATUS_COLORS = {
    "proposed": "#9DB4C0",
    "approved": "#5C9EAD",
    "in_progress": SKY,
    "completed": "#2F6B3A",
    "cancelled": "#B4464B",
}
FUNDING_COLORS = {
    "republican": SKY,
    "local": "#5C9EAD",
    "private": GOLD,
    "impact": "#5B8C2A",
    "grant": "#6B5B95",
}
HUB_TYPE_COLORS = {
    "cluster": SKY,
    "makerspace": GOLD,
    "art_centre": "#B4464B",
    "incubator": "#5B8C2A",
    "cultural_centre": "#6B5B95",
}
# Distinguishable without colour too: each hub type also has its own marker symbol.
HUB_TYPE_SYMBOLS = {
    "cluster": "circle",
    "makerspace": "square",
    "art_centre": "diamond",
    "incubator": "triangle-up",
    "cultural_centre": "star",
}

TEMPLATE_NAME = "creative_kz"
pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        font={
            # "Source Sans" is the face Streamlit serves with the app (Latin and Cyrillic,
            # including Kazakh letters); the others are for an exported figure.
            "family": '"Source Sans", "Source Sans 3", "Noto Sans", Arial, sans-serif',
            "size": 14,
            "color": "#10222B",
        },
        title={"font": {"size": 18, "weight": 600}, "x": 0, "xanchor": "left"},
        colorway=PALETTE,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        hoverlabel={"font": {"size": 14}},
        xaxis={"gridcolor": "#E3ECF0", "zerolinecolor": "#C9D6DC", "automargin": True},
        yaxis={"gridcolor": "#E3ECF0", "zerolinecolor": "#C9D6DC", "automargin": True},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
    )
)


def esc(text: Any) -> str:
    """Text made inert for Plotly's labels, titles and hover (which render a subset of HTML and
    fill ``%{...}`` templates): ``creative_dash.text.inert``, the one rule for user text."""
    return inert(text, markdown=False)


def esc_all(values: Iterable[Any]) -> list[str]:
    return [esc(v) for v in values]


def new_figure(t: Translator, title: str, **layout: Any) -> go.Figure:
    """A fresh figure with our template, the title and the language's number separators."""
    fig = go.Figure()
    fig.update_layout(
        template=TEMPLATE_NAME,
        title={"text": esc(title)},
        separators=t.plotly_separators(),
        **layout,
    )
    return fig


def add_empty_note(fig: go.Figure, t: Translator, **annotation: Any) -> go.Figure:
    """Write "no data for this selection" in the user's language across the plot area."""
    fig.add_annotation(
        text=esc(t("app.empty")),
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 16, "color": "#5A6B73"},
        **annotation,
    )
    return fig


def empty_figure(t: Translator, title: str) -> go.Figure:
    """A figure that says there is nothing to show, in the user's language."""
    fig = add_empty_note(new_figure(t, title), t)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
