"""The brief's charts, drawn as vector paths and text straight on the page (fpdf2), in greys.

Why not Plotly's static export (kaleido): it drives a headless Chromium, which on this machine
took 5 s to start and 0.4-1.2 s a figure (measured with kaleido 1.5 and Debian's chromium): a
brief of six charts would miss its 5 s budget on a cold start, and every server process would
keep a browser running. These few chart forms (bars, paired bars, outline maps) drawn here take
milliseconds, stay text (searchable, copyable) and are laid out for paper: every bar carries its
value, so nothing depends on colour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from creative_dash.brief.paper import BAR, EMPHASIS, INK, LIGHT, RULE, TEXT_GREY, Paper

ROW_H = 5.0
TITLE_H = 6.0


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as printed beside the bar
    emphasis: bool = False  # the region itself: black, its label bold


def _title(pdf: Paper, x: float, y: float, w: float, title: str) -> None:
    """A chart's title on one line: smaller type for a long one (Kazakh titles run long), cut
    only below 7 pt."""
    size = 8.5
    pdf.font(size, "B")
    while size > 7 and pdf.get_string_width(title) > w:
        size -= 0.25
        pdf.font(size, "B")
    pdf.set_xy(x, y)
    pdf.cell(w, 5, pdf.fits(title, w))


def bars_height(n: int, *, marks: int = 0) -> float:
    return TITLE_H + max(n, 1) * ROW_H + (4.0 if marks else 0.0) + 2


def hbars(
    pdf: Paper,
    x: float,
    y: float,
    w: float,
    bars: Sequence[Bar],
    *,
    title: str,
    label_w: float | None = None,
    marks: Sequence[tuple[float, str]] = (),
    empty: str = "—",
) -> float:
    """Horizontal bars, one row each, the value written after the bar; ``marks`` are dashed
    vertical lines (medians) with their label under the bars. Returns the height used."""
    _title(pdf, x, y, w, title)
    top = y + TITLE_H
    if not bars:
        pdf.font(8, "")
        pdf.set_xy(x, top)
        pdf.cell(w, ROW_H, empty)
        return bars_height(1)
    pdf.font(7.5, "")
    widest = max(pdf.get_string_width(b.label) for b in bars) + 2 * pdf.c_margin + 2
    label_w = label_w or min(w * 0.45, widest)
    text_w = max(pdf.get_string_width(b.text) for b in bars) + 2
    plot_x, plot_w = x + label_w, max(w - label_w - text_w, 10)
    top_value = max([b.value for b in bars] + [m[0] for m in marks] + [0.0]) or 1.0
    bottom = top + len(bars) * ROW_H
    # the medians first: bars and values are drawn over them
    pdf.set_draw_color(INK)
    pdf.set_line_width(0.35)
    for value, _ in marks:
        mx = plot_x + plot_w * value / top_value
        pdf.set_dash_pattern(dash=1.2, gap=0.8)
        pdf.line(mx, top - 0.5, mx, bottom + 0.5)
        pdf.set_dash_pattern()
    pdf.set_fill_color(255)
    for i, b in enumerate(bars):
        row_y = top + i * ROW_H
        pdf.font(7.5, "B" if b.emphasis else "")
        pdf.set_text_color(INK)
        pdf.set_xy(x, row_y)
        pdf.cell(label_w - 1.5, ROW_H, pdf.fits(b.label, label_w - 1.5), align="R")
        bw = plot_w * max(b.value, 0.0) / top_value
        pdf.set_fill_color(EMPHASIS if b.emphasis else BAR)
        if bw > 0:
            pdf.rect(plot_x, row_y + 0.8, bw, ROW_H - 1.6, style="F")
        pdf.set_fill_color(255)
        pdf.set_xy(plot_x + bw + 0.5, row_y + 0.9)
        pdf.cell(pdf.get_string_width(b.text) + 0.8, ROW_H - 1.8, b.text, fill=bool(marks))
    pdf.set_draw_color(RULE)
    pdf.set_line_width(0.2)
    pdf.line(plot_x, top, plot_x, bottom)
    if marks:
        pdf.font(6.5, "")
        pdf.set_text_color(TEXT_GREY)
        pdf.set_xy(x, bottom + 0.5)
        label = "┆ " + " · ".join(label for _, label in marks)
        pdf.cell(w, 3.5, pdf.fits(label, w), align="L")
        pdf.set_text_color(INK)
    return bars_height(len(bars), marks=len(marks))


def paired_height(n: int) -> float:
    return TITLE_H + 5 + max(n, 1) * (ROW_H + 2.2) + 2


def paired_bars(
    pdf: Paper,
    x: float,
    y: float,
    w: float,
    rows: Sequence[tuple[str, float, float, str, str]],
    *,
    title: str,
    legend: tuple[str, str],
    scale_max: float,
    empty: str = "—",
) -> float:
    """Two bars a row (before: outlined, after: filled), e.g. self-assessment before and after
    the programme; rows are (label, before, after, before text, after text)."""
    _title(pdf, x, y, w, title)
    top = y + TITLE_H
    pdf.font(7, "")
    # the legend: an outlined box, a filled box
    lx = x
    for i, name in enumerate(legend):
        pdf.set_draw_color(INK)
        pdf.set_line_width(0.25)
        pdf.set_fill_color(EMPHASIS)
        pdf.rect(lx, top + 0.8, 3, 2.4, style="DF" if i else "D")
        pdf.set_xy(lx + 4, top)
        pdf.cell(pdf.get_string_width(name) + 2, 4, name)
        lx += pdf.get_string_width(name) + 10
    top += 5
    if not rows:
        pdf.set_xy(x, top)
        pdf.cell(w, ROW_H, empty)
        return paired_height(1)
    pdf.font(7, "")
    label_w = min(w * 0.5, max(pdf.get_string_width(r[0]) for r in rows) + 2 * pdf.c_margin + 2)
    plot_x, plot_w = x + label_w, w - label_w - 10
    half = (ROW_H - 0.6) / 2
    for i, (label, before, after, before_t, after_t) in enumerate(rows):
        ry = top + i * (ROW_H + 2.2)
        pdf.font(7, "")
        pdf.set_xy(x, ry + 0.5)
        pdf.cell(label_w - 1.5, ROW_H, pdf.fits(label, label_w - 1.5), align="R")
        for j, (value, text) in enumerate(((before, before_t), (after, after_t))):
            by = ry + j * (half + 0.6) + 0.4
            bw = plot_w * max(value, 0.0) / scale_max if scale_max else 0.0
            pdf.set_draw_color(INK)
            pdf.set_line_width(0.25)
            pdf.set_fill_color(EMPHASIS)
            if bw > 0:
                pdf.rect(plot_x, by, bw, half, style="DF" if j else "D")
            pdf.font(6.5, "")
            pdf.set_xy(plot_x + bw + 0.8, by - 0.4)
            pdf.cell(9, half + 0.8, text)
    return paired_height(len(rows))


# -- maps -------------------------------------------------------------------------------------------
def _rings(feature: Mapping[str, Any]) -> list[list[list[float]]]:
    """The outer rings of a (Multi)Polygon feature (holes are not drawn at this scale)."""
    geom = feature["geometry"]
    polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [poly[0] for poly in polygons if poly and len(poly[0]) >= 3]


@dataclass(frozen=True)
class Frame:
    """A map's projection onto a box of the page: equirectangular, shrunk east-west by the
    cosine of the middle latitude (true proportions at Kazakhstan's scale)."""

    x: float
    y: float
    scale: float
    lon0: float
    lat1: float
    k: float

    @classmethod
    def fit(
        cls, box: tuple[float, float, float, float], x: float, y: float, w: float, h: float
    ) -> Frame:
        lon0, lat0, lon1, lat1 = box
        k = math.cos(math.radians((lat0 + lat1) / 2))
        span_x, span_y = max((lon1 - lon0) * k, 1e-6), max(lat1 - lat0, 1e-6)
        scale = min(w / span_x, h / span_y)
        # centred in the box
        ox = x + (w - span_x * scale) / 2
        oy = y + (h - span_y * scale) / 2
        return cls(ox, oy, scale, lon0, lat1, k)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.x + (lon - self.lon0) * self.k * self.scale,
            self.y + (self.lat1 - lat) * self.scale,
        )


