"""The programme queries against independent SQL/pandas on the demo store. "Today" is always
given, so what is overdue does not depend on the day the tests run."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from creative_dash import queries
from creative_dash.filters import Filters
from creative_dash.queries.programme import CLOSED_REC_STATUSES, REC_CATEGORIES, REC_STATUSES

TODAY = date(2026, 3, 1)


def test_sessions_in_order_with_day_numbers(demo_store) -> None:
    df = queries.run(demo_store, "programme_sessions_agenda", lang="en")
    assert len(df) == demo_store.scalar("SELECT count(*) FROM programme_sessions") == 9
    assert df["day_no"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert df.iloc[0]["title"] == "National priorities of the creative economy"
    kk = queries.run(demo_store, "programme_sessions_agenda", lang="kk")
    assert kk.iloc[0]["title"] == "Креативті экономиканың ұлттық басымдықтары"


def test_participation_has_every_region_and_sums_to_participants(demo_store) -> None:
    df = queries.run(demo_store, "participation_by_region", lang="ru")
    assert len(df) == 20 and set(df["region_iso"]) == set(
        demo_store.query("SELECT iso_code FROM regions")["iso_code"]
    )
    assert df["participants"].sum() == demo_store.scalar("SELECT count(*) FROM participants")
    per_region = demo_store.query(
        "SELECT region_iso, count(*) AS n, sum(days_attended) AS d FROM participants GROUP BY 1"
    ).set_index("region_iso")
    for row in df.itertuples():
        assert row.participants == per_region.loc[row.region_iso, "n"]
        assert row.person_days == per_region.loc[row.region_iso, "d"]


def test_a_region_without_participants_is_a_zero_row(demo_store) -> None:
    with demo_store.transaction() as cur:
        cur.execute("DELETE FROM participants WHERE region_iso = 'KZ-62'")
    df = queries.run(demo_store, "participation_by_region").set_index("region_iso")
    assert len(df) == 20
    assert df.loc["KZ-62", "participants"] == 0 and df.loc["KZ-62", "person_days"] == 0


def _pairs(store) -> pd.DataFrame:
    a = store.query(
        "SELECT a.participant_id, p.region_iso, a.competency, a.phase, a.score "
        "FROM assessments a JOIN participants p USING (participant_id)"
    )
    wide = a.pivot_table(
        index=["participant_id", "region_iso", "competency"], columns="phase", values="score"
    ).reset_index()
    wide["gain"] = wide["post"] - wide["pre"]
    return wide


def test_mean_gain_per_competency(demo_store) -> None:
    df = queries.run(demo_store, "competency_gains", lang="en").set_index("competency")
    expected = _pairs(demo_store).groupby("competency")[["pre", "post", "gain"]].mean()
    assert set(df.index) == set(expected.index) and len(df) == 5
    for code, row in expected.iterrows():
        assert df.loc[code, "gain_mean"] == pytest.approx(row["gain"])
        assert df.loc[code, "pre_mean"] == pytest.approx(row["pre"])
        assert df.loc[code, "post_mean"] == pytest.approx(row["post"])
    assert df["sort_order"].is_monotonic_increasing


def test_mean_gain_per_competency_for_one_region(demo_store) -> None:
    df = queries.run(demo_store, "competency_gains", filters=Filters(regions=["KZ-75"])).set_index(
        "competency"
    )
    pairs = _pairs(demo_store)
    expected = pairs[pairs["region_iso"] == "KZ-75"].groupby("competency")["gain"].mean()
    for code, gain in expected.items():
        assert df.loc[code, "gain_mean"] == pytest.approx(gain)
    n = demo_store.scalar("SELECT count(*) FROM participants WHERE region_iso = 'KZ-75'")
    assert set(df["participants"]) == {n}


def test_mean_gain_per_region(demo_store) -> None:
    df = queries.run(demo_store, "competency_gains_by_region", lang="kk").set_index("region_iso")
    expected = _pairs(demo_store).groupby("region_iso")["gain"].mean()
    assert len(df) == len(expected)
    for iso, gain in expected.items():
        assert df.loc[iso, "gain_mean"] == pytest.approx(gain)
    assert df["gain_mean"].is_monotonic_decreasing


def test_a_participant_without_a_post_score_is_left_out(demo_store) -> None:
    with demo_store.transaction() as cur:
        cur.execute("DELETE FROM assessments WHERE participant_id = 1 AND phase = 'post'")
    df = queries.run(demo_store, "competency_gains")
    total = demo_store.scalar("SELECT count(*) FROM participants")
    assert set(df["participants"]) == {total - 1}


def test_satisfaction_distribution(demo_store) -> None:
    df = queries.run(demo_store, "satisfaction_distribution")
    assert df["score"].tolist()[:5] == [1, 2, 3, 4, 5] and pd.isna(df["score"].iloc[5])
    counts = demo_store.query("SELECT satisfaction, count(*) AS n FROM participants GROUP BY 1")
    counts = counts[counts["satisfaction"].notna()]
    answered = dict(zip(counts["satisfaction"].astype(int), counts["n"]))
    for score, n in zip(df["score"][:5], df["participants"][:5]):
        assert n == answered.get(int(score), 0)
    missing = demo_store.scalar("SELECT count(*) FROM participants WHERE satisfaction IS NULL")
    assert df["participants"].iloc[5] == missing > 0
    assert df["participants"].sum() == demo_store.scalar("SELECT count(*) FROM participants")


def test_satisfaction_for_one_region(demo_store) -> None:
    df = queries.run(demo_store, "satisfaction_distribution", filters=Filters(regions=["KZ-71"]))
    n = demo_store.scalar("SELECT count(*) FROM participants WHERE region_iso = 'KZ-71'")
    assert df["participants"].sum() == n


def _overdue_expected(store, today: date, regions: list[str] | None = None) -> int:
    recs = store.query("SELECT * FROM recommendations")
    if regions:
        recs = recs[recs["region_iso"].isin(regions)]
    due = pd.to_datetime(recs["follow_up_date"])
    late = due.notna() & (due < pd.Timestamp(today)) & ~recs["status"].isin(CLOSED_REC_STATUSES)
    return int(late.sum())


@pytest.mark.parametrize("today", [date(2025, 6, 1), TODAY, date(2026, 10, 1), date(2030, 1, 1)])
def test_overdue_count_with_a_fixed_today(demo_store, today: date) -> None:
    df = queries.run(demo_store, "recommendations_by_category", today=today)
    assert df["overdue"].sum() == _overdue_expected(demo_store, today)
    assert df["recommendations"].sum() == demo_store.scalar("SELECT count(*) FROM recommendations")


def test_overdue_grows_with_today_and_never_counts_closed_ones(demo_store) -> None:
    early = queries.run(demo_store, "recommendations_by_category", today=date(2025, 6, 1))
    late = queries.run(demo_store, "recommendations_by_category", today=date(2030, 1, 1))
    assert early["overdue"].sum() == 0
    assert late["overdue"].sum() > 0
    closed = late[late["status"].isin(CLOSED_REC_STATUSES)]
    assert closed["overdue"].sum() == 0


def test_recommendations_list_flags_and_orders_overdue(demo_store) -> None:
    df = queries.run(demo_store, "recommendations_list", lang="en", today=TODAY)
    assert len(df) == demo_store.scalar("SELECT count(*) FROM recommendations")
    assert int(df["is_overdue"].sum()) == _overdue_expected(demo_store, TODAY)
    late = df[df["is_overdue"]]
    assert late.index.max() < df[~df["is_overdue"]].index.min()  # overdue rows first
    expected_days = [(TODAY - d).days for d in pd.to_datetime(late["follow_up_date"]).dt.date]
    assert late["days_overdue"].tolist() == expected_days
    assert late["days_overdue"].is_monotonic_decreasing
    assert (df.loc[~df["is_overdue"], "days_overdue"] == 0).all()


def test_recommendation_filters(demo_store) -> None:
    recs = demo_store.query("SELECT * FROM recommendations")
    expected = recs[
        recs["region_iso"].isin(["KZ-71", "KZ-75"])
        & recs["category"].isin(["financing", "tax"])
        & recs["status"].isin(["proposed", "in_progress"])
    ]
    kw = {
        "filters": Filters(
            regions=["KZ-71", "KZ-75"],
            rec_categories=["financing", "tax"],
            rec_statuses=["proposed", "in_progress"],
        ),
        "today": TODAY,
    }
    df = queries.run(demo_store, "recommendations_list", **kw)
    assert sorted(df["recommendation_id"]) == sorted(expected["recommendation_id"])
    by_cat = queries.run(demo_store, "recommendations_by_category", **kw)
    assert by_cat["recommendations"].sum() == len(expected)
    assert set(by_cat["category"]) <= {"financing", "tax"}
    assert set(REC_CATEGORIES) >= set(recs["category"])
    assert set(REC_STATUSES) >= set(recs["status"])


def test_programme_initiatives_by_region(demo_store) -> None:
    inits = demo_store.query("SELECT * FROM initiatives WHERE from_programme")
    df = queries.run(demo_store, "programme_initiatives_by_region", lang="en")
    assert df["initiatives"].sum() == len(inits) > 0
    expected = inits.groupby(["region_iso", "status"]).agg(
        n=("initiative_id", "size"),
        planned=("budget_planned_kzt", "sum"),
        spent=("budget_spent_kzt", "sum"),
    )
    got = df.set_index(["region_iso", "status"])
    assert len(got) == len(expected)
    for key, row in expected.iterrows():
        assert got.loc[key, "initiatives"] == row["n"]
        assert got.loc[key, "budget_planned_kzt"] == row["planned"]
        assert got.loc[key, "budget_spent_kzt"] == row["spent"]
    one = queries.run(
        demo_store, "programme_initiatives_by_region", filters=Filters(regions=["KZ-75"])
    )
    assert set(one["region_iso"]) == {"KZ-75"}
    assert one["initiatives"].sum() == (inits["region_iso"] == "KZ-75").sum()


def test_programme_initiatives_top(demo_store) -> None:
    inits = demo_store.query("SELECT * FROM initiatives WHERE from_programme")
    df = queries.run(demo_store, "programme_initiatives_top", lang="ru", limit=7)
    expected = inits.sort_values(
        ["budget_planned_kzt", "initiative_id"], ascending=[False, True]
    ).head(7)
    assert df["initiative_id"].tolist() == expected["initiative_id"].tolist()
    assert df["execution"].tolist() == pytest.approx(
        (expected["budget_spent_kzt"] / expected["budget_planned_kzt"]).tolist()
    )
    assert len(queries.run(demo_store, "programme_initiatives_top", limit=10_000)) == 50
    assert len(queries.run(demo_store, "programme_initiatives_top", limit=0)) == 1


def test_overdue_starts_the_day_after_the_follow_up_date(demo_store) -> None:
    rec_id, due = demo_store.query(
        "SELECT recommendation_id, follow_up_date FROM recommendations "
        "WHERE status = 'proposed' AND follow_up_date IS NOT NULL ORDER BY 1 LIMIT 1"
    ).iloc[0]
    due = pd.Timestamp(due).date()

    def flag(today: date) -> bool:
        df = queries.run(demo_store, "recommendations_list", today=today)
        return bool(df.set_index("recommendation_id").loc[rec_id, "is_overdue"])

    assert not flag(due)
    assert flag(due + pd.Timedelta(days=1))


def test_programme_initiatives_top_for_regions_and_unknown_codes(demo_store) -> None:
    # the richest initiative of all, but its sector is not in the catalogue: the store refuses
    # it (a foreign key since migration 5), so it can never be listed
    # (DuckDB refuses with ConstraintException, PostgreSQL through the extension with its error)
    with pytest.raises(duckdb.Error, match="foreign key"):
        with demo_store.transaction() as cur:
            cur.execute(
                "INSERT INTO initiatives SELECT * REPLACE (9999 AS initiative_id, "
                "'no_such_sector' AS sector_code, 10 ^ 15 AS budget_planned_kzt) FROM initiatives "
                "WHERE from_programme AND region_iso = 'KZ-75' LIMIT 1"
            )
    assert demo_store.scalar("SELECT count(*) FROM initiatives WHERE initiative_id = 9999") == 0
    inits = demo_store.query(
        "SELECT * FROM initiatives WHERE from_programme AND sector_code IN "
        "(SELECT code FROM sectors) AND region_iso IN ('KZ-75', 'KZ-71')"
    )
    df = queries.run(
        demo_store,
        "programme_initiatives_top",
        lang="kk",
        filters=Filters(regions=["KZ-75", "KZ-71"]),
        limit=5,
    )
    expected = inits.sort_values(
        ["budget_planned_kzt", "initiative_id"], ascending=[False, True]
    ).head(5)
    assert df["initiative_id"].tolist() == expected["initiative_id"].tolist()
    assert df["title"].tolist() == expected["title"].tolist()
    assert 9999 not in df["initiative_id"].tolist()
    assert set(df["region_iso"]) <= {"KZ-75", "KZ-71"}
    assert df["sector_name"].notna().all() and df["region_name"].notna().all()
