"""One registry of settings: (name, default, help), read from the environment.

Every setting is documented in the README; ``tests/unit/test_settings.py`` checks that.
Secrets never live here: the PostgreSQL URL with its password comes from the ``[postgres] url``
of ``.streamlit/secrets.toml`` (see ``.streamlit/secrets.toml.example``), read from the files
Streamlit reads for ``st.secrets``, by the app and the command line alike. Whatever prints or logs
a location or an error passes it through :func:`redact` first, and :func:`redact_logs` puts a
filter on the log handlers that does the same for every log line.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

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
        "PostgreSQL attached through DuckDB's postgres extension. Unset: the `[postgres] url` "
        "of `.streamlit/secrets.toml` if there is one (the place for a URL with a password), "
        "else the default file.",
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
        "1: when the store is missing, `streamlit run app.py` builds it with demo data "
        "(the embedded DuckDB file only: a PostgreSQL store never gets demo data on start; "
        "`python -m creative_dash init --demo` loads it on purpose). "
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
        "CREATIVE_DASH_PG_CONNECTIONS",
        "64",
        "On PostgreSQL: connections each dashboard process keeps open to the server (the "
        "postgres extension's default, 4, makes a room voting at once open and close "
        "connections all the time). The server's max_connections must exceed replicas x this.",
    ),
    Setting(
        "CREATIVE_DASH_PG_LOCAL_COPY",
        "1",
        "On PostgreSQL: 1 keeps a copy of the analytic tables (initiatives, hubs, the programme, "
        "reference data) in each dashboard process's memory, refreshed when their data version "
        "changes, and runs the pages' queries on it (at 1.5 million initiatives a query through "
        "the postgres scanner takes seconds, on the copy tens of ms; it takes memory: about 0.5 "
        "GB at that size). 0 reads every query from PostgreSQL through the scanner.",
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
    Setting(
        "CREATIVE_DASH_FRAME_ANCESTORS",
        "'self'",
        "Which sites may show the app in a frame (Content-Security-Policy frame-ancestors, and "
        "X-Frame-Options where it can say the same): a space-separated list such as "
        "`'self' https://intranet.example.kz`, `'none'` for no site, `*` for any. An unreadable "
        "value gives the default.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str) -> str:
    """The setting's value from the environment, or its default."""
    setting = _BY_NAME[name]
    value = os.environ.get(name)
    return setting.default if value is None or value == "" else value


def db_location() -> str:
    """Where the store lives: ``CREATIVE_DASH_DB``, else ``[postgres] url`` of the secrets, else
    the default file."""
    value = os.environ.get("CREATIVE_DASH_DB")
    if value:
        return value
    url = secret("postgres", "url")
    return url if url else get("CREATIVE_DASH_DB")


# -- secrets --------------------------------------------------------------------------------------
def secrets_files() -> list[Path]:
    """The secrets files Streamlit reads for ``st.secrets`` by default, later ones winning: the
    user's, the working directory's, the app's (``.streamlit/secrets.toml`` beside app.py)."""
    files = [
        Path.home() / ".streamlit" / "secrets.toml",
        Path.cwd() / ".streamlit" / "secrets.toml",
        ROOT / ".streamlit" / "secrets.toml",
    ]
    return list(dict.fromkeys(files))


def secret(section: str, key: str) -> str | None:
    """``[section] key`` of the secrets files (the last file that has it), or None."""
    found = None
    for path in secrets_files():
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            continue
        value = _read_secrets(str(path), stamp).get(section, {})
        if isinstance(value, dict) and value.get(key) not in (None, ""):
            found = str(value[key])
    return found


@lru_cache(maxsize=8)
def _read_secrets(path: str, _mtime_ns: int) -> dict[str, Any]:
    """One secrets file, parsed once per version of it (the app asks on every query)."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        # the file's content never goes to the log: it holds passwords
        logging.getLogger(__name__).warning(
            "cannot read %s (%s): its secrets are ignored", path, type(exc).__name__
        )
        return {}


# -- redaction ------------------------------------------------------------------------------------
# scheme://user:PASSWORD@host: the password runs to the last "@" before the host's "/".
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^:@/\s'\"]*):[^\s'\"/]*@")
# libpq keywords or URL parameters: password=..., sslpassword=...
_KEY_PASSWORD = re.compile(
    r"(?i)(?P<head>\b(?:ssl)?password\s*=\s*)(?:'[^']*'|\"[^\"]*\"|[^\s&'\"]+)"
)
HIDDEN = "***"


def redact(text: object) -> str:
    """``text`` with every password of a connection URL or string replaced by ``***``
    (``postgresql://postgres:***@host/db``)."""
    out = _URL_PASSWORD.sub(lambda m: f"{m['head']}:{HIDDEN}@", str(text))
    return _KEY_PASSWORD.sub(lambda m: f"{m['head']}{HIDDEN}", out)


class RedactingFilter(logging.Filter):
    """A log handler filter that redacts passwords in the message and the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def redact_logs() -> None:
    """Put a :class:`RedactingFilter` on the handlers of the root logger and of every logger
    that has its own (Streamlit's), once."""
    known = list(logging.Logger.manager.loggerDict.values())  # a copy: threads add loggers
    loggers = [logging.getLogger()] + [lg for lg in known if isinstance(lg, logging.Logger)]
    for logger in loggers:
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


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
