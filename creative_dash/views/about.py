"""Tables as users see them: translated headers and values formatted in the UI language.

Pure functions (DataFrame in, DataFrame out), no Streamlit: pages render what these return.
"""

from __future__ import annotations

import pandas as pd

from creative_dash.i18n import Translator
from creative_dash.text import inert


def about_intro(t: Translator, programme: pd.Series) -> str:
    """The page's opening paragraph (Markdown) naming the programme, its organisers, venue and
    dates; the programme's texts come from the store, so they are inert."""
    return t(
        "about.intro",
        programme=inert(programme[f"title_{t.lang}"]),
        organisers=inert(programme[f"organisers_{t.lang}"]),
        venue=inert(programme[f"venue_{t.lang}"]),
        dates=t.date_range(programme["start_date"], programme["end_date"]),
    )


def population_status(raw: str) -> str:
    """Reduce a population figure's free-text status (as in data/reference/regions.csv) to a
    code with a translation: verified, verified_older (older date, stale or rounded) or
    unverified."""
    text = (raw or "").lower()
    if not text.startswith("verified"):
        return "unverified"
    if any(word in text for word in ("older", "stale", "rounded")):
        return "verified_older"
    return "verified"


def about_tables(
    t: Translator, loads: pd.DataFrame, regions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(datasets loaded, regions with population) for the About page."""
    yes, no = "✓", ""
    loads_view = pd.DataFrame(
        {
            t("about.col_dataset"): loads["dataset"],
            t("about.col_loaded_at"): [t.date(v) for v in loads["loaded_at"]],
            t("about.col_source"): loads["source"],
            t("about.col_demo"): [yes if v else no for v in loads["is_demo"]],
            t("about.col_rows"): [t.num(v) for v in loads["row_count"]],
        }
    )
    regions_view = pd.DataFrame(
        {
            t("about.col_code"): regions["iso_code"],
            t("about.col_region"): regions[t.name_col()],
            t("about.col_kind"): [t.enum("region_kind", k) for k in regions["kind"]],
            t("about.col_population"): [t.num(v) for v in regions["population"]],
            t("about.col_as_of"): [t.date(v) for v in regions["population_as_of"]],
            t("about.col_status"): [
                t.enum("pop_status", population_status(v)) for v in regions["population_status"]
            ],
            t("about.col_pop_source"): regions["population_source"],
        }
    )
    return loads_view, regions_view
