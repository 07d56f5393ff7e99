"""Audit log (ministry administrators only): every change made in the app and every refused
attempt, newest first, by user (named, never by id), region (the sidebar's), table and period;
CSV and XLSX downloads of the rows shown."""

from __future__ import annotations

from datetime import date

import streamlit as st

from creative_dash import ui
from creative_dash.export import to_csv_bytes, to_xlsx_bytes
from creative_dash.ui import auth
from creative_dash.views.admin import (
    AUDIT_LIMIT,
    actor_label,
    audit_table,
    default_period,
    period_bounds,
)

t = ui.tr()
st.title(t("nav.audit"))
if auth.admin_user(t) is not None:
    st.caption(t("audit.intro"))
    regions = ui.region_names(t)
    region = ui.selected_region()
    st.caption(
        t("audit.region_note", region=ui.inert(regions.get(region or "", t("sidebar.all_regions"))))
    )

    actors = ui.q("audit_actors")
    names = {
        a: actor_label(a, n, t) for a, n in zip(actors["actor"], actors["actor_name"], strict=True)
    }
    tables = ui.q("audit_tables")["table_name"].tolist()
    user_col, table_col, period_col = st.columns(3)
    actor = ui.url_selectbox(
        t("audit.user"),
        ["", *names],
        "audit_user",
        default="",
        format_func=lambda a: names[a] if a else t("audit.all_users"),
        container=user_col,
    )
    table = ui.url_selectbox(
        t("audit.table"),
        ["", *tables],
        "audit_table",
        default="",
        format_func=lambda v: v or t("audit.all_tables"),
        container=table_col,
    )
    first = ui.q("audit_period").iloc[0]["first_at"]
    period = period_col.date_input(
        t("audit.period"), value=default_period(first, date.today()), key="audit_period"
    )
    start, end = period_bounds(period)

    rows = ui.q(
        "audit_log_rows",
        actor=actor or None,
        region=region,
        table_name=table or None,
        start=start,
        end=end,
        limit=AUDIT_LIMIT,
    )
    shown = audit_table(rows, t, regions)
    st.caption(t("audit.shown", n=t.num(len(rows)), limit=t.num(AUDIT_LIMIT)))
    if rows.empty:
        st.info(t("audit.none"))
    else:
        ui.data_table(shown, "audit_rows")
    ui.download_buttons(
        "audit_dl",
        "audit",
        region,
        None,
        csv=lambda: to_csv_bytes(shown),
        xlsx=lambda: to_xlsx_bytes(shown, t("nav.audit")),
        disabled=rows.empty,
    )
