"""The caches of the app: the store, query results and built figures.

- The store: ``st.cache_resource`` (one :class:`Store` per location and process).
- Query results, shared by every session, keyed by (query name, bound parameters, store
  location, the data version the query depends on): a cache never serves another filter's rows,
  and every write refreshes what pages show. The versions (:class:`creative_dash.store.Versions`)
  are read at most once per run of a page (or of a fragment) and again after the run's own
  write: on a shared PostgreSQL another replica's write shows at this replica's next rerun, and a
  rerun reads the versions from PostgreSQL once, whatever number of queries it runs. Queries of
  one poll's votes depend on that poll's votes only; ``live_polls`` on every poll's votes; every
  other query on the total of the other topics, so a room voting does not refresh the other
  charts. Hand-made rather than ``st.cache_data``,
  which pickles the frame and unpickles a copy on every hit (measured: a fifth of a page's
  script time); here the frame itself is kept and each caller gets a shallow copy, which pandas'
  copy-on-write keeps apart from the cached one.
- Built briefs (PDF), keyed by (store location, data version, region, language, period).
- Built figures, shared by every session, keyed by (builder, its arguments): a :class:`Query`
  argument by its query key (name, parameters, location, data version), a Translator by its
  language, a frame computed by a page by its content hash, plain values by value. A Plotly
  figure takes 10-30 ms to build and its JSON text as long again; ``st.cache_data`` would pickle
  it too. An argument that cannot be keyed cheaply (a large GeoJSON, an object hashed by
  identity) makes the figure be built every time instead.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from creative_dash import queries, settings
from creative_dash.i18n import Translator
from creative_dash.store import (
    Store,
    StoreConflict,
    StoreError,
    StoreNoSpace,
    StoreUnreachable,
    Versions,
    open_store,
)
from creative_dash.store.bootstrap import ensure_store
from creative_dash.ui import plotly_view

log = logging.getLogger("creative_dash")

RESULT_CACHE_SIZE = 512
FIGURE_CACHE_SIZE = 256
FREEZE_BUDGET = 5000  # values a figure key may hold; a larger argument (a GeoJSON) is not cached


# -- the store ------------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _store(location: str, demo_on_start: bool) -> Store:
    store = open_store(location)
    # the local copy's reads (PostgreSQL) use the versions this run of the page read already
    store.read_pin = lambda: _run_versions(store)
    ensure_store(
        store,
        with_demo=demo_on_start and not _has_rows(store),
        say=lambda m: log.info("store: %s", m),
    )
    return store


def _has_rows(store: Store) -> bool:
    if store.schema_version() == 0:
        return False
    return bool(store.scalar("SELECT count(*) FROM initiatives"))


def store() -> Store:
    return _store(settings.db_location(), demo_on_start(settings.db_location()))


def demo_on_start(location: str) -> bool:
    """Whether an empty store gets demo data when the app starts: the embedded DuckDB file
    only. A shared PostgreSQL is a deployment's store: the first replica to start would fill
    it with demo rows before the real data is imported (`init --demo` loads them on purpose)."""
    is_postgres = location.startswith(("postgres://", "postgresql://"))
    return settings.get("CREATIVE_DASH_DEMO_ON_START") == "1" and not is_postgres


# Faults that pass by themselves (a database server restarting, a disk freed, other writers done):
# the page says so and tries again on its own.
PASSING_FAULTS = (StoreUnreachable, StoreNoSpace, StoreConflict)
RETRY_EVERY_S = 2.0


def passes_by_itself(fault: StoreError) -> bool:
    return isinstance(fault, PASSING_FAULTS) or type(fault) is StoreError


def retry_when_back(t: Translator, every_s: float = RETRY_EVERY_S) -> None:
    """Under a store fault's message: "retrying by itself", and a check of the store every
    ``every_s`` seconds that reruns the whole page once the store answers again (no reload)."""
    with st.container(key="store_retrying"):
        st.info(t("store.retrying"), icon=":material/sync:")

    @st.fragment(run_every=every_s)
    def watch() -> None:
        try:
            store().check()
        except Exception as exc:  # noqa: BLE001 - still down: try again at the next tick
            log.info("store still unavailable: %s", exc)
            return
        st.rerun(scope="app")

    watch()


# -- query results --------------------------------------------------------------------------------
_RESULTS: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_RESULTS_LOCK = threading.Lock()


def _hashable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(value))
    if isinstance(value, Mapping):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


@dataclass(frozen=True)
class Query:
    """A named query (``creative_dash.queries``) with its bound parameters.

    Pass it to :func:`creative_dash.ui.chart` in place of its frame: the figure is then cached
    under the query's key, and the query runs only when the figure is not cached."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, name: str, **params: Any) -> Query:
        return cls(name, tuple(sorted((k, _hashable(v)) for k, v in params.items())))

    def key(self, s: Store | None = None) -> tuple[Any, ...]:
        s = s or store()
        version = depends_on(self.name, dict(self.params), versions(s))
        return (self.name, s.location, version, self.params)

    def frame(self, s: Store | None = None) -> pd.DataFrame:
        """The frame, through the cache; ``s``: the store bound beforehand (outside the
        script's thread, where ``store()`` cannot be called)."""
        s = s or store()
        key = self.key(s)
        with _RESULTS_LOCK:
            df = _RESULTS.get(key)
            if df is not None:
                _RESULTS.move_to_end(key)
        if df is None:
            df = queries.run(s, self.name, **dict(self.params))
            with _RESULTS_LOCK:
                _RESULTS[key] = df
                while len(_RESULTS) > RESULT_CACHE_SIZE:
                    _RESULTS.popitem(last=False)
        return df.copy(deep=False)


