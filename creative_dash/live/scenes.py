"""Scenes: the charts a presenter can put in a deck, registered by name.

A scene is a chart of the dashboard with its filters: a name (``"ranking"``), declared
parameters whose allowed values come from the store (``metric``, ``period``...), and a builder
that runs named queries and returns a figure. No Streamlit here: queries run through a
``run(query_name, **params)`` callable, which the app binds to its cached ``ui.q`` and tests to
``queries.run(store, ...)``.

To add a scene, call :func:`register` with a :class:`Scene` (see the scenes at the bottom) and
add its ``live.scene.<name>`` message to the live catalogues.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from creative_dash import metrics
from creative_dash.charts import hubs as hub_charts
from creative_dash.charts import initiatives as initiative_charts
from creative_dash.charts import maps
from creative_dash.charts import overview as overview_charts
from creative_dash.charts import programme as programme_charts
from creative_dash.charts.base import esc
from creative_dash.charts.live import (
    PRESENTER_HEIGHT,
    initiatives_per_year_figure,
    poll_results_figure,
    presenter_layout,
    region_ranking_figure,
)
from creative_dash.filters import Filters
from creative_dash.i18n import Translator
from creative_dash.live.model import LiveError, Poll, SceneRef

Runner = Callable[..., pd.DataFrame]
Options = Callable[[Runner, Translator], dict[str, str]]
Builder = Callable[[Runner, Translator, Mapping[str, str]], go.Figure]


@dataclass(frozen=True)
class Param:
    """A scene parameter: its label and its allowed values (value -> label, in order)."""

    name: str
    label_key: str
    options: Options


@dataclass(frozen=True)
class Scene:
    name: str
    label_key: str
    params: tuple[Param, ...]
    build: Builder
    # How often (s) a shown scene re-reads its data: polls must follow votes within 2 s.
    refresh_s: float = 3.0
    # The parameter holding a poll id: the presenter shows that poll's join link and QR code.
    poll_param: str | None = None


SCENES: dict[str, Scene] = {}


def register(scene: Scene) -> Scene:
    if scene.name in SCENES:
        raise ValueError(f"scene {scene.name!r} registered twice")
    SCENES[scene.name] = scene
    return scene


def get(name: str) -> Scene:
    if name not in SCENES:
        raise LiveError("scene_unknown")
    return SCENES[name]


def validate(ref: SceneRef, run: Runner, t: Translator | None = None) -> SceneRef:
    """``ref`` if its scene exists and every parameter is one of its allowed values."""
    scene = get(ref.scene)
    t = t or Translator("en")
    if set(ref.params) != {p.name for p in scene.params}:
        raise LiveError("scene_param")
    for param in scene.params:
        if ref.params[param.name] not in param.options(run, t):
            raise LiveError("scene_param")
    return ref


def label(ref: SceneRef, run: Runner, t: Translator) -> str:
    """'Ranking of regions — Jobs created, 2024' in the reader's language (plain text)."""
    try:
        scene = get(ref.scene)
    except LiveError:
        return t("live.error.scene_unknown")
    parts = []
    for param in scene.params:
        options = param.options(run, t)
        value = ref.params.get(param.name, "")
        parts.append(options.get(value, t("live.error.scene_param")))
    name = t(scene.label_key)
    return f"{name} — {', '.join(parts)}" if parts else name


def figure(ref: SceneRef, run: Runner, t: Translator, *, presenter: bool = False) -> go.Figure:
    """The scene's figure; raises :class:`LiveError` if the scene or a parameter is invalid."""
    validate(ref, run, t)
    fig = SCENES[ref.scene].build(run, t, ref.params)
    return presenter_layout(fig) if presenter else fig


def poll_of(ref: SceneRef) -> str | None:
    """The poll a scene shows (None for other scenes)."""
    scene = SCENES.get(ref.scene)
    if scene is None or scene.poll_param is None:
        return None
    return ref.params.get(scene.poll_param)


# -- shared parameter options -------------------------------------------------------------------
def region_names(run: Runner, t: Translator) -> dict[str, str]:
    regions = run("regions")
    return dict(zip(regions["iso_code"], regions[t.name_col()], strict=True))


def _region_options(run: Runner, t: Translator) -> dict[str, str]:
    return {"all": t("live.param.all_regions"), **region_names(run, t)}


