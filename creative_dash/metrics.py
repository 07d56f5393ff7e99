"""The metric catalogue: every figure the dashboard shows per region or for the country, once.

Each :class:`Metric` says what it is (code, kind, unit, whether more is better), how it is
computed (the rows it aggregates and its SQL, or the metrics it is derived from; per-capita
figures say which population they divide by) and where it is shown (:data:`KPI` cards, the
overview's :data:`MAP` and the ranking under it, the region page's :data:`PEERS` comparison, the
presenter's :data:`LIVE` ranking). The queries ``overview_kpis``, ``region_metrics`` and
``live_region_ranking`` build their SQL from these entries
(``creative_dash.queries.metric_sql``): the SQL text here is the allow-list, a user only ever
picks a code.

Its messages: ``metric.<code>`` (label), ``metric_help.<code>`` (what it counts) and
``metric_unit.<unit>`` in ``creative_dash/locales/{kk,ru,en}/metrics.toml``.

To add a metric: add its entry to :data:`METRICS`, its label and help in the three languages,
and a test; nothing else lists metrics. (A metric over rows no source holds yet also needs its
source: here in :data:`SOURCES`, and its rows in ``metric_sql.SOURCE_SQL``.)

Below the catalogue: pure functions on the query frames (one row per region) shared by the
overview, the region page and the presenter, so a value or a rank reads the same everywhere:
formatting, ranks in words, peer groups and their medians. No Streamlit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash.i18n import Translator

# -- the catalogue ------------------------------------------------------------------------------
KINDS: tuple[str, ...] = ("count", "money", "share", "per_capita", "score")
UNITS: tuple[str, ...] = ("number", "kzt", "share", "per_100k", "kzt_per_inhabitant", "points")

# Where a metric is shown.
KPI = "kpi"  # a card of the overview (and of the region page's headline figures)
MAP = "map"  # the overview's map selector, and the ranking under the map
PEERS = "peers"  # the region page's comparison with its peers
LIVE = "live"  # the presenter's ranking scene
PLACES: tuple[str, ...] = (KPI, MAP, PEERS, LIVE)
# The rows of KPI cards, by theme, at most four cards wide (so that labels and values, in Kazakh
# too, "63,3 млрд ₸", are not cut). Official statistics have a row of their own: the
# initiatives' filters do not apply to them.
KPI_ROWS: tuple[str, ...] = ("activity", "money", "people", "official")


@dataclass(frozen=True)
class Source:
    """Rows a metric aggregates. The queries build each source (its table under ``alias``, the
    period and the filters); a metric's SQL reads only ``alias``'s columns."""

    alias: str
    rows: str  # what the rows are, for readers
    # Whether a period before the store's first initiative can have rows: hubs carry their own
    # opening dates and indicators their own years; initiatives and programme outcomes start
    # with the store's data (an earlier period is "no data", not zero).
    own_dates: bool = False


# Each source's rows, and the filters of the overview that apply to them.
SOURCES: dict[str, Source] = {
    "started": Source("i", "initiatives that started in the period; every filter"),
    "active": Source("i", "initiatives approved or in progress during the period; every filter"),
    "hubs": Source("h", "operating hubs opened before the period's end; sector, region", True),
    "participants": Source("pa", "participants of the programmes held in the period; region"),
    "assessments": Source(
        "a", "participant and competency with both self-assessments, a.pre and a.post; region"
    ),
    "indicators": Source(
        "ind", "official indicators of the period's years, value in their unit; region", True
    ),
}

# The population a per-capita metric divides by.
POPULATIONS: dict[str, str] = {
    "latest": "each region's latest figure (region_population_latest), whatever its date; "
    "for the country, the sum of those figures",
}


@dataclass(frozen=True)
class Metric:
    """One figure. Its code is its URL value, its column in the query frames and its message
    key."""

    code: str
    kind: str  # one of KINDS
    unit: str  # one of UNITS
    # How it is computed: an aggregate over ``source``'s rows (``sql``), or from the metrics
    # ``of`` (a per-capita figure divides the one metric of ``of``; a share's ``sql`` is an
    # expression over the codes of ``of``).
    source: str | None = None
    sql: str = ""
    of: tuple[str, ...] = ()
    per: int = 1  # per capita: per how many inhabitants
    population: str | None = None  # per capita: a key of POPULATIONS
    # A region or period without rows: 0 (a count, a sum), or no value (a mean, an indicator).
    zero_when_empty: bool = True
    higher_is_better: bool = True
    decimals: int = 0
    places: tuple[str, ...] = ()
    kpi_row: str | None = None  # KPI: its row of cards (one of KPI_ROWS)
    # KPI: whether the change against the previous period means something.
    comparable: bool = True
    # Whether ``region_metrics`` computes it for every region. False only where no per-region
    # view needs it and it costs: the funding split's FILTER clauses slow the scan of a large
    # store by a third.
    by_region: bool = True

    @property
    def per_capita(self) -> bool:
        return self.kind == "per_capita"

    @property
    def money(self) -> bool:
        return self.unit in ("kzt", "kzt_per_inhabitant")

    @property
    def own_dates(self) -> bool:
        """Whether a period before the store's first initiative can have a value."""
        return all(SOURCES[s].own_dates for s in self.sources())

    def sources(self) -> tuple[str, ...]:
        if self.source:
            return (self.source,)
        return tuple(s for code in self.of for s in METRIC_BY_CODE[code].sources())

    def label(self, t: Translator) -> str:
        return t(f"metric.{self.code}")

    def help(self, t: Translator) -> str:
        return t(f"metric_help.{self.code}")

    def unit_text(self, t: Translator) -> str:
        return t(f"metric_unit.{self.unit}")


