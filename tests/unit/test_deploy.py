"""deploy/: the nginx site as the README installs it passes ``nginx -t`` (Debian's nginx, its
TLS placeholders filled with a throw-away certificate); the systemd unit names what the README
says; a PostgreSQL backup made as the README says restores into a working store."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from creative_dash.store import SCHEMA_VERSION, Store
from creative_dash.store.bootstrap import ensure_store
from tests.unit.test_postgres import PgServer, _as_postgres, pg_server  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = Path("/usr/sbin/nginx")


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (required in CI)", pytrace=False)
    pytest.skip(what)


def test_the_nginx_site_passes_nginx_t(tmp_path):
    if not NGINX.exists():
        _missing("nginx is not installed (apt-get install nginx)")
    key, crt = tmp_path / "site.key", tmp_path / "site.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=dashboard.example.kz", "-keyout", str(key), "-out", str(crt)],
        check=True, capture_output=True,
    )  # fmt: skip
    site = (DEPLOY / "nginx" / "creative-dash.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/certs/creative-dash.crt", str(crt))
    site = site.replace("/etc/ssl/private/creative-dash.key", str(key))
    site = site.replace(
        "include snippets/creative-dash-proxy.conf;",
        f"include {DEPLOY / 'nginx' / 'creative-dash-proxy.conf'};",
    )
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include /etc/nginx/mime.types;
    include {DEPLOY / "nginx" / "creative-dash-maps.conf"};
    include {tmp_path / "site.conf"};
}}
""",
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(NGINX), "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_systemd_unit_runs_one_replica_per_port():
    unit = (DEPLOY / "systemd" / "creative-dash@.service").read_text(encoding="utf-8")
    assert "--server.port %i" in unit and "--server.address 127.0.0.1" in unit
    assert "EnvironmentFile=/etc/creative-dash/env" in unit
    # the deployment serves what `make run` serves (asgi.py: compression, caching, headers)
    make_run = re.search(r"^run:.*\n\t(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert make_run and "streamlit run asgi.py" in make_run.group(1)
    assert re.search(r"^ExecStart=\S+/streamlit run asgi\.py ", unit, re.M)
    assert re.search(r"^Restart=always$", unit, re.M)
    timer = (DEPLOY / "systemd" / "creative-dash-backup.timer").read_text(encoding="utf-8")
    assert "OnCalendar=" in timer
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("creative-dash@.service", "creative-dash-backup.timer", "creative-dash.conf"):
        assert name in readme, name


TABLES = ("regions", "initiatives", "hubs", "indicators", "audit_log", "data_versions")


def counts(store: Store) -> dict[str, int]:
    # table names from the constant above
    return {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}  # noqa: S608


def _pg(server: PgServer, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [f"{server.bindir}/{tool}", "-h", "127.0.0.1", "-p", str(server.port), *args]
    return subprocess.run(_as_postgres(cmd), capture_output=True, text=True, check=False)


@pytest.mark.postgres
def test_a_backup_restores_into_a_working_store(pg_server):  # noqa: F811
    """What README, "Deployment", says: pg_dump --format=custom, then pg_restore into a new
    database (--no-owner: the restoring role owns what it restores)."""
    url = pg_server.createdb("creative_backup")
    s = Store(url)
    ensure_store(s, with_demo=True)
    before = counts(s)
    versions = s.versions()
    s.close()
    dump = Path(pg_server.root) / "creative_dash.dump"  # where the postgres user may write
    made = _pg(pg_server, "pg_dump", "--format=custom", f"--file={dump}", "creative_backup")
    assert made.returncode == 0, made.stderr
    assert dump.stat().st_size > 10_000
    restored_url = pg_server.createdb("creative_restored")
    back = _pg(pg_server, "pg_restore", "--no-owner", "--dbname=creative_restored", str(dump))
    assert back.returncode == 0, back.stderr
    r = Store(restored_url)
    try:
        assert r.schema_version() == SCHEMA_VERSION
        assert counts(r) == before
        assert r.versions() == versions
        # and it works: a write there bumps its version, the original is untouched
        with r.transaction() as cur:
            cur.execute("UPDATE hubs SET residents = residents + 1 WHERE hub_id = 1")
        assert r.data_version() == versions.total + 1
    finally:
        r.close()


def test_the_postgres_extension_is_pinned_to_the_apps_duckdb():
    """A deployment installs requirements-postgres.txt (README): DuckDB's postgres extension
    wheel must be exactly the duckdb of requirements.txt, or the store cannot attach."""
    app = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    pg = (ROOT / "requirements-postgres.txt").read_text(encoding="utf-8")
    duckdb = re.search(r"^duckdb==(\S+)$", app, re.M)
    ext = re.search(r"^duckdb-extension-postgres-scanner==(\S+)$", pg, re.M)
    assert duckdb and ext and duckdb.group(1) == ext.group(1)
    assert re.search(r"^-r requirements\.txt$", pg, re.M)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -r requirements-postgres.txt" in readme


class _Recorder:
    """A stand-in replica: answers the health check, records the headers of every other
    request (nginx's view of what a replica receives)."""

    def __init__(self) -> None:
        import http.server
        import threading

        seen: dict[str, dict[str, str]] = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if self.path != "/_stcore/health":
                    seen[self.path] = {k.lower(): v for k, v in self.headers.items()}
                self.send_response(200 if self.path == "/_stcore/health" else 400)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.seen = seen
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_every_proxied_path_gets_the_browsers_host(tmp_path):
    """Streamlit compares the websocket's Origin with its Host: nginx must pass the browser's
    Host on /_stcore/stream too (a location with its own proxy_set_header inherits none of the
    server's). With the upstream's name instead, every browser not on localhost got a page
    that never loaded (found by following the README's deployment on this machine)."""
    import http.client

    from tests.e2e.replicas import nginx

    if not NGINX.exists():
        _missing(f"{NGINX} is missing: apt-get install nginx")
    replica = _Recorder()
    try:
        with nginx([replica.url], tmp_path) as url:
            port = int(url.rsplit(":", 1)[1])
            for path, extra in (
                ("/_stcore/stream", {"Upgrade": "websocket", "Connection": "Upgrade"}),
                ("/", {}),
                ("/static/js/index.js", {}),
            ):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", path, headers={"Host": "dashboard.example.kz", **extra})
                conn.getresponse().read()
                conn.close()
                got = replica.seen[path]
                assert got["host"] == "dashboard.example.kz", (path, got)
                assert got.get("x-forwarded-proto") == "http", (path, got)
            assert replica.seen["/_stcore/stream"].get("upgrade") == "websocket"
    finally:
        replica.close()
