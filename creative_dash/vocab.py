"""The coded values the store holds, in display order: one definition for the schema's
comments, the demo generator, queries, charts and the catalogues' ``[group]`` tables.

``tests/unit/test_vocab.py`` checks that every code has a translation in every language.
"""

from __future__ import annotations

from typing import NamedTuple

# initiatives.status: proposed -> approved -> in_progress -> completed, or cancelled
INITIATIVE_STATUSES: tuple[str, ...] = (
    "proposed",
    "approved",
    "in_progress",
    "completed",
    "cancelled",
)
# initiative_sdgs.sdg: the UN Sustainable Development Goals, by number
SDGS: tuple[int, ...] = tuple(range(1, 18))
# initiatives.funding_source
FUNDING_SOURCES: tuple[str, ...] = ("republican", "local", "private", "impact", "grant")
# hubs.hub_type, hubs.status
HUB_TYPES: tuple[str, ...] = ("cluster", "makerspace", "art_centre", "incubator", "cultural_centre")
HUB_STATUSES: tuple[str, ...] = ("operating", "planned", "closed")
# participants.role, programme_sessions.kind
ROLES: tuple[str, ...] = ("head_of_department", "deputy", "specialist", "akimat_advisor")
SESSION_KINDS: tuple[str, ...] = (
    "strategic_session",
    "project_work",
    "workshop",
    "knowledge_sharing",
)
# recommendations.category, .status, .responsible_body
REC_CATEGORIES: tuple[str, ...] = (
    "financing",
    "tax",
    "infrastructure",
    "education",
    "regulation",
    "export",
    "ip_rights",
)
REC_STATUSES: tuple[str, ...] = ("proposed", "accepted", "in_progress", "implemented", "rejected")
CLOSED_REC_STATUSES: tuple[str, ...] = ("implemented", "rejected")
BODIES: tuple[str, ...] = ("ministry", "akimat", "parliament", "development_institution")
# The follow-up of a recommendation: proposed -> accepted -> in progress -> implemented (done),
# or rejected from any open step; the closed steps lead nowhere. Staying put is always allowed.
REC_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "proposed": ("accepted", "rejected"),
    "accepted": ("in_progress", "rejected"),
    "in_progress": ("implemented", "rejected"),
    "implemented": (),
    "rejected": (),
}

# catalogue group (locales/*/common.toml) -> the codes it must translate
GROUPS: dict[str, tuple[str, ...]] = {
    "status": INITIATIVE_STATUSES,
    "funding": FUNDING_SOURCES,
    "hub_type": HUB_TYPES,
    "hub_status": HUB_STATUSES,
    "role": ROLES,
    "session_kind": SESSION_KINDS,
    "rec_category": REC_CATEGORIES,
    "rec_status": REC_STATUSES,
    "body": BODIES,
}

# -- what the store itself enforces (migration 005_constraints) --------------------------------
# The store refuses any other value, whatever path it comes by (a page, an import, hand-run
# SQL): CHECK constraints and foreign keys in creative_dash/store/schema/. The tests
# (tests/unit/test_constraints.py) check that the store's constraints hold exactly these: a code
# added here needs a migration that rebuilds its table (creative_dash.store.rebuild), and the
# other way round.

# regions.kind (reference data), sectors.unctad_group, assessments.phase,
# recommendations.text_lang, indicator_defs.unit
REGION_KINDS: tuple[str, ...] = ("oblast", "city")
UNCTAD_GROUPS: tuple[str, ...] = ("heritage", "arts", "media", "functional_creations")
PHASES: tuple[str, ...] = ("pre", "post")
TEXT_LANGS: tuple[str, ...] = ("kk", "ru", "en")
INDICATOR_UNITS: tuple[str, ...] = ("persons", "enterprises", "mln_kzt")
# region_population.status: official = an exact figure published by the Bureau of National
# Statistics (BNS), whatever its date (the date is shown beside it); estimate = a rounded or
# derived figure (reported in thousands, a sum of parts); unverified = not traced to the BNS.
POPULATION_STATUSES: tuple[str, ...] = ("official", "estimate", "unverified")
# region_population.origin: who put the row there. A reload of the reference CSV replaces only
# 'reference' rows; rows of an import or an edit are never touched by it.
ORIGINS: tuple[str, ...] = ("reference", "import", "edit")
REFERENCE, IMPORT, EDIT = ORIGINS
GROUPS["pop_status"] = POPULATION_STATUSES
# polls.kind, polls.status (the live page; creative_dash.live.model holds the same tuples)
POLL_KINDS: tuple[str, ...] = ("choice", "rating", "region")
POLL_STATUSES: tuple[str, ...] = ("draft", "open", "closed")
# users.role (creative_dash.access.ROLES, repeated here so the store's sets are in one place)
ACCOUNT_ROLES: tuple[str, ...] = ("region_editor", "presenter", "admin")

