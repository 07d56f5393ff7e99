"""Servers for the replica tests: a throw-away PostgreSQL (Debian's packages), the store on it
built by the command line, ``streamlit run`` replicas on it, and nginx (Debian's package) in
front of them with the configuration of deploy/nginx."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import monotonic

import pytest

from tests.e2e.conftest import ARTIFACTS, ROOT, _free_port, _missing, _start, _stop

NGINX = Path("/usr/sbin/nginx")
DEPLOY = ROOT / "deploy" / "nginx"


# The servers of these tests run at a higher priority than the machine's other work: a
# deployment has its machine to itself, while the test machine's two cores are shared with other
# jobs (load averages of 15-30 were seen), which would otherwise decide the timings measured.
PRIORITY = -20


def prioritise(pid: int, *, children: bool = False) -> None:
    """Give process ``pid`` (and its present children) the servers' priority (root only; else
    nothing changes). Threads and processes they start later inherit it."""
    pids = [pid]
    if children:
        found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
        pids += [int(p) for p in found.stdout.split()]
    # a priority belongs to each thread on Linux: every thread of each process
    threads = [int(t.name) for p in pids for t in Path(f"/proc/{p}/task").glob("*")]
    for one in threads:
        try:
            os.setpriority(os.PRIO_PROCESS, one, PRIORITY)
        except (PermissionError, ProcessLookupError):
            pass


def descendants(pid: int) -> list[int]:
    """Every process started by ``pid``, and by those, and so on (e.g. Playwright's Chromium)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        out += children
        todo += children
    return out


def postmaster(data: str) -> int:
    """The pid of the PostgreSQL server whose data folder is ``data``."""
    return int(Path(data, "postmaster.pid").read_text().split()[0])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def init_store(url: str) -> None:
    """The store built as the README says (``python -m creative_dash init --demo``)."""
    result = subprocess.run(
        [sys.executable, "-m", "creative_dash", "init", "--db", url, "--demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@contextmanager
def replica(url: str, workdir: Path, name: str) -> Iterator[tuple[str, Path, int]]:
    """(base URL, log, pid) of ``streamlit run app.py`` on the shared store at ``url``."""
    log = workdir / f"{name}.log"
    log.touch()
    started = None
    for _attempt in range(3):  # another process may take the free port first
        started = _start(Path(os.devnull), log, {"CREATIVE_DASH_DB": url}, None)
        if started:
            break
    if started is None:
        pytest.fail("streamlit did not start\n" + log.read_text(errors="replace"), pytrace=False)
    proc, base = started
    prioritise(proc.pid)
    try:
        yield base, log, proc.pid
    finally:
        _stop(proc)
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(log, ARTIFACTS / f"{name}.log")


def log_problems(log: Path) -> list[str]:
    """Lines of a server log that say something went wrong."""
    bad = ("Traceback", " ERROR ", "Exception", "could not serialize")
    return [
        line for line in log.read_text(errors="replace").splitlines() if any(b in line for b in bad)
    ]


def nginx_conf(port: int, upstreams: list[str], root: Path) -> str:
    """A whole nginx.conf for a test: deploy/nginx's maps and proxy snippet, an upstream of the
    replicas as creative-dash.conf has it, on a plain-HTTP port (the TLS part of the site file
    is checked by `nginx -t` in tests/unit/test_deploy.py)."""
    servers = "\n".join(f"        server {u.split('//', 1)[1]};" for u in upstreams)
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log {root}/access.log;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {DEPLOY}/creative-dash-maps.conf;
    upstream creative_dash {{
        hash $cd_route consistent;
{servers}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{port};
        # which replica answered (tests only)
        add_header X-Test-Replica $upstream_addr always;
        include {DEPLOY}/creative-dash-proxy.conf;
    }}
}}
"""


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def nginx(upstreams: list[str], workdir: Path) -> Iterator[str]:
    """Base URL of nginx on a free port in front of the replicas."""
    if not NGINX.exists():
        _missing(f"{NGINX} is missing: apt-get install nginx")
    root = workdir / "nginx"
    root.mkdir()
    port = _free_port()
    conf = root / "nginx.conf"
    conf.write_text(nginx_conf(port, upstreams, root), encoding="utf-8")
    test = subprocess.run(
        [str(NGINX), "-t", "-p", str(root), "-c", str(conf)], capture_output=True, text=True
    )
    assert test.returncode == 0, test.stderr
    proc = subprocess.Popen(
        [str(NGINX), "-p", str(root), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = monotonic() + 30
        while not _answers(url):
            assert proc.poll() is None, (root / "error.log").read_text(errors="replace")
            assert monotonic() < deadline, "nginx did not answer"
            try:
                proc.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        ARTIFACTS.mkdir(exist_ok=True)
        for name in ("error.log", "access.log"):
            if (root / name).exists():
                shutil.copy(root / name, ARTIFACTS / f"nginx-{name}")
