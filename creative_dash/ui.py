"""The only module that caches, and the shared widgets.

Pages call :func:`q` to run a named query: results are kept by query name, store location,
the store's data version and every argument, so a cache can never serve another filter's rows,
and every write (which bumps the data version) refreshes what pages show; each caller gets its
own shallow copy. They call :func:`chart` to build and draw a figure: built figures are kept by
builder and arguments (a frame from :func:`q` by its query, any other by its content), so a page
opened again does not build them again; ``plotly_view`` draws them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from creative_dash import plotly_view, queries, settings
from creative_dash.bootstrap import ensure_store
from creative_dash.i18n import LANG_NAMES, LANGS, Translator, normalize_lang
from creative_dash.store import Store, open_store

log = logging.getLogger("creative_dash")


def _leave_pages_directory_mode() -> None:
    """Make deep links work on a freshly started server.

    With a ``pages/`` folder next to app.py, Streamlit runs a page file on its own (its old
    multipage mode: no sidebar, no language, file names as menu) for any request that comes
    before some session has run app.py's ``st.navigation``. That is exactly what happens when a
    shared link such as ``/region?region=KZ-79`` is the first request after a restart. This
    module is imported by every page and by app.py, once per process: it switches the mode off
    and, if the current run is such a page-on-its-own run, reruns it through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    in_old_mode = PagesManager.uses_pages_directory is True
    PagesManager.uses_pages_directory = False
    if in_old_mode and get_script_run_ctx() is not None:
        st.rerun()


_leave_pages_directory_mode()

LANG_KEY = "lang"
REGION_KEY = "region"
YEARS_KEY = "years"
REJECTED_KEY = "_rejected_url_values"


# -- store and cached queries ------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _store(location: str, demo_on_start: bool) -> Store:
    store = open_store(location)
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
    return _store(settings.db_location(), settings.get("CREATIVE_DASH_DEMO_ON_START") == "1")


# Query results, shared by every session: the DataFrame itself is kept (no pickling, unlike
# st.cache_data, which unpickled a copy on every hit: a fifth of a page's script time), and each
# caller gets a shallow copy; pandas' copy-on-write keeps a caller's changes to its copy.
_RESULTS: OrderedDict[tuple[Any, ...], pd.DataFrame] = OrderedDict()
_RESULTS_LOCK = threading.Lock()
RESULT_CACHE_SIZE = 512
ORIGIN_PURGE_AT = 1024
# The query key of a frame q() returned (by id, while that frame lives, with what it was made
# of): a figure built from it is cached under that key instead of a hash of its content.
_ORIGIN: dict[int, tuple[weakref.ref[pd.DataFrame], tuple[Any, ...], tuple[Any, ...]]] = {}


def _makeup(df: pd.DataFrame) -> tuple[Any, ...]:
    """What a frame is made of: its columns, its index object and its arrays. Under pandas'
    copy-on-write any change to a frame (a value set, a column added, a sort in place) changes
    one of them."""
    return (tuple(df.columns), id(df.index), tuple(id(a) for a in df._mgr.arrays))


def clear_caches() -> None:
    """Forget every cached query result and figure (tests; a store replaced under the app)."""
    with _RESULTS_LOCK:
        _RESULTS.clear()
        _ORIGIN.clear()
    with _FIGURES_LOCK:
        _FIGURES.clear()


def _result(key: tuple[Any, ...], s: Store) -> pd.DataFrame:
    with _RESULTS_LOCK:
        df = _RESULTS.get(key)
        if df is not None:
            _RESULTS.move_to_end(key)
    if df is None:
        df = queries.run(s, key[0], **dict(key[3]))
        with _RESULTS_LOCK:
            _RESULTS[key] = df
            while len(_RESULTS) > RESULT_CACHE_SIZE:
                _RESULTS.popitem(last=False)
    out = df.copy(deep=False)
    _register(out, key)
    return out


