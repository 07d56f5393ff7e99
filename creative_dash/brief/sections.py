"""Sections both briefs share: the running head and foot, the title block, the KPI cards, the
money and sector mixes, the pipeline and the sources. Each draws on a :class:`Paper` and keeps
itself on one page (``Paper.room``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from creative_dash.brief import draw
from creative_dash.brief.inputs import Common
from creative_dash.brief.paper import (
    INK,
    LIGHT,
    MARGIN,
    STRIPE,
    TEXT_GREY,
    WIDTH,
    Paper,
    Running,
)
from creative_dash.i18n import Translator
from creative_dash.metrics import METRIC_BY_CODE, format_value
from creative_dash.views import empty as empty_view
from creative_dash.views.about import official_populations
from creative_dash.views.overview import card_rows, kpi_cards, period_text
from creative_dash.vocab import FUNDING_SOURCES, INITIATIVE_STATUSES

GAP = 6.0  # between two columns
HALF = (WIDTH - GAP) / 2


def last_load(common: Common) -> datetime | None:
    loaded = common.loads["loaded_at"].dropna()
    return None if loaded.empty else pd.Timestamp(loaded.max()).to_pydatetime()


def running(t: Translator, common: Common, head: str, population: str) -> Running:
    """The head and foot of every page. ``population``: the foot's population line."""
    loaded = last_load(common)
    lines = [
        t(
            "brief.foot_store",
            version=common.data_version,
            loaded=t.date(loaded) if loaded else "—",
        ),
        population,
    ]
    if common.has_demo:
        lines.append(t("brief.foot_demo"))
    return Running(
        head=head,
        sources=lines,
        demo_mark=t("brief.demo_mark") if common.has_demo else None,
        page_of=t("brief.page_of", page="{page}", pages="{pages}"),
        # the store's last load, not the clock: the same data makes the same file
        created=loaded or datetime(2000, 1, 1),
    )


def period(common: Common, t: Translator) -> str:
    return period_text(t, *common.years)


