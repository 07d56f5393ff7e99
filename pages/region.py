"""Region dashboard: one region against its peers, its hubs, initiatives and training outcomes.

Opened by ``?region=<ISO code>`` or from the overview's map; the sidebar's region selector
(session key "region") is the shared selection. Prints on A4 without the sidebar and toolbar.
"""

from __future__ import annotations

import streamlit as st

from creative_dash import geo, ui
from creative_dash.charts import maps
from creative_dash.charts import overview as ov_charts
from creative_dash.charts import region as charts
from creative_dash.metrics import (
    METRIC_BY_CODE,
    PEER_GROUPS,
    PEER_METRICS,
    compare_with_peers,
    group_noun,
    peer_codes,
)
from creative_dash.views.overview import card_rows, kpi_cards, period_text
from creative_dash.views.region import (
    comparison_table,
    peers_caption,
    recommendations_table,
    safe_code,
)

# A constant stylesheet (no user data): on paper the page is the main column only.
PRINT_CSS = """
<style>
@media print {
  @page { size: A4 portrait; margin: 12mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
  [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stElementToolbar"], .modebar-container,
  .st-key-rg_noprint { display: none !important; }
  [data-testid="stMain"], [data-testid="stAppViewContainer"] { margin: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 !important; max-width: 100% !important; }
  .stPlotlyChart, [data-testid="stMetric"], [data-testid="stTable"], h1, h2, h3 {
    break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
"""

t = ui.tr()
first, last = ui.selected_years()
period = period_text(t, first, last)
iso = ui.selected_region()
regions = ui.q("regions")
codes = regions["iso_code"].tolist()
names = ui.region_names(t)


def _requested_code() -> str | None:
    """The region code the page's URL asked for: the URL's value, or the one the sidebar
    rejected as unknown (it drops such a code from the URL before pages run)."""
    value = st.query_params.get(ui.REGION_KEY)
    return str(value) if value else ui.rejected_url_value(ui.REGION_KEY)


def _on_pick() -> None:
    # A callback runs before the sidebar is drawn: the shared selector may be set here.
    code = st.session_state.get("rg_pick")
    if code in codes:
        st.session_state[ui.REGION_KEY] = code
        st.query_params[ui.REGION_KEY] = code
        ui.forget_rejected_url_value(ui.REGION_KEY)
    st.session_state["rg_pick"] = ""


def _picker() -> None:
    st.selectbox(
        t("region.pick_label"),
        [""] + codes,
        key="rg_pick",
        on_change=_on_pick,
        format_func=lambda c: names.get(c, c) if c else t("region.pick_placeholder"),
    )


st.markdown(PRINT_CSS, unsafe_allow_html=True)

