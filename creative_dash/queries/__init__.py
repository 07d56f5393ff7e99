"""Named queries: each function takes a Store and keyword filters, binds every value as a
parameter, aggregates in DuckDB and returns a DataFrame whose columns its docstring lists.

Functions register themselves with :func:`query` so the UI can call them by name and cache them
by (name, store location, data version, every argument).
"""

from creative_dash.queries.registry import REGISTRY, QueryFn, query, run

__all__ = ["REGISTRY", "QueryFn", "query", "run"]

# Importing the modules registers their queries.
from creative_dash.queries import (  # noqa: F401
    admin,
    common,
    editing,
    hubs,
    initiatives,
    live,
    overview,
    programme,
    region,
)
