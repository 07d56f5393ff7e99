"""Initiatives explorer: filter, sort and page through the initiatives, open one for its details
and history, see the selection in charts, download it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import streamlit as st

from creative_dash import ui
from creative_dash.charts.initiatives import (
    JOBS_BY,
    budget_by_region,
    jobs_per_million,
    status_by_year,
)
from creative_dash.i18n import Translator
from creative_dash.queries import initiatives as iq
from creative_dash.views.initiatives import (
    audit_table,
    detail_table,
    export_file,
    header,
    page_count,
    page_table,
    rows_caption,
)

t = ui.tr()
st.title(t("initiatives.title"))
st.caption(t("initiatives.intro"))

region_names = ui.region_names(t)
sectors = ui.q("sectors")
sector_names = dict(zip(sectors["code"], sectors[t.name_col()], strict=True))
side_region = ui.selected_region()
years = ui.selected_years()

# -- filters (all in the URL) ---------------------------------------------------------------------
# Their values are read first and the widgets drawn after the charts, in their place above them:
# on every rerun the browser renders each element again, and the charts need not wait for the
# filters' eight boxes (bench/README.md, third pass).
filters_area = st.container()
ANY_OF = (
    ui.AnyOf("in_regions", "initiatives.f_regions", list(region_names), region_names.get),
    ui.AnyOf("in_sectors", "initiatives.f_sectors", list(sector_names), sector_names.get),
    ui.AnyOf("in_status", "initiatives.f_statuses", list(iq.STATUSES), partial(t.enum, "status")),
    ui.AnyOf(
        "in_funding", "initiatives.f_funding", list(iq.FUNDING_SOURCES), partial(t.enum, "funding")
    ),
    ui.AnyOf(
        "in_sdg",
        "initiatives.f_sdgs",
        [str(g) for g in iq.SDGS],
        lambda g: t("initiatives.sdg_option", n=g, name=t(f"initiatives.sdg.{g}")),
    ),
)
regions, sector_sel, statuses, funding, sdgs = (f.value() for f in ANY_OF)
ORIGIN = ui.OneOf("in_origin", list(iq.ORIGINS), "all")
origin = ORIGIN.value()
search = ui.url_text_input_value("in_q")


def _filter_widgets() -> None:
    """The filters, drawn in their place above the charts after the charts were sent."""
    with st.expander(t("initiatives.filters"), expanded=True):
        columns = [*st.columns(3), *st.columns(3)]
        # Empty regions follow the sidebar's region (or all regions), and say so.
        all_regions = (
            t("initiatives.f_regions_sidebar", region=region_names[side_region])
            if side_region in region_names
            else t("initiatives.f_regions_all")
        )
        for f, column in zip(ANY_OF, columns, strict=False):
            f.draw(t, column, all_regions if f.key == "in_regions" else t("initiatives.f_any"))
        ORIGIN.draw(t("initiatives.f_origin"), lambda o: t(f"initiatives.origin_{o}"), columns[5])
        ui.url_text_input(
            t("initiatives.f_search"),
            "in_q",
            placeholder=t("initiatives.f_search_placeholder"),
            help=t("initiatives.f_search_help"),
        )
        st.caption(t("initiatives.years_note", first=years[0], last=years[1]))


# The page's own region choice wins; otherwise the sidebar's region, otherwise all.
filters = iq.filters_dict(
    regions=regions or ([side_region] if side_region else []),
    sectors=sector_sel,
    statuses=statuses,
    funding=funding,
    sdgs=[int(g) for g in sdgs],
    years=years,
    origin=origin,
    search=search,
)

# The totals, the table and one initiative's details are drawn here but sent after the charts:
# their queries (every matching initiative counted, a sorted page) are the page's slowest, and
# the charts need not wait for them.
list_area = st.container()


def _summary_and_table() -> tuple[int, str]:
    """The totals, the sorted and paged table, the chosen initiative; (matching rows, sort)."""
    summary = ui.q("initiatives_summary", **filters).iloc[0]
    total = int(summary["n"])
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("initiatives.kpi_count"), t.num(total))
    m2.metric(t("initiatives.kpi_planned"), t.kzt(summary["planned_kzt"]))
    m3.metric(
        t("initiatives.kpi_spent"),
        t.kzt(summary["spent_kzt"]),
        delta=t(
            "initiatives.kpi_execution", pct=t.pct(summary["spent_kzt"] / summary["planned_kzt"], 0)
        )
        if summary["planned_kzt"]
        else None,
        delta_color="off",
        delta_arrow="off",
    )
    m4.metric(t("initiatives.kpi_jobs"), t.num(summary["jobs"]))

    # -- the table: sorted and paged in DuckDB ---------------------------------------------------------
    s1, s2 = st.columns([2, 1])
    sort = ui.url_selectbox(
        t("initiatives.sort"),
        list(iq.SORTS),
        "in_sort",
        default=iq.DEFAULT_SORT,
        format_func=lambda s: t(f"initiatives.sort_{s}"),
        container=s1,
    )
    signature = hashlib.sha1(repr((sorted(filters.items()), sort)).encode()).hexdigest()[:10]
    if st.session_state.get("_in_signature") not in (None, signature):
        st.session_state["in_page"] = 1  # new filters or order: back to the first page
    st.session_state["_in_signature"] = signature
    pages = page_count(total, iq.PAGE_SIZE)
    page = ui.url_number_input(
        t("initiatives.page"),
        "in_page",
        min_value=1,
        max_value=pages,
        default=1,
        container=s2,
        help=t("initiatives.page_help", pages=t.num(pages), size=iq.PAGE_SIZE),
    )

    rows = ui.q("initiatives_page", sort=sort, page=page, **filters)
    ids = [int(i) for i in rows["initiative_id"]]

    def _pick(table_key: str, row_ids: list[int]) -> None:
        chosen = st.session_state[table_key].selection.rows
        st.session_state["in_id"] = row_ids[chosen[0]] if chosen else None

    ui.seed_from_url("in_id", lambda raw: int(raw[0]) if int(raw[0]) > 0 else None, None)
    st.caption(rows_caption(t, page, iq.PAGE_SIZE, total) + " · " + t("initiatives.table_help"))
    table_key = f"in_table_{signature}_{page}"  # a new page or filter starts with no row selected
    execution = header(t, "execution")
    st.dataframe(
        page_table(rows, t, region_names, sector_names),
        hide_index=True,
        width="stretch",
        key=table_key,
        on_select=partial(_pick, table_key, ids),
        selection_mode="single-row",
        column_config={
            execution: st.column_config.ProgressColumn(
                execution,
                help=t("initiatives.col_execution_help"),
                format="%d%%",
                min_value=0,
                max_value=100,
            ),
            header(t, "title"): st.column_config.TextColumn(header(t, "title"), width="large"),
        },
    )

    # -- one initiative: details and history ----------------------------------------------------------
    chosen_id = st.session_state.get("in_id")
    ui.write_url("in_id", chosen_id, None, str)
    if chosen_id:
        detail = ui.q("initiative_detail", initiative_id=int(chosen_id))
        with st.container(border=True, key="in_details"):
            st.subheader(t("initiatives.details_title", id=chosen_id))
            if detail.empty:
                st.warning(t("initiatives.not_found", id=chosen_id))
            else:
                fields = detail_table(detail.iloc[0].to_dict(), t, sector_names)
                st.dataframe(
                    fields,
                    hide_index=True,
                    width="stretch",
                    height=(len(fields) + 1) * 35 + 3,  # every field visible, no inner scrolling
                    key="in_detail_table",
                )
                st.markdown(f"**{t('initiatives.audit_title')}**")
                audit = ui.q("initiative_audit", initiative_id=int(chosen_id))
                if audit.empty:
                    st.info(t("initiatives.audit_empty"))
                else:
                    st.dataframe(
                        audit_table(audit, t),
                        hide_index=True,
                        width="stretch",
                        key="in_audit_table",
                    )
            st.button(
                t("initiatives.details_close"),
                key="in_close",
                on_click=lambda: st.session_state.update(in_id=None),
            )
    return total, sort


# -- charts of the whole filtered set --------------------------------------------------------------
st.subheader(t("initiatives.charts_title"))
by_region = ui.q("initiatives_by_region", **filters)
left, right = st.columns(2)
with left:
    ui.chart("in_chart_budget", budget_by_region, by_region, t, region_names)
with right:
    jobs_by = ui.url_selectbox(
        t("initiatives.jobs_by"),
        list(JOBS_BY),
        "in_jobs_by",
        default="region",
        format_func=lambda b: t(f"initiatives.jobs_by_{b}"),
    )
    if jobs_by == "region":
        ui.chart("in_chart_jobs", jobs_per_million, by_region, t, region_names, "region")
    else:
        ui.chart(
            "in_chart_jobs",
            jobs_per_million,
            ui.q("initiatives_by_sector", **filters),
            t,
            sector_names,
            "sector",
        )
ui.chart("in_chart_status", status_by_year, ui.q("initiatives_status_by_year", **filters), t)

with filters_area:
    _filter_widgets()
with list_area:
    total, sort = _summary_and_table()


# -- downloads: built only when a button is clicked -----------------------------------------------
def _builder(kind: str, lang: str, sort: str, filters: Mapping[str, Any]) -> Callable[[], bytes]:
    """The file's bytes, computed on click (in Streamlit's download thread: no st.* here)."""
    store = ui.store()
    tr = Translator(lang)
    regions_, sectors_ = dict(region_names), dict(sector_names)

    def build() -> bytes:
        cap = iq.EXPORT_CAP if kind == "csv" else iq.XLSX_CAP
        df = iq.initiatives_export(store, sort=sort, limit=cap, **filters)
        return export_file(df, tr, kind, regions_, sectors_)

    return build


st.subheader(t("initiatives.export_title"))
st.caption(t("initiatives.export_text"))
if total > iq.XLSX_CAP:
    st.info(
        t(
            "initiatives.export_capped",
            total=t.num(total),
            csv_cap=t.num(min(total, iq.EXPORT_CAP)),
            xlsx_cap=t.num(iq.XLSX_CAP),
        )
    )
n_regions = len(filters["regions"])
region_part = (
    filters["regions"][0] if n_regions == 1 else (f"{n_regions}regions" if n_regions else None)
)
ui.download_buttons(
    "in_dl",
    "initiatives",
    region_part,
    years,
    csv=_builder("csv", t.lang, sort, filters),
    xlsx=_builder("xlsx", t.lang, sort, filters),
    disabled=total == 0,
)
