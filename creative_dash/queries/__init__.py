"""Named queries: each function takes a Store and keyword filters, binds every value as a
parameter, aggregates in DuckDB and returns a DataFrame whose columns its docstring lists.

Functions register themselves with :func:`query` so the UI can call them by name and cache them
by (name, store location, data version, every argument).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

from creative_dash.store import Store

QueryFn = Callable[..., pd.DataFrame]
F = TypeVar("F", bound=QueryFn)

REGISTRY: dict[str, QueryFn] = {}


def query(fn: F) -> F:
    """Register a query under its function name."""
    if fn.__name__ in REGISTRY:
        raise ValueError(f"query {fn.__name__} registered twice")
    REGISTRY[fn.__name__] = fn
    return fn


def run(store: Store, name: str, **params: Any) -> pd.DataFrame:
    return REGISTRY[name](store, **params)


# Importing the modules registers their queries.
from creative_dash.queries import (  # noqa: E402,F401
    common,
    hubs,
    initiatives,
    live,
    overview,
    programme,
    region,
)