def _per_100k(code: str, of: str, places: tuple[str, ...]) -> Metric:
    """A count per 100,000 inhabitants."""
    return Metric(
        code,
        kind="per_capita",
        unit="per_100k",
        of=(of,),
        per=100_000,
        population="latest",
        decimals=1,
        places=places,
    )


# The catalogue. Its order is the order of every list of metrics a user sees (the map's
# selector, the peers' table, the presenter's options, the cards within a row).
METRICS: tuple[Metric, ...] = (
    Metric(
        "initiatives",
        kind="count",
        unit="number",
        source="started",
        sql="count(*)",
        places=(KPI, MAP, LIVE),
        kpi_row="activity",
    ),
    _per_100k("initiatives_per_100k", "initiatives", (MAP, PEERS, LIVE)),
    Metric(
        "active",
        kind="count",
        unit="number",
        source="active",
        sql="count(*)",
        places=(KPI, MAP),
        kpi_row="activity",
        # the status is the one recorded today, so an earlier period looks empty
        comparable=False,
    ),
    Metric(
        "hubs",
        kind="count",
        unit="number",
        source="hubs",
        sql="count(*)",
        places=(KPI, MAP),
        kpi_row="activity",
    ),
    _per_100k("hubs_per_100k", "hubs", (MAP, PEERS)),
    Metric(
        "participants",
        kind="count",
        unit="number",
        source="participants",
        sql="count(*)",
        places=(KPI,),
        kpi_row="activity",
    ),
    Metric(
        "budget_planned",
        kind="money",
        unit="kzt",
        source="started",
        sql="sum(i.budget_planned_kzt)",
        places=(KPI,),
        kpi_row="money",
    ),
    Metric(
        "budget_spent",
        kind="money",
        unit="kzt",
        source="started",
        sql="sum(i.budget_spent_kzt)",
        places=(KPI, LIVE),
        kpi_row="money",
    ),
    Metric(
        "budget_per_capita",
        kind="per_capita",
        unit="kzt_per_inhabitant",
        of=("budget_planned",),
        population="latest",
        places=(MAP, PEERS),
    ),
    # the two parts of the share below (its card's help names them)
    Metric(
        "budget_private",
        kind="money",
        unit="kzt",
        source="started",
        sql="sum(i.budget_planned_kzt) FILTER (WHERE i.funding_source = 'private')",
        by_region=False,
    ),
    Metric(
        "budget_impact",
        kind="money",
        unit="kzt",
        source="started",
        sql="sum(i.budget_planned_kzt) FILTER (WHERE i.funding_source = 'impact')",
        by_region=False,
    ),
    Metric(
        "private_impact_share",
        kind="share",
        unit="share",
        of=("budget_private", "budget_impact", "budget_planned"),
        sql="(budget_private + budget_impact) / nullif(budget_planned, 0)",
        places=(KPI,),
        kpi_row="money",
        by_region=False,
    ),
    Metric(
        "creative_exports_per_capita",
        kind="per_capita",
        unit="kzt_per_inhabitant",
        source="indicators",  # official figures in mln ₸ (indicator_defs)
        sql="sum(ind.value) FILTER (WHERE ind.indicator_code = 'creative_exports') * 1000000",
        population="latest",
        zero_when_empty=False,  # a region or period without figures has no value, not 0
        places=(KPI, MAP, PEERS, LIVE),
        kpi_row="official",
    ),
    Metric(
        "jobs",
        kind="count",
        unit="number",
        source="started",
        sql="sum(i.jobs_created)",
        places=(KPI, MAP, LIVE),
        kpi_row="people",
    ),
    _per_100k("jobs_per_100k", "jobs", (MAP, PEERS, LIVE)),
    Metric(
        "youth",
        kind="count",
        unit="number",
        source="started",
        sql="sum(i.beneficiaries_youth)",
        places=(KPI, LIVE),
        kpi_row="people",
    ),
    Metric(
        "women",
        kind="count",
        unit="number",
        source="started",
        sql="sum(i.beneficiaries_women)",
        places=(KPI, LIVE),
        kpi_row="people",
    ),
    Metric(
        "competency_gain",
        kind="score",
        unit="points",
        source="assessments",
        sql="avg(a.post - a.pre)",
        zero_when_empty=False,
        decimals=2,
        places=(MAP, PEERS),
    ),
)
METRIC_BY_CODE: dict[str, Metric] = {m.code: m for m in METRICS}


