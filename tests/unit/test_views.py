from __future__ import annotations

import pandas as pd
import pytest

from creative_dash import vocab
from creative_dash.i18n import Translator
from creative_dash.store.reference import population_frame, regions_frame
from creative_dash.views.about import about_tables, population_status


@pytest.mark.parametrize(
    ("stored", "code"),
    [
        ("official", "official"),
        ("estimate", "estimate"),
        ("unverified", "unverified"),
        # a value the store cannot hold any more, or none: never shown as official
        ("verified (BNS 2026-01-01)", "unverified"),
        (None, "unverified"),
    ],
)
def test_population_status_is_the_stored_code(stored, code):
    assert population_status(stored) == code


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_about_regions_table_is_translated(lang):
    t = Translator(lang)
    regions = regions_frame().merge(
        population_frame().rename(
            columns={
                "as_of": "population_as_of",
                "status": "population_status",
                "status_note": "population_status_note",
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
    assert set(status) <= {t.enum("pop_status", c) for c in vocab.POPULATION_STATUSES}
    assert (status == t.enum("pop_status", "unverified")).sum() == 2
    by_code = dict(zip(view[t("about.col_code")], status, strict=True))
    # Aktobe (2024, rounded, stale) and East Kazakhstan (a rounded sum) are estimates, not
    # official like the BNS 2026-01-01 figures
    assert by_code["KZ-15"] == by_code["KZ-63"] == t.enum("pop_status", "estimate")
    assert by_code["KZ-10"] == by_code["KZ-75"] == t.enum("pop_status", "official")
    assert by_code["KZ-11"] == t.enum("pop_status", "unverified")
    notes = dict(zip(view[t("about.col_code")], view[t("about.col_status_note")], strict=True))
    assert "rounded" in notes["KZ-27"]
    assert list(view[t("about.col_region")])[:1] == [regions[t.name_col()].iloc[0]]
    assert loads_view[t("about.col_rows")].iloc[0] == t.num(6069)