def _period_options(run: Runner, t: Translator) -> dict[str, str]:
    bounds = run("year_bounds").iloc[0]
    lo, hi = int(bounds["min_year"]), int(bounds["max_year"])
    return {
        "all": t("live.param.all_years", first=lo, last=hi),
        **{str(y): str(y) for y in range(hi, lo - 1, -1)},
    }


def _metric_options(run: Runner, t: Translator) -> dict[str, str]:
    return {code: metrics.METRIC_BY_CODE[code].label(t) for code in metrics.LIVE_METRICS}


def _poll_options(run: Runner, t: Translator) -> dict[str, str]:
    polls = run("live_polls")
    out = {}
    for row in polls.to_dict("records"):
        poll = Poll.from_row(row)
        out[poll.poll_id] = f"{poll.question_in(t.lang)} ({t.enum('live.status', poll.status)})"
    return out


REGION = Param("region", "live.param.region", _region_options)
PERIOD = Param("period", "live.param.period", _period_options)
METRIC = Param("metric", "live.param.metric", _metric_options)
POLL = Param("poll", "live.param.poll", _poll_options)


# -- the scenes ---------------------------------------------------------------------------------
def _period_filter(period: str) -> Filters:
    """A scene's period ("all" or one year) as the queries' filters."""
    return Filters() if period == "all" else Filters(years=(int(period), int(period)))


def _region_filter(region: str) -> Filters:
    """A scene's region ("all" or an ISO code) as the queries' filters."""
    return Filters() if region == "all" else Filters(regions=(region,))


