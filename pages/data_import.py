"""Import data (ministry administrators; region editors for their own region): a table's template,
a CSV or XLSX file checked row by row with every problem listed, a preview of what will change,
and the apply, all or nothing, as the signed-in user through the write gateway."""

from __future__ import annotations

import streamlit as st

from creative_dash import ui
from creative_dash.ui import imports

t = ui.tr()
st.title(t("imports.title"))
ui.empty_notes(t, page_key="data_import", link=False)  # what the store lacks: filled here
user = imports.importer_user(t)
if user is not None:
    st.caption(t("imports.intro"))
    imports.show_result(t)
    table = imports.choose_table(t, user)
    imports.downloads(t, user, table)
    up = imports.upload(t)
    if up is not None:
        plan = imports.plan_of(t, user, table, up)
        if not plan.ok:
            imports.show_problems(t, plan)
        imports.show_preview(t, plan)
        imports.apply_button(t, user, plan, up)
    imports.history(t)
