"""National overview: KPIs of the period, the map of the 20 regions, rankings and mixes.

Clicking a region on the map (or choosing it in the picker under the map) opens its dashboard.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from creative_dash import ui
from creative_dash.charts import maps
from creative_dash.charts import overview as charts
from creative_dash.metrics import DEFAULT_METRIC, MAP_METRICS, METRIC_BY_CODE
from creative_dash.views.overview import card_rows, kpi_cards, map_caption, period_text
from creative_dash.vocab import FUNDING_SOURCES, INITIATIVE_STATUSES

OPEN_KEY = "_ov_open_region"  # set by the map or the picker callbacks, read below

t = ui.tr()
first, last = ui.selected_years()
highlight = ui.selected_region()
regions = ui.q("regions")
codes = regions["iso_code"].tolist()
names = ui.region_names(t)


def _open(code: str | None) -> None:
    # Runs in a callback, before the sidebar is drawn: the only moment the shared region
    # selector's value may be changed.
    if code in codes:
        st.session_state[ui.REGION_KEY] = code
        st.session_state[OPEN_KEY] = code


def _on_map_select() -> None:
    _open(maps.clicked_region(ui.clicked("ov_map")))


def _on_pick() -> None:
    _open(st.session_state.get("ov_pick") or None)
    st.session_state["ov_pick"] = ""


target = st.session_state.pop(OPEN_KEY, None)
if target:
    ui.switch_page("region", region=target)

with st.container(key="ov_main"):
    st.title(t("overview.title"))
    st.caption(t("overview.intro", period=period_text(t, first, last)))

    sectors_df = ui.q("sectors")
    sector_names = dict(zip(sectors_df["code"], sectors_df[t.name_col()]))
    any_of = (
        ui.AnyOf("ov_sectors", "overview.filter_sectors", list(sector_names), sector_names.get),
        ui.AnyOf(
            "ov_funding", "overview.filter_funding", FUNDING_SOURCES, partial(t.enum, "funding")
        ),
        ui.AnyOf(
            "ov_status", "overview.filter_status", INITIATIVE_STATUSES, partial(t.enum, "status")
        ),
    )
    # The filters' and the metric's values are read first; their widgets, the map's heading and
    # the KPI cards keep their places above the map and are sent after it: the browser renders
    # every element of a rerun again, and the map need not wait for them (bench/README.md,
    # third pass). The filters' widgets are drawn only while their section is open (three option
    # lists cost the browser about 0.1 s on every load).
    filters_area = st.container()
    sectors, funding, statuses = (f.value() for f in any_of)
    filters = {"years": (first, last), "sectors": sectors, "funding": funding, "statuses": statuses}

    # -- KPI cards: their place is here, their content is sent after the charts ----------------
    kpi_area = st.container()

    # -- the map -----------------------------------------------------------------------------------
    map_head = st.container()
    metric_choice = ui.OneOf("ov_metric", MAP_METRICS, DEFAULT_METRIC)
    metric_code = metric_choice.value()
    metric = METRIC_BY_CODE[metric_code]
    metrics = ui.q("region_metrics", **filters)
    # Streamlit does not tell a page its width: a phone (by its user agent) gets a lower map.
    phone = "Mobi" in (st.context.headers.get("User-Agent") or "")
    ui.chart(
        "ov_map",
        maps.national_map,
        metrics,
        metric,
        t,
        geojson=maps.geojson_source(),
        highlight=highlight,
        height=maps.PHONE_HEIGHT if phone else maps.NATIONAL_HEIGHT,
        title=t(
            "overview.map_chart_title", metric=metric.label(t), period=period_text(t, first, last)
        ),
        on_select=_on_map_select,
    )
    with filters_area:
        box = st.expander(
            t("overview.filters"),
            icon=":material/filter_list:",
            key="ov_filters",
            on_change="rerun",
        )
        if box.open:
            with box:
                for f, column in zip(any_of, st.columns(3), strict=True):
                    f.draw(t, column, t("overview.filter_all"))
                st.caption(t("overview.filters_help"))
        active_filters = len(sectors) + len(funding) + len(statuses)
        if active_filters:
            st.caption(t("overview.filters_on", n=active_filters))
    with map_head:
        st.subheader(t("overview.map_title"))
        metric_choice.draw(t("overview.metric_label"), lambda c: METRIC_BY_CODE[c].label(t))
    st.caption(map_caption(t, metric, metrics))
    st.selectbox(
        t("overview.pick_label"),
        [""] + codes,
        key="ov_pick",
        on_change=_on_pick,
        format_func=lambda c: names.get(c, c) if c else t("overview.pick_placeholder"),
    )
    # -- ranking and mixes -------------------------------------------------------------------------
    ui.chart(
        "ov_ranking",
        charts.ranking_bars,
        metrics,
        metric,
        t,
        highlight=highlight,
        title=t("overview.ranking_title", metric=metric.label(t)),
    )
    # -- the mixes: one tab at a time, only the open one computed and drawn ----------------------
    st.subheader(t("overview.mixes_title"))
    mixes = {
        "sectors": lambda: ui.chart(
            "ov_sector_mix",
            charts.sector_bars,
            ui.q("overview_sector_mix", **filters),
            t,
            title=t("overview.sector_title"),
        ),
        "funding": lambda: ui.chart(
            "ov_funding_mix",
            charts.funding_bars,
            ui.q("overview_funding_mix", **filters),
            t,
            title=t("overview.funding_title"),
        ),
        "years": lambda: ui.chart(
            "ov_started",
            charts.started_per_year,
            ui.q("overview_started_by_year", **filters),
            t,
            title=t("overview.years_title"),
            years=(first, last),
        ),
        "sdg": lambda: ui.chart(
            "ov_sdg",
            charts.sdg_bars,
            ui.q("overview_sdg_counts", **filters),
            t,
            title=t("overview.sdg_title"),
        ),
    }
    ui.lazy_tabs("ov_mix", mixes, label=lambda c: t(f"overview.mix_tab_{c}"))

    # The cards last: their query (every initiative under the filters) is the slowest of the
    # page, and the charts need not wait for it; the cards keep their place at the top.
    with kpi_area:
        data_from = int(ui.q("year_bounds").iloc[0]["min_year"])
        ui.metric_cards(card_rows(kpi_cards(t, ui.q("overview_kpis", **filters), data_from)))

    with st.expander(t("overview.definitions_title"), icon=":material/info:"):
        st.markdown(t("overview.definitions"))