def _register(out: pd.DataFrame, key: tuple[Any, ...]) -> None:
    # No weakref callback: a callback taking the lock could run inside a locked section (the
    # cyclic garbage collector frees a frame there) and wait on itself forever. Dead entries
    # are dropped here instead, once there are many.
    with _RESULTS_LOCK:
        if len(_ORIGIN) >= ORIGIN_PURGE_AT:
            for ident, entry in list(_ORIGIN.items()):
                if entry[0]() is None:
                    del _ORIGIN[ident]
        _ORIGIN[id(out)] = (weakref.ref(out), key, _makeup(out))


def _freeze(value: Any) -> Any:
    if isinstance(value, list | set):
        return tuple(sorted(value)) if isinstance(value, set) else tuple(value)
    return value


def q(name: str, **params: Any) -> pd.DataFrame:
    """Run the named query through the cache, keyed by the store's current data version (kept in
    memory for a DuckDB file, read from PostgreSQL on every call)."""
    s = store()
    frozen = tuple(sorted((k, _freeze(v)) for k, v in params.items()))
    return _result((name, s.location, s.data_version(), frozen), s)


def _origin(df: pd.DataFrame) -> tuple[Any, ...] | None:
    """The query key of a frame exactly as q() returned it (not changed since), else None."""
    with _RESULTS_LOCK:
        entry = _ORIGIN.get(id(df))
    if entry is None or entry[0]() is not df or entry[2] != _makeup(df):
        return None
    return entry[1]


def current_lang() -> str:
    return st.session_state.get(LANG_KEY) or _initial_lang()


def _initial_lang() -> str:
    return (
        normalize_lang(st.query_params.get(LANG_KEY))
        or normalize_lang(st.context.locale)
        or normalize_lang(settings.get("CREATIVE_DASH_DEFAULT_LANG"))
        or "kk"
    )


def tr() -> Translator:
    return Translator(current_lang())


# -- widgets bound to the URL ---------------------------------------------------------------------
def seed_from_url(key: str, parse: Callable[[list[str]], Any], default: Any) -> None:
    """Give a widget key its starting value: from the URL if it parses, else ``default``.

    Only when the key has no value yet, so a user's choice is never overwritten."""
    if key in st.session_state:
        return
    raw = st.query_params.get_all(key)
    value = None
    if raw:
        try:
            value = parse(raw)
        except (ValueError, TypeError, KeyError):
            value = None
            # kept so a page can say what was wrong with the link (see rejected_url_value)
            st.session_state.setdefault(REJECTED_KEY, {})[key] = raw[0]
    st.session_state[key] = default if value is None else value


def write_url(
    key: str, value: Any, default: Any, serialize: Callable[[Any], Sequence[str] | str]
) -> None:
    """Put the widget's value in the URL (removed while it equals the default)."""
    if value == default or value is None or value == []:
        if key in st.query_params:
            del st.query_params[key]
        return
    text = serialize(value)
    current = st.query_params.get_all(key)
    wanted = [text] if isinstance(text, str) else list(text)
    if current != wanted:
        st.query_params[key] = wanted if len(wanted) != 1 else wanted[0]


def choice_parser(options: Sequence[str]) -> Callable[[list[str]], str]:
    def parse(raw: list[str]) -> str:
        if raw[0] not in options:
            raise ValueError(raw[0])
        return raw[0]

    return parse


def multi_parser(options: Sequence[str]) -> Callable[[list[str]], list[str]]:
    def parse(raw: list[str]) -> list[str]:
        values = [v for part in raw for v in part.split(",") if v]
        if not values or any(v not in options for v in values):
            raise ValueError(raw)
        return values

    return parse


def url_selectbox(
    label: str,
    options: Sequence[str],
    key: str,
    *,
    default: str,
    format_func: Callable[[str], str] = str,
    container: Any = st,
    **kw: Any,
) -> str:
    """A selectbox whose value lives in the URL as ``?key=<option code>``."""
    seed_from_url(key, choice_parser(options), default)
    if st.session_state[key] not in options:
        st.session_state[key] = default
    value = container.selectbox(label, options, key=key, format_func=format_func, **kw)
    write_url(key, value, default, str)
    return value


