"""Regions compared: the metrics of the map, ranks in words, peer groups and their medians.

Pure functions on the ``region_metrics`` query's frame (one row per region); no Streamlit. The
overview's map and ranking, and the region dashboard's "against its peers" all use these, so a
rank or a formatted value reads the same everywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash.i18n import Translator


@dataclass(frozen=True)
class Metric:
    """A per-region figure of ``region_metrics``: its URL code is also its message key."""

    code: str
    column: str
    kind: str  # count | rate (per 100,000) | kzt (₸ per inhabitant) | score (points)

    @property
    def per_capita(self) -> bool:
        return self.kind in ("rate", "kzt")

    def label(self, t: Translator) -> str:
        return t(f"overview.metric.{self.code}")

    def unit(self, t: Translator) -> str:
        return t(f"overview.metric_unit.{self.kind}")


METRICS: tuple[Metric, ...] = (
    Metric("initiatives", "initiatives", "count"),
    Metric("initiatives_per_100k", "initiatives_per_100k", "rate"),
    Metric("active", "active", "count"),
    Metric("hubs", "hubs", "count"),
    Metric("hubs_per_100k", "hubs_per_100k", "rate"),
    Metric("budget_per_capita", "budget_per_capita", "kzt"),
    Metric("jobs", "jobs", "count"),
    Metric("jobs_per_100k", "jobs_per_100k", "rate"),
    Metric("competency_gain", "competency_gain", "score"),
)
METRIC_BY_CODE = {m.code: m for m in METRICS}
METRIC_CODES = tuple(METRIC_BY_CODE)
DEFAULT_METRIC = "initiatives_per_100k"
# What the region dashboard compares with the peers: per-capita figures (counts of regions of
# very different size say little) and the programme's competency gain.
PEER_METRICS: tuple[str, ...] = (
    "initiatives_per_100k",
    "hubs_per_100k",
    "budget_per_capita",
    "jobs_per_100k",
    "competency_gain",
)

PEER_GROUPS: tuple[str, ...] = ("all", "kind", "neighbours", "population")
SIMILAR_POPULATION_PEERS = 5


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def format_value(t: Translator, metric: Metric, value: Any) -> str:
    """The value as users read it, in their language."""
    if _missing(value):
        return t("overview.no_data")
    if metric.kind == "count":
        return t.num(value)
    if metric.kind == "rate":
        return t.num(value, 1)
    if metric.kind == "kzt":
        return t.kzt(value, compact=False)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{t.num(abs(value), 2)}"


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


def ranks(values: pd.Series) -> pd.Series:
    """Rank 1 = highest; ties share the better rank; missing values get no rank."""
    return values.rank(ascending=False, method="min").astype("Int64")


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
    rank: int | None  # among the region and its peers
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
        m = METRIC_BY_CODE[code]
        value = _num(own[m.column].iloc[0]) if not own.empty else None
        national = _num(metrics[m.column].median())
        peer_median = _num(peer_rows[m.column].median()) if not peer_rows.empty else None
        valued = group.dropna(subset=[m.column])
        rank = None
        if value is not None:
            rank = int((valued[m.column] > value).sum()) + 1
        gap = None
        if value is not None and peer_median not in (None, 0.0):
            gap = (value - peer_median) / abs(peer_median)
        out.append(PeerRow(m, value, national, peer_median, rank, len(valued), gap))
    return out
