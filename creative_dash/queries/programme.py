"""The training programme and what came of it: sessions, participation, self-assessed
competencies, satisfaction, recommendations on state support measures, and the initiatives that
came out of the programme.

Queries that filter take ``filters`` (:class:`creative_dash.filters.Filters`): the
participants' and recommendations' queries honour its regions (and the recommendations' its
categories and statuses): they belong to the programme, whatever the period; the programme's
initiatives honour every filter on initiatives, the period included (started in it). Names come
back in the UI language through a bound ``$lang``. "Today" is always a parameter, so what counts as an
overdue follow-up is the caller's (and a test's) choice, never the clock's.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from creative_dash import vocab
from creative_dash.filters import (
    INITIATIVES,
    NO_FILTERS,
    PARTICIPANTS,
    RECOMMENDATIONS,
    Filters,
    Where,
    where,
)
from creative_dash.queries.registry import query
from creative_dash.store import Store

DEFAULT_PROGRAMME = "ckz-2025"
REC_STATUSES = vocab.REC_STATUSES
REC_CATEGORIES = vocab.REC_CATEGORIES
# A follow-up is overdue when its date has passed and the recommendation is still open.
CLOSED_REC_STATUSES = vocab.CLOSED_REC_STATUSES
INITIATIVE_STATUSES = vocab.INITIATIVE_STATUSES
TOP_LIMIT_MAX = 50


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
    filters: Filters = NO_FILTERS,
) -> pd.DataFrame:
    """Mean self-assessed score (1–10) before and after, per competency, over the filters'
    regions' participants who answered both.

    Columns: competency, competency_name, sort_order, pre_mean, post_mean, gain_mean,
    participants."""
    w = where(filters, PARTICIPANTS, "pa.programme_id = $p")
    return store.query(
        f"""
        WITH pairs AS (
            SELECT a.participant_id, a.competency,
                   max(a.score) FILTER (WHERE a.phase = 'pre') AS pre,
                   max(a.score) FILTER (WHERE a.phase = 'post') AS post
            FROM assessments a JOIN participants pa USING (participant_id)
            WHERE {w.sql}
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
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {**w.params, "p": programme_id, "lang": lang},
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
    store: Store, *, programme_id: str = DEFAULT_PROGRAMME, filters: Filters = NO_FILTERS
) -> pd.DataFrame:
    """Participants per satisfaction score 1–5 (every score present, 0 when nobody gave it),
    then one row with score NULL: those who did not answer.

    Columns: score (Int64, <NA> = not answered), participants (of the filters' regions)."""
    w = where(filters, PARTICIPANTS, "pa.programme_id = $p")
    df = store.query(
        f"""
        WITH p AS (SELECT pa.satisfaction FROM participants pa WHERE {w.sql})
        SELECT s.score, (SELECT count(*) FROM p WHERE p.satisfaction = s.score) AS participants,
               0 AS ord
        FROM range(1, 6) s(score)
        UNION ALL
        SELECT NULL, (SELECT count(*) FROM p WHERE p.satisfaction IS NULL), 1
        ORDER BY ord, score
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {**w.params, "p": programme_id},
    )
    out = df[["score", "participants"]].reset_index(drop=True)
    out["score"] = out["score"].astype("Int64")
    out["participants"] = out["participants"].astype("int64")
    return out


def _recommendations(filters: Filters) -> Where:
    """The programme's recommendations kept by the filters (regions, categories, statuses)."""
    return where(filters, RECOMMENDATIONS, "r.programme_id = $p")


_OVERDUE = """
    (r.follow_up_date IS NOT NULL AND r.follow_up_date < $today
     AND NOT list_contains($closed, r.status))
"""


@query
def recommendations_by_category(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    filters: Filters = NO_FILTERS,
    today: date | None = None,
) -> pd.DataFrame:
    """Recommendations per category and status (pairs with none left out), with how many of
    them have an overdue follow-up on ``today`` (default: the database's current date).

    Columns: category, status, recommendations, overdue."""
    w = _recommendations(filters)
    return store.query(
        f"""
        SELECT r.category, r.status, count(*) AS recommendations,
               count(*) FILTER (WHERE {_OVERDUE}) AS overdue
        FROM recommendations r
        WHERE {w.sql}
        GROUP BY ALL ORDER BY r.category, r.status
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {
            **w.params,
            "p": programme_id,
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
    filters: Filters = NO_FILTERS,
    today: date | None = None,
) -> pd.DataFrame:
    """Every recommendation, overdue follow-ups first (most overdue first), then by follow-up
    date.

    Columns: recommendation_id, region_iso, region_name, category, text, text_lang, status,
    responsible_body, follow_up_date, is_demo, is_overdue, days_overdue (0 unless overdue)."""
    w = _recommendations(filters)
    return store.query(
        f"""
        SELECT r.recommendation_id, r.region_iso,
               CASE $lang WHEN 'kk' THEN g.name_kk WHEN 'ru' THEN g.name_ru
                          ELSE g.name_en END AS region_name,
               r.category, r.text, r.text_lang, r.status, r.responsible_body, r.follow_up_date,
               r.is_demo, {_OVERDUE} AS is_overdue,
               CASE WHEN {_OVERDUE} THEN CAST(date_diff('day', r.follow_up_date, $today) AS INTEGER) ELSE 0 END
                   AS days_overdue
        FROM recommendations r JOIN regions g ON g.iso_code = r.region_iso
        WHERE {w.sql}
        ORDER BY is_overdue DESC, days_overdue DESC, r.follow_up_date NULLS LAST,
                 r.region_iso, r.recommendation_id
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {
            **w.params,
            "p": programme_id,
            "lang": lang,
            "today": today or date.today(),
            "closed": list(CLOSED_REC_STATUSES),
        },
    )


# The programme's initiatives (148,000 of the 1.5 million in the largest store).
_FROM_PROGRAMME = "i.from_programme AND (i.programme_id = $p OR i.programme_id IS NULL)"


def _initiatives(programme_id: str, filters: Filters) -> tuple[str, dict[str, object]]:
    """Conditions on initiatives ``i`` and the values they bind."""
    w = where(filters, INITIATIVES, _FROM_PROGRAMME)
    return w.sql, {**w.params, "p": programme_id}


@query
def programme_initiatives_by_region(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    lang: str = "kk",
    filters: Filters = NO_FILTERS,
) -> pd.DataFrame:
    """Initiatives that came out of the programme and pass the filters (started in the period),
    per region and status (pairs with none left out).

    Columns: region_iso, region_name, status, initiatives, budget_planned_kzt,
    budget_spent_kzt."""
    cond, params = _initiatives(programme_id, filters)
    return store.query(
        f"""
        SELECT i.region_iso,
               CASE $lang WHEN 'kk' THEN g.name_kk WHEN 'ru' THEN g.name_ru
                          ELSE g.name_en END AS region_name,
               i.status, count(*) AS initiatives,
               sum(i.budget_planned_kzt) AS budget_planned_kzt,
               sum(i.budget_spent_kzt) AS budget_spent_kzt
        FROM initiatives i JOIN regions g ON g.iso_code = i.region_iso
        WHERE {cond}
        GROUP BY ALL ORDER BY i.region_iso, i.status
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {**params, "lang": lang},
    )


@query
def programme_initiatives_top(
    store: Store,
    *,
    programme_id: str = DEFAULT_PROGRAMME,
    lang: str = "kk",
    filters: Filters = NO_FILTERS,
    limit: int = 10,
) -> pd.DataFrame:
    """The programme's initiatives that pass the filters (started in the period) with the
    largest planned budget (at most ``TOP_LIMIT_MAX``).

    Columns: initiative_id, title, region_iso, region_name, sector_name, status, start_date,
    end_date, budget_planned_kzt, budget_spent_kzt, execution (spent / planned, NULL when
    nothing was planned), is_demo."""
    # The top ones are picked on narrow columns first (with a known region and sector, as the
    # joins below require); only they are read again with their titles and names.
    cond, params = _initiatives(programme_id, filters)
    return store.query(
        f"""
        WITH top AS (
            SELECT i.initiative_id FROM initiatives i
            WHERE {cond}
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
                    THEN i.budget_spent_kzt / i.budget_planned_kzt END AS execution, i.is_demo
        FROM top
        JOIN initiatives i ON i.initiative_id = top.initiative_id
        JOIN regions g ON g.iso_code = i.region_iso
        JOIN sectors s ON s.code = i.sector_code
        ORDER BY i.budget_planned_kzt DESC, i.initiative_id
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {**params, "lang": lang, "limit": max(1, min(int(limit), TOP_LIMIT_MAX))},
    )
