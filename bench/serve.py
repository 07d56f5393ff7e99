"""``python -m bench.serve <script> [streamlit options]``: ``streamlit run`` in this process,
with every named query the app runs appended to ``$BENCH_QUERY_LOG`` (name, arguments, ms).

The benchmark replays those calls against the store directly, so it times exactly the queries
the pages use with the arguments they use. The log is written only on a cache miss (that is
when ``creative_dash.ui`` calls ``queries.run``) and costs microseconds, so the server measured
is the app as users get it.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from typing import Any


def _log_queries(path: str) -> None:
    from creative_dash import queries

    lock = threading.Lock()
    original = queries.run

    def run(store: Any, name: str, **params: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(store, name, **params)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            with lock, open(path, "ab") as f:
                pickle.dump({"name": name, "params": params, "ms": ms}, f)

    queries.run = run


def main() -> None:
    log = os.environ.get("BENCH_QUERY_LOG")
    if log:
        _log_queries(log)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
