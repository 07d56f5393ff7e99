"""Queries of the live session: polls, their results, decks, and the scenes' own aggregates.

Names start with ``live_`` so they cannot collide with the other pages' queries in the registry.
"""

from __future__ import annotations

import pandas as pd

from creative_dash import vocab
from creative_dash.filters import INITIATIVES, NO_FILTERS, Filters, where
from creative_dash.metrics import LIVE_METRICS, METRIC_BY_CODE
from creative_dash.queries.metric_sql import metrics_sql, used_params
from creative_dash.queries.overview import _conditions
from creative_dash.queries.registry import query
from creative_dash.store import Store


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


# The presenter's ranking leaves cancelled initiatives out.
RANKED_STATUSES = tuple(s for s in vocab.INITIATIVE_STATUSES if s != "cancelled")


@query
def live_region_ranking(store: Store, metric: str, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """All 20 regions ranked on ``metric`` (a code of ``creative_dash.metrics.LIVE_METRICS``)
    as ``region_metrics`` computes it under ``filters`` (every filter but regions: every region
    is ranked), with the initiatives of every status but cancelled (of the filter's statuses,
    when it has some).

    Columns: iso_code, name_kk, name_ru, name_en, value (NULL where a region has no figure),
    rank (1 = best; ties share a rank; NULL without a value)."""
    if metric not in LIVE_METRICS:
        raise ValueError(f"unknown ranking metric {metric!r}")
    m = METRIC_BY_CODE[metric]
    statuses = tuple(s for s in filters.statuses or RANKED_STATUSES if s in RANKED_STATUSES)
    c = _conditions(filters.everywhere().but(statuses=statuses or RANKED_STATUSES))
    order = "DESC" if m.higher_is_better else "ASC"
    # The metric's code is a catalogue key checked above, the SQL the catalogue's; every value
    # is a bound parameter.
    sql = f"""
        WITH figures AS ({metrics_sql((m.code,), c.sources(), by_region=True)})
        SELECT iso_code, name_kk, name_ru, name_en, {m.code} AS value,
               CASE WHEN {m.code} IS NOT NULL
                    THEN rank() OVER (ORDER BY {m.code} {order} NULLS LAST) END AS rank
        FROM figures ORDER BY rank NULLS LAST, iso_code
        """  # noqa: S608
    return store.query(sql, used_params(sql, c.params))


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