def shown_in(place: str) -> tuple[str, ...]:
    """The codes of the metrics shown in ``place``, in catalogue order."""
    return tuple(m.code for m in METRICS if place in m.places)


KPI_METRICS = shown_in(KPI)
MAP_METRICS = shown_in(MAP)
PEER_METRICS = shown_in(PEERS)
LIVE_METRICS = shown_in(LIVE)
DEFAULT_METRIC = "initiatives_per_100k"  # the map's first choice


def by_code(code: str) -> Metric:
    """The catalogue's metric ``code``; ValueError for any other value (from a URL, a deck)."""
    if code not in METRIC_BY_CODE:
        raise ValueError(f"unknown metric {code!r}")
    return METRIC_BY_CODE[code]


def with_inputs(codes: Sequence[str]) -> tuple[Metric, ...]:
    """The metrics ``codes`` and every metric they are derived from, in catalogue order."""
    wanted: set[str] = set()
    todo = list(codes)
    while todo:
        m = by_code(todo.pop())
        if m.code not in wanted:
            wanted.add(m.code)
            todo.extend(m.of)
    return tuple(m for m in METRICS if m.code in wanted)


# -- values as users read them ------------------------------------------------------------------
def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def format_value(t: Translator, metric: Metric, value: Any) -> str:
    """The value as users read it, in their language ("no data" when there is none)."""
    if _missing(value):
        return t("overview.no_data")
    if metric.unit == "kzt":
        return t.kzt(value)
    if metric.unit == "kzt_per_inhabitant":
        return t.kzt(value, compact=False)
    if metric.kind == "share":
        return t.pct(value)
    if metric.kind == "score":  # a change of score: always signed
        sign = "+" if value > 0 else "−" if value < 0 else "±"
        return f"{sign}{t.num(abs(value), metric.decimals)}"
    return t.num(value, metric.decimals)


PEER_GROUPS: tuple[str, ...] = ("all", "kind", "neighbours", "population")
SIMILAR_POPULATION_PEERS = 5


# -- ranks in words ---------------------------------------------------------------------------------
# A non-breaking hyphen: "7-сі" and "7-е место" never wrap after the number.
NB_HYPHEN = "\u2011"
_KK_UNITS = {1: "і", 2: "сі", 3: "і", 4: "і", 5: "і", 6: "сы", 7: "сі", 8: "і", 9: "ы"}
_KK_TENS = {1: "ы", 2: "сы", 3: "ы", 4: "ы", 5: "сі", 6: "ы", 7: "і", 8: "і", 9: "ы"}