# Queries that read votes: each poll's own (by its poll_id parameter), or every poll's.
ALL_VOTES_QUERIES = frozenset({"live_polls"})


def depends_on(name: str, params: Mapping[str, Any], v: Versions) -> Any:
    """The version a query's result depends on."""
    if name in ALL_VOTES_QUERIES:
        return (v.total, v.of_votes())
    if name.startswith("live_") and isinstance(params.get("poll_id"), str):
        return (v.total, v.of_votes(params["poll_id"]))
    return v.total


_PINNED = threading.local()


@contextmanager
def pinned(v: Versions) -> Iterator[None]:
    """Work on this thread outside a script run (a download's file built in its own thread)
    reads the store at the versions ``v`` of the run that bound it, as that run did."""
    before, _PINNED.versions = getattr(_PINNED, "versions", None), v
    try:
        yield
    finally:
        _PINNED.versions = before


def versions(s: Store | None = None) -> Versions:
    """The store's data versions as this run of the script sees them: read once per run (a
    fragment's run included), and again after a write this process committed since (so a run
    sees its own write). Outside a script run: those :func:`pinned` on the thread, else read
    every time (tests, threads of their own)."""
    s = s or store()
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        kept = getattr(_PINNED, "versions", None)
        return kept if kept is not None else s.versions()
    # ScriptRunContext.reset() gives every run a new ``cursors`` dict: the run's identity
    run = ctx.cursors
    kept = getattr(ctx, "_creative_dash_versions", None)
    if kept is not None:
        k_run, k_location, k_commits, k_versions = kept
        if k_run is run and k_location == s.location and k_commits == s.commits:
            return k_versions
    commits = s.commits
    found = s.versions()
    ctx._creative_dash_versions = (run, s.location, commits, found)  # type: ignore[attr-defined]
    return found


def _run_versions(s: Store) -> Versions | None:
    """The versions of the script run on this thread (read once per run) or pinned to it, or
    None: the store then asks PostgreSQL itself."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return getattr(_PINNED, "versions", None)
    return versions(s)


def q(name: str, **params: Any) -> pd.DataFrame:
    """The named query's frame, through the cache (see the module docstring)."""
    return Query.of(name, **params).frame()


def deferred(name: str, **params: Any) -> Callable[[], pd.DataFrame]:
    """The named query as a call for later, outside the script's thread (a download button's
    file is built in another thread, where no Streamlit call may be made): the store is bound
    now, the query runs on each call, uncached."""
    s = store()
    return lambda: queries.run(s, name, **params)


# -- built figures --------------------------------------------------------------------------------
_FIGURES: OrderedDict[Any, tuple[go.Figure, str]] = OrderedDict()
_FIGURES_LOCK = threading.Lock()


