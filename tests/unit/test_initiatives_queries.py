"""Initiatives queries on the demo store: every filter really filters (checked against an
independent count), search is safe, sorting only from the allow-list, pages are pages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creative_dash.filters import Filters
from creative_dash.queries import REGISTRY
from creative_dash.queries import initiatives as iq
from creative_dash.store import Store, audit


def all_rows(store: Store) -> pd.DataFrame:
    """The whole (small) demo table, for independent counts in pandas."""
    df = store.query("SELECT * FROM initiatives")
    sdgs = store.query("SELECT initiative_id, list(sdg) AS sdgs FROM initiative_sdgs GROUP BY 1")
    more = store.query(
        "SELECT initiative_id, list(sector_code) AS further FROM initiative_sectors GROUP BY 1"
    )
    return df.merge(sdgs, on="initiative_id", how="left").merge(
        more, on="initiative_id", how="left"
    )


def count(store: Store, **kw) -> int:
    return int(iq.initiatives_summary(store, filters=Filters(**kw)).iloc[0]["n"])


def test_queries_are_registered():
    for name in (
        "initiatives_summary",
        "initiatives_page",
        "initiatives_export",
        "initiatives_by_region",
        "initiatives_by_sector",
        "initiatives_status_by_year",
        "initiative_detail",
        "initiative_audit",
    ):
        assert name in REGISTRY


def test_no_filter_counts_everything(demo_store):
    df = all_rows(demo_store)
    assert count(demo_store) == len(df) == 1500
    s = iq.initiatives_summary(demo_store).iloc[0]
    assert s["planned_kzt"] == df["budget_planned_kzt"].sum()
    assert s["spent_kzt"] == df["budget_spent_kzt"].sum()
    assert s["jobs"] == df["jobs_created"].sum()


def test_each_filter_filters(demo_store):
    df = all_rows(demo_store)
    start_year = pd.to_datetime(df["start_date"]).dt.year
    cases = [
        ({"regions": ["KZ-71", "KZ-75"]}, df["region_iso"].isin(["KZ-71", "KZ-75"])),
        # the main sector or a further one, as on the overview
        (
            {"sectors": ["music"]},
            (df["sector_code"] == "music")
            | df["further"].map(lambda s: isinstance(s, list | np.ndarray) and "music" in s),
        ),
        ({"statuses": ["completed", "cancelled"]}, df["status"].isin(["completed", "cancelled"])),
        ({"funding": ["grant"]}, df["funding_source"] == "grant"),
        ({"sdgs": [5]}, df["sdgs"].map(lambda g: 5 in list(g))),
        ({"sdgs": [5, 13]}, df["sdgs"].map(lambda g: 5 in list(g) or 13 in list(g))),
        ({"years": (2021, 2023)}, start_year.between(2021, 2023)),
        ({"years": (2024, 2024)}, start_year == 2024),
        ({"origin": "programme"}, df["from_programme"]),
        ({"origin": "other"}, ~df["from_programme"]),
        ({"search": "фестиваль"}, df["title"].str.lower().str.contains("фестиваль")),
    ]
    for kw, mask in cases:
        expected = int(mask.sum())
        assert 0 < expected < len(df), kw  # the case must be able to fail
        assert count(demo_store, **kw) == expected, kw


def test_filters_combine_with_and(demo_store):
    df = all_rows(demo_store)
    mask = (df["region_iso"] == "KZ-75") & (df["status"] == "completed")
    assert count(demo_store, regions=["KZ-75"], statuses=["completed"]) == int(mask.sum()) > 0


def test_sql_count_matches_independent_sql(demo_store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM initiatives i WHERE region_iso = 'KZ-71' AND funding_source = "
        "'local' AND EXISTS (SELECT 1 FROM initiative_sdgs s WHERE s.initiative_id = "
        "i.initiative_id AND s.sdg = 8)"
    )
    assert count(demo_store, regions=["KZ-71"], funding=["local"], sdgs=[8]) == expected > 0


def test_search_is_case_insensitive_and_literal(demo_store):
    upper = count(demo_store, search="ФЕСТИВАЛЬ")
    assert upper == count(demo_store, search="фестиваль") > 0
    # % and _ match themselves, not "anything"
    assert count(demo_store, search="%") == 0
    assert count(demo_store, search="_") == 0
    assert count(demo_store, search="фест%валь") == 0


@pytest.mark.parametrize("text", ["'", "' OR 1=1 --", "100%", "a_b", "\\", '"; DROP TABLE x'])
def test_search_with_quotes_and_wildcards_is_safe(demo_store, text):
    assert count(demo_store, search=text) == 0
    assert demo_store.scalar("SELECT count(*) FROM initiatives") == 1500


def test_search_finds_titles_with_special_characters(demo_store):
    with demo_store.transaction() as cur:
        cur.execute(
            "UPDATE initiatives SET title = $t WHERE initiative_id = 7",
            {"t": "Grant 100% for O'Brien_studio"},
        )
    assert count(demo_store, search="100%") == 1
    assert count(demo_store, search="o'brien") == 1
    assert count(demo_store, search="n_s") == 1
    assert count(demo_store, search="0% f") == 1


def test_the_sector_filter_includes_further_sectors(demo_store):
    df = all_rows(demo_store)
    main = int((df["sector_code"] == "music").sum())
    assert count(demo_store, sectors=["music"]) > main > 0


@pytest.mark.parametrize(
    ("title", "hit", "miss"),
    [
        ("Grant (50%) [a.b] \\E* ^$ | + ?", "(50%) [a.b] \\e*", "[a-b]"),
        ("Көрме «Өнер» 2025", "«ӨНЕР» 2025", "Онер"),
        ("O'Brien_studio", "o'brien_", "o'brien%"),
        ("tab\there", "b\th", ".*"),
    ],
)
def test_search_matches_literally(demo_store, title, hit, miss):
    with demo_store.transaction() as cur:
        cur.execute("UPDATE initiatives SET title = $t WHERE initiative_id = 11", {"t": title})
    assert count(demo_store, search=hit) == 1
    assert count(demo_store, search=miss) == 0


def test_sort_allow_list_rejects_unknown_columns(demo_store):
    for bad in ("title; DROP TABLE initiatives", "budget_planned_kzt", "random()", ""):
        with pytest.raises(ValueError):
            iq.initiatives_page(demo_store, sort=bad)
        with pytest.raises(ValueError):
            iq.sort_sql(bad)
    assert demo_store.scalar("SELECT count(*) FROM initiatives") == 1500


def test_unknown_filter_and_origin_rejected(demo_store):
    with pytest.raises(TypeError):
        iq.initiatives_summary(demo_store, colour="red")
    with pytest.raises(TypeError):
        iq.initiatives_summary(demo_store, filters=Filters(colour="red"))  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        iq.initiatives_summary(demo_store, filters=Filters(origin="x"))


@pytest.mark.parametrize("sort", sorted(iq.SORTS))
def test_every_sort_orders_the_page(demo_store, sort):
    page = iq.initiatives_page(demo_store, sort=sort)
    assert len(page) == iq.PAGE_SIZE
    column, direction = iq.SORTS[sort].split()[:2]
    values = page[column].dropna().tolist()
    assert values == sorted(values, reverse=direction == "DESC")


def test_pages_partition_the_set(demo_store):
    f = Filters(regions=["KZ-75"])
    n = count(demo_store, regions=["KZ-75"])
    assert n > iq.PAGE_SIZE
    seen: list[int] = []
    for page in range(1, -(-n // iq.PAGE_SIZE) + 1):
        rows = iq.initiatives_page(demo_store, sort="planned_desc", page=page, filters=f)
        assert set(rows["region_iso"]) == {"KZ-75"}
        seen += rows["initiative_id"].tolist()
    assert len(seen) == len(set(seen)) == n
    past = iq.initiatives_page(demo_store, sort="planned_desc", page=10_000, filters=f)
    assert past.empty


def test_page_rows_carry_sdgs_and_execution(demo_store):
    page = iq.initiatives_page(demo_store)
    row = page.iloc[0]
    expected = demo_store.query(
        "SELECT sdg FROM initiative_sdgs WHERE initiative_id = $i ORDER BY sdg",
        {"i": int(row["initiative_id"])},
    )["sdg"].tolist()
    assert list(row["sdgs"]) == expected and expected
    if row["budget_planned_kzt"]:
        assert row["execution"] == pytest.approx(
            row["budget_spent_kzt"] / row["budget_planned_kzt"]
        )


def test_aggregates_match_the_table(demo_store):
    df = all_rows(demo_store)
    f = Filters(statuses=["completed"])
    by_region = iq.initiatives_by_region(demo_store, filters=f).set_index("region_iso")
    done = df[df["status"] == "completed"]
    expected = done.groupby("region_iso")["budget_spent_kzt"].sum()
    assert by_region["spent_kzt"].to_dict() == expected.to_dict()
    by_sector = iq.initiatives_by_sector(demo_store, filters=f)
    assert by_sector["jobs"].sum() == done["jobs_created"].sum()
    top = done.sort_values("budget_planned_kzt").groupby("region_iso").tail(1)
    assert set(by_region["largest_title"]) == set(top["title"])
    status = iq.initiatives_status_by_year(demo_store)
    assert status["n"].sum() == 1500
    assert set(status["status"]) <= set(iq.STATUSES)


def test_export_is_capped_and_sorted(demo_store):
    f = Filters(regions=["KZ-71"])
    full = iq.initiatives_export(demo_store, sort="jobs_desc", filters=f)
    assert len(full) == count(demo_store, regions=["KZ-71"])
    capped = iq.initiatives_export(demo_store, sort="jobs_desc", limit=10, filters=f)
    assert len(capped) == 10
    assert capped["jobs_created"].tolist() == sorted(capped["jobs_created"], reverse=True)
    assert iq.initiatives_export(demo_store, limit=10**9).shape[0] == 1500


def test_detail_and_audit(demo_store):
    d = iq.initiative_detail(demo_store, initiative_id=42)
    assert len(d) == 1 and d.iloc[0]["initiative_id"] == 42
    assert d.iloc[0]["region_name_kk"]
    assert iq.initiative_detail(demo_store, initiative_id=999_999).empty
    assert iq.initiative_audit(demo_store, initiative_id=42).empty
    with demo_store.transaction() as cur:
        audit(
            cur,
            actor="editor@akimat",
            table="initiatives",
            row_key="42",
            action="update",
            before={"status": "approved"},
            after={"status": "in_progress"},
        )
        audit(cur, actor="editor@akimat", table="hubs", row_key="42", action="update")
    log = iq.initiative_audit(demo_store, initiative_id=42)
    assert len(log) == 1 and log.iloc[0]["actor"] == "editor@akimat"


def test_search_folds_kazakh_letters(demo_store):
    df = all_rows(demo_store)
    expected = int(df["title"].str.lower().str.contains("өнер", regex=False).sum())
    assert expected > 0
    assert count(demo_store, search="ӨНЕР") == count(demo_store, search="Өнер") == expected


def test_search_ignores_surrounding_blanks(demo_store):
    assert count(demo_store, search="  фестиваль ") == count(demo_store, search="фестиваль")
