"""Ten users downloading 25,000 rows at once: the server's memory stays bounded.

Runs scripts/export_load.py in a subprocess of its own (a clean process, so its resident size
is the export's doing) on a demo store of 25,500 initiatives. Time is reported, not asserted:
the test machine is shared and noisy; memory and the number of exports at once are asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from creative_dash import store as store_mod
from creative_dash.store.bootstrap import ensure_store

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "export_load.py"
MAX_GROWTH_MB = 300  # above the idle server, for the whole burst
SLOTS = 2


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export-load") / "big.duckdb"
    s = store_mod.Store(str(path))
    ensure_store(s, with_demo=True, scale=17)  # 25,500 initiatives
    s.close()
    return path


def _run(db: Path, kind: str) -> dict:
    env = {**os.environ, "CREATIVE_DASH_EXPORT_SLOTS": str(SLOTS)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--db", str(db), "--kind", kind, "--concurrent", "10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux /proc")
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_ten_concurrent_exports_keep_memory_bounded(big_store: Path, kind: str) -> None:
    report = _run(big_store, kind)
    print(json.dumps(report))  # the timings, for the record (pytest -s)
    assert report["rows"] == 25_000
    assert report["built"] + report["refused"] == 10
    assert report["built"] >= 1  # the first ones got a slot
    assert report["most_at_once"] <= SLOTS
    assert report["file_bytes"] and min(report["file_bytes"]) > 1_000_000  # 25,000 real rows
    assert report["growth_mb"] <= MAX_GROWTH_MB, report