class Uncacheable(Exception):
    """An argument that cannot be keyed cheaply: its figure is built every time."""


def figure_key(build: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """What a builder's figure depends on: the builder, and its arguments made hashable.

    Raises :class:`Uncacheable` for an argument that cannot be keyed cheaply."""
    budget = [FREEZE_BUDGET]
    s: list[Store] = []

    def freeze(value: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise Uncacheable
        if value is None or isinstance(value, str | int | float | bool | dt.date):
            return value
        if isinstance(value, Translator):
            return ("Translator", value.lang)
        if isinstance(value, Query):
            if not s:
                s.append(store())
            return ("query", value.key(s[0]))
        if isinstance(value, pd.DataFrame | pd.Series):
            budget[0] -= len(value) // 100
            if budget[0] < 0:
                raise Uncacheable
            hashed = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
            frame = value.to_frame() if isinstance(value, pd.Series) else value
            dtypes = tuple((str(c), str(d)) for c, d in frame.dtypes.items())
            index = tuple(map(str, frame.index.names))
            return ("frame", dtypes, index, hashlib.blake2b(hashed, digest_size=16).hexdigest())
        if isinstance(value, Mapping):
            return ("map", tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
        if isinstance(value, list | tuple):
            return ("seq", tuple(freeze(v) for v in value))
        if isinstance(value, set | frozenset):
            return ("set", tuple(sorted(freeze(v) for v in value)))
        try:
            hash(value)
        except TypeError:
            raise Uncacheable from None
        if type(value).__hash__ is object.__hash__:
            raise Uncacheable  # identity hash: two equal values would not share a figure
        return (type(value).__qualname__, value)

    return (
        build.__module__,
        build.__qualname__,
        freeze(args),
        freeze(tuple(sorted(kwargs.items()))),
    )


def _resolved(value: Any) -> Any:
    return value.frame() if isinstance(value, Query) else value


def built(
    build: Callable[..., go.Figure], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[go.Figure, str]:
    """(figure, its JSON text): ``build`` called with every :class:`Query` argument replaced by
    its frame, or what it returned before for equal arguments."""

    def make() -> tuple[go.Figure, str]:
        fig = build(*map(_resolved, args), **{k: _resolved(v) for k, v in kwargs.items()})
        return fig, plotly_view.to_spec(fig)

    try:
        key = figure_key(build, args, kwargs)
    except Uncacheable:
        return make()
    with _FIGURES_LOCK:
        entry = _FIGURES.get(key)
        if entry is not None:
            _FIGURES.move_to_end(key)
            return entry
    entry = make()
    with _FIGURES_LOCK:
        _FIGURES[key] = entry
        while len(_FIGURES) > FIGURE_CACHE_SIZE:
            _FIGURES.popitem(last=False)
    return entry


def figure(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)``, or the figure it returned before for equal arguments.

    The figure is shared: nothing may change it after it is built (its JSON text is kept with
    it and is what the browser gets)."""
    return built(build, args, kwargs)[0]


# -- built briefs (PDF) -----------------------------------------------------------------------------
BRIEF_CACHE_SIZE = 64  # a brief is about 60 KB
_BRIEFS: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
# One brief is built at a time in this process: a second click on the same brief waits for the
# first and gets its bytes from here; a build is CPU-bound, so parallel ones only slow down.
_BRIEF_LOCK = threading.Lock()


def cached_brief(key: tuple[Any, ...], build: Callable[[], bytes]) -> bytes:
    """The brief under ``key`` (store location, data version, region, language, period), built
    by ``build`` on a miss."""
    with _BRIEF_LOCK:
        pdf = _BRIEFS.get(key)
        if pdf is None:
            pdf = build()
            _BRIEFS[key] = pdf
            while len(_BRIEFS) > BRIEF_CACHE_SIZE:
                _BRIEFS.popitem(last=False)
        else:
            _BRIEFS.move_to_end(key)
        return pdf


def clear_caches() -> None:
    """Forget every cached query result, figure and brief (tests; a store replaced under the
    app)."""
    with _RESULTS_LOCK:
        _RESULTS.clear()
    with _FIGURES_LOCK:
        _FIGURES.clear()
    with _BRIEF_LOCK:
        _BRIEFS.clear()
