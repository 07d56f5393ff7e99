"""About: what the dashboard is for, where the data comes from, the demo and boundary notes."""

from __future__ import annotations

import streamlit as st

from creative_dash import settings, ui
from creative_dash.views.about import about_intro, about_tables, imports_table

t = ui.tr()
st.title(t("about.title"))

st.markdown(about_intro(t, ui.q("programme_summary").iloc[0]))
st.subheader(t("about.who_title"))
st.markdown(t("about.who"))

if ui.has_demo():
    st.subheader(t("about.demo_title"))
    st.markdown(t("about.demo_text"))
else:  # no demo label without demo rows: what the store holds, what it lacks, who fills it
    st.subheader(t("empty.about_title"))
    st.markdown(t("about.no_demo_text"))
    ui.empty_notes(t, page_key="about")

st.subheader(t("about.data_title"))
loads, regions = about_tables(t, ui.q("dataset_loads"), ui.q("regions"))
st.markdown(f"**{t('about.loads_title')}**")
ui.data_table(loads, "about_loads")

imported = ui.q("latest_imports")
if len(imported):
    st.markdown(f"**{t('about.imports_title')}**")
    st.caption(t("about.imports_text"))
    ui.data_table(imports_table(t, imported), "about_imports")

st.subheader(t("about.regions_title"))
st.markdown(t("about.regions_text"))
ui.data_table(regions, "about_regions")

st.subheader(t("about.boundaries_title"))
st.markdown(t("about.boundaries_text"))
st.caption(t("about.boundaries_file", path=ui.inert(settings.boundaries_path().name)))

facts = ui.q("store_facts").iloc[0]
st.subheader(t("about.store_title"))
st.caption(
    t("about.store_text", schema=int(facts["schema_version"]), data=int(facts["data_version"]))
)