def title_block(pdf: Paper, t: Translator, common: Common, title: str, subtitle: str) -> None:
    pdf.font(20, "B")
    pdf.set_x(MARGIN)
    pdf.multi_cell(WIDTH, 9, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(11, "")
    pdf.set_text_color(TEXT_GREY)
    pdf.multi_cell(WIDTH, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    loaded = last_load(common)
    issued = t("brief.issued", date=t.date(loaded) if loaded else "—", version=common.data_version)
    pdf.para(issued, size=8, grey=True)
    pdf.ln(2)
    if common.has_demo:
        pdf.note_box(t("brief.demo_note"))


# -- the KPI cards ----------------------------------------------------------------------------------
CARD_H = 17.0


def empty_notes(pdf: Paper, t: Translator, common: Common, kinds: tuple[str, ...]) -> None:
    """What the store holds nothing of (of ``kinds``) and who fills it how, in place of the
    sections that would be drawn empty (the page's notes, without their links)."""
    contents = common.contents
    missing = int(contents["regions"]) - int(contents["regions_with_population"])
    for n in empty_view.notes(t, common.empty, kinds, missing_population=missing):
        pdf.note_box(empty_view.plain(n.text))


def kpis(pdf: Paper, t: Translator, common: Common) -> None:
    """The catalogue's KPI cards, four a row by theme, each with its change."""
    cards = kpi_cards(t, common.kpis, common.data_from)
    rows = [r for r in card_rows(cards) if r]
    previous = common.kpis[common.kpis["period"] == "previous"].iloc[0]
    prev = period_text(t, int(previous["first_year"]), int(previous["last_year"]))
    pdf.heading(t("brief.kpi_title", period=period(common, t)), keep=len(rows) * (CARD_H + 2))
    card_w = (WIDTH - 3 * 3) / 4
    for row in rows:
        y = pdf.get_y()
        for i, card in enumerate(row):
            x = MARGIN + i * (card_w + 3)
            pdf.set_draw_color(LIGHT)
            pdf.set_line_width(0.3)
            pdf.rect(x, y, card_w, CARD_H)
            pdf.font(6.8, "")
            pdf.set_text_color(TEXT_GREY)
            pdf.set_xy(x + 1.5, y + 1)
            pdf.multi_cell(card_w - 3, 2.9, card.label, max_line_height=2.9)
            pdf.set_text_color(INK)
            pdf.set_xy(x + 1.5, y + 7.2)
            pdf.fit_cell(card_w - 3, 5, card.value, 11.5, "B")
            change = (
                t("brief.kpi_change", delta=card.delta, period=prev)
                if card.delta
                else t("brief.kpi_no_change")
            )
            pdf.set_xy(x + 1.5, y + 12.3)
            pdf.fit_cell(card_w - 3, 3.5, change, 6.8)
        pdf.set_y(y + CARD_H + 2)
    pdf.para(t("brief.kpi_note", period=prev), size=7, grey=True)


# -- mixes ------------------------------------------------------------------------------------------
def pipeline_bars(t: Translator, common: Common) -> list[draw.Bar]:
    by: Any = common.pipeline.set_index("status")["initiatives"] if len(common.pipeline) else {}
    return [
        draw.Bar(t.enum("status", s), float(by.get(s, 0)), t.num(by.get(s, 0)))
        for s in INITIATIVE_STATUSES
    ]


def funding_bars(t: Translator, common: Common) -> list[draw.Bar]:
    df = common.funding.set_index("funding_source")
    out = []
    for code in FUNDING_SOURCES:
        planned = float(df["budget_planned"].get(code, 0) or 0)
        share = df["share"].get(code)
        text = f"{t.kzt(planned)} · {t.pct(share)}" if planned else t.kzt(0)
        out.append(draw.Bar(t.enum("funding", code), planned, text))
    return out


def sector_bars(t: Translator, common: Common) -> list[draw.Bar]:
    df = common.sectors[common.sectors["initiatives"] > 0].sort_values(
        ["initiatives", "sort_order"], ascending=[False, True]
    )
    return [
        draw.Bar(str(r[t.name_col()]), float(r["initiatives"]), t.num(r["initiatives"]))
        for _, r in df.iterrows()
    ]


def mixes(pdf: Paper, t: Translator, common: Common) -> None:
    """The status pipeline beside the funding mix, then the sector mix."""
    empty = t("app.empty")
    pipeline, funding = pipeline_bars(t, common), funding_bars(t, common)
    h = max(draw.bars_height(len(pipeline)), draw.bars_height(len(funding)))
    pdf.room(h)
    y = pdf.get_y()
    draw.hbars(pdf, MARGIN, y, HALF, pipeline, title=t("region.pipeline_title"), empty=empty)
    title = t("overview.funding_title")
    draw.hbars(pdf, MARGIN + HALF + GAP, y, HALF, funding, title=title, empty=empty)
    pdf.set_y(y + h)
    sectors = sector_bars(t, common)
    h = draw.bars_height(len(sectors))
    pdf.room(h)
    y = pdf.get_y()
    title = t("overview.sector_title")
    draw.hbars(pdf, MARGIN, y, WIDTH, sectors, title=title, empty=empty, label_w=60)
    pdf.set_y(y + h)


def ranking(
    t: Translator, metrics: pd.DataFrame, code: str, highlight: str | None = None
) -> list[draw.Bar]:
    """The regions of ``metrics`` (a ``region_metrics`` frame), best first, as bars."""
    metric = METRIC_BY_CODE[code]
    df = metrics.dropna(subset=[code]).sort_values(
        [code, t.name_col()], ascending=[not metric.higher_is_better, True]
    )
    return [
        draw.Bar(
            str(r[t.name_col()]),
            float(r[code]),
            format_value(t, metric, r[code]),
            r["iso_code"] == highlight,
        )
        for _, r in df.iterrows()
    ]


# -- sources ----------------------------------------------------------------------------------------
def population_summary(t: Translator, common: Common) -> str:
    regions = common.regions
    dates = regions["population_as_of"].dropna()
    official = official_populations(regions)
    first = t.date(dates.min()) if not dates.empty else "—"
    last = t.date(dates.max()) if not dates.empty else "—"
    return t("brief.sources_populations", official=official, first=first, last=last)


def sources(pdf: Paper, t: Translator, common: Common, lines: list[str]) -> None:
    """The sources section: what the brief read (``lines`` first), every dataset's last load."""
    loads = common.loads
    pdf.heading(t("brief.sources_title"), keep=20 + 5 * len(loads))
    for line in [*lines, population_summary(t, common), t("brief.sources_boundaries")]:
        pdf.para(line, size=8)
        pdf.ln(0.8)
    if common.has_demo:
        pdf.para(t("about.demo_text"), size=8)
    pdf.ln(1.5)
    pdf.font(7, "")
    widths = (32, 26, 108, 14)
    with pdf.table(
        col_widths=widths,
        width=sum(widths),
        align="LEFT",
        line_height=3.4,
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD"),
        cell_fill_color=STRIPE,
        cell_fill_mode="ROWS",
    ) as table:
        head = table.row()
        for key in ("col_dataset", "col_loaded", "col_source", "col_rows"):
            head.cell(t(f"brief.{key}"))
        for _, r in loads.iterrows():
            row = table.row()
            row.cell(str(r["dataset"]))
            row.cell(t.date(r["loaded_at"]))
            source = str(r["source"]) + (f" ({t('brief.yes_demo')})" if r["is_demo"] else "")
            row.cell(source)
            row.cell(t.num(r["row_count"]))
