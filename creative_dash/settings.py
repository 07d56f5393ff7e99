"""One registry of settings: (name, default, help), read from the environment.

Every setting is documented in the README; ``tests/unit/test_settings.py`` checks that.
Secrets never live here: they come from ``st.secrets`` (see ``.streamlit/secrets.toml.example``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
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
        "CREATIVE_DASH_EXPORT_SLOTS",
        "2",
        "How many downloads (CSV/XLSX files) the app builds at once; a click beyond that asks the "
        "user to try again in a moment. Each one holds its rows and file in memory while it "
        "runs (about 50 MB for 25,000 rows). 0 turns downloads off.",
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
