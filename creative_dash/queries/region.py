"""One region's dashboard: its hubs, its training outcomes and its recommendations.

The region's initiatives reuse the overview's queries with the region in their filters; its
place among its peers comes from ``region_metrics`` (every region at once), compared in Python.
Every query here takes ``filters`` (:class:`creative_dash.filters.Filters`) and honours its
regions (the region page's one region) and years.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from creative_dash.filters import (
    HUBS,
    NO_FILTERS,
    PARTICIPANTS,
    PROGRAMMES,
    RECOMMENDATIONS,
    Filters,
    where,
)
from creative_dash.queries.overview import ALL_YEARS
from creative_dash.queries.registry import query
from creative_dash.store import Store
from creative_dash.vocab import CLOSED_REC_STATUSES


def _period(filters: Filters) -> Filters:
    return filters if filters.years else filters.but(years=ALL_YEARS)


@query
def region_hubs(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """The hubs with a position in the filters' regions that had opened by the end of the
    period (or have no opening date), every status.

    Columns: hub_id, name, city, hub_type, status, opened_on, lat, lon, residents,
    sectors_kk, sectors_ru, sectors_en (the hub's sector names joined by ', ', in sector order).
    """
    w = where(filters, HUBS.only("years", "regions"), "h.lat IS NOT NULL AND h.lon IS NOT NULL")
    return store.query(
        f"""
        SELECT h.hub_id, h.name, h.city, h.hub_type, h.status, h.opened_on, h.lat, h.lon,
               h.residents,
               string_agg(s.name_kk, ', ' ORDER BY s.sort_order) AS sectors_kk,
               string_agg(s.name_ru, ', ' ORDER BY s.sort_order) AS sectors_ru,
               string_agg(s.name_en, ', ' ORDER BY s.sort_order) AS sectors_en
        FROM hubs h
        LEFT JOIN hub_sectors hs ON hs.hub_id = h.hub_id
        LEFT JOIN sectors s ON s.code = hs.sector_code
        WHERE {w.sql}
        GROUP BY ALL ORDER BY h.hub_id
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        dict(w.params),
    )


@query
def region_competencies(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """The self-assessment before and after of the filters' regions' participants in the
    programmes running in the period.

    One row per competency (every competency listed). Columns: code, name_kk, name_ru, name_en,
    participants (with both scores), pre_mean, post_mean, gain (mean post - pre; NULL without
    scores)."""
    f = _period(filters)
    w = where(f, PARTICIPANTS) & where(f, PROGRAMMES)
    return store.query(
        f"""
        WITH prog AS (
            SELECT pa.participant_id FROM participants pa JOIN programmes pr USING (programme_id)
            WHERE {w.sql}
        ),
        pairs AS (
            SELECT pre.competency, pre.participant_id, pre.score AS pre, post.score AS post
            FROM prog
            JOIN assessments pre ON pre.participant_id = prog.participant_id AND pre.phase = 'pre'
            JOIN assessments post ON post.participant_id = prog.participant_id
                 AND post.phase = 'post' AND post.competency = pre.competency
        )
        SELECT c.code, c.name_kk, c.name_ru, c.name_en,
               count(p.participant_id) AS participants,
               avg(p.pre) AS pre_mean, avg(p.post) AS post_mean, avg(p.post - p.pre) AS gain
        FROM competencies c LEFT JOIN pairs p ON p.competency = c.code
        GROUP BY c.code, c.name_kk, c.name_ru, c.name_en, c.sort_order
        ORDER BY c.sort_order
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        dict(w.params),
    )


@query
def region_training(store: Store, *, filters: Filters = NO_FILTERS) -> pd.DataFrame:
    """One row on the filters' regions' part in the programmes running in the period.

    Columns: participants, days_attended (mean), satisfaction (mean of answers, 1-5),
    recommendations, implemented (recommendations implemented), programmes."""
    f = _period(filters)
    runs, people, recs = where(f, PROGRAMMES), where(f, PARTICIPANTS), where(f, RECOMMENDATIONS)
    return store.query(
        f"""
        WITH prog AS (SELECT pr.programme_id FROM programmes pr WHERE {runs.sql}),
        pa AS (
            SELECT pa.* FROM participants pa
            WHERE {people.sql} AND pa.programme_id IN (SELECT programme_id FROM prog)
        ),
        r AS (
            SELECT r.* FROM recommendations r
            WHERE {recs.sql} AND r.programme_id IN (SELECT programme_id FROM prog)
        )
        SELECT (SELECT count(*) FROM pa) AS participants,
               (SELECT avg(days_attended) FROM pa) AS days_attended,
               (SELECT avg(satisfaction) FROM pa) AS satisfaction,
               (SELECT count(*) FROM r) AS recommendations,
               (SELECT count(*) FROM r WHERE status = 'implemented') AS implemented,
               (SELECT count(*) FROM prog) AS programmes
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        dict((runs & people & recs).params),
    )


_OVERDUE = """(r.follow_up_date IS NOT NULL AND r.follow_up_date < $today
    AND NOT list_contains($closed, r.status))"""


@query
def region_recommendations(
    store: Store, *, filters: Filters = NO_FILTERS, today: date | None = None
) -> pd.DataFrame:
    """The filters' regions' recommendations from the programmes running in the period, with
    whether their follow-up is overdue on ``today`` (default: today): due (``follow_up_date``)
    before it and neither implemented nor rejected.

    Columns: recommendation_id, category, text, text_lang, status, responsible_body,
    follow_up_date, follow_up_note, is_overdue, days_overdue (0 unless overdue); ordered by status then
    category."""
    f = _period(filters)
    w = where(f, RECOMMENDATIONS) & where(f, PROGRAMMES)
    return store.query(
        f"""
        SELECT r.recommendation_id, r.category, r.text, r.text_lang, r.status,
               r.responsible_body, r.follow_up_date, r.follow_up_note,
               coalesce({_OVERDUE}, FALSE) AS is_overdue,
               CASE WHEN {_OVERDUE} THEN CAST(date_diff('day', r.follow_up_date, $today)
                    AS INTEGER) ELSE 0 END AS days_overdue
        FROM recommendations r JOIN programmes pr USING (programme_id)
        WHERE {w.sql}
        ORDER BY list_position(['proposed', 'accepted', 'in_progress', 'implemented',
                                'rejected'], r.status), r.category, r.recommendation_id
        """,  # noqa: S608 -- conditions from the filter builder, values bound
        {**w.params, "today": today or date.today(), "closed": list(CLOSED_REC_STATUSES)},
    )
