"""The programme page's last section, the initiatives that came out of the programme (imported by
that page as ``from creative_dash.ui import programme``, not re-exported by ``ui``)."""

from __future__ import annotations

import streamlit as st

from creative_dash.charts import programme as charts
from creative_dash.filters import Filters
from creative_dash.i18n import Translator
from creative_dash.ui.cache import q
from creative_dash.ui.layout import lazy_tabs
from creative_dash.ui.render import chart, data_table, frame_downloads, metric_cards, section_header
from creative_dash.views import programme as view


def initiatives_section(t: Translator, f: Filters, demo: bool) -> None:
    """Initiatives from the programme started in the period: every region in the charts (the
    chosen one marked), the chosen region's (or all) figures, the top initiatives."""
    region, top_n = f.region, view.TOP_N
    section_header(t("programme.initiatives_section"), demo)
    st.caption(t("programme.initiatives_intro"))  # charts: every region, the chosen one marked
    by_region = q("programme_initiatives_by_region", lang=t.lang, filters=f.everywhere())
    mine = q("programme_initiatives_by_region", lang=t.lang, filters=f)
    metric_cards([view.initiative_cards(t, mine)], border=False)
    top = q("programme_initiatives_top", lang=t.lang, filters=f, limit=top_n)

    lazy_tabs(
        "prog_init_tab",
        {
            "status": lambda: chart(
                "prog_init_status",
                charts.initiatives_by_region_status,
                by_region,
                t,
                highlight=region,
            ),
            "execution": lambda: chart(
                "prog_init_budget", charts.budget_execution_bars, by_region, t, highlight=region
            ),
            "top": lambda: data_table(
                view.initiatives_table(top, t),
                "prog_init_table",
                heading=t("programme.top_title", n=top_n),
            ),
        },
        label=lambda c: t(f"programme.tab_{c}", n=top_n),
    )
    top_export = view.initiatives_table(top, t, for_export=True)
    sheet = t("programme.sheet_initiatives")
    frame_downloads("prog_init_dl", "programme-initiatives", region, None, top_export, sheet)