PRINT_KEY = "print"


def print_view() -> bool:
    """Whether the page is open as its print view (``?print=1``): tabs unfolded, every section
    one after another, for paper."""
    return st.query_params.get(PRINT_KEY) == "1"


def print_view_link(label: str, page_key: str, *, on: bool = True) -> None:
    """A link to this page's print view (or back from it), keeping every other URL parameter."""
    params = {k: st.query_params.get(k) for k in st.query_params if k != PRINT_KEY}
    if on:
        params[PRINT_KEY] = "1"
    st.page_link(page(page_key), label=label, query_params=params, icon=":material/print:")


class _Section:
    """A tab's stand-in in the print view: its label, then its content, always open."""

    open = True

    def __init__(self, label: str) -> None:
        self._container = st.container()
        self._container.markdown("**" + label + "**")

    def __enter__(self) -> Any:
        return self._container.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self._container.__exit__(*exc)


def url_tabs(codes: Sequence[str], key: str, *, label: Callable[[str], str]) -> dict[str, Any]:
    """Tabs whose open tab lives in the URL as ``?key=<code>`` (the first one: no parameter),
    computed lazily: only the open tab's ``.open`` is True, so a page draws only what is seen.
    In the print view (``?print=1``) every tab is a section, one after another, all open.

    Returns {code: tab container}. The widget's own value is the tab's label, which changes with
    the language, so the code is kept beside it (``_<key>_code``)."""
    if print_view():
        return {c: _Section(label(c)) for c in codes}
    code_key = f"_{key}_code"
    if code_key not in st.session_state:
        raw = st.query_params.get(key)
        st.session_state[code_key] = raw if raw in codes else codes[0]
    labels = {c: label(c) for c in codes}
    by_label = {v: c for c, v in labels.items()}
    st.session_state[key] = labels[st.session_state[code_key]]

    def remember() -> None:
        st.session_state[code_key] = by_label.get(st.session_state.get(key), codes[0])

    tabs = st.tabs(list(labels.values()), key=key, on_change=remember)
    st.session_state[code_key] = by_label.get(st.session_state.get(key), codes[0])
    write_url(key, st.session_state[code_key], codes[0], str)
    return dict(zip(codes, tabs))


def lazy_tabs(
    key: str, sections: Mapping[str, Callable[[], Any]], *, label: Callable[[str], str]
) -> None:
    """``url_tabs`` over ``sections`` ({code: render}): only the open tab's render runs (every
    one in the print view)."""
    for code, tab in url_tabs(list(sections), key, label=label).items():
        if tab.open:
            with tab:
                sections[code]()


def url_multiselect(
    label: str,
    options: Sequence[str],
    key: str,
    *,
    format_func: Callable[[str], str] = str,
    container: Any = st,
    **kw: Any,
) -> list[str]:
    """A multiselect whose value lives in the URL as ``?key=a,b``; empty means all."""
    seed_from_url(key, multi_parser(options), [])
    st.session_state[key] = [v for v in st.session_state[key] if v in options]
    value = container.multiselect(label, options, key=key, format_func=format_func, **kw)
    write_url(key, value, [], lambda v: ",".join(v))
    return list(value)


def url_multiselect_value(key: str, options: Sequence[str]) -> list[str]:
    """The value of a ``url_multiselect`` that this run draws later, or not at all (its section
    is closed): what the session holds, else what the URL says (the widget keeps the two in
    step)."""
    if key in st.session_state:
        return [v for v in st.session_state[key] if v in options]
    raw = st.query_params.get_all(key)
    try:
        return multi_parser(options)(raw) if raw else []
    except ValueError:
        return []


