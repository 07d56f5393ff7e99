"""The coded values the store holds, in display order: one definition for the schema's
comments, the demo generator, queries, charts and the catalogues' ``[group]`` tables.

``tests/unit/test_vocab.py`` checks that every code has a translation in every language.
"""

from __future__ import annotations

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
