"""One registry of settings: (name, default, help), read from the environment.

Every setting is documented in the README; ``tests/unit/test_settings.py`` checks that.
Secrets never live here: they come from ``st.secrets`` (see ``.streamlit/secrets.toml.example``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CREATIVE_DASH_DB",
        str(DATA_DIR / "local" / "creative_dash.duckdb"),
        "Where the store lives: a DuckDB file path, or a postgresql:// URL for a shared "
        "PostgreSQL attached through DuckDB's postgres extension.",
    ),
    Setting(
        "CREATIVE_DASH_BOUNDARIES",
        str(DATA_DIR / "boundaries" / "kz_regions.geojson"),
        "GeoJSON of the 20 regions (feature id = ISO 3166-2:KZ code). Point it to an official "
        "boundary file to replace the indicative one shipped in data/.",
    ),
    Setting(
        "CREATIVE_DASH_DEMO_ON_START",
        "1",
        "1: when the store is missing, `streamlit run app.py` builds it with demo data. "
        "0: start on an empty store (load real data with `python -m creative_dash init`).",
    ),
    Setting(
        "CREATIVE_DASH_DUCKDB_MEMORY_LIMIT",
        "2GB",
        "DuckDB memory_limit for every connection (a string DuckDB understands, e.g. 2GB).",
    ),
    Setting(
        "CREATIVE_DASH_DUCKDB_THREADS",
        "2",
        "DuckDB worker threads per connection.",
    ),
    Setting(
        "CREATIVE_DASH_DEFAULT_LANG",
        "kk",
        "Language used when neither the URL nor the browser's locale selects one (kk, ru or en).",
    ),
    Setting(
        "CREATIVE_DASH_PUBLIC_URL",
        "",
        "Public base URL of the app (e.g. https://creative.example.kz). Used for the poll's "
        "join link and QR code; empty means the address the presenter's browser uses.",
    ),
    Setting(
        "CREATIVE_DASH_SIGN_IN_TO_READ",
        "0",
        "0: every page is public and signing in is needed only to change data. 1: reading needs "
        "a signed-in user too; only the sign-in page and the audience's vote page stay public.",
    ),
    Setting(
        "CREATIVE_DASH_IDLE_MINUTES",
        "30",
        "A signed-in session ends after this many minutes without a page load or a click "
        "(a decimal number; identity provider sessions end at the provider too).",
    ),
    Setting(
        "CREATIVE_DASH_CLIENT_HEADER",
        "",
        "The request header that holds the client's address when the app runs behind a "
        "reverse proxy (e.g. X-Real-IP), for sign-in rate limits per client; empty: the "
        "address of the connection. Set it only when the proxy always sets that header.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The setting's value from the environment, or its default."""
    setting = _BY_NAME[name]
    value = os.environ.get(name)
    return setting.default if value is None or value == "" else value


def db_location() -> str:
    return get("CREATIVE_DASH_DB")


def boundaries_path() -> Path:
    return Path(get("CREATIVE_DASH_BOUNDARIES"))


def sign_in_to_read() -> bool:
    return get("CREATIVE_DASH_SIGN_IN_TO_READ") == "1"


def idle_timeout() -> timedelta:
    """CREATIVE_DASH_IDLE_MINUTES as a duration; an unreadable or non-positive value gives the
    default (a typo must not make sessions endless)."""
    default = float(_BY_NAME["CREATIVE_DASH_IDLE_MINUTES"].default)
    try:
        minutes = float(get("CREATIVE_DASH_IDLE_MINUTES"))
    except ValueError:
        minutes = default
    if not minutes > 0 or minutes == float("inf"):
        minutes = default
    return timedelta(minutes=minutes)
