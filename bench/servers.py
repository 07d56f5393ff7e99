"""Start ``streamlit run`` on free localhost ports, wait on /_stcore/health, read /proc."""

from __future__ import annotations

import os
import pickle
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    script: str
    env: dict[str, str]
    log_path: Path
    query_log: Path | None = None
    port: int = 0
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def launch(self) -> None:
        self.port = free_port()
        env = {**os.environ, **self.env}
        if self.query_log is not None:
            env["BENCH_QUERY_LOG"] = str(self.query_log)
        # bench.serve is `streamlit run` in-process (plus a query log), so this pid is the
        # server whose CPU time and memory we read.
        cmd = [
            sys.executable,
            "-m",
            "bench.serve",
            self.script,
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ]
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def cpu_seconds(self) -> float:
        """utime + stime of the whole process (all threads, DuckDB's included)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_bytes(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmRSS")

    def queries_run(self) -> list[dict[str, Any]]:
        """The queries this server ran so far (cache misses), from its query log."""
        if self.query_log is None or not self.query_log.exists():
            return []
        out: list[dict[str, Any]] = []
        with open(self.query_log, "rb") as f:
            while True:
                try:
                    out.append(pickle.load(f))
                except (EOFError, pickle.UnpicklingError):
                    return out

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)


def start_all(servers: list[Server], timeout: float = 120.0) -> None:
    """Launch every server and poll each one's health endpoint until all answer.

    A server that exits before answering (most often: another process took its port between
    our probe and its bind) is relaunched on a new port, at most three times."""
    for s in servers:
        s.launch()
    tries = {s.name: 1 for s in servers}
    deadline = time.monotonic() + timeout
    pending = list(servers)
    while pending:
        for s in list(pending):
            assert s.proc is not None
            if s.proc.poll() is not None:
                if tries[s.name] >= 3:
                    raise RuntimeError(f"{s.name} server exited; see {s.log_path}")
                tries[s.name] += 1
                s.launch()
            elif s.healthy():
                pending.remove(s)
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"servers not healthy after {timeout:.0f} s: "
                + ", ".join(f"{s.name} (log {s.log_path})" for s in pending)
            )
        if pending:
            time.sleep(0.1)  # polling interval, not a wait for readiness