@dataclass(frozen=True)
class AnyOf:
    """A page's "any of" filter: a ``url_multiselect`` (empty means every option) whose value is
    read before its widget is drawn, so what it filters can be sent first."""

    key: str  # widget key and URL parameter
    label: str  # catalogue key
    options: Sequence[str]
    name: Callable[[str], str | None]  # an option's name (None: the code itself)

    def value(self) -> list[str]:
        return url_multiselect_value(self.key, self.options)

    def draw(self, t: Translator, container: Any, placeholder: str) -> None:
        url_multiselect(
            t(self.label),
            self.options,
            self.key,
            format_func=lambda c: self.name(c) or c,
            container=container,
            placeholder=placeholder,
        )


@dataclass(frozen=True)
class OneOf:
    """A ``url_selectbox`` whose value is read before its widget is drawn (see ``AnyOf``): the
    key, options and default are given once, for both."""

    key: str  # widget key and URL parameter
    options: Sequence[str]
    default: str

    def value(self) -> str:
        seed_from_url(self.key, choice_parser(self.options), self.default)
        value = st.session_state[self.key]
        return value if value in self.options else self.default

    def draw(self, label: str, format_func: Callable[[str], str], container: Any = st) -> None:
        url_selectbox(
            label,
            self.options,
            self.key,
            default=self.default,
            format_func=format_func,
            container=container,
        )


def year_range_parser(lo: int, hi: int) -> Callable[[list[str]], tuple[int, int]]:
    def parse(raw: list[str]) -> tuple[int, int]:
        a, b = (int(x) for x in raw[0].split("-"))
        if not lo <= a <= b <= hi:
            raise ValueError(raw[0])
        return (a, b)

    return parse


# -- the shared sidebar ---------------------------------------------------------------------------
def sidebar(t: Translator | None = None) -> tuple[str, str | None, tuple[int, int]]:
    """Language, region and year range: in the sidebar, in session state and in the URL.

    Returns (lang, region ISO code or None, (first year, last year))."""
    seed_from_url(LANG_KEY, choice_parser(LANGS), _initial_lang())
    lang = st.sidebar.selectbox(
        Translator(st.session_state[LANG_KEY])("sidebar.language"),
        LANGS,
        key=LANG_KEY,
        format_func=LANG_NAMES.__getitem__,
    )
    st.query_params[LANG_KEY] = lang
    t = Translator(lang)

    regions = q("regions")
    codes = [""] + regions["iso_code"].tolist()
    names = dict(zip(regions["iso_code"], regions[t.name_col()]))
    region = url_selectbox(
        t("sidebar.region"),
        codes,
        REGION_KEY,
        default="",
        format_func=lambda c: (
            names.get(c, t("sidebar.all_regions")) if c else t("sidebar.all_regions")
        ),
        container=st.sidebar,
    )
    bounds = q("year_bounds").iloc[0]
    lo, hi = int(bounds["min_year"]), int(bounds["max_year"])
    seed_from_url(YEARS_KEY, year_range_parser(lo, hi), (lo, hi))
    years = st.sidebar.slider(t("sidebar.years"), lo, hi, key=YEARS_KEY)
    write_url(YEARS_KEY, tuple(years), (lo, hi), lambda v: f"{v[0]}-{v[1]}")
    return lang, (region or None), (int(years[0]), int(years[1]))


def region_names(t: Translator) -> dict[str, str]:
    regions = q("regions")
    return dict(zip(regions["iso_code"], regions[t.name_col()]))


def selected_region() -> str | None:
    return st.session_state.get(REGION_KEY) or None


def selected_years() -> tuple[int, int]:
    value = st.session_state.get(YEARS_KEY)
    if value is None:
        bounds = q("year_bounds").iloc[0]
        return int(bounds["min_year"]), int(bounds["max_year"])
    return int(value[0]), int(value[1])


def has_demo() -> bool:
    return bool(q("store_facts").iloc[0]["has_demo"])


# -- built figures, shared by every session --------------------------------------------------------
# Chart builders are pure functions (DataFrame, Translator, plain values) -> go.Figure, and a
# Plotly figure takes 10-30 ms to build (Plotly validates every property). A page opened again
# with the same data, language and filters gets the figure built before.
_FIGURES: OrderedDict[Any, Any] = OrderedDict()
_FIGURES_LOCK = threading.Lock()
FIGURE_CACHE_SIZE = 256
_FREEZE_BUDGET = 5000  # values a key may hold; a larger argument (a GeoJSON) is not cached


