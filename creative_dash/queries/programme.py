"""The training programme and what came of it: sessions, participation, self-assessed
competencies, satisfaction, recommendations on state support measures, and the initiatives that
came out of the programme.

``regions`` filters are optional (``None`` or an empty list: every region). Names come back in
the UI language through a bound ``$lang``. "Today" is always a parameter, so what counts as an
overdue follow-up is the caller's (and a test's) choice, never the clock's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from creative_dash import vocab
from creative_dash.queries.registry import query
from creative_dash.store import Store

DEFAULT_PROGRAMME = "ckz-2025"
REC_STATUSES = vocab.REC_STATUSES
REC_CATEGORIES = vocab.REC_CATEGORIES
# A follow-up is overdue when its date has passed and the recommendation is still open.
CLOSED_REC_STATUSES = vocab.CLOSED_REC_STATUSES
INITIATIVE_STATUSES = vocab.INITIATIVE_STATUSES
TOP_LIMIT_MAX = 50


def _list_or_none(values: Sequence[str] | None) -> list[str] | None:
    """An empty selection means "all": bound as NULL so the SQL skips that filter."""
    return list(values) if values else None


@query
def programme_sessions_agenda(
    store: Store, *, programme_id: str = DEFAULT_PROGRAMME, lang: str = "kk"
) -> pd.DataFrame:
    """The programme's sessions in time order.

    Columns: session_id, day, day_no (1 = first day of the programme), starts_at, kind, title
    (in ``lang``), is_demo."""
    return store.query(
        """
        SELECT s.session_id, s.day,
               CAST(date_diff('day', p.start_date, s.day) + 1 AS INTEGER) AS day_no,
               s.starts_at, s.kind,
               CASE $lang WHEN 'kk' THEN s.title_kk WHEN 'ru' THEN s.title_ru
                          ELSE s.title_en END AS title,
               s.is_demo
        FROM programme_sessions s JOIN programmes p USING (programme_id)
        WHERE s.programme_id = $p
        ORDER BY s.day, s.starts_at, s.session_id
        """,
        {"p": programme_id, "lang": lang},
    )


@query
def participation_by_region(
    store: Store, *, programme_id: str = DEFAULT_PROGRAMME, lang: str = "kk"
) -> pd.DataFrame:
    """Every one of the regions, with 0 where the region sent nobody.

    Columns: region_iso, region_name, participants, heads (heads of department),
    person_days (sum of days attended)."""
    return store.query(
        """
        SELECT r.iso_code AS region_iso,
               CASE $lang WHEN 'kk' THEN r.name_kk WHEN 'ru' THEN r.name_ru
                          ELSE r.name_en END AS region_name,
               count(p.participant_id) AS participants,
               count(p.participant_id) FILTER (WHERE p.role = 'head_of_department') AS heads,
               coalesce(sum(p.days_attended), 0) AS person_days
        FROM regions r
        LEFT JOIN participants p ON p.region_iso = r.iso_code AND p.programme_id = $p
        GROUP BY ALL
        ORDER BY r.iso_code
        """,
        {"p": programme_id, "lang": lang},
    )


@query
def competency_gains(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    lang: str = "kk",
    regions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mean self-assessed score (1–10) before and after, per competency, over participants who
    answered both.

    Columns: competency, competency_name, sort_order, pre_mean, post_mean, gain_mean,
    participants."""
    return store.query(
        """
        WITH pairs AS (
            SELECT a.participant_id, a.competency,
                   max(a.score) FILTER (WHERE a.phase = 'pre') AS pre,
                   max(a.score) FILTER (WHERE a.phase = 'post') AS post
            FROM assessments a JOIN participants p USING (participant_id)
            WHERE p.programme_id = $p
              AND ($regions IS NULL OR list_contains($regions, p.region_iso))
            GROUP BY ALL
        )
        SELECT c.code AS competency,
               CASE $lang WHEN 'kk' THEN c.name_kk WHEN 'ru' THEN c.name_ru
                          ELSE c.name_en END AS competency_name,
               c.sort_order,
               avg(pairs.pre) AS pre_mean, avg(pairs.post) AS post_mean,
               avg(pairs.post - pairs.pre) AS gain_mean,
               count(pairs.participant_id) AS participants
        FROM pairs JOIN competencies c ON c.code = pairs.competency
        WHERE pairs.pre IS NOT NULL AND pairs.post IS NOT NULL
        GROUP BY ALL
        ORDER BY c.sort_order
        """,
        {"p": programme_id, "lang": lang, "regions": _list_or_none(regions)},
    )


