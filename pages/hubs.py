"""Creative hubs: every hub on an offline map of the regions, with filters and a table.

The sidebar's years keep the hubs that had opened by the end of the period (a hub's opening year,
not an initiative's start year); the page's own "opening year" filter narrows them further."""

from __future__ import annotations

from functools import partial

import streamlit as st

from creative_dash import ui
from creative_dash.charts.hubs import SIZE_MEASURES, hub_map
from creative_dash.charts.maps import geojson_source
from creative_dash.export import to_csv_bytes, to_xlsx_bytes
from creative_dash.filters import Filters
from creative_dash.ui import editing as edit
from creative_dash.views.hubs import (
    hub_cards,
    hub_totals,
    hubs_table,
    showing_caption,
    without_coordinates,
)
from creative_dash.views.initiatives import rows_caption
from creative_dash.views.selection import hub_period_caption
from creative_dash.vocab import HUB_STATUSES, HUB_TYPES

TABLE_PAGE_SIZE = 40

t = ui.tr()
names = ui.region_names(t)
sidebar_region = ui.selected_region()
sectors = ui.q("sectors")
sector_names = dict(zip(sectors["code"], sectors[t.name_col()]))
bounds = ui.q("hub_year_bounds").iloc[0]
FILTERS = (
    ui.AnyOf("hubs_type", "hubs.filter_type", HUB_TYPES, partial(t.enum, "hub_type"), "hub_types"),
    ui.AnyOf("hubs_sector", "hubs.filter_sector", list(sector_names), sector_names.get, "sectors"),
    ui.AnyOf("hubs_region", "hubs.filter_region", list(names), names.get, "regions"),
    ui.AnyOf(
        "hubs_status",
        "hubs.filter_status",
        HUB_STATUSES,
        partial(t.enum, "hub_status"),
        "hub_statuses",
    ),
    ui.YearSpan("hubs_years", int(bounds["min_year"]), int(bounds["max_year"]), "opened"),
)
SIZE = ui.OneOf("hubs_size", SIZE_MEASURES, "residents")

st.title(t("hubs.title"))
st.caption(t("hubs.intro"))
if "hubs" in ui.empty_notes(t, "hubs", page_key="hubs"):  # none to map or list
    edit.section(t, "hubs")  # an editor may add the first
    st.stop()
ui.boundaries_warning()  # above the map (in the fragment below), once per page


def filter_widgets() -> None:
    """The filters' widgets. Empty regions follow the sidebar's region (or all regions), and
    say so; other empty filters mean every option."""
    with st.container(key="hubs_filters"):
        columns = [*st.columns(3), *st.columns(3)]
        all_regions = (
            t("hubs.placeholder_region_sidebar", region=names[sidebar_region])
            if sidebar_region
            else t("hubs.placeholder_region_all")
        )
        for widget, column in zip(FILTERS[:4], columns, strict=False):
            widget.draw(
                t, column, all_regions if widget.key == "hubs_region" else t("hubs.placeholder_all")
            )
        FILTERS[4].draw(t("hubs.filter_years"), columns[4])
        SIZE.draw(t("hubs.size_by"), lambda v: t("hubs.size_" + v), columns[5])


def figures(f: Filters, totals: dict[str, float]) -> None:
    """What the selection holds, and which period and regions it is."""
    st.caption(showing_caption(t, f.regions, names) + " " + hub_period_caption(t, f.years))
    ui.metric_cards([hub_cards(t, totals)], border=False)


# The filters and all they drive (figures, map, table, downloads) form a fragment: a filter
# change reruns only this part, so the map is updated sooner. The sidebar and the language rerun
# the whole page, fragment included. What stands above the map is sent after it (ui.later).
@ui.fragment
def hubs_section() -> None:
    f = ui.page_filters(*FILTERS)
    ui.later(filter_widgets)
    hubs = ui.q("hubs_for_map", lang=t.lang, filters=f)
    by_type = ui.q("hubs_by_type", filters=f)
    ui.later(partial(figures, f, hub_totals(by_type)))
    ui.chart(
        "hubs_map",
        hub_map,
        hubs,
        t,
        region_codes=list(names),
        region_names=names,
        size_by=SIZE.value(),
        focus=list(f.regions),
        counts=dict(zip(by_type["hub_type"], by_type["hubs"])),
        geojson=geojson_source(),
    )
    st.caption(t("hubs.map_note"))
    if missing := without_coordinates(hubs):
        st.caption(t("hubs.no_coordinates", n=t.num(missing)))

    # A page of the table at a time: the whole table (200 hubs in the demo) would be resent on
    # every rerun; the downloads below hold every row.
    st.subheader(t("hubs.table_title"))
    page = ui.pager("hubs_page", len(hubs), TABLE_PAGE_SIZE, f)
    start = (page - 1) * TABLE_PAGE_SIZE
    st.caption(rows_caption(t, page, TABLE_PAGE_SIZE, len(hubs)))
    ui.data_table(hubs_table(hubs.iloc[start : start + TABLE_PAGE_SIZE], t), "hubs_table")
    export = hubs_table(hubs, t, for_export=True)
    ui.download_buttons(
        "hubs_dl",
        "hubs",
        ",".join(f.regions) or None,
        f.years,
        csv=lambda: to_csv_bytes(export),
        xlsx=lambda: to_xlsx_bytes(export, t("hubs.sheet")),
    )
    edit.history_picker(t, "hubs", {i: f"{i} · {n}" for i, n in zip(hubs["hub_id"], hubs["name"])})


hubs_section()
edit.section(t, "hubs")
