"""Region dashboard: one region against its peers, its hubs, initiatives and training outcomes.

Opened by ``?region=<ISO code>`` or from the overview's map; the sidebar's region selector
(session key "region") is the shared selection. Prints on A4 without the sidebar and toolbar.
"""

from __future__ import annotations

import streamlit as st

from creative_dash import geo, ui
from creative_dash import metrics as mc
from creative_dash.charts import maps
from creative_dash.charts import overview as ov
from creative_dash.charts import region as charts
from creative_dash.ui import editing as edit
from creative_dash.views import region as view
from creative_dash.views.overview import card_rows, kpi_cards, period_text

t = ui.tr()
f = ui.page_filters()  # the sidebar's region and years: every figure below is the region's
iso, period = f.region, period_text(t, *f.years)
regions, names = ui.q("regions"), ui.region_names(t)
PEERS = ui.OneOf("rg_peers", mc.PEER_GROUPS, "kind")
METRIC = ui.OneOf("rg_metric", mc.PEER_METRICS, mc.PEER_METRICS[0])

ui.print_stylesheet("rg_noprint")  # on paper: the main column only
mix = ui.tab_charts(f, t)


def kpi_section() -> None:
    """The region's figures and their change: the page's slowest query, sent after the charts."""
    data_from = int(ui.q("year_bounds").iloc[0]["min_year"])
    ui.metric_cards(card_rows(kpi_cards(t, ui.q("overview_kpis", filters=f), data_from)))


with st.container(key="region_main"):
    if iso is None:
        st.title(t("nav.region"))
        # the URL's code, or the one the sidebar rejected as unknown (and dropped from the URL)
        requested = st.query_params.get(ui.REGION_KEY) or ui.rejected_url_value(ui.REGION_KEY)
        if requested and requested not in names:
            st.error(t("region.unknown_code", code=ui.inert(view.safe_code(str(requested)))))
        else:
            st.info(t("region.pick_prompt"))
        ui.empty_notes(t, page_key="region")  # what the store lacks, who fills it, how
        ui.region_picker(t, "rg_pick", t("region.pick_label"), t("region.pick_placeholder"))
        st.stop()

    row = regions[regions["iso_code"] == iso].iloc[0]
    st.title(ui.inert(names[iso]), anchor=False)
    kind, population = t.enum("region_kind", row["kind"]), t.num(row["population"])
    as_of = t.date(row["population_as_of"])
    st.caption(t("region.subtitle", kind=kind, period=period, population=population, date=as_of))
    ui.brief_button(t, iso, f.years)  # the region's brief (PDF) on A4, in this language
    empty = ui.empty_notes(t, page_key="region")  # in place of what would be drawn empty
    if not ui.reference_only():
        ui.later(kpi_section)

    # -- against its peers (the comparison table is sent after the chart) -------------------------
    metrics = ui.q("region_metrics", filters=f.everywhere())
    neighbours = ui.q("region_neighbours")
    if not view.peers_empty(empty):  # every peer figure counts something the store holds
        st.subheader(t("region.peers_title"))
        PEERS.draw(t("region.peer_label"), lambda g: t(f"region.peer_group.{g}"))
        peers = mc.peer_codes(metrics, iso, PEERS.value(), neighbours)
        st.caption(view.peers_caption(t, PEERS.value(), peers, names))
        noun = mc.group_noun(metrics, iso, PEERS.value())
        comparison = mc.compare_with_peers(metrics, iso, peers)
        ui.later(lambda: ui.static_table(view.comparison_table(t, comparison, noun)))
        ui.later(lambda: st.caption(t("region.population_note", date=as_of)))
        METRIC.draw(t("region.peer_metric_label"), lambda c: mc.METRIC_BY_CODE[c].label(t))
        metric = mc.METRIC_BY_CODE[METRIC.value()]
        if not ui.metric_missing(t, metric, empty):
            ui.chart(
                "rg_peer_chart",
                charts.peer_bars,
                metrics,
                metric,
                t,
                iso=iso,
                peers=peers,
                median_label=t("region.peer_median"),
                title=t("region.peer_chart_title", metric=metric.label(t)),
            )

    # -- the region: map, pipeline, mixes, timeline ----------------------------------------------
    st.subheader(t("region.activity_title", period=period))
    ui.boundaries_warning()
    feature = geo.region_feature(iso)
    bordering = mc.peer_codes(metrics, iso, "neighbours", neighbours)
    left, right = st.columns([3, 2])
    with left:
        if feature is not None:
            ui.chart(
                "rg_map",
                maps.region_map,
                feature,
                ui.q("region_hubs", filters=f),
                t,
                region_name=names[iso],
                neighbours=[b for b in map(geo.region_feature, bordering) if b],
                title=t("region.map_title"),
            )
            st.caption(t("region.map_note", last=f.years[1]))
    if "initiatives" not in empty:  # the pipeline and the mixes count initiatives
        with right:
            pipeline = ui.Q("overview_status_pipeline", filters=f)
            title = t("region.pipeline_title")
            ui.chart("rg_pipeline", charts.status_pipeline, pipeline, t, title=title)
        mt = lambda key: t(f"overview.{key}_title")  # noqa: E731
        mixes = {  # as on the overview: one tab at a time, computed and drawn only when open
            "funding": mix("rg_funding", ov.funding_bars, "overview_funding_mix", mt("funding")),
            "sectors": mix("rg_sectors", ov.sector_bars, "overview_sector_mix", mt("sector")),
            "timeline": mix(
                "rg_timeline",
                charts.timeline_quarters,
                "overview_started_by_quarter",
                t("region.timeline_title"),
                years=f.years,
            ),
        }
        ui.lazy_tabs("rg_mix", mixes, label=lambda c: t(f"region.mix_tab_{c}"))

    # -- training outcomes (of the programmes running in the period) -------------------------------
    recs = ui.q("region_recommendations", filters=f)
    if not {"programme", "recommendations"} <= empty:
        st.subheader(t("region.training_title"))
    if "programme" not in empty:
        ui.metric_cards([view.training_cards(t, ui.q("region_training", filters=f).iloc[0])])
    left, right = st.columns([3, 2])
    if "programme" not in empty:
        with left:
            competencies = ui.Q("region_competencies", filters=f)
            title = t("region.competency_title")
            ui.chart("rg_competencies", charts.competency_chart, competencies, t, title=title)
    if "recommendations" not in empty:
        with right:
            title = t("region.recs_title")
            ui.chart("rg_recs_chart", charts.recommendation_bars, recs, t, title=title)
    edit.recommendations(t, recs)  # overdue follow-ups flagged; edit mode for the region's editor

    with st.container(key="rg_noprint"):
        if ui.print_view():
            st.caption(t("region.print_view_hint"))
            ui.print_view_link(t("region.print_view_close"), "region", on=False)
        else:
            st.caption(t("region.print_hint"))
            ui.print_view_link(t("region.print_view_open"), "region")
        ui.region_picker(t, "rg_pick", t("region.pick_label"), t("region.pick_placeholder"))
