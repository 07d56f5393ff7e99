"""The registry of named queries: :func:`query` registers a function under its name, :func:`run`
calls it by name.

Apart from the package's ``__init__`` (which imports every query module, so that importing
``creative_dash.queries`` registers them all), the query modules import this module, not the
package: otherwise package and modules would import each other, and the package would have to
define ``query`` before importing them.
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
