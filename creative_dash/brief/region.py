"""The region's brief: its figures and their change, against its peers and the country, its hubs
on the map, money and sectors, training outcomes and recommendations, and the sources."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from creative_dash import geo
from creative_dash.brief import draw, sections
from creative_dash.brief.inputs import RegionInputs
from creative_dash.brief.paper import LIGHT, MARGIN, STRIPE, WIDTH, Paper
from creative_dash.brief.sections import GAP, HALF
from creative_dash.i18n import Translator
from creative_dash.metrics import (
    METRIC_BY_CODE,
    compare_with_peers,
    format_value,
    group_noun,
    peer_codes,
)
from creative_dash.views.about import population_status
from creative_dash.views.empty import KINDS, reference_only
from creative_dash.views.region import comparison_table, peers_caption, peers_empty
from creative_dash.vocab import REC_STATUSES

PEER_GROUP = "kind"  # the region page's default: the other oblasts, or the other cities
CHART_METRIC = "initiatives_per_100k"
MAP_W, MAP_H = 104.0, 74.0
HUBS_LISTED = 12


def _row(inputs: RegionInputs) -> pd.Series:
    regions = inputs.common.regions
    return regions[regions["iso_code"] == inputs.iso].iloc[0]


def _peers(pdf: Paper, t: Translator, inputs: RegionInputs, names: dict[str, str]) -> None:
    metrics = inputs.common.metrics
    iso = inputs.iso
    peers = peer_codes(metrics, iso, PEER_GROUP, inputs.neighbours)
    rows = compare_with_peers(metrics, iso, peers)
    table = comparison_table(t, rows, group_noun(metrics, iso, PEER_GROUP))
    pdf.heading(t("brief.peers_title"), keep=14 + 7 * len(table))
    pdf.para(
        t(f"region.peer_group.{PEER_GROUP}") + ". " + peers_caption(t, PEER_GROUP, peers, names),
        size=7.5,
        grey=True,
    )
    pdf.ln(1.5)
    pdf.font(7.2, "")
    widths = (46, 24, 26, 26, 30, 28)
    with pdf.table(
        col_widths=widths,
        width=WIDTH,
        line_height=3.4,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=LIGHT),
        cell_fill_color=STRIPE,
        cell_fill_mode="ROWS",
    ) as out:
        head = out.row()
        for col in table.columns:
            head.cell(str(col))
        for values in table.itertuples(index=False):
            row = out.row()
            for v in values:
                row.cell(str(v))
    pdf.para(t("brief.peers_table_note"), size=7, grey=True)
    pdf.ln(2)
    # the default metric, bar by bar: the region and its peers, with both medians
    metric = METRIC_BY_CODE[CHART_METRIC]
    group = metrics[metrics["iso_code"].isin([iso, *peers])]
    bars = sections.ranking(t, group, CHART_METRIC, iso)
    own = next(r for r in rows if r.metric.code == CHART_METRIC)
    marks = []
    if own.national_median is not None:
        value = format_value(t, metric, own.national_median)
        marks.append((own.national_median, t("brief.median_national", value=value)))
    if own.peer_median is not None:
        value = format_value(t, metric, own.peer_median)
        marks.append((own.peer_median, t("brief.median_peers", value=value)))
    h = draw.bars_height(len(bars), marks=len(marks))
    pdf.room(h)
    y = pdf.get_y()
    title = t("brief.peer_chart_title", metric=metric.label(t))
    draw.hbars(pdf, MARGIN, y, WIDTH, bars, title=title, marks=marks, label_w=52)
    pdf.set_y(y + h)


def _hub_list(t: Translator, hubs: pd.DataFrame) -> list[str]:
    out = []
    for i, h in enumerate(_records(hubs.head(HUBS_LISTED)), start=1):
        kind = t.enum("hub_type", str(h["hub_type"]))
        status = t.enum("hub_status", str(h["status"]))
        opened = "" if pd.isna(h["opened_on"]) else f", {pd.Timestamp(h['opened_on']).year}"
        out.append(f"{i}. {h['name']} — {h['city']}; {kind}; {status}{opened}")
    if len(hubs) > HUBS_LISTED:
        out.append(t("brief.hubs_more", n=len(hubs) - HUBS_LISTED))
    return out


def _activity(pdf: Paper, t: Translator, inputs: RegionInputs, bordering: list[str]) -> None:
    common = inputs.common
    pdf.heading(t("brief.activity_title", period=sections.period(common, t)), keep=MAP_H + 10)
    y = pdf.get_y()
    pdf.font(8.5, "B")
    pdf.set_xy(MARGIN, y)
    pdf.cell(MAP_W, 5, t("region.map_title"))
    feature = geo.region_feature(inputs.iso)
    hubs = inputs.hubs.reset_index(drop=True)
    if feature is not None:
        neighbours: list[dict[str, Any]] = [f for f in map(geo.region_feature, bordering) if f]
        pins = [
            draw.Pin(float(h["lon"]), float(h["lat"]), i, h["status"] == "operating")
            for i, h in enumerate(_records(hubs.head(HUBS_LISTED)), start=1)
            if not (pd.isna(h["lon"]) or pd.isna(h["lat"]))
        ]
        draw.region_map(pdf, MARGIN, y + 6, MAP_W, MAP_H, feature, neighbours, pins)
    else:
        pdf.set_xy(MARGIN, y + 6)
        pdf.cell(MAP_W, 5, t("brief.no_map"))
    # beside the map: the hubs it numbers
    x = MARGIN + MAP_W + GAP
    w = WIDTH - MAP_W - GAP
    pdf.font(8.5, "B")
    pdf.set_xy(x, y)
    pdf.cell(w, 5, t("brief.hubs_title"))
    pdf.set_xy(x, y + 6)
    pdf.font(7, "")
    lines = _hub_list(t, hubs) or [t("brief.hubs_none")]
    for line in lines:
        pdf.set_x(x)
        pdf.multi_cell(w, 3.3, line, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.ln(0.6)
    pdf.set_x(x)
    pdf.font(6.5, "")
    pdf.multi_cell(w, 3, t("brief.hubs_legend"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), y + 6 + MAP_H) + 1.5)
    pdf.para(
        t("region.map_note", last=common.years[1]) + " " + t("brief.sources_boundaries"),
        size=6.8,
        grey=True,
    )
    pdf.ln(2)
    if "initiatives" not in common.empty:  # the pipeline and the mixes count initiatives
        sections.mixes(pdf, t, common)


def _training(pdf: Paper, t: Translator, inputs: RegionInputs) -> None:
    tr = inputs.training
    comps = inputs.competencies
    recs = inputs.recommendations
    h = max(draw.paired_height(len(comps)), draw.bars_height(5))
    pdf.heading(t("region.training_title"), keep=h + 8)
    pdf.para(
        t(
            "brief.training_line",
            participants=t.num(tr["participants"]),
            days=t.num(tr["days_attended"], 1),
            satisfaction=t.num(tr["satisfaction"], 1),
            recommendations=t.num(tr["recommendations"]),
            implemented=t.num(tr["implemented"]),
        ),
        size=8,
    )
    pdf.ln(1.5)
    y = pdf.get_y()
    rows = [
        (
            str(c[t.name_col()]),
            float(c["pre_mean"]),
            float(c["post_mean"]),
            t.num(c["pre_mean"], 1),
            t.num(c["post_mean"], 1),
        )
        for _, c in comps.dropna(subset=["pre_mean", "post_mean"]).iterrows()
    ]
    draw.paired_bars(
        pdf,
        MARGIN,
        y,
        HALF,
        rows,
        title=t("region.competency_title"),
        legend=(t("region.score_pre"), t("region.score_post")),
        scale_max=10.0,
        empty=t("app.empty"),
    )
    counts = recs["status"].value_counts() if len(recs) else pd.Series(dtype=int)
    bars = [
        draw.Bar(t.enum("rec_status", s), float(counts.get(s, 0)), t.num(counts.get(s, 0)))
        for s in REC_STATUSES
    ]
    draw.hbars(pdf, MARGIN + HALF + GAP, y, HALF, bars, title=t("region.recs_title"))
    pdf.set_y(y + h)
    _recommendations(pdf, t, recs)


def _recommendations(pdf: Paper, t: Translator, recs: pd.DataFrame) -> None:
    pdf.heading(t("brief.recs_table_title"), keep=20)
    if recs.empty:
        pdf.para(t("brief.recs_none"), size=8)
        return
    pdf.font(7.2, "")
    widths = (24, 78, 22, 32, 24)
    with pdf.table(
        col_widths=widths,
        width=WIDTH,
        text_align="LEFT",
        line_height=3.4,
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=LIGHT),
        cell_fill_color=STRIPE,
        cell_fill_mode="ROWS",
    ) as out:
        head = out.row()
        for key in ("col_category", "col_text", "col_status", "col_body", "col_follow_up"):
            head.cell(t(f"region.{key}"))
        for r in _records(recs):
            row = out.row()
            row.cell(t.enum("rec_category", str(r["category"])))
            row.cell(str(r["text"]))
            row.cell(t.enum("rec_status", str(r["status"])))
            row.cell(t.enum("body", str(r["responsible_body"])))
            follow = r["follow_up_date"]
            row.cell("—" if pd.isna(follow) else t.date(pd.Timestamp(follow).date()))
    pdf.para(t("region.recs_language_note"), size=7, grey=True)


def region_brief(inputs: RegionInputs, t: Translator) -> bytes:
    """The region's brief as PDF bytes (A4, in ``t``'s language)."""
    common = inputs.common
    row = _row(inputs)
    names = dict(zip(common.regions["iso_code"], common.regions[t.name_col()]))
    name = names[inputs.iso]
    as_of = t.date(row["population_as_of"])
    status = t.enum("pop_status", population_status(str(row["population_status"])))
    foot_population = t(
        "brief.foot_population", source=_short_source(row["population_source"]), date=as_of
    )
    run = sections.running(t, common, t("brief.head_region", region=name), foot_population)
    pdf = Paper(run, title=name, lang=t.lang)
    pdf.add_page()
    kind = t.enum("region_kind", str(row["kind"]))
    subtitle = t("brief.region_subtitle", kind=kind, period=sections.period(common, t))
    sections.title_block(pdf, t, common, name, subtitle)
    population = t.num(row["population"])
    pdf.para(
        t("brief.population_line", population=population, date=as_of, status=status),
        size=8,
        grey=True,
    )
    empty = common.empty
    sections.empty_notes(pdf, t, common, KINDS)  # in place of what would be drawn empty
    if not reference_only(empty):
        sections.kpis(pdf, t, common)
    if not peers_empty(empty):
        _peers(pdf, t, inputs, names)
    bordering = peer_codes(common.metrics, inputs.iso, "neighbours", inputs.neighbours)
    _activity(pdf, t, inputs, bordering)
    if not {"programme", "recommendations"} <= empty:
        _training(pdf, t, inputs)
    pop_line = t(
        "brief.sources_population",
        region=name,
        population=population,
        date=as_of,
        status=status,
        source=str(row["population_source"]),
    )
    sections.sources(pdf, t, common, [pop_line])
    return bytes(pdf.output())


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as {column: value}."""
    return [{str(k): v for k, v in row.items()} for row in df.to_dict("records")]


def _short_source(source: Any) -> str:
    """The population source's first clause (the foot has one line for it)."""
    text = "" if source is None or pd.isna(source) else str(source)
    return text.split(" via ")[0].split(";")[0].strip() or "—"
