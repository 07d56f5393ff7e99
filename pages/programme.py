"""Training programme outcomes: the programme, who took part, what they learnt, what they
recommended, and the initiatives that came out of it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from creative_dash import ui
from creative_dash.charts.programme import (
    budget_execution_bars,
    competency_dumbbell,
    followup_timeline,
    initiatives_by_region_status,
    participation_bars,
    recommendations_by_category_bars,
    satisfaction_bars,
    satisfaction_mean,
)
from creative_dash.export import to_csv_bytes, to_xlsx_bytes
from creative_dash.views.programme import (
    initiative_totals,
    initiatives_table,
    participation_totals,
    programme_facts,
    recommendation_totals,
    recommendations_table,
    sessions_table,
)
from creative_dash.vocab import REC_CATEGORIES, REC_STATUSES

TOP_N = 10

t = ui.tr()
region = ui.selected_region()
regions = [region] if region else None
names = ui.region_names(t)
today = date.today()

st.title(t("programme.title"))
facts = programme_facts(ui.q("programme_summary"), t)
if facts is None:
    st.info(t("programme.no_programme"))
    st.stop()

st.subheader(facts["title"])
f1, f2, f3 = st.columns([1, 1.3, 2])
f1.markdown(f"**{t('programme.facts_dates')}**  \n{facts['dates']}")
f2.markdown(f"**{t('programme.facts_venue')}**  \n{facts['venue']}")
f3.markdown(f"**{t('programme.facts_organisers')}**  \n{facts['organisers']}")
st.caption(t("programme.facts_source"))
st.info(
    t("programme.showing_region", region=names[region]) if region else t("programme.showing_all"),
    icon=":material/location_on:",
)


def download_buttons(table_for_export: pd.DataFrame, page: str, sheet: str, key: str) -> None:
    """CSV and XLSX of a table, built only when the user clicks."""
    ui.download_buttons(
        key,
        page,
        region,
        None,
        csv=lambda: to_csv_bytes(table_for_export),
        xlsx=lambda: to_xlsx_bytes(table_for_export, sheet),
    )


# The sessions' agenda and the participation figures keep their places, and are sent after the
# participation chart: a table and a row of figures cost the browser more to render on every
# rerun than the chart waits for (bench/README.md, third pass).
sessions_area = st.container()

# -- participation -------------------------------------------------------------------------------
st.header(t("programme.participation_section"))
participation = ui.q("participation_by_region", lang=t.lang)
totals = participation_totals(participation, region)
figures_area = st.container()
ui.chart("prog_participation", participation_bars, participation, t, highlight=region)
m1, m2, m3 = figures_area.columns(3)
m1.metric(t("programme.metric_participants"), t.num(totals["participants"]))
m2.metric(
    t("programme.metric_regions"),
    t(
        "programme.metric_regions_value",
        present=totals["regions_present"],
        total=totals["regions_total"],
    ),
)
m3.metric(t("programme.metric_person_days"), t.num(totals["person_days"]))

# -- sessions ------------------------------------------------------------------------------------
sessions = ui.q("programme_sessions_agenda", lang=t.lang)
with sessions_area.expander(t("programme.sessions_title"), icon=":material/event:"):
    if bool(sessions["is_demo"].any()):
        st.caption(t("programme.sessions_demo"))
    st.dataframe(sessions_table(sessions, t), hide_index=True, width="stretch", key="prog_sessions")

# -- competencies --------------------------------------------------------------------------------
st.header(t("programme.competencies_section"))
st.caption(t("programme.competencies_note"))
# Only the open tab is computed and drawn (the tab is in the URL: ?prog_comp_tab=region).
ui.lazy_tabs(
    "prog_comp_tab",
    {
        "competency": lambda: ui.chart(
            "prog_comp",
            competency_dumbbell,
            ui.q("competency_gains", lang=t.lang, regions=regions),
            t,
            label_col="competency_name",
            title=t("programme.comp_by_competency"),
        ),
        "region": lambda: ui.chart(
            "prog_comp_region",
            competency_dumbbell,
            ui.q("competency_gains_by_region", lang=t.lang),
            t,
            label_col="region_name",
            key_col="region_iso",
            highlight=region,
            title=t("programme.comp_by_region"),
        ),
    },
    label=lambda c: t(f"programme.comp_by_{c}"),
)

# -- satisfaction --------------------------------------------------------------------------------
satisfaction = ui.q("satisfaction_distribution", regions=regions)
mean, answered, missing = satisfaction_mean(satisfaction)
st.header(t("programme.satisfaction_section"))
st.caption(t("programme.satisfaction_scale"))
s1, s2 = st.columns([3, 1])
with s1:
    ui.chart("prog_satisfaction", satisfaction_bars, satisfaction, t)
s2.metric(
    t("programme.metric_satisfaction"),
    t("programme.metric_satisfaction_value", mean=t.num(mean, 1)) if mean else "—",
)
s2.metric(t("programme.metric_not_answered"), t.num(missing))

# -- recommendations -----------------------------------------------------------------------------
st.header(t("programme.recommendations_section"))
st.caption(t("programme.recommendations_intro"))
r1, r2 = st.columns(2)
categories = ui.url_multiselect(
    t("programme.filter_category"),
    REC_CATEGORIES,
    "prog_rec_category",
    container=r1,
    format_func=lambda v: t.enum("rec_category", v),
    placeholder=t("programme.placeholder_all"),
)
statuses = ui.url_multiselect(
    t("programme.filter_status"),
    REC_STATUSES,
    "prog_rec_status",
    container=r2,
    format_func=lambda v: t.enum("rec_status", v),
    placeholder=t("programme.placeholder_all"),
)
rec_filters = {"regions": regions, "categories": categories, "statuses": statuses, "today": today}
by_category = ui.q("recommendations_by_category", **rec_filters)
rec_list = ui.q("recommendations_list", lang=t.lang, **rec_filters)
rec_totals = recommendation_totals(by_category)
k1, k2, k3 = st.columns(3)
k1.metric(t("programme.metric_recommendations"), t.num(rec_totals["recommendations"]))
k2.metric(t("programme.metric_overdue"), t.num(rec_totals["overdue"]))
k3.metric(t("programme.metric_implemented"), t.num(rec_totals["implemented"]))
# Lazy tabs (?prog_rec_tab=followup|table): only the open view is computed, sent and drawn.
ui.lazy_tabs(
    "prog_rec_tab",
    {
        "category": lambda: ui.chart(
            "prog_rec_category_chart", recommendations_by_category_bars, by_category, t
        ),
        "followup": lambda: ui.chart(
            "prog_rec_followup", followup_timeline, rec_list, t, today=today
        ),
        "table": lambda: st.dataframe(
            recommendations_table(rec_list, t),
            hide_index=True,
            width="stretch",
            key="prog_rec_table",
        ),
    },
    label=lambda c: t(f"programme.rec_tab_{c}"),
)
download_buttons(
    recommendations_table(rec_list, t, for_export=True),
    "recommendations",
    t("programme.sheet_recommendations"),
    "prog_rec_dl",
)

# -- initiatives from the programme --------------------------------------------------------------
st.header(t("programme.initiatives_section"))
st.caption(t("programme.initiatives_intro"))
# The charts compare every region (the selected one marked); the totals are the selection's.
by_region = ui.q("programme_initiatives_by_region", lang=t.lang)
init = initiative_totals(ui.q("programme_initiatives_by_region", lang=t.lang, regions=regions))
i1, i2, i3, i4 = st.columns(4)
i1.metric(t("programme.metric_initiatives"), t.num(init["initiatives"]))
i2.metric(t("programme.metric_planned"), t.kzt(init["planned"]))
i3.metric(t("programme.metric_spent"), t.kzt(init["spent"]))
i4.metric(t("programme.metric_execution"), t.pct(init["execution"], 0))
top = ui.q("programme_initiatives_top", lang=t.lang, regions=regions, limit=TOP_N)


def _top_table() -> None:
    st.subheader(t("programme.top_title", n=TOP_N))
    st.dataframe(initiatives_table(top, t), hide_index=True, width="stretch", key="prog_init_table")


# Lazy tabs too (?prog_init_tab=execution|top): only the open view is computed and drawn.
ui.lazy_tabs(
    "prog_init_tab",
    {
        "status": lambda: ui.chart(
            "prog_init_status", initiatives_by_region_status, by_region, t, highlight=region
        ),
        "execution": lambda: ui.chart(
            "prog_init_budget", budget_execution_bars, by_region, t, highlight=region
        ),
        "top": _top_table,
    },
    label=lambda c: t(f"programme.tab_{c}", n=TOP_N),
)
download_buttons(
    initiatives_table(top, t, for_export=True),
    "programme-initiatives",
    t("programme.sheet_initiatives"),
    "prog_init_dl",
)
