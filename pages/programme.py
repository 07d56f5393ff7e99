"""Training programme outcomes: the programme, who took part, what they learnt and recommended,
and the initiatives that came out of it (these follow the sidebar's years; the rest does not)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import streamlit as st

from creative_dash import ui
from creative_dash.charts import programme as charts
from creative_dash.ui import programme as programme_ui
from creative_dash.ui.cache import Query
from creative_dash.views import programme as view
from creative_dash.vocab import REC_CATEGORIES as CATEGORIES
from creative_dash.vocab import REC_STATUSES

t = ui.tr()
names, today = ui.region_names(t), date.today()
cat, status = partial(t.enum, "rec_category"), partial(t.enum, "rec_status")
REC_FILTERS = (
    ui.AnyOf("prog_rec_category", "programme.filter_category", CATEGORIES, cat, "rec_categories"),
    ui.AnyOf("prog_rec_status", "programme.filter_status", REC_STATUSES, status, "rec_statuses"),
)
f = ui.page_filters(*REC_FILTERS)  # the sidebar's region and years, the recommendations' filters
region, demo = f.region, ui.has_demo()  # demo: each block says so


def gains(by: str, key: str, query: Query, **kw: Any) -> Callable[[], Any]:
    title = t(f"programme.comp_by_{by}")
    return lambda: ui.chart(key, charts.competency_dumbbell, query, t, title=title, **kw)


st.title(t("programme.title"))
facts = view.programme_facts(ui.q("programme_summary"), t)
if facts is None:
    st.info(t("programme.no_programme"))
    st.stop()
st.subheader(facts["title"], anchor=False)
for column, fact in zip(st.columns([1, 1.3, 2]), ("dates", "venue", "organisers"), strict=True):
    column.markdown(f"**{t('programme.facts_' + fact)}**  \n{facts[fact]}")
st.caption(view.facts_note(t, facts, f.years), help=facts["source"])  # ⓘ: the stored source
st.info(view.showing(t, region, names), icon=":material/location_on:")
empty = ui.empty_notes(t, "programme", "recommendations", "initiatives", page_key="programme")


# The agenda and the figures above the participation chart are sent after it (bench/README.md);
# the agenda is read and sent only while its expander is open.
def agenda() -> None:
    sessions = ui.q("programme_sessions_agenda", lang=t.lang)
    if bool(sessions["is_demo"].any()):
        st.caption(t("programme.sessions_demo"))
    ui.data_table(view.sessions_table(sessions, t), "prog_sessions")


if "programme" not in empty:  # sessions, participants, self-assessments
    title = t("programme.sessions_title")
    ui.later(partial(ui.lazy_expander, title, "prog_agenda", agenda, icon=":material/event:"))

    # -- participation -----------------------------------------------------------------------------
    ui.section_header(t("programme.participation_section"), demo)
    participation = ui.q("participation_by_region", lang=t.lang)
    cards = view.participation_cards(t, participation, region)
    ui.later(lambda: ui.metric_cards([cards], border=False))
    ui.chart("prog_participation", charts.participation_bars, participation, t, highlight=region)

    # -- competencies (only the open tab is computed and drawn; it is in the URL) ------------------
    ui.section_header(t("programme.competencies_section"), demo)
    st.caption(t("programme.competencies_note"))
    comp = ui.Q("competency_gains", lang=t.lang, filters=f)
    comp_by_region = ui.Q("competency_gains_by_region", lang=t.lang)
    ui.lazy_tabs(
        "prog_comp_tab",
        {
            "competency": gains("competency", "prog_comp", comp, label_col="competency_name"),
            "region": gains(
                "region",
                "prog_comp_region",
                comp_by_region,
                label_col="region_name",
                key_col="region_iso",
                highlight=region,
            ),
        },
        label=lambda c: t(f"programme.comp_by_{c}"),
    )

    # -- satisfaction ------------------------------------------------------------------------------
    satisfaction = ui.q("satisfaction_distribution", filters=f)
    ui.section_header(t("programme.satisfaction_section"), demo)
    st.caption(t("programme.satisfaction_scale"))
    s1, s2 = st.columns([3, 1])
    with s1:
        ui.chart("prog_satisfaction", charts.satisfaction_bars, satisfaction, t)
    for card in view.satisfaction_cards(t, satisfaction):
        s2.metric(card.label, card.value)

# -- recommendations (tabs: only the open view is computed, sent and drawn) ---------------------
if "recommendations" not in empty:
    ui.section_header(t("programme.recommendations_section"), demo)
    st.caption(t("programme.recommendations_intro"))
    for widget, column in zip(REC_FILTERS, st.columns(2), strict=True):
        widget.draw(t, column, t("programme.placeholder_all"))
    by_category = ui.q("recommendations_by_category", filters=f, today=today)
    rec_list = ui.q("recommendations_list", lang=t.lang, filters=f, today=today)
    ui.metric_cards([view.recommendation_cards(t, by_category)], border=False)
    ui.lazy_tabs(
        "prog_rec_tab",
        {
            "category": lambda: ui.chart(
                "prog_rec_category_chart", charts.recommendations_by_category_bars, by_category, t
            ),
            "followup": lambda: ui.chart(
                "prog_rec_followup", charts.followup_timeline, rec_list, t, today=today
            ),
            "table": lambda: ui.data_table(
                view.recommendations_table(rec_list, t), "prog_rec_table"
            ),
        },
        label=lambda c: t(f"programme.rec_tab_{c}"),
    )
    rec_export = view.recommendations_table(rec_list, t, for_export=True)
    sheet = t("programme.sheet_recommendations")
    ui.frame_downloads("prog_rec_dl", "recommendations", region, None, rec_export, sheet)

# -- initiatives from the programme (started in the period) ----------------------------------------
if "initiatives" not in empty:
    programme_ui.initiatives_section(t, f, demo)
