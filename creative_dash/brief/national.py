"""The national brief: the country's figures and their change, the regions on a shaded map and
ranked, the status pipeline, money and sectors, and the sources."""

from __future__ import annotations

import pandas as pd

from creative_dash import geo
from creative_dash.brief import draw, sections
from creative_dash.brief.inputs import Common
from creative_dash.brief.paper import MARGIN, WIDTH, Paper
from creative_dash.i18n import Translator
from creative_dash.metrics import DEFAULT_METRIC, METRIC_BY_CODE, format_value
from creative_dash.views.empty import KINDS, metric_empty, reference_only
from creative_dash.views.overview import population_caption

MAP_H = 78.0
GREYS = (235, 200, 160, 115, 60)  # five classes, light to dark (higher values darker)


def _classes(values: pd.Series) -> list[float]:
    """Upper bounds of five classes of (about) equal counts."""
    return [float(values.quantile(q)) for q in (0.2, 0.4, 0.6, 0.8, 1.0)]


def _map(pdf: Paper, t: Translator, common: Common) -> None:
    metric = METRIC_BY_CODE[DEFAULT_METRIC]
    metrics = common.metrics
    values = metrics.set_index("iso_code")[metric.code].dropna()
    features = geo.boundaries()["features"]
    title = t("brief.map_title", metric=metric.label(t), period=sections.period(common, t))
    pdf.heading(title, keep=MAP_H + 12)
    if not features or values.empty:
        pdf.para(t("app.empty"))
        return
    bounds = _classes(values)
    shade = {
        str(code): GREYS[next(i for i, b in enumerate(bounds) if v <= b + 1e-12)]
        for code, v in values.items()
    }
    y = pdf.get_y()
    draw.shaded_map(pdf, MARGIN, y, WIDTH, MAP_H, features, shade)
    pdf.set_y(y + MAP_H + 1)
    lower = [float(values.min()), *bounds[:-1]]
    items = [
        (grey, f"{format_value(t, metric, lo)}–{format_value(t, metric, hi)}")
        for grey, lo, hi in zip(GREYS, lower, bounds, strict=True)
    ]
    items.append((255, t("brief.map_no_value")))
    pdf.ln(draw.legend(pdf, MARGIN, pdf.get_y(), items))
    note = f"{metric.help(t)} {population_caption(t, metrics)} {t('brief.sources_boundaries')}"
    pdf.para(note, size=6.8, grey=True)


def _ranking(pdf: Paper, t: Translator, common: Common) -> None:
    metric = METRIC_BY_CODE[DEFAULT_METRIC]
    bars = sections.ranking(t, common.metrics, metric.code)
    h = draw.bars_height(len(bars))
    pdf.room(h + 4)
    pdf.ln(2)
    y = pdf.get_y()
    title = t("brief.ranking_title", metric=metric.label(t))
    draw.hbars(pdf, MARGIN, y, WIDTH, bars, title=title, label_w=60)
    pdf.set_y(y + h)


def national_brief(common: Common, t: Translator) -> bytes:
    """The national brief as PDF bytes (A4, in ``t``'s language)."""
    dates = common.regions["population_as_of"].dropna()
    first = t.date(dates.min()) if not dates.empty else "—"
    last = t.date(dates.max()) if not dates.empty else "—"
    foot_population = t("brief.foot_population_range", first=first, last=last)
    run = sections.running(t, common, t("brief.head_national"), foot_population)
    title = t("brief.national_title")
    pdf = Paper(run, title=title, lang=t.lang)
    pdf.add_page()
    subtitle = t("brief.national_subtitle", period=sections.period(common, t))
    sections.title_block(pdf, t, common, title, subtitle)
    sections.empty_notes(pdf, t, common, KINDS)  # in place of what would be drawn empty
    if not reference_only(common.empty):
        sections.kpis(pdf, t, common)
    if not metric_empty(METRIC_BY_CODE[DEFAULT_METRIC], common.empty):
        _map(pdf, t, common)
        _ranking(pdf, t, common)
    if "initiatives" not in common.empty:
        pdf.heading(t("brief.mixes_title", period=sections.period(common, t)), keep=40)
        sections.mixes(pdf, t, common)
    sections.sources(pdf, t, common, [])
    return bytes(pdf.output())