@query
def competency_gains_by_region(
    store: Store, *, programme_id: str = DEFAULT_PROGRAMME, lang: str = "kk"
) -> pd.DataFrame:
    """Mean score before and after over all competencies, per region with participants.

    Columns: region_iso, region_name, pre_mean, post_mean, gain_mean, participants."""
    return store.query(
        """
        WITH pairs AS (
            SELECT a.participant_id, p.region_iso, a.competency,
                   max(a.score) FILTER (WHERE a.phase = 'pre') AS pre,
                   max(a.score) FILTER (WHERE a.phase = 'post') AS post
            FROM assessments a JOIN participants p USING (participant_id)
            WHERE p.programme_id = $p
            GROUP BY ALL
        )
        SELECT pairs.region_iso,
               CASE $lang WHEN 'kk' THEN r.name_kk WHEN 'ru' THEN r.name_ru
                          ELSE r.name_en END AS region_name,
               avg(pairs.pre) AS pre_mean, avg(pairs.post) AS post_mean,
               avg(pairs.post - pairs.pre) AS gain_mean,
               count(DISTINCT pairs.participant_id) AS participants
        FROM pairs JOIN regions r ON r.iso_code = pairs.region_iso
        WHERE pairs.pre IS NOT NULL AND pairs.post IS NOT NULL
        GROUP BY ALL
        ORDER BY gain_mean DESC, pairs.region_iso
        """,
        {"p": programme_id, "lang": lang},
    )


@query
def satisfaction_distribution(
    store: Store, *, programme_id: str = DEFAULT_PROGRAMME, regions: Sequence[str] | None = None
) -> pd.DataFrame:
    """Participants per satisfaction score 1–5 (every score present, 0 when nobody gave it),
    then one row with score NULL: those who did not answer.

    Columns: score (Int64, <NA> = not answered), participants."""
    df = store.query(
        """
        WITH p AS (
            SELECT satisfaction FROM participants
            WHERE programme_id = $p AND ($regions IS NULL OR list_contains($regions, region_iso))
        )
        SELECT s.score, (SELECT count(*) FROM p WHERE p.satisfaction = s.score) AS participants,
               0 AS ord
        FROM range(1, 6) s(score)
        UNION ALL
        SELECT NULL, (SELECT count(*) FROM p WHERE p.satisfaction IS NULL), 1
        ORDER BY ord, score
        """,
        {"p": programme_id, "regions": _list_or_none(regions)},
    )
    out = df[["score", "participants"]].reset_index(drop=True)
    out["score"] = out["score"].astype("Int64")
    out["participants"] = out["participants"].astype("int64")
    return out


_REC_FILTER = """
    r.programme_id = $p
    AND ($regions IS NULL OR list_contains($regions, r.region_iso))
    AND ($categories IS NULL OR list_contains($categories, r.category))
    AND ($statuses IS NULL OR list_contains($statuses, r.status))
"""
_OVERDUE = """
    (r.follow_up_date IS NOT NULL AND r.follow_up_date < $today
     AND NOT list_contains($closed, r.status))
"""