# (table, column) -> the codes the store accepts there (NULL is allowed where the column is
# nullable).
ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {
    ("initiatives", "status"): INITIATIVE_STATUSES,
    ("initiatives", "funding_source"): FUNDING_SOURCES,
    ("hubs", "hub_type"): HUB_TYPES,
    ("hubs", "status"): HUB_STATUSES,
    ("participants", "role"): ROLES,
    ("programme_sessions", "kind"): SESSION_KINDS,
    ("recommendations", "category"): REC_CATEGORIES,
    ("recommendations", "status"): REC_STATUSES,
    ("recommendations", "responsible_body"): BODIES,
    ("recommendations", "text_lang"): TEXT_LANGS,
    ("assessments", "phase"): PHASES,
    ("sectors", "unctad_group"): UNCTAD_GROUPS,
    ("indicator_defs", "unit"): INDICATOR_UNITS,
    ("region_population", "status"): POPULATION_STATUSES,
    ("region_population", "origin"): ORIGINS,
    ("polls", "kind"): POLL_KINDS,
    ("polls", "status"): POLL_STATUSES,
    ("users", "role"): ACCOUNT_ROLES,
}


class Range(NamedTuple):
    """Inclusive bounds of a number column; None: unbounded on that side."""

    low: float | None
    high: float | None


NON_NEGATIVE = Range(0, None)
# (table, column) -> the range the store accepts (NULL is allowed where the column is nullable)
RANGES: dict[tuple[str, str], Range] = {
    ("assessments", "score"): Range(1, 10),
    ("participants", "satisfaction"): Range(1, 5),
    ("participants", "days_attended"): NON_NEGATIVE,
    ("initiative_sdgs", "sdg"): Range(1, 17),
    ("initiatives", "budget_planned_kzt"): NON_NEGATIVE,
    ("initiatives", "budget_spent_kzt"): NON_NEGATIVE,
    ("initiatives", "jobs_created"): NON_NEGATIVE,
    ("initiatives", "beneficiaries_youth"): NON_NEGATIVE,
    ("initiatives", "beneficiaries_women"): NON_NEGATIVE,
    ("hubs", "floor_area_m2"): NON_NEGATIVE,
    ("hubs", "residents"): NON_NEGATIVE,
    # Kazakhstan lies within 40.5-55.5 N, 46.5-87.4 E: a point outside these is a typo
    ("hubs", "lat"): Range(40, 56),
    ("hubs", "lon"): Range(46, 88),
    ("region_population", "population"): NON_NEGATIVE,
    ("indicators", "value"): NON_NEGATIVE,
    ("indicators", "year"): Range(1991, 2100),
}

# table -> (start column, end column): the end is on or after the start (or NULL: open-ended)
DATE_ORDER: dict[str, tuple[str, str]] = {
    "initiatives": ("start_date", "end_date"),
    "programmes": ("start_date", "end_date"),
}

# (table, column) -> (table, key column) its values must be found in (a foreign key; NULL is
# allowed where the column is nullable). Only reference tables are pointed to: DuckDB cannot
# delete a parent row in the transaction that deleted its children, which the app's own tables
# (initiatives, hubs, participants) need.
REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("region_population", "iso_code"): ("regions", "iso_code"),
    ("hubs", "region_iso"): ("regions", "iso_code"),
    ("hub_sectors", "sector_code"): ("sectors", "code"),
    ("programme_sessions", "programme_id"): ("programmes", "programme_id"),
    ("participants", "programme_id"): ("programmes", "programme_id"),
    ("participants", "region_iso"): ("regions", "iso_code"),
    ("assessments", "competency"): ("competencies", "code"),
    ("recommendations", "programme_id"): ("programmes", "programme_id"),
    ("recommendations", "region_iso"): ("regions", "iso_code"),
    ("initiatives", "region_iso"): ("regions", "iso_code"),
    ("initiatives", "sector_code"): ("sectors", "code"),
    ("initiatives", "programme_id"): ("programmes", "programme_id"),
    ("initiative_sectors", "sector_code"): ("sectors", "code"),
    ("indicators", "region_iso"): ("regions", "iso_code"),
    ("indicators", "indicator_code"): ("indicator_defs", "code"),
    ("users", "region_iso"): ("regions", "iso_code"),
}