def _poll_figure(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    rows = run("live_poll", poll_id=params["poll"])
    if rows.empty:
        raise LiveError("poll_not_found")
    poll = Poll.from_row(rows.iloc[0].to_dict())
    labels = poll.answer_labels(t, region_names(run, t) if poll.kind == "region" else {})
    return poll_results_figure(poll, run("live_poll_results", poll_id=poll.poll_id), t, labels)


def _ranking_figure(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    period = params["period"]
    metric = metrics.METRIC_BY_CODE[params["metric"]]
    df = run("live_region_ranking", metric=metric.code, filters=_period_filter(period))
    return region_ranking_figure(df, t, metric, _period_options(run, t)[period])


def _per_year_figure(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    df = run("live_initiatives_per_year", filters=_region_filter(params["region"]))
    return initiatives_per_year_figure(df, t, _region_options(run, t)[params["region"]])


register(Scene("poll", "live.scene.poll", (POLL,), _poll_figure, refresh_s=1.0, poll_param="poll"))
register(Scene("ranking", "live.scene.ranking", (METRIC, PERIOD), _ranking_figure))
register(Scene("per_year", "live.scene.per_year", (REGION,), _per_year_figure))


def _add_subtitle(fig: go.Figure, text: str) -> None:
    """Say which filter the slide shows, after the builder's own subtitle if it has one."""
    own = fig.layout.title.subtitle.text if fig.layout.title.subtitle else None
    fig.update_layout(title_subtitle_text=f"{own} · {esc(text)}" if own else esc(text))


# -- scenes over the other pages' builders ----------------------------------------------------
# These reuse the Initiatives page's queries and charts as they are; the presenter look is
# applied on top by figure(presenter=True).
def _by_options(run: Runner, t: Translator) -> dict[str, str]:
    return {"region": t("live.param.by_region"), "sector": t("live.param.by_sector")}


BY = Param("by", "live.param.by", _by_options)


def _status_by_year(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    df = run("initiatives_status_by_year", filters=_region_filter(params["region"]))
    fig = initiative_charts.status_by_year(df, t)
    _add_subtitle(fig, _region_options(run, t)[params["region"]])
    return fig


def _budget_by_region(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    df = run("initiatives_by_region", filters=_period_filter(params["period"]))
    fig = initiative_charts.budget_by_region(df, t, region_names(run, t))
    _add_subtitle(fig, _period_options(run, t)[params["period"]])
    return fig


def _jobs_per_million(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    by = params["by"]
    query_name = "initiatives_by_region" if by == "region" else "initiatives_by_sector"
    df = run(query_name, filters=_period_filter(params["period"]))
    if by == "region":
        names = region_names(run, t)
    else:
        sectors = run("sectors")
        names = dict(zip(sectors["code"], sectors[t.name_col()], strict=True))
    fig = initiative_charts.jobs_per_million(df, t, names, by)
    _add_subtitle(fig, _period_options(run, t)[params["period"]])
    return fig


register(Scene("status_by_year", "live.scene.status_by_year", (REGION,), _status_by_year))
register(Scene("budget_by_region", "live.scene.budget_by_region", (PERIOD,), _budget_by_region))
register(Scene("jobs_per_million", "live.scene.jobs_per_million", (BY, PERIOD), _jobs_per_million))


# Overview page: the national map and the mixes, for one year or the whole period.
def _map_metric_options(run: Runner, t: Translator) -> dict[str, str]:
    return {code: metrics.METRIC_BY_CODE[code].label(t) for code in metrics.MAP_METRICS}


MAP_METRIC = Param("metric", "live.param.metric", _map_metric_options)


def _national_map(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    metric = metrics.METRIC_BY_CODE[params["metric"]]
    df = run("region_metrics", filters=_period_filter(params["period"]))
    title = t(
        "overview.map_chart_title",
        metric=metric.label(t),
        period=_period_options(run, t)[params["period"]],
    )
    return maps.national_map(
        df,
        metric,
        t,
        geojson=maps.geojson_source(),
        title=title,
        height=PRESENTER_HEIGHT - 120,
    )


def _mix(query_name: str, builder: Callable[..., go.Figure], title_key: str) -> Builder:
    def build(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
        df = run(query_name, filters=_period_filter(params["period"]))
        fig = builder(df, t, title=t(title_key))
        _add_subtitle(fig, _period_options(run, t)[params["period"]])
        return fig

    return build


register(Scene("national_map", "live.scene.national_map", (MAP_METRIC, PERIOD), _national_map))
register(
    Scene(
        "sector_mix",
        "live.scene.sector_mix",
        (PERIOD,),
        _mix("overview_sector_mix", overview_charts.sector_bars, "overview.sector_title"),
    )
)
register(
    Scene(
        "funding_mix",
        "live.scene.funding_mix",
        (PERIOD,),
        _mix("overview_funding_mix", overview_charts.funding_bars, "overview.funding_title"),
    )
)
register(
    Scene(
        "sdg_goals",
        "live.scene.sdg_goals",
        (PERIOD,),
        _mix("overview_sdg_counts", overview_charts.sdg_bars, "overview.sdg_title"),
    )
)


# Training programme page: participation, competency gains, satisfaction, recommendations.
def _participation(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    return programme_charts.participation_bars(run("participation_by_region", lang=t.lang), t)


def _competency_gains(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    return programme_charts.competency_dumbbell(
        run("competency_gains", lang=t.lang),
        t,
        label_col="competency_name",
        title=t("programme.comp_by_competency"),
    )


def _satisfaction(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    return programme_charts.satisfaction_bars(run("satisfaction_distribution"), t)


def _recommendations(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    # "Overdue" is judged on the day shown; the date is part of the cached query's key.
    df = run("recommendations_by_category", today=date.today())
    return programme_charts.recommendations_by_category_bars(df, t)


register(Scene("participation", "live.scene.participation", (), _participation))
register(Scene("competency_gains", "live.scene.competency_gains", (), _competency_gains))
register(Scene("satisfaction", "live.scene.satisfaction", (), _satisfaction))
register(Scene("recommendations", "live.scene.recommendations", (), _recommendations))


# Creative hubs page: the hubs on the map, the whole country or one region.
def _hub_map(run: Runner, t: Translator, params: Mapping[str, str]) -> go.Figure:
    names = region_names(run, t)
    focus = [] if params["region"] == "all" else [params["region"]]
    df = run("hubs_for_map", lang=t.lang, filters=_region_filter(params["region"]))
    fig = hub_charts.hub_map(
        df,
        t,
        region_codes=list(names),
        region_names=names,
        focus=focus,
        geojson=maps.geojson_source(),
    )
    _add_subtitle(fig, _region_options(run, t)[params["region"]])
    return fig


register(Scene("hub_map", "live.scene.hub_map", (REGION,), _hub_map))


def default_params(name: str, run: Runner, t: Translator) -> dict[str, Any]:
    """The first allowed value of each parameter (what a new scene starts with)."""
    return {p.name: next(iter(p.options(run, t)), "") for p in get(name).params}