def _outline(pdf: Paper, frame: Frame, feature: Mapping[str, Any], style: str) -> None:
    for ring in _rings(feature):
        points: list[tuple[float, float]] = []
        for lon, lat, *_ in ring:
            p = frame.point(lon, lat)
            # points closer than 0.25 mm on paper add nothing but bytes
            if not points or abs(p[0] - points[-1][0]) + abs(p[1] - points[-1][1]) > 0.25:
                points.append(p)
        if len(points) >= 3:
            pdf.polygon(points, style=style)


def box_of(features: Iterable[Mapping[str, Any]]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for f in features:
        for ring in _rings(f):
            xs.extend(p[0] for p in ring)
            ys.extend(p[1] for p in ring)
    return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class Pin:
    lon: float
    lat: float
    number: int  # the hub's number in the list beside the map
    filled: bool  # operating (filled) or not (hollow)


def region_map(
    pdf: Paper,
    x: float,
    y: float,
    w: float,
    h: float,
    feature: Mapping[str, Any],
    neighbours: Sequence[Mapping[str, Any]],
    pins: Sequence[Pin],
) -> None:
    """The region (grey, black outline) among its neighbours (light, cut at the box), its hubs
    numbered."""
    lon0, lat0, lon1, lat1 = box_of([feature])
    pad_x, pad_y = (lon1 - lon0) * 0.06, (lat1 - lat0) * 0.06
    frame = Frame.fit((lon0 - pad_x, lat0 - pad_y, lon1 + pad_x, lat1 + pad_y), x, y, w, h)
    with pdf.rect_clip(x, y, w, h):
        pdf.set_line_width(0.2)
        pdf.set_draw_color(BAR)
        pdf.set_fill_color(245)
        for n in neighbours:
            _outline(pdf, frame, n, "DF")
        pdf.set_draw_color(INK)
        pdf.set_line_width(0.5)
        pdf.set_fill_color(LIGHT)
        _outline(pdf, frame, feature, "DF")
    pdf.set_draw_color(RULE)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, w, h)
    pdf.font(6.5, "B")
    for pin in pins:
        px, py = frame.point(pin.lon, pin.lat)
        if not (x + 2 < px < x + w - 2 and y + 2 < py < y + h - 2):
            continue
        pdf.set_draw_color(INK)
        pdf.set_line_width(0.3)
        pdf.set_fill_color(EMPHASIS if pin.filled else 255)
        pdf.circle(px, py, 1.3, style="DF")
        pdf.set_text_color(INK)
        pdf.set_xy(px + 1.4, py - 3.2)
        pdf.cell(5, 3, str(pin.number))


def shaded_map(
    pdf: Paper,
    x: float,
    y: float,
    w: float,
    h: float,
    features: Sequence[Mapping[str, Any]],
    shade: Mapping[str, int],
    highlight: str | None = None,
) -> None:
    """Every region filled with its grey (``shade``: ISO code -> 0-255), white where missing."""
    frame = Frame.fit(box_of(features), x, y, w, h)
    pdf.set_draw_color(INK)
    for f in features:
        code = str(f.get("id"))
        pdf.set_line_width(0.8 if code == highlight else 0.25)
        pdf.set_fill_color(shade.get(code, 255))
        _outline(pdf, frame, f, "DF")


def legend(pdf: Paper, x: float, y: float, items: Sequence[tuple[int, str]]) -> float:
    """Grey swatches with their labels, in one row; returns the height used."""
    pdf.font(6.5, "")
    cx = x
    for grey, label in items:
        pdf.set_draw_color(INK)
        pdf.set_line_width(0.2)
        pdf.set_fill_color(grey)
        pdf.rect(cx, y + 0.7, 4, 2.6, style="DF")
        pdf.set_xy(cx + 5, y)
        width = pdf.get_string_width(label) + 2
        pdf.cell(width, 4, label)
        cx += width + 8
    return 5.0
