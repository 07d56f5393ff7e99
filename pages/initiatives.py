"""Initiatives explorer: filter, sort and page through the initiatives, open one for its details
and history, see the selection in charts, download it."""

from __future__ import annotations

from functools import partial

import streamlit as st

from creative_dash import ui
from creative_dash.charts import initiatives as charts
from creative_dash.filters import ORIGINS
from creative_dash.ui import editing as edit
from creative_dash.views import initiatives as view
from creative_dash.vocab import FUNDING_SOURCES, INITIATIVE_STATUSES, SDGS

t = ui.tr()
region_names = ui.region_names(t)
sectors = ui.q("sectors")
sector_names = dict(zip(sectors["code"], sectors[t.name_col()], strict=True))
side_region = ui.selected_region()
status, funding = partial(t.enum, "status"), partial(t.enum, "funding")


def sdg(g: str) -> str:
    return t("initiatives.sdg_option", n=g, name=t(f"initiatives.sdg.{g}"))


FILTERS = (
    ui.AnyOf("in_regions", "initiatives.f_regions", [*region_names], region_names.get, "regions"),
    ui.AnyOf("in_sectors", "initiatives.f_sectors", [*sector_names], sector_names.get, "sectors"),
    ui.AnyOf("in_status", "initiatives.f_statuses", INITIATIVE_STATUSES, status, "statuses"),
    ui.AnyOf("in_funding", "initiatives.f_funding", FUNDING_SOURCES, funding, "funding"),
    ui.AnyOf("in_sdg", "initiatives.f_sdgs", [str(g) for g in SDGS], sdg, "sdgs"),
    ui.OneOf("in_origin", ORIGINS, "all", "origin"),
    ui.Text("in_q", "search"),
)
SORT = ui.OneOf("in_sort", view.SORT_KEYS, view.DEFAULT_SORT)
f = ui.page_filters(*FILTERS)  # the page's own regions, else the sidebar's region, else all

st.title(t("initiatives.title"))
st.caption(t("initiatives.intro"))
if "initiatives" in ui.empty_notes(t, "initiatives", page_key="initiatives"):  # none to list
    edit.section(t, "initiatives", {"sector_code": sector_names})  # an editor may add the first
    st.stop()


# The filters, the totals and the table stand above the charts but are sent after them
# (ui.later): the browser renders every element of a rerun again, and the charts need not wait
# for the filters' boxes or the page's slowest queries (bench/README.md, third pass).
def filter_section() -> None:
    with st.expander(t("initiatives.filters"), expanded=True):
        columns = [*st.columns(3), *st.columns(3)]
        all_regions = (  # empty regions follow the sidebar's region (or all), and say so
            t("initiatives.f_regions_sidebar", region=region_names[side_region])
            if side_region in region_names
            else t("initiatives.f_regions_all")
        )
        for widget, column in zip(FILTERS[:5], columns, strict=False):
            widget.draw(
                t, column, all_regions if widget.field == "regions" else t("initiatives.f_any")
            )
        FILTERS[5].draw(
            t("initiatives.f_origin"), lambda o: t(f"initiatives.origin_{o}"), columns[5]
        )
        FILTERS[6].draw(
            t("initiatives.f_search"),
            placeholder=t("initiatives.f_search_placeholder"),
            help=t("initiatives.f_search_help"),
        )
        st.caption(t("initiatives.years_note", first=f.years[0], last=f.years[1]))


def list_section() -> None:
    """The totals, the sorted and paged table (in DuckDB), the chosen initiative."""
    summary = ui.q("initiatives_summary", filters=f).iloc[0]
    ui.metric_cards([view.summary_cards(t, summary)], border=False)
    n, (s1, s2) = int(summary["n"]), st.columns([2, 1])
    SORT.draw(t("initiatives.sort"), lambda s: t(f"initiatives.sort_{s}"), s1)
    page = ui.pager("in_page", n, view.PAGE_SIZE, (f, SORT.value()), s2)
    rows = ui.q("initiatives_page", sort=SORT.value(), page=page, filters=f)
    st.caption(view.rows_caption(t, page, view.PAGE_SIZE, n) + " · " + t("initiatives.table_help"))
    ui.data_table(  # a new page or selection starts with no row chosen
        view.page_table(rows, t, region_names, sector_names),
        view.table_key("in_table", (f, SORT.value()), page),
        progress={view.header(t, "execution"): t("initiatives.col_execution_help")},
        wide=(view.header(t, "title"),),
        choose=("in_id", [int(i) for i in rows["initiative_id"]]),
    )
    if chosen := ui.chosen_row("in_id"):
        details(chosen)


def details(initiative_id: int) -> None:
    """One initiative: its fields and its history of changes."""
    detail = ui.q("initiative_detail", initiative_id=initiative_id)
    with st.container(border=True, key="in_details"):
        st.subheader(t("initiatives.details_title", id=initiative_id))
        if detail.empty:
            st.warning(t("initiatives.not_found", id=initiative_id))
        else:
            fields = view.detail_table(detail.iloc[0].to_dict(), t, sector_names)
            ui.data_table(fields, "in_detail_table", rows_visible=True)
            st.markdown(f"**{t('initiatives.audit_title')}**")
            edit.history(t, "initiatives", initiative_id, "in_audit_table")  # names, plain text
        st.button(
            t("initiatives.details_close"),
            key="in_close",
            on_click=lambda: st.session_state.update(in_id=None),
        )


ui.later(filter_section)
ui.later(list_section)
ui.later(lambda: edit.section(t, "initiatives", {"sector_code": sector_names}))

# -- charts of the whole selection -----------------------------------------------------------------
st.subheader(t("initiatives.charts_title"))
by_region = ui.q("initiatives_by_region", filters=f)
left, right = st.columns(2)
with left:
    ui.chart("in_chart_budget", charts.budget_by_region, by_region, t, region_names)
with right:
    JOBS = ui.OneOf("in_jobs_by", list(charts.JOBS_BY), "region")
    JOBS.draw(t("initiatives.jobs_by"), lambda b: t(f"initiatives.jobs_by_{b}"))
    if JOBS.value() == "region":
        ui.chart("in_chart_jobs", charts.jobs_per_million, by_region, t, region_names, "region")
    else:
        by_sector = ui.q("initiatives_by_sector", filters=f)
        ui.chart("in_chart_jobs", charts.jobs_per_million, by_sector, t, sector_names, "sector")
ui.chart("in_chart_status", charts.status_by_year, ui.q("initiatives_status_by_year", filters=f), t)

# -- downloads: built only when a button is clicked, in Streamlit's download thread ---------------
st.subheader(t("initiatives.export_title"))
st.caption(t("initiatives.export_text"))
total = int(ui.q("initiatives_summary", filters=f).iloc[0]["n"])
if notice := view.export_notice(t, total, view.EXPORT_CAP, view.XLSX_CAP):
    st.info(notice)
csv_rows = ui.deferred("initiatives_export", sort=SORT.value(), limit=view.EXPORT_CAP, filters=f)
xlsx_rows = ui.deferred("initiatives_export", sort=SORT.value(), limit=view.XLSX_CAP, filters=f)
ui.download_buttons(
    "in_dl",
    "initiatives",
    view.export_region_part(f.regions),
    f.years,
    csv=lambda: view.export_file(csv_rows(), t, "csv", region_names, sector_names),
    xlsx=lambda: view.export_file(xlsx_rows(), t, "xlsx", region_names, sector_names),
    disabled=total == 0,
)
