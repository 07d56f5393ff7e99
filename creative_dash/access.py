"""Who may change what: roles, what each may write, and the decision the write gateway applies.

Pure: no store, no Streamlit. The gateway (:mod:`creative_dash.store.gateway`) reads the acting
user and the row's region from the store and asks :func:`decide`; nothing here trusts a value a
browser could send.

Roles (a user has exactly one; the role and region live in the store's ``users`` table):

- no sign-in (a viewer): reads everything, writes nothing; voting on a poll with a server-issued
  voter token is the only anonymous write, and it does not go through the gateway;
- ``region_editor``: bound to exactly one region (ISO 3166-2:KZ code, e.g. ``KZ-10`` Abai); may
  insert, update and delete that region's initiatives and hubs (and their sector and SDG links)
  and the region's programme records (participants and their self-assessments), and update the
  follow-up of its recommendations (``status``, ``follow_up_date`` -- its due date --,
  ``follow_up_note`` and ``responsible_body``) -- nothing else;
- ``presenter``: the live page's writes: create, open, close and delete polls, save and delete
  decks;
- ``admin`` (the ministry): everything writable, in every region, imports, users and roles.

System actors are not users: :data:`SYSTEM` (reference and demo loads, migrations, password
re-hashing) and :data:`CLI` (``python -m creative_dash users ...``, run by whoever may run
commands on the server) act with admin rights. They are :class:`SystemActor` objects, never
strings, so no user id a page holds can be mistaken for one.

Nobody, not even an admin or a system actor, writes ``audit_log`` through the app.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REGION_EDITOR = "region_editor"
PRESENTER = "presenter"
ADMIN = "admin"
ROLES: tuple[str, ...] = (REGION_EDITOR, PRESENTER, ADMIN)

INSERT, UPDATE, DELETE, LOAD = "insert", "update", "delete", "load"
ACTIONS: tuple[str, ...] = (INSERT, UPDATE, DELETE, LOAD)
ROW_ACTIONS = (INSERT, UPDATE, DELETE)
REFUSED = "refused"  # the audit action of a refused write

# Columns every writer stamps on a row it changes; changing them is part of any allowed update.
# ``import_id``: the import that last wrote the row (migration 007).
BOOKKEEPING = frozenset({"updated_at", "updated_by", "version", "import_id"})


@dataclass(frozen=True)
class SystemActor:
    """The server itself acting (loads, migrations, the command line), with admin rights."""

    name: str

    def __str__(self) -> str:
        return self.name


SYSTEM = SystemActor("system")
CLI = SystemActor("cli")
SYSTEM_ACTORS = (SYSTEM, CLI)


@dataclass(frozen=True)
class Actor:
    """The acting user as the store holds it at the moment of a write."""

    user_id: str
    role: str
    region_iso: str | None = None
    disabled: bool = False


def actor_of(system: SystemActor) -> Actor:
    return Actor(user_id=system.name, role=ADMIN)


@dataclass(frozen=True)
class RegionOf:
    """How to find a row's region in the store: a column of the row itself, or the region
    column of a parent row the row points to (``via`` = (parent table, the shared key column))."""

    column: str = "region_iso"
    via: tuple[str, str] | None = None


@dataclass(frozen=True)
class TableRule:
    """What may be written to one table, and by whom.

    ``writers``: role -> actions it may take. ``region``: how rows are bound to a region (a
    region editor may only touch rows of their own region, before and after the write).
    ``editor_columns``: when set, the only columns (besides :data:`BOOKKEEPING`) a region editor
    may change on update. ``secret_columns`` are written to the audit log as ``"<changed>"`` /
    ``"<set>"``, never in clear."""

    table: str
    key: tuple[str, ...]
    writers: Mapping[str, frozenset[str]]
    region: RegionOf | None = None
    editor_columns: frozenset[str] | None = None
    secret_columns: frozenset[str] = frozenset()


def _rule(
    table: str,
    key: str | tuple[str, ...],
    *,
    editor: Iterable[str] = (),
    presenter: Iterable[str] = (),
    admin: Iterable[str] = (*ROW_ACTIONS, LOAD),
    region: RegionOf | None = None,
    editor_columns: Iterable[str] | None = None,
    secret_columns: Iterable[str] = (),
) -> TableRule:
    writers = {REGION_EDITOR: frozenset(editor), PRESENTER: frozenset(presenter)}
    writers[ADMIN] = frozenset(admin)
    return TableRule(
        table=table,
        key=(key,) if isinstance(key, str) else key,
        writers=writers,
        region=region,
        editor_columns=None if editor_columns is None else frozenset(editor_columns),
        secret_columns=frozenset(secret_columns),
    )


_OWN = RegionOf()
_EDIT = ROW_ACTIONS  # a region editor's rights on their region's rows
_LIVE = ROW_ACTIONS  # a presenter's rights on polls and decks

# table -> rule. A table missing here cannot be written through the gateway at all.
RULES: dict[str, TableRule] = {
    r.table: r
    for r in (
        # the region's own records
        _rule("initiatives", "initiative_id", editor=_EDIT, region=_OWN),
        _rule(
            "initiative_sectors",
            ("initiative_id", "sector_code"),
            editor=_EDIT,
            region=RegionOf(via=("initiatives", "initiative_id")),
        ),
        _rule(
            "initiative_sdgs",
            ("initiative_id", "sdg"),
            editor=_EDIT,
            region=RegionOf(via=("initiatives", "initiative_id")),
        ),
        _rule("hubs", "hub_id", editor=_EDIT, region=_OWN),
        _rule(
            "hub_sectors",
            ("hub_id", "sector_code"),
            editor=_EDIT,
            region=RegionOf(via=("hubs", "hub_id")),
        ),
        _rule("participants", "participant_id", editor=_EDIT, region=_OWN),
        _rule(
            "assessments",
            ("participant_id", "competency", "phase"),
            editor=_EDIT,
            region=RegionOf(via=("participants", "participant_id")),
        ),
        # recommendations: a region editor follows them up, the ministry owns their text
        _rule(
            "recommendations",
            "recommendation_id",
            editor=(UPDATE,),
            region=_OWN,
            editor_columns=("status", "follow_up_date", "follow_up_note", "responsible_body"),
        ),
        # the live page
        _rule("polls", "poll_id", presenter=_LIVE),
        _rule("decks", "deck_id", presenter=_LIVE),
        # the ministry's: national statistics, the programme, reference data, accounts
        _rule("indicators", ("region_iso", "year", "indicator_code")),
        _rule("programmes", "programme_id"),
        _rule("programme_sessions", "session_id"),
        _rule("regions", "iso_code"),
        _rule("region_population", ("iso_code", "as_of")),
        _rule("region_neighbours", ("iso_code", "neighbour_iso_code")),
        _rule("sectors", "code"),
        _rule("competencies", "code"),
        _rule("indicator_defs", "code"),
        _rule("dataset_loads", ("dataset", "loaded_at"), admin=(INSERT, LOAD)),
        # accounts are disabled, never deleted: audit rows name them
        _rule("users", "user_id", admin=(INSERT, UPDATE), secret_columns=("password_hash",)),
    )
}

# Tables the app never writes through the gateway, with the reason refused callers get.
APPEND_ONLY = frozenset({"audit_log"})


class AccessDenied(PermissionError):
    """A refused write. ``key`` names the message ``access.denied.<key>`` (kk/ru/en)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    @property
    def message_key(self) -> str:
        return f"access.denied.{self.key}"

    def message(self, t: Any) -> str:
        """The refusal in the reader's language (``t`` is a :class:`~creative_dash.i18n.Translator`)."""
        return t(self.message_key)


