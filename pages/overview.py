"""National overview: KPIs of the period, the map of the 20 regions, rankings and mixes. A click
on a region (map or picker) opens its dashboard; the sidebar's region is only marked."""

from __future__ import annotations

from functools import partial

import streamlit as st

from creative_dash import ui
from creative_dash.charts import maps
from creative_dash.charts import overview as charts
from creative_dash.metrics import DEFAULT_METRIC, MAP_METRICS, METRIC_BY_CODE
from creative_dash.views.overview import card_rows, kpi_cards, map_caption, period_text
from creative_dash.views.selection import chosen_count, national_caption
from creative_dash.vocab import FUNDING_SOURCES, INITIATIVE_STATUSES

t = ui.tr()
ui.open_chosen_region()  # a click on the map or the picker asked for a region's dashboard
sectors = ui.q("sectors")
sector_names = dict(zip(sectors["code"], sectors[t.name_col()]))
funding, status = partial(t.enum, "funding"), partial(t.enum, "status")
FILTERS = (
    ui.AnyOf("ov_sectors", "overview.filter_sectors", [*sector_names], sector_names.get, "sectors"),
    ui.AnyOf("ov_funding", "overview.filter_funding", FUNDING_SOURCES, funding, "funding"),
    ui.AnyOf("ov_status", "overview.filter_status", INITIATIVE_STATUSES, status, "statuses"),
)
f = ui.page_filters(*FILTERS, region=False)  # national: the sidebar's region is only marked
METRIC = ui.OneOf("ov_metric", MAP_METRICS, DEFAULT_METRIC)
metric = METRIC_BY_CODE[METRIC.value()]
highlight = ui.selected_region()
period = period_text(t, *f.years)
ui.print_stylesheet()  # on paper (A4): the main column only


# What stands above the map is drawn once the map is sent (ui.later): the browser renders every
# element of a rerun again, and the map need not wait for them (bench/README.md, third pass).
def filter_section() -> None:
    """The filters, drawn only while their section is open (three option lists cost the browser
    about 0.1 s on every load); a closed section still says how many are on."""
    box = st.expander(
        t("overview.filters"), icon=":material/filter_list:", key="ov_filters", on_change="rerun"
    )
    if box.open:
        with box:
            for widget, column in zip(FILTERS, st.columns(3), strict=True):
                widget.draw(t, column, t("overview.filter_all"))
            st.caption(t("overview.filters_help"))
    if n := chosen_count(f, "sectors", "funding", "statuses"):
        st.caption(t("overview.filters_on", n=n))


def kpi_section() -> None:
    """The cards: their query (every initiative under the filters) is the page's slowest."""
    data_from = int(ui.q("year_bounds").iloc[0]["min_year"])
    ui.metric_cards(card_rows(kpi_cards(t, ui.q("overview_kpis", filters=f), data_from)))


def map_heading() -> None:
    st.subheader(t("overview.map_title"))
    METRIC.draw(t("overview.metric_label"), lambda c: METRIC_BY_CODE[c].label(t))


with st.container(key="ov_main"):
    st.title(t("overview.title"))
    st.caption(
        t("overview.intro_reference" if ui.reference_only() else "overview.intro", period=period)
    )
    ui.brief_button(t, None, f.years)  # the national brief (PDF) on A4, in this language
    if note := national_caption(t, ui.region_names(t).get(highlight or "")):
        st.caption(note)
    empty = ui.empty_notes(t, page_key="overview")  # what the store lacks, who fills it, how
    ui.later(filter_section)
    if not ui.reference_only():  # cards of nothing but zeros say nothing
        ui.later(kpi_section)

    # -- the map -----------------------------------------------------------------------------------
    ui.later(map_heading)
    metrics = ui.q("region_metrics", filters=f)
    # Streamlit does not tell a page its width: a phone (by its user agent) gets a lower map.
    phone = "Mobi" in (st.context.headers.get("User-Agent") or "")
    ui.boundaries_warning()
    if drawn := not ui.metric_missing(t, metric, empty):  # in place of an empty map and ranking
        ui.chart(
            "ov_map",
            maps.national_map,
            metrics,
            metric,
            t,
            geojson=maps.geojson_source(),
            highlight=highlight,
            height=maps.PHONE_HEIGHT if phone else maps.NATIONAL_HEIGHT,
            title=t("overview.map_chart_title", metric=metric.label(t), period=period),
            on_select=lambda: ui.choose_region(
                maps.clicked_region(ui.clicked("ov_map")), open_page=True
            ),
        )
        st.caption(map_caption(t, metric, metrics))
    ui.region_picker(
        t, "ov_pick", t("overview.pick_label"), t("overview.pick_placeholder"), open_page=True
    )

    # -- ranking and mixes (one tab at a time, only the open one computed and drawn) ---------------
    if drawn:
        title = t("overview.ranking_title", metric=metric.label(t))
        ui.chart(
            "ov_ranking", charts.ranking_bars, metrics, metric, t, highlight=highlight, title=title
        )
    if "initiatives" not in empty:  # every mix counts initiatives
        st.subheader(t("overview.mixes_title"))
        mix, mt = ui.tab_charts(f, t), lambda c: t(f"overview.{c}_title")
        mixes = {  # tab: its chart (key, builder, query, title)
            "sectors": mix(
                "ov_sector_mix", charts.sector_bars, "overview_sector_mix", mt("sector")
            ),
            "funding": mix(
                "ov_funding_mix", charts.funding_bars, "overview_funding_mix", mt("funding")
            ),
            "years": mix(
                "ov_started",
                charts.started_per_year,
                "overview_started_by_year",
                mt("years"),
                years=f.years,
            ),
            "sdg": mix("ov_sdg", charts.sdg_bars, "overview_sdg_counts", mt("sdg")),
        }
        ui.lazy_tabs("ov_mix", mixes, label=lambda c: t(f"overview.mix_tab_{c}"))

    with st.expander(t("overview.definitions_title"), icon=":material/info:"):
        st.markdown(t("overview.definitions"))
    ui.print_view_toggle("overview", t("overview.print_view_open"), t("overview.print_view_close"))
