"""Queries of the live session: polls, their results, decks, and the scenes' own aggregates.

Names start with ``live_`` so they cannot collide with the other pages' queries in the registry.
"""

from __future__ import annotations

import pandas as pd

from creative_dash.filters import INITIATIVES, NO_FILTERS, Filters, where
from creative_dash.queries.registry import query
from creative_dash.store import Store

# Ranking metrics: the SQL of each is chosen from this allow-list, never built from input.
# ``per_100k`` metrics divide by the region's latest population (region_population_latest).
RANKING_METRICS: dict[str, str] = {
    "initiatives": "count(i.initiative_id)",
    "jobs": "coalesce(sum(i.jobs_created), 0)",
    "budget_spent": "coalesce(sum(i.budget_spent_kzt), 0)",
    "youth": "coalesce(sum(i.beneficiaries_youth), 0)",
    "women": "coalesce(sum(i.beneficiaries_women), 0)",
    "jobs_per_100k": "coalesce(sum(i.jobs_created), 0) * 100000.0 / nullif(any_value(p.population), 0)",
    "initiatives_per_100k": "count(i.initiative_id) * 100000.0 / nullif(any_value(p.population), 0)",
}


@query
def live_polls(store: Store) -> pd.DataFrame:
    """Every poll, newest first.

    Columns: poll_id, kind, question_kk, question_ru, question_en, options_json, status,
    created_at, opened_at, closed_at, votes (number of devices that voted)."""
    return store.query(
        """
        SELECT p.poll_id, p.kind, p.question_kk, p.question_ru, p.question_en, p.options_json,
               p.status, p.created_at, p.opened_at, p.closed_at,
               (SELECT count(*) FROM votes v WHERE v.poll_id = p.poll_id) AS votes
        FROM polls p ORDER BY p.created_at DESC, p.poll_id
        """
    )


@query
def live_poll(store: Store, poll_id: str) -> pd.DataFrame:
    """The poll ``poll_id`` (no row when unknown). Columns as :func:`live_polls`."""
    return store.query(
        """
        SELECT p.poll_id, p.kind, p.question_kk, p.question_ru, p.question_en, p.options_json,
               p.status, p.created_at, p.opened_at, p.closed_at,
               (SELECT count(*) FROM votes v WHERE v.poll_id = p.poll_id) AS votes
        FROM polls p WHERE p.poll_id = $poll_id
        """,
        {"poll_id": poll_id},
    )


@query
def live_poll_results(store: Store, poll_id: str) -> pd.DataFrame:
    """Votes per answer of one poll (answers nobody chose are absent).

    Columns: answer (option index, rating or region code, as stored), votes."""
    return store.query(
        "SELECT answer, count(*) AS votes FROM votes WHERE poll_id = $poll_id "
        "GROUP BY answer ORDER BY answer",
        {"poll_id": poll_id},
    )


@query
def live_voter_answer(store: Store, poll_id: str, voter_token: str) -> pd.DataFrame:
    """This device's current answer (no row before it voted). Columns: answer, voted_at."""
    return store.query(
        "SELECT answer, voted_at FROM votes WHERE poll_id = $poll_id AND voter_token = $token",
        {"poll_id": poll_id, "token": voter_token},
    )


@query
def live_decks(store: Store) -> pd.DataFrame:
    """Saved decks, most recently changed first.

    Columns: deck_id, title, scenes_json, updated_at, updated_by, version."""
    return store.query(
        "SELECT deck_id, title, scenes_json, updated_at, updated_by, version FROM decks "
        "ORDER BY updated_at DESC, deck_id"
    )


@query
def live_deck(store: Store, deck_id: str) -> pd.DataFrame:
    """The deck ``deck_id`` (no row when unknown). Columns as :func:`live_decks`."""
    return store.query(
        "SELECT deck_id, title, scenes_json, updated_at, updated_by, version FROM decks "
        "WHERE deck_id = $deck_id",
        {"deck_id": deck_id},
    )


@query
def live_region_ranking(store: Store, metric: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """All 20 regions ranked on ``metric`` (a key of RANKING_METRICS) over the initiatives that
    pass the filters (started in the period; every filter on initiatives but regions: every
    region is ranked); cancelled initiatives are left out.

    Columns: iso_code, name_kk, name_ru, name_en, value (0 when a region has none), rank
    (1 = highest; ties share a rank)."""
    if metric not in RANKING_METRICS:
        raise ValueError(f"unknown ranking metric {metric!r}")
    expr = RANKING_METRICS[metric]
    w = where(filters.everywhere(), INITIATIVES, "i.status <> 'cancelled'")
    # The expression is one of the literals above; the conditions come from the filter builder
    # (in the join, so a region without initiatives is still listed); every value is bound.
    return store.query(
        f"""
        WITH agg AS (
            SELECT r.iso_code, r.name_kk, r.name_ru, r.name_en,
                   coalesce({expr}, 0) AS value
            FROM regions r
            LEFT JOIN region_population_latest p ON p.iso_code = r.iso_code
            LEFT JOIN initiatives i
                   ON i.region_iso = r.iso_code AND {w.sql}
            GROUP BY r.iso_code, r.name_kk, r.name_ru, r.name_en
        )
        SELECT *, rank() OVER (ORDER BY value DESC) AS rank
        FROM agg ORDER BY rank, iso_code
        """,  # noqa: S608
        dict(w.params),
    )


@query
def live_initiatives_per_year(store: Store, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """Initiatives started each year that pass the filters (e.g. one region's).

    Columns: year, initiatives, completed (of them, completed by now), jobs (jobs created)."""
    w = where(filters, INITIATIVES)
    return store.query(
        f"""
        SELECT year(i.start_date) AS year, count(*) AS initiatives,
               count(*) FILTER (WHERE i.status = 'completed') AS completed,
               coalesce(sum(i.jobs_created), 0) AS jobs
        FROM initiatives i
        WHERE {w.sql}
        GROUP BY 1 ORDER BY 1
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        dict(w.params),
    )