# The reasons decide() gives; each is a message access.denied.<reason> in every language.
REASONS: tuple[str, ...] = (
    "sign_in",  # no user (anonymous, or a user id the store does not know)
    "disabled",  # the account is disabled
    "role",  # the role may not take this action on this table
    "region",  # the row belongs (or would belong) to another region, or to none
    "columns",  # a region editor changed columns beyond their rights
    "audit_log",  # the audit log is append-only
    "table",  # the table cannot be written through the app
    # given by the gateway, not by decide():
    "transition",  # a follow-up status may not go from its old value to the new one
    "stale",  # the row changed since the writer read it (see gateway.StaleRow)
)


def decide(
    actor: Actor | None,
    table: str,
    action: str,
    *,
    region_before: str | None = None,
    region_after: str | None = None,
    row_before: bool = False,
    row_after: bool = False,
    changed: Iterable[str] = (),
) -> str | None:
    """Why ``actor`` may not take ``action`` on a row of ``table`` -- a reason of
    :data:`REASONS` -- or None when the write is allowed.

    ``row_before`` / ``row_after``: whether the row exists before / after the write, with its
    region (as read from the store) in ``region_before`` / ``region_after``. ``changed``: the
    columns whose values the write changed. The gateway asks twice: before the write (nothing
    after it known yet) and after it, before committing."""
    if table in APPEND_ONLY:
        return "audit_log"
    rule = RULES.get(table)
    if rule is None or action not in ACTIONS:
        return "table"
    if actor is None:
        return "sign_in"
    if actor.disabled:
        return "disabled"
    if action not in rule.writers.get(actor.role, frozenset()):
        return "role"
    if actor.role != REGION_EDITOR:
        return None
    # A region editor: every row touched must be of their region, before and after the write.
    if action == LOAD or rule.region is None or not actor.region_iso:
        return "role"
    for exists, region in ((row_before, region_before), (row_after, region_after)):
        if exists and region != actor.region_iso:
            return "region"
    if rule.editor_columns is not None and action == UPDATE:
        if set(changed) - rule.editor_columns - BOOKKEEPING:
            return "columns"
    return None


def may_write(actor: Actor | None, table: str, action: str) -> bool:
    """Whether the actor's role may take ``action`` on some row of ``table`` (for a UI that hides
    what cannot be done; the gateway still decides each write on its row)."""
    reason = decide(actor, table, action)
    return reason is None


def writable_regions(actor: Actor | None, all_regions: Iterable[str]) -> list[str]:
    """The regions whose rows the actor may edit (all for an admin, one for a region editor)."""
    if actor is None or actor.disabled:
        return []
    if actor.role == ADMIN:
        return list(all_regions)
    if actor.role == REGION_EDITOR and actor.region_iso:
        return [r for r in all_regions if r == actor.region_iso]
    return []
