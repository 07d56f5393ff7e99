"""Tables as users see them: translated headers and values formatted in the UI language.

Pure functions (DataFrame in, DataFrame out), no Streamlit: pages render what these return.
"""

from __future__ import annotations

import pandas as pd

from creative_dash.i18n import Translator
from creative_dash.text import inert
from creative_dash.vocab import POPULATION_STATUSES


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


def population_status(code: str | None) -> str:
    """The population figure's status as stored (``vocab.POPULATION_STATUSES``: official,
    estimate, unverified); anything else -- a store older than the column -- reads as
    unverified, never as official."""
    return code if code in POPULATION_STATUSES else "unverified"


def official_populations(regions: pd.DataFrame) -> int:
    """How many regions' population figures are official statistics (status ``official``)."""
    return sum(population_status(s) == "official" for s in regions["population_status"])


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
            t("about.col_status_note"): [
                "" if pd.isna(v) else str(v) for v in regions["population_status_note"]
            ],
            t("about.col_pop_source"): regions["population_source"],
        }
    )
    return loads_view, regions_view


def imports_table(t: Translator, imports: pd.DataFrame) -> pd.DataFrame:
    """The latest import of each table for the About page: table, file, when, rows written."""
    return pd.DataFrame(
        {
            t("imports.history.table"): [
                t(f"imports.tables.{_IMPORT_NAMES.get(v, v)}") for v in imports["table_name"]
            ],
            t("imports.history.file"): imports["file_name"],
            t("imports.history.when"): [t.date(v) for v in imports["imported_at"]],
            t("imports.history.new"): [t.num(v) for v in imports["inserted"]],
            t("imports.history.updated"): [t.num(v) for v in imports["updated"]],
        }
    )


# store table -> import table name (imports.tables.<name>)
_IMPORT_NAMES = {"region_population": "population"}
