"""Tables and texts of the region dashboard: the region against its peers, its recommendations.

Pure functions (frames in, frames or strings out), no Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import pandas as pd

from creative_dash.i18n import Translator
from creative_dash.metrics import METRIC_BY_CODE, PEER_METRICS, PeerRow, format_value, rank_words
from creative_dash.text import inert
from creative_dash.views.cards import Card
from creative_dash.views.empty import all_empty

# What an ISO 3166-2:KZ code looks like; anything else from the URL is not echoed back.
_CODE_RE = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")


def safe_code(raw: str | None) -> str:
    """The requested code if it looks like one (to quote it in a message), else '?'."""
    return raw if raw and _CODE_RE.match(raw) else "?"


def gap_text(t: Translator, row: PeerRow) -> str:
    return "—" if row.gap is None else t.signed_pct(row.gap)


def rank_text(t: Translator, row: PeerRow, noun: str) -> str:
    return "—" if row.rank is None else rank_words(t, row.rank, row.group_size, noun)


def comparison_table(t: Translator, rows: Sequence[PeerRow], noun: str) -> pd.DataFrame:
    """One line per metric: the region, the national median, the peers' median, the rank among
    the peers and the gap to their median, headers and values in the UI language."""
    return pd.DataFrame(
        {
            t("region.col_metric"): [r.metric.label(t) for r in rows],
            t("region.col_region"): [format_value(t, r.metric, r.value) for r in rows],
            t("region.col_national"): [format_value(t, r.metric, r.national_median) for r in rows],
            t("region.col_peers"): [format_value(t, r.metric, r.peer_median) for r in rows],
            t("region.col_rank"): [rank_text(t, r, noun) for r in rows],
            t("region.col_gap"): [gap_text(t, r) for r in rows],
        }
    )


def recommendations_table(t: Translator, recs: pd.DataFrame) -> pd.DataFrame:
    """The ``region_recommendations`` rows as users read them (texts stay in the language the
    region wrote them in)."""
    return pd.DataFrame(
        {
            t("region.col_category"): [t.enum("rec_category", c) for c in recs["category"]],
            t("region.col_text"): recs["text"].tolist(),
            t("region.col_status"): [t.enum("rec_status", s) for s in recs["status"]],
            t("region.col_body"): [t.enum("body", b) for b in recs["responsible_body"]],
            t("region.col_follow_up"): [
                t.date(d) if not pd.isna(d) else "—" for d in recs["follow_up_date"]
            ],
            t("region.col_overdue"): [
                t("region.days_overdue", n=t.num(n)) if late else ""
                for late, n in zip(recs["is_overdue"], recs["days_overdue"], strict=True)
            ],
            t("region.col_note"): ["" if pd.isna(v) else str(v) for v in recs["follow_up_note"]],
        }
    )


def overdue_note(t: Translator, recs: pd.DataFrame) -> str | None:
    """How many of the region's recommendations are overdue (None: none is)."""
    n = int(recs["is_overdue"].sum()) if "is_overdue" in recs else 0
    return t("region.overdue", n=t.num(n)) if n else None


def peers_empty(empty: Collection[str]) -> bool:
    """Whether every figure the region is compared on counts a kind of data the store holds
    nothing of (``views.empty``): then there is no comparison to show."""
    return all_empty((METRIC_BY_CODE[c] for c in PEER_METRICS), empty)


def peers_caption(t: Translator, group: str, peers: Sequence[str], names: dict[str, str]) -> str:
    """'Peers: A, B, C' (or why there are none)."""
    if not peers:
        return t("region.peers_none")
    listed = ", ".join(inert(n) for n in sorted(names.get(c, c) for c in peers))
    return t(f"region.peers_caption.{group}", n=len(peers), names=listed)


def training_cards(t: Translator, training: Mapping[str, Any]) -> list[Card]:
    """The region's part in the programmes of the period (a ``region_training`` row)."""
    implemented = t.num(training["implemented"])
    return [
        Card(t("region.participants"), t.num(training["participants"])),
        Card(t("region.days"), t.num(training["days_attended"], 1)),
        Card(
            t("region.satisfaction"),
            t.num(training["satisfaction"], 1),
            t("region.satisfaction_help"),
        ),
        Card(
            t("region.recommendations"),
            t.num(training["recommendations"]),
            t("region.recommendations_help", implemented=implemented),
        ),
    ]
