"""One selection, the same figures: every page reads the sidebar's years and region through one
filter model, and where pages count differently each says on screen what it counts.

The hub count is the case that went wrong: the overview counted operating hubs opened by the end
of the period, the hubs page every hub of any opening year (158 against 200 in the demo)."""

from __future__ import annotations

import pytest

from creative_dash.i18n import t
from tests.app.apptest import charts, open_page, page_text


def metric(at, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert len(values) == 1, [m.label for m in at.metric]
    return values[0]


def operating_hubs(store, last: int, region: str | None = None) -> int:
    return store.scalar(
        "SELECT count(*) FROM hubs WHERE status = 'operating' "
        "AND (opened_on IS NULL OR year(opened_on) <= $last) "
        "AND ($region IS NULL OR region_iso = $region)",
        {"last": last, "region": region},
    )


@pytest.mark.parametrize("years", ["2021-2024", "2019-2019", "2025-2026"])
def test_the_overview_and_the_hubs_page_count_the_same_hubs(demo_store, years):
    last = int(years[-4:])
    expected = operating_hubs(demo_store, last)
    overview = open_page("overview", "en", years=years)
    hubs = open_page("hubs", "en", years=years)
    assert not overview.exception and not hubs.exception
    card = metric(overview, t("en", "metric.hubs"))
    assert card == metric(hubs, t("en", "hubs.metric_operating")) == f"{expected:,}"
    # each page names what it counts
    hubs_card = next(m for m in overview.metric if m.label == t("en", "metric.hubs"))
    assert t("en", "metric_help.hubs") in hubs_card.help
    assert t("en", "hubs.metric_operating_help") in [m.help for m in hubs.metric]
    first = int(years[:4])
    period = str(first) if first == last else f"{first}–{last}"
    note = t("en", "hubs.period_note", period=period, first=first, last=last)
    assert note in page_text(hubs)


def test_with_a_region_the_region_page_and_the_hubs_page_agree_and_the_overview_says_it_is_national(
    demo_store,
):
    expected = operating_hubs(demo_store, 2024, "KZ-75")
    national = operating_hubs(demo_store, 2024)
    assert 0 < expected < national
    region = open_page("region", "en", region="KZ-75", years="2021-2024")
    hubs = open_page("hubs", "en", region="KZ-75", years="2021-2024")
    overview = open_page("overview", "en", region="KZ-75", years="2021-2024")
    label = t("en", "metric.hubs")
    assert metric(region, label) == metric(hubs, t("en", "hubs.metric_operating")) == str(expected)
    assert metric(overview, label) == f"{national:,}"
    assert t("en", "overview.scope_region", region="Almaty") in page_text(overview)


def test_the_hubs_map_follows_the_sidebar_years(demo_store):
    expected = demo_store.scalar("SELECT count(*) FROM hubs WHERE year(opened_on) <= 2020")
    at = open_page("hubs", "en", years="2019-2020")
    assert not at.exception
    points = sum(
        len(tr["lat"]) for tr in charts(at)[0].figure["data"] if tr["type"] == "scattergeo"
    )
    assert points == expected < 200
    assert metric(at, t("en", "hubs.metric_hubs")) == str(expected)


def test_the_region_map_follows_the_sidebar_years_and_says_so(demo_store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM hubs WHERE region_iso = 'KZ-75' AND lat IS NOT NULL "
        "AND year(opened_on) <= 2020"
    )
    at = open_page("region", "en", region="KZ-75", years="2019-2020")
    assert not at.exception
    spec = next(c.figure for c in charts(at) if c.key == "rg_map")
    markers = [tr for tr in spec["data"] if "markers" in tr.get("mode", "")]
    assert sum(len(tr["x"]) for tr in markers) == expected > 0
    assert t("en", "region.map_note", last=2020) in page_text(at)


def test_the_initiatives_page_follows_the_sidebar_years(demo_store):
    expected = demo_store.scalar(
        "SELECT count(*) FROM initiatives WHERE year(start_date) BETWEEN 2021 AND 2022"
    )
    at = open_page("initiatives", "en", years="2021-2022")
    assert not at.exception
    assert at.metric[0].value == f"{expected:,}"


@pytest.mark.parametrize("years", ["2019-2024", "2025-2026"])
def test_the_programme_page_names_what_the_years_change(demo_store, years):
    first, last = int(years[:4]), int(years[-4:])
    expected = demo_store.scalar(
        "SELECT count(*) FROM initiatives WHERE from_programme "
        "AND year(start_date) BETWEEN $a AND $b",
        {"a": first, "b": last},
    )
    participants = demo_store.scalar("SELECT count(*) FROM participants")
    at = open_page("programme", "en", years=years)
    assert not at.exception
    assert metric(at, t("en", "programme.metric_initiatives")) == f"{expected:,}"
    # the programme's own figures do not depend on the years, and the page says so
    assert metric(at, t("en", "programme.metric_participants")) == f"{participants:,}"
    assert f"initiatives that came out of it are those started in {first}–{last}" in page_text(at)