with st.container(key="region_main"):
    if iso is None:
        st.title(t("nav.region"))
        requested = _requested_code()
        if requested and requested not in codes:
            st.error(t("region.unknown_code", code=safe_code(requested)))
        else:
            st.info(t("region.pick_prompt"))
        _picker()
        st.stop()

    row = regions[regions["iso_code"] == iso].iloc[0]
    st.title(names[iso])
    st.caption(
        t(
            "region.subtitle",
            kind=t.enum("region_kind", row["kind"]),
            period=period,
            population=t.num(row["population"]),
            date=t.date(row["population_as_of"]),
        )
    )

    # -- the region's figures and their change: their place is here, their content is sent after
    # the charts (their query is the page's slowest; the charts need not wait for it) ------------
    kpi_area = st.container()

    # -- against its peers ---------------------------------------------------------------------------
    st.subheader(t("region.peers_title"))
    group = ui.url_selectbox(
        t("region.peer_label"),
        PEER_GROUPS,
        "rg_peers",
        default="kind",
        format_func=lambda g: t(f"region.peer_group.{g}"),
    )
    metrics = ui.q("region_metrics", years=(first, last))
    peers = peer_codes(metrics, iso, group, ui.q("region_neighbours"))
    noun = group_noun(metrics, iso, group)
    st.caption(peers_caption(t, group, peers, names))
    # The comparison table's place is here; it is sent after the chart (a table of the peers'
    # figures costs the browser more to render than the chart waits for).
    table_area = st.container()
    metric_code = ui.url_selectbox(
        t("region.peer_metric_label"),
        PEER_METRICS,
        "rg_metric",
        default=PEER_METRICS[0],
        format_func=lambda c: METRIC_BY_CODE[c].label(t),
    )
    metric = METRIC_BY_CODE[metric_code]
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
    with table_area:
        comparison = compare_with_peers(metrics, iso, peers)
        st.table(comparison_table(t, comparison, noun), hide_index=True)
        st.caption(t("region.population_note", date=t.date(row["population_as_of"])))

    # -- the region: map, pipeline, mixes, timeline ----------------------------------------------------
    st.subheader(t("region.activity_title", period=period))
    ui.boundaries_warning()
    feature = geo.region_feature(iso)
    neighbour_codes = peer_codes(metrics, iso, "neighbours", ui.q("region_neighbours"))
    neighbour_features = [f for f in (geo.region_feature(c) for c in neighbour_codes) if f]
    left, right = st.columns([3, 2])
    with left:
        if feature is not None:
            ui.chart(
                "rg_map",
                maps.region_map,
                feature,
                ui.q("region_hubs", region=iso),
                t,
                region_name=names[iso],
                neighbours=neighbour_features,
                title=t("region.map_title"),
            )
    with right:
        ui.chart(
            "rg_pipeline",
            charts.status_pipeline,
            ui.q("overview_status_pipeline", years=(first, last), region=iso),
            t,
            title=t("region.pipeline_title"),
        )
    # the mixes as on the overview: one tab at a time, computed and drawn only when open
    mixes = {
        "funding": lambda: ui.chart(
            "rg_funding",
            ov_charts.funding_bars,
            ui.q("overview_funding_mix", years=(first, last), region=iso),
            t,
            title=t("overview.funding_title"),
        ),
        "sectors": lambda: ui.chart(
            "rg_sectors",
            ov_charts.sector_bars,
            ui.q("overview_sector_mix", years=(first, last), region=iso),
            t,
            title=t("overview.sector_title"),
        ),
        "timeline": lambda: ui.chart(
            "rg_timeline",
            charts.timeline_quarters,
            ui.q("overview_started_by_quarter", years=(first, last), region=iso),
            t,
            title=t("region.timeline_title"),
            years=(first, last),
        ),
    }
    ui.lazy_tabs("rg_mix", mixes, label=lambda c: t(f"region.mix_tab_{c}"))

    # -- training outcomes ---------------------------------------------------------------------------
    st.subheader(t("region.training_title"))
    training = ui.q("region_training", region=iso, years=(first, last)).iloc[0]
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("region.participants"), t.num(training["participants"]), border=True)
    c2.metric(t("region.days"), t.num(training["days_attended"], 1), border=True)
    c3.metric(
        t("region.satisfaction"),
        t.num(training["satisfaction"], 1),
        border=True,
        help=t("region.satisfaction_help"),
    )
    c4.metric(
        t("region.recommendations"),
        t.num(training["recommendations"]),
        border=True,
        help=t("region.recommendations_help", implemented=t.num(training["implemented"])),
    )
    recs = ui.q("region_recommendations", region=iso, years=(first, last))
    left, right = st.columns([3, 2])
    with left:
        ui.chart(
            "rg_competencies",
            charts.competency_chart,
            ui.q("region_competencies", region=iso, years=(first, last)),
            t,
            title=t("region.competency_title"),
        )
    with right:
        ui.chart("rg_recs_chart", charts.recommendation_bars, recs, t, title=t("region.recs_title"))
    if not recs.empty:
        st.table(recommendations_table(t, recs), hide_index=True)
        st.caption(t("region.recs_language_note"))

    with kpi_area:
        cards = kpi_cards(
            t,
            ui.q("overview_kpis", years=(first, last), region=iso),
            int(ui.q("year_bounds").iloc[0]["min_year"]),
        )
        ui.metric_cards(card_rows(cards))

    with st.container(key="rg_noprint"):
        if ui.print_view():
            st.caption(t("region.print_view_hint"))
            ui.print_view_link(t("region.print_view_close"), "region", on=False)
        else:
            st.caption(t("region.print_hint"))
            ui.print_view_link(t("region.print_view_open"), "region")
        _picker()
