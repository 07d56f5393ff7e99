"""One region's dashboard: its hubs, its training outcomes and its recommendations.

The region's initiatives reuse the overview's queries with their ``region`` argument; its place
among its peers comes from ``region_metrics`` (every region at once), compared in Python.
"""

from __future__ import annotations

import pandas as pd

from creative_dash.queries.overview import Years, _years
from creative_dash.queries.registry import query
from creative_dash.store import Store


@query
def region_hubs(store: Store, *, region: str = "KZ-71") -> pd.DataFrame:
    """The region's hubs with a position, every status.

    Columns: hub_id, name, city, hub_type, status, opened_on, lat, lon, residents,
    sectors_kk, sectors_ru, sectors_en (the hub's sector names joined by ', ', in sector order).
    """
    return store.query(
        """
        SELECT h.hub_id, h.name, h.city, h.hub_type, h.status, h.opened_on, h.lat, h.lon,
               h.residents,
               string_agg(s.name_kk, ', ' ORDER BY s.sort_order) AS sectors_kk,
               string_agg(s.name_ru, ', ' ORDER BY s.sort_order) AS sectors_ru,
               string_agg(s.name_en, ', ' ORDER BY s.sort_order) AS sectors_en
        FROM hubs h
        LEFT JOIN hub_sectors hs ON hs.hub_id = h.hub_id
        LEFT JOIN sectors s ON s.code = hs.sector_code
        WHERE h.region_iso = $region AND h.lat IS NOT NULL AND h.lon IS NOT NULL
        GROUP BY ALL ORDER BY h.hub_id
        """,
        {"region": region},
    )


@query
def region_competencies(
    store: Store, *, region: str = "KZ-71", years: Years = None
) -> pd.DataFrame:
    """The region's self-assessment before and after the programmes running in the period.

    One row per competency (every competency listed). Columns: code, name_kk, name_ru, name_en,
    participants (with both scores), pre_mean, post_mean, gain (mean post - pre; NULL without
    scores)."""
    y0, y1 = _years(years)
    return store.query(
        """
        WITH prog AS (
            SELECT pa.participant_id FROM participants pa JOIN programmes pr USING (programme_id)
            WHERE pa.region_iso = $region
              AND pr.start_date <= make_date(CAST($y1 AS INTEGER), 12, 31)
              AND pr.end_date >= make_date(CAST($y0 AS INTEGER), 1, 1)
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
        """,
        {"region": region, "y0": y0, "y1": y1},
    )


@query
def region_training(store: Store, *, region: str = "KZ-71", years: Years = None) -> pd.DataFrame:
    """One row on the region's part in the programmes running in the period.

    Columns: participants, days_attended (mean), satisfaction (mean of answers, 1-5),
    recommendations, implemented (recommendations implemented), programmes."""
    y0, y1 = _years(years)
    return store.query(
        """
        WITH prog AS (
            SELECT programme_id FROM programmes
            WHERE start_date <= make_date(CAST($y1 AS INTEGER), 12, 31)
              AND end_date >= make_date(CAST($y0 AS INTEGER), 1, 1)
        )
        SELECT
            (SELECT count(*) FROM participants WHERE region_iso = $region
               AND programme_id IN (SELECT programme_id FROM prog)) AS participants,
            (SELECT avg(days_attended) FROM participants WHERE region_iso = $region
               AND programme_id IN (SELECT programme_id FROM prog)) AS days_attended,
            (SELECT avg(satisfaction) FROM participants WHERE region_iso = $region
               AND programme_id IN (SELECT programme_id FROM prog)) AS satisfaction,
            (SELECT count(*) FROM recommendations WHERE region_iso = $region
               AND programme_id IN (SELECT programme_id FROM prog)) AS recommendations,
            (SELECT count(*) FROM recommendations WHERE region_iso = $region
               AND status = 'implemented'
               AND programme_id IN (SELECT programme_id FROM prog)) AS implemented,
            (SELECT count(*) FROM prog) AS programmes
        """,
        {"region": region, "y0": y0, "y1": y1},
    )


@query
def region_recommendations(
    store: Store, *, region: str = "KZ-71", years: Years = None
) -> pd.DataFrame:
    """The region's recommendations from the programmes running in the period.

    Columns: recommendation_id, category, text, text_lang, status, responsible_body,
    follow_up_date; ordered by status then category."""
    y0, y1 = _years(years)
    return store.query(
        """
        SELECT r.recommendation_id, r.category, r.text, r.text_lang, r.status,
               r.responsible_body, r.follow_up_date
        FROM recommendations r JOIN programmes pr USING (programme_id)
        WHERE r.region_iso = $region
          AND pr.start_date <= make_date(CAST($y1 AS INTEGER), 12, 31)
          AND pr.end_date >= make_date(CAST($y0 AS INTEGER), 1, 1)
        ORDER BY list_position(['proposed', 'accepted', 'in_progress', 'implemented',
                                'rejected'], r.status), r.category, r.recommendation_id
        """,
        {"region": region, "y0": y0, "y1": y1},
    )
