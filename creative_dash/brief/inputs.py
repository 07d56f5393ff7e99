"""What a brief is built from: the frames of named queries, gathered through a ``run`` callable
(``ui.q`` in the app, through its cache; ``queries.run`` bound to a store in tests and the
command line). No store and no Streamlit here: the caller decides how queries run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from creative_dash.filters import Filters
from creative_dash.views.empty import empty_kinds

Run = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Common:
    """What every brief reads: reference data and the store's facts."""

    years: tuple[int, int]
    regions: pd.DataFrame  # `regions`
    facts: pd.Series  # `store_facts` row: data_version, has_demo
    loads: pd.DataFrame  # `dataset_loads`
    data_from: int  # the first year with initiatives (`year_bounds`)
    kpis: pd.DataFrame  # `overview_kpis` (current and previous period)
    metrics: pd.DataFrame  # `region_metrics` of every region in the period
    pipeline: pd.DataFrame  # `overview_status_pipeline`
    funding: pd.DataFrame  # `overview_funding_mix`
    sectors: pd.DataFrame  # `overview_sector_mix`
    contents: pd.Series  # `store_contents` row: what the store holds (views.empty)

    @property
    def has_demo(self) -> bool:
        return bool(self.facts["has_demo"])

    @property
    def empty(self) -> frozenset[str]:
        """The kinds of data the store holds nothing of (``views.empty.KINDS``)."""
        return empty_kinds(self.contents)

    @property
    def data_version(self) -> int:
        return int(self.facts["data_version"])


@dataclass(frozen=True)
class RegionInputs:
    iso: str
    common: Common
    neighbours: pd.DataFrame  # `region_neighbours`
    hubs: pd.DataFrame  # `region_hubs`
    training: pd.Series  # `region_training` row
    recommendations: pd.DataFrame  # `region_recommendations`
    competencies: pd.DataFrame  # `region_competencies`


def _common(run: Run, f: Filters) -> Common:
    years = f.years or (0, 0)
    return Common(
        years=(int(years[0]), int(years[1])),
        regions=run("regions"),
        facts=run("store_facts").iloc[0],
        loads=run("dataset_loads"),
        data_from=int(run("year_bounds").iloc[0]["min_year"]),
        kpis=run("overview_kpis", filters=f),
        metrics=run("region_metrics", filters=f.everywhere()),
        pipeline=run("overview_status_pipeline", filters=f),
        funding=run("overview_funding_mix", filters=f),
        sectors=run("overview_sector_mix", filters=f),
        contents=run("store_contents").iloc[0],
    )


def gather_region(run: Run, iso: str, years: tuple[int, int]) -> RegionInputs:
    """Every frame of the region's brief for the period ``years`` (the region page's queries,
    with the page's default filters)."""
    f = Filters(years=years, regions=(iso,))
    return RegionInputs(
        iso=iso,
        common=_common(run, f),
        neighbours=run("region_neighbours"),
        hubs=run("region_hubs", filters=f),
        training=run("region_training", filters=f).iloc[0],
        recommendations=run("region_recommendations", filters=f),
        competencies=run("region_competencies", filters=f),
    )


def gather_national(run: Run, years: tuple[int, int]) -> Common:
    """Every frame of the national brief for the period ``years``."""
    return _common(run, Filters(years=years))
