"""Superset's configuration for ``make bench-peer`` (read through SUPERSET_CONFIG_PATH).

Everything that differs per run comes from the environment the harness sets: a generated
SECRET_KEY and a temporary directory for the SQLite metadata database and the caches. The
rest is what a pip install of Superset does by default, but for a data cache (so a repeated
chart is served from it, as our app serves repeated queries from st.cache_data) and for the
dashboard roles that let the benchmark's dashboard be opened without signing in, as our
overview is.
"""

import os

_HOME = os.environ["BENCH_PEER_HOME"]

SECRET_KEY = os.environ["BENCH_PEER_SECRET_KEY"]
SQLALCHEMY_DATABASE_URI = f"sqlite:///{_HOME}/superset.db"
DATA_DIR = _HOME
# Query results cached on disk (shared by the gunicorn workers); a new filter value misses it.
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": f"{_HOME}/data-cache",
    "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
}
CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": f"{_HOME}/cache",
    "CACHE_DEFAULT_TIMEOUT": 24 * 3600,
}
# The dashboard is opened anonymously (as our overview is): the Public role is like Gamma
# (may read dashboards and charts) and the dashboard grants it its datasets (DASHBOARD_RBAC).
PUBLIC_ROLE_LIKE = "Gamma"
FEATURE_FLAGS = {"DASHBOARD_RBAC": True}
# Nothing leaves the machine: no telemetry, no example data, no thumbnails.
SCARF_ANALYTICS = False
THUMBNAILS_ENABLED = False