@query
def recommendations_by_category(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    regions: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Recommendations per category and status (pairs with none left out), with how many of
    them have an overdue follow-up on ``today`` (default: the database's current date).

    Columns: category, status, recommendations, overdue."""
    return store.query(
        f"""
        SELECT r.category, r.status, count(*) AS recommendations,
               count(*) FILTER (WHERE {_OVERDUE}) AS overdue
        FROM recommendations r
        WHERE {_REC_FILTER}
        GROUP BY ALL ORDER BY r.category, r.status
        """,  # noqa: S608 (constant SQL fragments)
        {
            "p": programme_id,
            "regions": _list_or_none(regions),
            "categories": _list_or_none(categories),
            "statuses": _list_or_none(statuses),
            "today": today or date.today(),
            "closed": list(CLOSED_REC_STATUSES),
        },
    )


@query
def recommendations_list(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    lang: str = "kk",
    regions: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
    today: date | None = None,
) -> pd.DataFrame:
    """Every recommendation, overdue follow-ups first (most overdue first), then by follow-up
    date.

    Columns: recommendation_id, region_iso, region_name, category, text, text_lang, status,
    responsible_body, follow_up_date, is_overdue, days_overdue (0 unless overdue)."""
    return store.query(
        f"""
        SELECT r.recommendation_id, r.region_iso,
               CASE $lang WHEN 'kk' THEN g.name_kk WHEN 'ru' THEN g.name_ru
                          ELSE g.name_en END AS region_name,
               r.category, r.text, r.text_lang, r.status, r.responsible_body, r.follow_up_date,
               {_OVERDUE} AS is_overdue,
               CASE WHEN {_OVERDUE} THEN CAST(date_diff('day', r.follow_up_date, $today) AS INTEGER) ELSE 0 END
                   AS days_overdue
        FROM recommendations r JOIN regions g ON g.iso_code = r.region_iso
        WHERE {_REC_FILTER}
        ORDER BY is_overdue DESC, days_overdue DESC, r.follow_up_date NULLS LAST,
                 r.region_iso, r.recommendation_id
        """,  # noqa: S608 (constant SQL fragments)
        {
            "p": programme_id,
            "lang": lang,
            "regions": _list_or_none(regions),
            "categories": _list_or_none(categories),
            "statuses": _list_or_none(statuses),
            "today": today or date.today(),
            "closed": list(CLOSED_REC_STATUSES),
        },
    )


# The programme's initiatives (148,000 of the 1.5 million in the largest store). The region
# condition is in the SQL only when regions are chosen: a constant fragment, values bound.
_INIT_FILTER = "i.from_programme AND (i.programme_id = $p OR i.programme_id IS NULL)"
_INIT_REGIONS = "list_contains($regions, i.region_iso)"


def _init_where(programme_id: str, regions: Sequence[str] | None) -> tuple[str, dict[str, Any]]:
    """Conditions on initiatives ``i`` (constant fragments) and the values they bind."""
    chosen = _list_or_none(regions)
    if chosen is None:
        return _INIT_FILTER, {"p": programme_id}
    return f"{_INIT_FILTER} AND {_INIT_REGIONS}", {"p": programme_id, "regions": chosen}


@query
def programme_initiatives_by_region(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    lang: str = "kk",
    regions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Initiatives that came out of the programme, per region and status (pairs with none left
    out).

    Columns: region_iso, region_name, status, initiatives, budget_planned_kzt,
    budget_spent_kzt."""
    where, params = _init_where(programme_id, regions)
    return store.query(
        f"""
        SELECT i.region_iso,
               CASE $lang WHEN 'kk' THEN g.name_kk WHEN 'ru' THEN g.name_ru
                          ELSE g.name_en END AS region_name,
               i.status, count(*) AS initiatives,
               sum(i.budget_planned_kzt) AS budget_planned_kzt,
               sum(i.budget_spent_kzt) AS budget_spent_kzt
        FROM initiatives i JOIN regions g ON g.iso_code = i.region_iso
        WHERE {where}
        GROUP BY ALL ORDER BY i.region_iso, i.status
        """,  # noqa: S608 (constant SQL fragments)
        {**params, "lang": lang},
    )


@query
def programme_initiatives_top(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    lang: str = "kk",
    regions: Sequence[str] | None = None,
    limit: int = 10,
) -> pd.DataFrame:
    """The programme's initiatives with the largest planned budget (at most
    ``TOP_LIMIT_MAX``).

    Columns: initiative_id, title, region_iso, region_name, sector_name, status, start_date,
    end_date, budget_planned_kzt, budget_spent_kzt, execution (spent / planned, NULL when
    nothing was planned)."""
    # The top ones are picked on narrow columns first (with a known region and sector, as the
    # joins below require); only they are read again with their titles and names.
    where, params = _init_where(programme_id, regions)
    return store.query(
        f"""
        WITH top AS (
            SELECT i.initiative_id FROM initiatives i
            WHERE {where}
              AND i.region_iso IN (SELECT iso_code FROM regions)
              AND i.sector_code IN (SELECT code FROM sectors)
            ORDER BY i.budget_planned_kzt DESC, i.initiative_id
            LIMIT $limit
        )
        SELECT i.initiative_id, i.title, i.region_iso,
               CASE $lang WHEN 'kk' THEN g.name_kk WHEN 'ru' THEN g.name_ru
                          ELSE g.name_en END AS region_name,
               CASE $lang WHEN 'kk' THEN s.name_kk WHEN 'ru' THEN s.name_ru
                          ELSE s.name_en END AS sector_name,
               i.status, i.start_date, i.end_date, i.budget_planned_kzt, i.budget_spent_kzt,
               CASE WHEN i.budget_planned_kzt > 0
                    THEN i.budget_spent_kzt / i.budget_planned_kzt END AS execution
        FROM top
        JOIN initiatives i ON i.initiative_id = top.initiative_id
        JOIN regions g ON g.iso_code = i.region_iso
        JOIN sectors s ON s.code = i.sector_code
        ORDER BY i.budget_planned_kzt DESC, i.initiative_id
        """,  # noqa: S608 (constant SQL fragments)
        {**params, "lang": lang, "limit": max(1, min(int(limit), TOP_LIMIT_MAX))},
    )
