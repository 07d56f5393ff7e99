"""What the pages show besides charts, moved out of them: cards, captions naming what a
selection counts, table keys and file-name parts. Pure functions, checked in every language."""

from __future__ import annotations

import pandas as pd
import pytest

from creative_dash.filters import Filters
from creative_dash.i18n import LANGS, Translator
from creative_dash.metrics import METRIC_BY_CODE
from creative_dash.views import hubs, initiatives, overview, programme, region, selection

LANG = pytest.mark.parametrize("lang", LANGS)


@LANG
def test_selection_captions_name_what_is_counted(lang):
    t = Translator(lang)
    note = selection.hub_period_caption(t, (2021, 2024))
    assert "2024" in note and "2021" in note and "2021–2024" in note
    assert note == t("hubs.period_note", period="2021–2024", first=2021, last=2024)
    assert "2025" in selection.hub_period_caption(t, (2025, 2025))
    assert selection.national_caption(t, None) is None
    assert "Astana" in (selection.national_caption(t, "Astana") or "")
    text = selection.programme_period_caption(t, "12–14 May 2025", (2019, 2024))
    assert "12–14 May 2025" in text and "2019–2024" in text


def test_chosen_count_counts_values():
    f = Filters(sectors=["music", "design"], funding=["grant"], regions=["KZ-71"])
    assert selection.chosen_count(f, "sectors", "funding", "statuses") == 3
    assert selection.chosen_count(Filters(), "sectors") == 0


@LANG
def test_hub_cards_say_what_they_count(lang):
    t = Translator(lang)
    totals = {"hubs": 200, "operating": 158, "residents": 1234.0, "floor_area_m2": 50.0}
    cards = hubs.hub_cards(t, totals)
    assert [c.label for c in cards] == [
        t("hubs.metric_hubs"),
        t("hubs.metric_operating"),
        t("hubs.metric_residents"),
        t("hubs.metric_floor_area"),
    ]
    assert cards[0].value == t.num(200) and cards[1].value == t.num(158)
    assert cards[0].help and cards[1].help == t("hubs.metric_operating_help")
    names = {"KZ-71": "A", "KZ-75": "B"}
    assert hubs.showing_caption(t, (), names) == t("hubs.showing_all")
    assert hubs.showing_caption(t, ("KZ-71", "KZ-75"), names) == t(
        "hubs.showing_regions", regions="A, B"
    )


@LANG
def test_initiative_summary_cards(lang):
    t = Translator(lang)
    row = {"n": 12, "planned_kzt": 1_000_000, "spent_kzt": 250_000, "jobs": 7}
    cards = initiatives.summary_cards(t, row)
    assert [c.value for c in cards] == [t.num(12), t.kzt(1_000_000), t.kzt(250_000), t.num(7)]
    assert cards[2].delta == t("initiatives.kpi_execution", pct=t.pct(0.25, 0))
    assert (cards[2].delta_color, cards[2].delta_arrow) == ("off", "off")
    nothing = initiatives.summary_cards(t, {**row, "planned_kzt": 0})
    assert nothing[2].delta is None


def test_export_notice_and_file_name_part():
    t = Translator("en")
    assert initiatives.export_notice(t, 100, 1000, 100) is None
    notice = initiatives.export_notice(t, 1500, 1000, 100)
    assert notice == t("initiatives.export_capped", total="1,500", csv_cap="1,000", xlsx_cap="100")
    assert initiatives.export_region_part(()) is None
    assert initiatives.export_region_part(("KZ-71",)) == "KZ-71"
    assert initiatives.export_region_part(("KZ-71", "KZ-75")) == "2regions"


def test_table_key_changes_with_selection_and_page():
    a = initiatives.table_key("in_table", (Filters(regions=["KZ-71"]), "start_desc"), 1)
    assert a == initiatives.table_key("in_table", (Filters(regions=("KZ-71",)), "start_desc"), 1)
    assert a != initiatives.table_key("in_table", (Filters(), "start_desc"), 1)
    assert a != initiatives.table_key("in_table", (Filters(regions=["KZ-71"]), "start_desc"), 2)
    assert a.startswith("in_table_")


@LANG
def test_programme_cards(lang):
    t = Translator(lang)
    participation = pd.DataFrame(
        {"region_iso": ["KZ-71", "KZ-75"], "participants": [3, 0], "person_days": [9, 0]}
    )
    cards = programme.participation_cards(t, participation, None)
    assert cards[0].value == t.num(3)
    assert cards[1].value == t("programme.metric_regions_value", present=1, total=2)
    assert programme.participation_cards(t, participation, "KZ-75")[0].value == t.num(0)
    distribution = pd.DataFrame(
        {
            "score": pd.array([1, 2, 3, 4, 5, None], dtype="Int64"),
            "participants": [0, 0, 0, 1, 1, 2],
        }
    )
    mean, missing = programme.satisfaction_cards(t, distribution)
    assert mean.value == t("programme.metric_satisfaction_value", mean=t.num(4.5, 1))
    assert missing.value == t.num(2)
    by_category = pd.DataFrame(
        {
            "category": ["tax", "tax"],
            "status": ["implemented", "proposed"],
            "recommendations": [2, 3],
            "overdue": [0, 1],
        }
    )
    recs = programme.recommendation_cards(t, by_category)
    assert [c.value for c in recs] == [t.num(5), t.num(1), t.num(2)]
    by_region = pd.DataFrame(
        {"initiatives": [2, 1], "budget_planned_kzt": [100, 100], "budget_spent_kzt": [50, 0]}
    )
    inits = programme.initiative_cards(t, by_region)
    assert inits[0].value == t.num(3) and inits[3].value == t.pct(0.25, 0)
    assert programme.showing(t, None, {}) == t("programme.showing_all")
    assert programme.showing(t, "KZ-71", {"KZ-71": "A"}) == t(
        "programme.showing_region", region="A"
    )


@LANG
def test_region_training_cards(lang):
    t = Translator(lang)
    row = {"participants": 4, "days_attended": 2.5, "satisfaction": 4.25, "recommendations": 3}
    cards = region.training_cards(t, {**row, "implemented": 1})
    assert [c.value for c in cards] == [t.num(4), t.num(2.5, 1), t.num(4.25, 1), t.num(3)]
    assert cards[3].help == t("region.recommendations_help", implemented=t.num(1))


def test_map_caption_follows_the_metric():
    t = Translator("en")
    metrics = pd.DataFrame({"population_as_of": pd.to_datetime(["2025-01-01", "2025-01-01"])})
    initiatives = METRIC_BY_CODE["initiatives"]
    plain = overview.map_caption(t, initiatives, metrics)
    assert plain == f"{t('overview.map_help')} {initiatives.help(t)}"
    assert overview.population_caption(t, metrics) not in plain
    per_100k = METRIC_BY_CODE["initiatives_per_100k"]
    per_capita = overview.map_caption(t, per_100k, metrics)
    assert per_100k.help(t) in per_capita
    assert overview.population_caption(t, metrics) in per_capita
    gain = overview.map_caption(t, METRIC_BY_CODE["competency_gain"], metrics)
    assert t("metric_help.competency_gain") in gain  # what the gain rests on
