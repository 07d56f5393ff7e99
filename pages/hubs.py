"""Creative hubs: every hub on an offline map of the regions, with filters and a table."""

from __future__ import annotations

from functools import partial

import streamlit as st

from creative_dash import ui
from creative_dash.charts.hubs import SIZE_MEASURES, hub_map
from creative_dash.charts.maps import geojson_source
from creative_dash.export import to_csv_bytes, to_xlsx_bytes
from creative_dash.views.hubs import hub_totals, hubs_table, without_coordinates
from creative_dash.views.initiatives import page_count, rows_caption
from creative_dash.vocab import HUB_STATUSES, HUB_TYPES

TABLE_PAGE_SIZE = 40

t = ui.tr()
st.title(t("hubs.title"))
st.caption(t("hubs.intro"))
ui.boundaries_warning()  # above the map (in the fragment below), once per page

names = ui.region_names(t)
region_codes = list(names)
sidebar_region = ui.selected_region()
sectors = ui.q("sectors")
sector_names = dict(zip(sectors["code"], sectors[t.name_col()]))
bounds = ui.q("hub_year_bounds").iloc[0]
lo, hi = int(bounds["min_year"]), int(bounds["max_year"])


# The filters and all they drive (totals, map, table, downloads) form a fragment: a filter
# change reruns only this part (the header and the sidebar stay as they are), so the map is
# updated sooner. The sidebar and the language rerun the whole page, fragment included.
@st.fragment
def _hubs() -> None:
    size = ui.OneOf("hubs_size", SIZE_MEASURES, "residents")
    any_of = (
        ui.AnyOf("hubs_type", "hubs.filter_type", list(HUB_TYPES), partial(t.enum, "hub_type")),
        ui.AnyOf("hubs_sector", "hubs.filter_sector", list(sector_names), sector_names.get),
        ui.AnyOf("hubs_region", "hubs.filter_region", region_codes, names.get),
        ui.AnyOf(
            "hubs_status", "hubs.filter_status", list(HUB_STATUSES), partial(t.enum, "hub_status")
        ),
    )

    def filter_widgets() -> None:
        """The filters' widgets, in the place kept for them above the map."""
        columns = [*st.columns(3), *st.columns(3)]
        # Empty regions follow the sidebar's region (or all regions), and say so; empty others
        # mean every option.
        all_regions = (
            t("hubs.placeholder_region_sidebar", region=names[sidebar_region])
            if sidebar_region
            else t("hubs.placeholder_region_all")
        )
        for f, column in zip(any_of, columns, strict=False):
            f.draw(t, column, all_regions if f.key == "hubs_region" else t("hubs.placeholder_all"))
        years = columns[4].slider(t("hubs.filter_years"), lo, hi, key="hubs_years")
        ui.write_url("hubs_years", tuple(years), (lo, hi), lambda v: f"{v[0]}-{v[1]}")
        size.draw(t("hubs.size_by"), lambda v: t("hubs.size_" + v), columns[5])

    # The filters' values are read first, and the widgets (and the totals) drawn in their places
    # after the map was sent: the browser renders every element of a rerun again, and the map
    # need not wait for the filters' boxes (bench/README.md, third pass).
    filters_area = st.container(key="hubs_filters")
    types, chosen_sectors, chosen_regions, statuses = (f.value() for f in any_of)
    ui.seed_from_url("hubs_years", ui.year_range_parser(lo, hi), (lo, hi))
    years = st.session_state["hubs_years"]
    size_by = size.value()

    focus = chosen_regions or ([sidebar_region] if sidebar_region else [])
    year_from, year_to = int(years[0]), int(years[1])
    filters = {
        "regions": focus,
        "types": types,
        "sectors": chosen_sectors,
        "statuses": statuses,
        "year_from": year_from,
        "year_to": year_to,
        # Hubs without an opening date are shown only while the year filter is not narrowed.
        "include_undated": (year_from, year_to) == (lo, hi),
    }
    hubs = ui.q("hubs_for_map", lang=t.lang, **filters)
    by_type = ui.q("hubs_by_type", **filters)
    totals = hub_totals(by_type)

    figures_area = st.container()
    ui.chart(
        "hubs_map",
        hub_map,
        hubs,
        t,
        region_codes=region_codes,
        region_names=names,
        size_by=size_by,
        focus=focus,
        counts=dict(zip(by_type["hub_type"], by_type["hubs"])),
        geojson=geojson_source(),
    )
    with filters_area:
        filter_widgets()
    with figures_area:
        st.caption(
            t("hubs.showing_regions", regions=", ".join(names[c] for c in focus))
            if focus
            else t("hubs.showing_all")
        )
        m1, m2, m3 = st.columns(3)
        m1.metric(t("hubs.metric_hubs"), t.num(totals["hubs"]))
        m2.metric(t("hubs.metric_residents"), t.num(totals["residents"]))
        m3.metric(
            t("hubs.metric_floor_area"), t("hubs.area_value", area=t.num(totals["floor_area_m2"]))
        )
    st.caption(t("hubs.map_note"))
    if totals_missing := without_coordinates(hubs):
        st.caption(t("hubs.no_coordinates", n=t.num(totals_missing)))

    st.subheader(t("hubs.table_title"))
    # A page of the table at a time: the whole table (200 hubs in the demo) would be resent on
    # every rerun; the downloads below hold every row.
    signature = repr(sorted(filters.items()))
    if st.session_state.get("_hubs_signature") not in (None, signature):
        st.session_state["hubs_page"] = 1  # new filters: back to the first page
    st.session_state["_hubs_signature"] = signature
    table_page = ui.url_number_input(
        t("initiatives.page"),
        "hubs_page",
        min_value=1,
        max_value=page_count(len(hubs), TABLE_PAGE_SIZE),
        default=1,
        help=t(
            "initiatives.page_help",
            pages=t.num(page_count(len(hubs), TABLE_PAGE_SIZE)),
            size=TABLE_PAGE_SIZE,
        ),
    )
    start = (table_page - 1) * TABLE_PAGE_SIZE
    st.caption(rows_caption(t, table_page, TABLE_PAGE_SIZE, len(hubs)))
    st.dataframe(
        hubs_table(hubs.iloc[start : start + TABLE_PAGE_SIZE], t),
        hide_index=True,
        width="stretch",
        key="hubs_table",
    )

    export = hubs_table(hubs, t, for_export=True)
    region_part = ",".join(focus) or None
    ui.download_buttons(
        "hubs_dl",
        "hubs",
        region_part,
        (year_from, year_to),
        csv=lambda: to_csv_bytes(export),
        xlsx=lambda: to_xlsx_bytes(export, t("hubs.sheet")),
    )


_hubs()
