from __future__ import annotations

import pandas as pd
import pytest

from creative_dash.i18n import Translator
from creative_dash.store.reference import population_frame, regions_frame
from creative_dash.views.about import about_tables, population_status


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("verified (BNS 2026-01-01)", "verified"),
        ("verified", "verified"),
        ("verified, stale (2024-01-01)", "verified_older"),
        ("verified, older date, rounded to 0.1k", "verified_older"),
        ("unverified", "unverified"),
        ("", "unverified"),
    ],
)
def test_population_status_codes(raw, code):
    assert population_status(raw) == code


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_about_regions_table_is_translated(lang):
    t = Translator(lang)
    regions = regions_frame().merge(
        population_frame().rename(
            columns={
                "as_of": "population_as_of",
                "status": "population_status",
                "source": "population_source",
            }
        ),
        on="iso_code",
    )
    loads = pd.DataFrame(
        {
            "dataset": ["demo"],
            "loaded_at": [pd.Timestamp("2026-01-01")],
            "source": ["x"],
            "is_demo": [True],
            "row_count": [6069],
        }
    )
    loads_view, view = about_tables(t, loads, regions)
    status = view[t("about.col_status")]
    assert set(status) <= {
        t.enum("pop_status", c) for c in ("verified", "verified_older", "unverified")
    }
    assert (status == t.enum("pop_status", "unverified")).sum() == 2
    assert list(view[t("about.col_region")])[:1] == [regions[t.name_col()].iloc[0]]
    assert loads_view[t("about.col_rows")].iloc[0] == t.num(6069)
