"""Widgets bound to the URL: the one way a widget's value lives in the address bar.

A widget's value is seeded from ``?key=`` when its key has no value yet (a shared link), and
written back to the URL while it differs from its default. A value the link gave that the widget
cannot accept is kept (``rejected_url_value``) so the page can say what it ignored, and every
value a link gave that a page ignores (an unknown option, a year range that is not one) is named
once under the page's title by :func:`url_notice` (app.py keeps its place).

Pages declare their widgets as bindings: :class:`AnyOf` (a multiselect), :class:`OneOf` (a
selectbox), :class:`Text` (a text input) and :class:`YearSpan` (a year-range slider). Each is
given its key, options and default once, reads its value before it is drawn (so what it filters
can be sent first, and its widget drawn later, or not at all while its section is closed), and
names the :class:`~creative_dash.filters.Filters` field it sets (``field``), if any: that is how
``ui.page_filters`` reads a page's filters. The ``url_*`` functions are what they draw with.
:class:`UrlValue` is a value kept in the URL that no widget shows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st

from creative_dash.i18n import Translator
from creative_dash.text import inert, visible
from creative_dash.ui.lang import tr

REJECTED_KEY = "_rejected_url_values"
IGNORED_KEY = "_url_ignored"  # {URL parameter: [values]} ignored since the last notice
REPORTED_KEY = "_url_reported"  # parameters whose ignored value the page named itself
T = TypeVar("T")


class PartlyKnown(ValueError):
    """A link's list of values of which some are known (``value``, used) and some not
    (``ignored``, named by the page's notice)."""

    def __init__(self, value: Any, ignored: Sequence[str]) -> None:
        super().__init__(list(ignored))
        self.value = value
        self.ignored = list(ignored)


def ignore_url_values(key: str, values: Sequence[str]) -> None:
    """Note that the link's ``values`` of ``key`` were ignored, for :func:`url_notice`."""
    noted = st.session_state.setdefault(IGNORED_KEY, {}).setdefault(key, [])
    noted.extend(v for v in values if v not in noted)


def seed_from_url(key: str, parse: Callable[[list[str]], Any], default: Any) -> None:
    """Give a widget key its starting value: from the URL if it parses, else ``default``.

    Only when the key has no value yet, so a user's choice is never overwritten. What the URL
    gave that could not be used is noted for :func:`url_notice`."""
    if key in st.session_state:
        return
    raw = st.query_params.get_all(key)
    value = None
    if raw:
        try:
            value = parse(raw)
        except PartlyKnown as partly:
            value = partly.value
            ignore_url_values(key, partly.ignored)
        except (ValueError, TypeError, KeyError):
            value = None
            # kept so a page can say what was wrong with the link (see rejected_url_value)
            st.session_state.setdefault(REJECTED_KEY, {})[key] = raw[0]
            ignore_url_values(key, raw)
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
    """``?key=a,b`` (or ``?key=a&key=b``) as a list of options; unknown values are left out
    (:class:`PartlyKnown` carries the known ones and names the others)."""

    def parse(raw: list[str]) -> list[str]:
        values = [v for part in raw for v in part.split(",") if v]
        if not values:
            raise ValueError(raw)
        known = [v for v in values if v in options]
        if len(known) < len(values):
            raise PartlyKnown(known, [v for v in values if v not in options])
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
    value = container.selectbox(
        label, options, key=key, format_func=lambda v: visible(format_func(v)), **kw
    )
    write_url(key, value, default, str)
    return value


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
    value = container.multiselect(
        label, options, key=key, format_func=lambda v: visible(format_func(v)), **kw
    )
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
    except PartlyKnown as partly:  # named once: the address keeps the known values only
        ignore_url_values(key, partly.ignored)
        write_url(key, partly.value, [], lambda v: ",".join(v))
        return list(partly.value)
    except ValueError:
        ignore_url_values(key, raw)
        write_url(key, [], [], str)
        return []


@dataclass(frozen=True)
class AnyOf:
    """A page's "any of" filter: a ``url_multiselect`` (empty means every option) whose value is
    read before its widget is drawn, so what it filters can be sent first."""

    key: str  # widget key and URL parameter
    label: str  # catalogue key
    options: Sequence[str]
    name: Callable[[str], str | None]  # an option's name (None: the code itself)
    field: str = ""  # the Filters field it sets ("": none)

    def value(self) -> list[str]:
        return url_multiselect_value(self.key, self.options)

    def draw(self, t: Translator, container: Any, placeholder: str) -> None:
        url_multiselect(
            t(self.label),
            self.options,
            self.key,
            format_func=lambda c: self.name(c) or c,
            container=container,
            placeholder=visible(placeholder),
        )


@dataclass(frozen=True)
class OneOf:
    """A ``url_selectbox`` whose value is read before its widget is drawn (see ``AnyOf``): the
    key, options and default are given once, for both."""

    key: str  # widget key and URL parameter
    options: Sequence[str]
    default: str
    field: str = ""  # the Filters field it sets ("": none)

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


TEXT_MAX_CHARS = 200  # a search box's longest text, in the box and from the URL


@dataclass(frozen=True)
class Text:
    """A ``url_text_input`` (a search box) whose value is read before it is drawn."""

    key: str  # widget key and URL parameter
    field: str = ""  # the Filters field it sets ("": none)
    max_chars: int = TEXT_MAX_CHARS

    def value(self) -> str:
        return url_text_input_value(self.key, max_chars=self.max_chars)

    def draw(self, label: str, container: Any = st, **kw: Any) -> None:
        url_text_input(label, self.key, max_chars=self.max_chars, container=container, **kw)


@dataclass(frozen=True)
class YearSpan:
    """A year-range slider from ``lo`` to ``hi``, in the URL as ``?key=2019-2022`` while it is
    narrowed. Its value is None while it spans every year (no filter), else (first, last)."""

    key: str  # widget key and URL parameter
    lo: int
    hi: int
    field: str = ""  # the Filters field it sets ("": none)

    def _seed(self) -> tuple[int, int]:
        seed_from_url(self.key, year_range_parser(self.lo, self.hi), (self.lo, self.hi))
        a, b = (int(v) for v in st.session_state[self.key])
        a, b = max(a, self.lo), min(b, self.hi)
        span = (a, b) if a <= b else (self.lo, self.hi)
        if tuple(st.session_state[self.key]) != span:  # bounds narrower than a link's span
            st.session_state[self.key] = span
        return span

    def value(self) -> tuple[int, int] | None:
        span = self._seed()
        return None if span == (self.lo, self.hi) else span

    def draw(self, label: str, container: Any = st, **kw: Any) -> None:
        self._seed()
        years = container.slider(label, self.lo, self.hi, key=self.key, **kw)
        write_url(self.key, tuple(years), (self.lo, self.hi), lambda v: f"{v[0]}-{v[1]}")


def year_range_parser(lo: int, hi: int) -> Callable[[list[str]], tuple[int, int]]:
    def parse(raw: list[str]) -> tuple[int, int]:
        a, b = (int(x) for x in raw[0].split("-"))
        if not lo <= a <= b <= hi:
            raise ValueError(raw[0])
        return (a, b)

    return parse


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


def rejected_url_value(key: str) -> str | None:
    """The value a link gave for ``key`` that the widget could not accept (e.g. an unknown
    region code), or None. A page that asks names it itself: :func:`url_notice` leaves it out."""
    value = st.session_state.get(REJECTED_KEY, {}).get(key)
    if value is not None:
        st.session_state.setdefault(REPORTED_KEY, set()).add(key)
    return value


def ignored_url_values() -> dict[str, list[str]]:
    """What links gave that pages ignored since the last :func:`url_notice`, by parameter."""
    return {k: list(v) for k, v in st.session_state.get(IGNORED_KEY, {}).items()}


def url_notice_text(t: Translator, ignored: dict[str, list[str]]) -> str | None:
    """The notice naming ignored link values as ``parameter=value`` (inert: shown as typed),
    or None when there are none."""
    if not ignored:
        return None
    shown = [f"{key}={value}" for key, values in ignored.items() for value in values]
    return t("app.url_ignored", values=", ".join(inert(s[:120]) for s in shown[:10]))


def url_notice() -> None:
    """One caption, in the reader's language, naming every value the link gave that this run
    ignored (``?sectors=music,planet``: ``sectors=planet``), but those the page named itself.
    app.py keeps its place at the top of the page and draws it once the page has run."""
    ignored = st.session_state.pop(IGNORED_KEY, {})
    reported = st.session_state.pop(REPORTED_KEY, set())
    text = url_notice_text(tr(), {k: v for k, v in ignored.items() if k not in reported})
    if text:
        with st.container(key="url_notice"):
            st.caption(text)


def forget_rejected_url_value(key: str) -> None:
    st.session_state.get(REJECTED_KEY, {}).pop(key, None)


@dataclass(frozen=True)
class UrlValue(Generic[T]):
    """A value that lives in the URL as ``?key=`` with no widget of its own (the deck being
    presented, the slide shown, a device's voter token): read and written only through here.

    ``parse`` turns the URL's text into a value, returning None (or raising ValueError) for text
    it does not accept; ``default`` is never written (the parameter is removed instead)."""

    key: str
    parse: Callable[[str], T | None]
    default: T | None = None
    serialize: Callable[[T], str] = str

    def given(self) -> bool:
        """Whether the URL carries the parameter at all, accepted or not."""
        return bool(st.query_params.get(self.key))

    def get(self) -> T | None:
        """The URL's value, parsed; ``default`` when absent or not accepted."""
        raw = st.query_params.get(self.key)
        if not raw:
            return self.default
        try:
            value = self.parse(raw)
        except (ValueError, TypeError):
            value = None
        return self.default if value is None else value

    def set(self, value: T | None) -> None:
        """Put ``value`` in the URL (None or the default: remove the parameter)."""
        write_url(self.key, value, self.default, self.serialize)

    def clear(self) -> None:
        self.set(None)