def kk_possessive(n: int) -> str:
    """Kazakh possessive ending of a numeral, by the last word said: 7 жеті -> '7-сі',
    10 он -> '10-ы', 20 жиырма -> '20-сы', 100 жүз -> '100-і'."""
    if n % 10:
        suffix = _KK_UNITS[n % 10]
    elif n % 100:
        suffix = _KK_TENS[(n % 100) // 10]
    elif n % 1000:
        suffix = "і"  # жүз
    else:
        suffix = "ы"  # мың
    return f"{n}{NB_HYPHEN}{suffix}"


def en_ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def plural_form(lang: str, n: int) -> str:
    """'one' or 'many': the form a noun takes after a number (Russian genitive after 'из')."""
    if lang == "ru":
        return "one" if n % 10 == 1 and n % 100 != 11 else "many"
    if lang == "en":
        return "one" if n == 1 else "many"
    return "one"  # Kazakh nouns stay singular after numerals


def rank_words(t: Translator, rank: int, n: int, noun: str = "regions") -> str:
    """'7th of 17 oblasts' / '17 облыстың 7-сі' / '7-е место из 17 областей'.

    ``noun``: regions, oblasts or cities."""
    if t.lang == "kk":
        rank_text = kk_possessive(rank)
    elif t.lang == "en":
        rank_text = en_ordinal(rank)
    else:
        rank_text = str(rank)
    noun_text = t(f"overview.noun.{noun}_{plural_form(t.lang, n)}")
    text = t("overview.rank", rank=rank_text, n=n, noun=noun_text)
    return re.sub(r"(?<=\d)-", NB_HYPHEN, text)


def ranks(values: pd.Series, higher_is_better: bool = True) -> pd.Series:
    """Rank 1 = best (the highest, or the lowest when lower is better); ties share the better
    rank; missing values get no rank."""
    return values.rank(ascending=not higher_is_better, method="min").astype("Int64")


def best_first(df: pd.DataFrame, metric: Metric, name_col: str) -> pd.DataFrame:
    """``df`` sorted best value first (ties by name), regions without a value last."""
    return df.sort_values(
        [metric.code, name_col], ascending=[not metric.higher_is_better, True], na_position="last"
    )


# -- peer groups ------------------------------------------------------------------------------------
def peer_codes(
    metrics: pd.DataFrame, iso: str, group: str, neighbours: pd.DataFrame | None = None
) -> list[str]:
    """The region's peers (itself excluded), by group.

    all: every other region; kind: the other oblasts, or the other cities; neighbours: regions
    sharing a border (``region_neighbours`` pairs); population: the closest by population."""
    others = metrics[metrics["iso_code"] != iso]
    if group == "all":
        return others["iso_code"].tolist()
    row = metrics[metrics["iso_code"] == iso]
    if row.empty:
        return []
    if group == "kind":
        return others[others["kind"] == row["kind"].iloc[0]]["iso_code"].tolist()
    if group == "neighbours":
        if neighbours is None:
            return []
        pairs = neighbours[neighbours["iso_code"] == iso]["neighbour_iso_code"].tolist()
        back = neighbours[neighbours["neighbour_iso_code"] == iso]["iso_code"].tolist()
        wanted = set(pairs) | set(back)
        return [c for c in others["iso_code"] if c in wanted]
    if group == "population":
        pop = row["population"].iloc[0]
        if _missing(pop):
            return []
        known = others.dropna(subset=["population"]).copy()
        known["gap"] = (known["population"] - pop).abs()
        return (
            known.sort_values(["gap", "iso_code"])["iso_code"]
            .head(SIMILAR_POPULATION_PEERS)
            .tolist()
        )
    raise ValueError(f"unknown peer group {group!r}")


def group_noun(metrics: pd.DataFrame, iso: str, group: str) -> str:
    """The noun a rank among this group uses: oblasts or cities for the same kind, else regions."""
    if group == "kind":
        kind = metrics.loc[metrics["iso_code"] == iso, "kind"]
        if not kind.empty:
            return "cities" if kind.iloc[0] == "city" else "oblasts"
    return "regions"


@dataclass(frozen=True)
class PeerRow:
    metric: Metric
    value: float | None
    national_median: float | None
    peer_median: float | None
    rank: int | None  # among the region and its peers, 1 = best
    group_size: int  # the region and its peers with a value
    gap: float | None  # (value - peer median) / peer median


def _num(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def compare_with_peers(
    metrics: pd.DataFrame,
    iso: str,
    peers: Sequence[str],
    metric_codes: Sequence[str] = PEER_METRICS,
) -> list[PeerRow]:
    """For each metric: the region's value, the national median (all regions), the peers'
    median (the region itself excluded), its rank among itself and its peers, and the gap."""
    out = []
    own = metrics[metrics["iso_code"] == iso]
    group = metrics[metrics["iso_code"].isin([iso, *peers])]
    peer_rows = metrics[metrics["iso_code"].isin(list(peers))]
    for code in metric_codes:
        m = by_code(code)
        value = _num(own[m.code].iloc[0]) if not own.empty else None
        national = _num(metrics[m.code].median())
        peer_median = _num(peer_rows[m.code].median()) if not peer_rows.empty else None
        valued = group.dropna(subset=[m.code])
        rank = None
        if value is not None:
            better = valued[m.code] > value if m.higher_is_better else valued[m.code] < value
            rank = int(better.sum()) + 1
        gap = None
        if value is not None and peer_median is not None and peer_median != 0.0:
            gap = (value - peer_median) / abs(peer_median)
        out.append(PeerRow(m, value, national, peer_median, rank, len(valued), gap))
    return out
