"""What the store holds nothing of, and how to fill it: the notes every page shows in place of a
chart or table that would be empty (a store built by ``init`` without ``--demo`` holds reference
data only: regions, populations, sectors, indicator definitions, the programme's facts).

Pure: the ``store_contents`` row in, the empty kinds of data and their notes (in the reader's
language) out. Which viewer may fill what comes in as ``importable`` (the import page's tables
this viewer's role may write, ``ui.imports.tables_for``), so a note links to the import page
only for someone who may use it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from creative_dash.i18n import Translator
from creative_dash.metrics import METRIC_BY_CODE, Metric

# The kinds of data a page draws, in the order their notes are shown. ``programme``: the
# programme's sessions, participants and self-assessments (no import or edit mode takes them).
KINDS: tuple[str, ...] = (
    "initiatives",
    "hubs",
    "programme",
    "recommendations",
    "indicators",
    "population",
)
# Kinds the import page takes (``imports.spec.TABLES`` names): the note links to it.
IMPORTED: frozenset[str] = frozenset(
    {"initiatives", "hubs", "recommendations", "indicators", "population"}
)
# Kinds a region editor may add in edit mode, and the page whose edit mode does it
# (recommendations are not added there: only their follow-up is edited).
EDITED_ON: Mapping[str, str] = {"initiatives": "initiatives", "hubs": "hubs"}
# A metric's source (``metrics.SOURCES``) -> the kind of data it counts.
SOURCE_KIND: Mapping[str, str] = {
    "started": "initiatives",
    "active": "initiatives",
    "hubs": "hubs",
    "participants": "programme",
    "assessments": "programme",
    "indicators": "indicators",
}

# The live page's scenes (``live.scenes.SCENES``) -> the kind of data their chart draws; ``None``:
# the scene's metric parameter decides (``metric_kind``); a poll needs no store data.
SCENE_KIND: Mapping[str, str | None] = {
    "poll": "",
    "ranking": None,
    "national_map": None,
    "per_year": "initiatives",
    "status_by_year": "initiatives",
    "budget_by_region": "initiatives",
    "jobs_per_million": "initiatives",
    "sector_mix": "initiatives",
    "funding_mix": "initiatives",
    "sdg_goals": "initiatives",
    "participation": "programme",
    "competency_gains": "programme",
    "satisfaction": "programme",
    "recommendations": "recommendations",
    "hub_map": "hubs",
}


def empty_kinds(contents: Mapping[str, Any] | pd.Series) -> frozenset[str]:
    """The kinds of data the store holds nothing of (``population``: some region has no
    population figure) from a ``store_contents`` row."""
    empty = {k for k in ("initiatives", "hubs", "recommendations", "indicators") if not contents[k]}
    if not (contents["programme_sessions"] or contents["participants"] or contents["assessments"]):
        empty.add("programme")
    if int(contents["regions_with_population"]) < int(contents["regions"]):
        empty.add("population")
    return frozenset(empty)


def reference_only(empty: Collection[str]) -> bool:
    """Whether the store holds reference data only: no initiative, hub, programme record,
    recommendation or indicator."""
    return {"initiatives", "hubs", "programme", "recommendations", "indicators"} <= set(empty)


def metric_kind(metric: Metric) -> str:
    """The kind of data ``metric`` counts (a derived metric: that of the first it derives from)."""
    while metric.source is None:
        metric = METRIC_BY_CODE[metric.of[0]]
    return SOURCE_KIND[metric.source]


def metric_empty(metric: Metric, empty: Collection[str]) -> bool:
    """Whether ``metric`` counts rows of a kind the store holds nothing of (its chart would be
    empty)."""
    return metric_kind(metric) in empty


def all_empty(metrics: Iterable[Metric], empty: Collection[str]) -> bool:
    return all(metric_empty(m, empty) for m in metrics)


def scene_empty(scene: str, params: Mapping[str, str], empty: Collection[str]) -> str | None:
    """The kind of data the live scene ``scene`` (with ``params``) would draw from and the store
    holds nothing of (its slide says so in place of an empty chart), else None."""
    kind = SCENE_KIND.get(scene, "")
    if kind is None:
        code = params.get("metric")
        kind = metric_kind(METRIC_BY_CODE[code]) if code in METRIC_BY_CODE else ""
    return kind if kind and kind in empty else None


@dataclass(frozen=True)
class Note:
    """What is empty and how to fill it. ``link``: show the link to the import page (the viewer
    may import this kind)."""

    kind: str
    text: str
    link: bool


def note(
    t: Translator,
    kind: str,
    *,
    importable: Collection[str] = (),
    page: str | None = None,
    missing: int = 0,
) -> Note:
    """The note of one empty ``kind``: what is missing, who fills it and how (the import page,
    the command line, edit mode where there is one, on ``page`` itself said so).
    ``missing``: for ``population``, how many regions have no figure."""
    what = t(f"empty.{kind}", n=missing) if kind == "population" else t(f"empty.{kind}")
    parts = [what, t(f"empty.{kind}_how")]
    if kind in EDITED_ON:
        on = EDITED_ON[kind]
        parts.append(
            t("empty.edit_here") if on == page else t("empty.edit_on", page=t(f"nav.{on}"))
        )
    return Note(kind, " ".join(parts), kind in IMPORTED and kind in importable)


def notes(
    t: Translator,
    empty: Collection[str],
    kinds: Iterable[str] = KINDS,
    *,
    importable: Collection[str] = (),
    page: str | None = None,
    missing_population: int = 0,
) -> list[Note]:
    """The notes of those of ``kinds`` that are ``empty``, in :data:`KINDS` order."""
    wanted = set(kinds)
    return [
        note(t, k, importable=importable, page=page, missing=missing_population)
        for k in KINDS
        if k in wanted and k in empty
    ]


def plain(text: str) -> str:
    """A note's text without its Markdown marks (for paper)."""
    return text.replace("**", "").replace("`", "")


def badge_help(t: Translator, empty: Collection[str]) -> str:
    """The sidebar's "reference data only" badge: what the store holds and what it does not."""
    names = ", ".join(t(f"empty.kind.{k}") for k in KINDS if k in empty and k != "population")
    return t("empty.badge_help", missing=names)