class _Uncacheable(Exception):
    pass


def figure_key(build: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """What a builder's figure depends on: the builder, and its arguments made hashable (a
    DataFrame by its content, a Translator by its language). Raises _Uncacheable for an
    argument that cannot be keyed cheaply."""
    budget = [_FREEZE_BUDGET]

    def freeze(value: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise _Uncacheable
        if value is None or isinstance(value, str | int | float | bool | dt.date):
            return value
        if isinstance(value, Translator):
            return ("Translator", value.lang)
        if isinstance(value, pd.DataFrame) and (origin := _origin(value)) is not None:
            # as q() returned it: its content is the query result's
            return ("query", origin)
        if isinstance(value, pd.DataFrame | pd.Series):
            budget[0] -= len(value) // 100
            if budget[0] < 0:
                raise _Uncacheable
            hashed = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
            frame = value.to_frame() if isinstance(value, pd.Series) else value
            dtypes = tuple((str(c), str(d)) for c, d in frame.dtypes.items())
            return ("frame", dtypes, hashlib.blake2b(hashed, digest_size=16).hexdigest())
        if isinstance(value, Mapping):
            return ("map", tuple(sorted((str(k), freeze(v)) for k, v in value.items())))
        if isinstance(value, list | tuple):
            return ("seq", tuple(freeze(v) for v in value))
        if isinstance(value, set | frozenset):
            return ("set", tuple(sorted(freeze(v) for v in value)))
        try:
            hash(value)
        except TypeError:
            raise _Uncacheable from None
        if type(value).__hash__ is object.__hash__:
            raise _Uncacheable  # identity hash: two equal values would not share a figure
        return (type(value).__qualname__, value)

    return (
        build.__module__,
        build.__qualname__,
        freeze(args),
        freeze(tuple(sorted(kwargs.items()))),
    )


def _built(build: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """(figure, its JSON text), built once for equal arguments (see ``figure``)."""
    try:
        key = figure_key(build, args, kwargs)
    except _Uncacheable:
        fig = build(*args, **kwargs)
        return fig, plotly_view.to_spec(fig)
    with _FIGURES_LOCK:
        entry = _FIGURES.get(key)
        if entry is not None:
            _FIGURES.move_to_end(key)
            return entry
    fig = build(*args, **kwargs)
    entry = (fig, plotly_view.to_spec(fig))
    with _FIGURES_LOCK:
        _FIGURES[key] = entry
        while len(_FIGURES) > FIGURE_CACHE_SIZE:
            _FIGURES.popitem(last=False)
    return entry


def figure(build: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``build(*args, **kwargs)``, or the figure it returned before for equal arguments.

    The figure is shared: nothing may change it after it is built (its JSON text is kept with
    it and is what the browser gets)."""
    return _built(build, args, kwargs)[0]


def chart(
    key: str,
    build: Callable[..., Any],
    *args: Any,
    on_select: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Build (or reuse, see ``figure``) ``build(*args, **kwargs)`` and draw it under ``key``;
    ``on_select``: a callback for a click on a point (read it with ``clicked(key)``)."""
    _fig, spec = _built(build, args, kwargs)
    return _show(spec, key, on_select)


def plotly(fig: Any, key: str, on_select: Callable[[], None] | None = None) -> Any:
    """Draw a figure built by the page under a stable key, with an offline, PNG-capable,
    full-screen-capable toolbar, updated in place on the next rerun (``plotly_view``)."""
    return _show(plotly_view.to_spec(fig), key, on_select)


def _show(spec: str, key: str, on_select: Callable[[], None] | None) -> Any:
    t = tr()
    labels = {
        "fullscreen": t("chart.fullscreen"),
        "exit_fullscreen": t("chart.exit_fullscreen"),
        "failed": t("chart.failed"),
    }
    return plotly_view.show(spec, key=key, lang=t.lang, labels=labels, on_select=on_select)


def clicked(key: str) -> dict[str, Any]:
    """The click that ran the chart ``key``'s ``on_select`` callback: ``{"points": [...]}``."""
    return plotly_view.clicked(key)


TEXT_MAX_CHARS = 200  # a search box's longest text, in the box and from the URL


def url_text_input(
    label: str, key: str, *, max_chars: int = TEXT_MAX_CHARS, container: Any = st, **kw: Any
) -> str:
    """A text input whose value lives in the URL as ``?key=<text>`` (removed while empty)."""
    seed_from_url(key, lambda raw: raw[0][:max_chars], "")
    value = container.text_input(label, key=key, max_chars=max_chars, **kw)
    write_url(key, value, "", str)
    return str(value)


def url_text_input_value(key: str, *, max_chars: int = TEXT_MAX_CHARS) -> str:
    """The value a ``url_text_input`` drawn later in this run will show: read before the widget
    is drawn, so what depends on it can be sent first."""
    seed_from_url(key, lambda raw: raw[0][:max_chars], "")
    return str(st.session_state[key] or "")


def url_number_input(
    label: str,
    key: str,
    *,
    min_value: int,
    max_value: int,
    default: int,
    container: Any = st,
    **kw: Any,
) -> int:
    """An integer input whose value lives in the URL as ``?key=<n>``, clamped to the range."""

    def parse(raw: list[str]) -> int:
        return int(raw[0])

    seed_from_url(key, parse, default)
    st.session_state[key] = min(max(int(st.session_state[key]), min_value), max_value)
    value = container.number_input(
        label, min_value=min_value, max_value=max_value, step=1, key=key, **kw
    )
    write_url(key, int(value), default, str)
    return int(value)


def page(key: str) -> Any:
    """The ``st.Page`` that app.py registered for a navigation key (e.g. ``"region"``).

    Switching by Page object rather than by file path works wherever the app is entered from
    (AppTest enters through tests/app/entry.py)."""
    return st.session_state["_pages"][key]


def switch_page(key: str, **query_params: str) -> None:
    """Open another page of the app, carrying the language and the given URL parameters."""
    params = {"lang": current_lang(), **query_params}
    st.switch_page(page(key), query_params=params)


def rejected_url_value(key: str) -> str | None:
    """The value a link gave for ``key`` that the widget could not accept (e.g. an unknown
    region code), or None."""
    return st.session_state.get(REJECTED_KEY, {}).get(key)


def forget_rejected_url_value(key: str) -> None:
    st.session_state.get(REJECTED_KEY, {}).pop(key, None)


def metric_cards(rows: Any) -> None:
    """KPI cards (``views_overview.card_rows`` output: rows of cards) as bordered st.metric."""
    for row_cards in rows:
        for col, card in zip(st.columns(len(row_cards)), row_cards):
            col.metric(
                card.label,
                card.value,
                delta=card.delta,
                delta_color=card.delta_color,
                delta_arrow=card.delta_arrow,
                help=card.help,
                border=True,
            )


def download_buttons(
    key: str,
    page: str,
    region: str | None,
    years: tuple[int, int] | None,
    *,
    csv: Callable[[], bytes],
    xlsx: Callable[[], bytes],
    disabled: bool = False,
) -> None:
    """CSV and XLSX download buttons (keys ``<key>_csv`` and ``<key>_xlsx``), labelled in the
    user's language. ``csv``/``xlsx`` build the file only when the user clicks."""
    from creative_dash.export import MIME, export_filename

    t = tr()
    for (kind, build), col in zip((("csv", csv), ("xlsx", xlsx)), st.columns(2, width=520)):
        col.download_button(
            t(f"export.{kind}"),
            data=build,
            mime=MIME[kind],
            file_name=export_filename(page, region, years, kind),
            help=t(f"export.{kind}_help"),
            key=f"{key}_{kind}",
            disabled=disabled,
            on_click="ignore",
            icon=":material/download:",
        )
