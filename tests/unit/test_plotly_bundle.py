"""Checks on the committed partial plotly.js bundle (static/plotly/plotly-creative.min.js).

The bundle is built by scripts/plotly_bundle/build.sh (npm + esbuild, never run by CI). These
checks read files only: the bundle is the one the README describes (sha256, size), and its
plotly.js version is the one that plotly.py bundles, so upgrading plotly.py without rebuilding
the bundle fails here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_DIR = ROOT / "static" / "plotly"
BUNDLE = BUNDLE_DIR / "plotly-creative.min.js"
README = BUNDLE_DIR / "README.md"
LICENSE = BUNDLE_DIR / "LICENSE-plotly.js.txt"
RECIPE = ROOT / "scripts" / "plotly_bundle" / "package.json"

# "* plotly.js v4.1.1" (plotly.py's copy) or "* plotly.js (creative - minified) v4.1.1".
BANNER_VERSION = re.compile(r"^\* plotly\.js (?:\([^)]*\) )?v(\d+\.\d+\.\d+)\s*$", re.MULTILINE)


def _banner_version(path: Path) -> str:
    with path.open("r", encoding="utf-8") as f:
        head = f.read(600)
    assert head.startswith("/**"), f"{path} does not start with plotly.js's banner comment"
    match = BANNER_VERSION.search(head)
    assert match, f"no plotly.js version in the banner of {path}"
    return match.group(1)


def _plotly_py_bundle() -> Path:
    # find_spec locates the package without importing it (importing plotly takes ~0.5 s).
    spec = importlib.util.find_spec("plotly")
    assert spec is not None and spec.submodule_search_locations, "plotly.py is not installed"
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    assert path.is_file(), f"plotly.py ships no {path}"
    return path


def test_bundle_exists_with_the_plotly_js_banner() -> None:
    assert BUNDLE.is_file()
    assert _banner_version(BUNDLE) == "4.1.1"
    tail = BUNDLE.read_bytes()[-200:]
    assert b"window.Plotly = Plotly;" in tail, "the bundle does not set window.Plotly"


def test_bundle_matches_the_readme() -> None:
    data = BUNDLE.read_bytes()
    readme = README.read_text(encoding="utf-8")
    sha = re.search(r"^\| sha256 \| `([0-9a-f]{64})` \|$", readme, re.MULTILINE)
    size = re.search(r"^\| bytes \| (\d+) ", readme, re.MULTILINE)
    assert sha and size, "static/plotly/README.md lost its sha256 / bytes rows"
    assert hashlib.sha256(data).hexdigest() == sha.group(1), (
        "plotly-creative.min.js changed: rebuild it with scripts/plotly_bundle/build.sh and "
        "update the sha256 and size in static/plotly/README.md"
    )
    assert len(data) == int(size.group(1))


def test_bundle_version_is_plotly_py_bundled_version() -> None:
    bundled = _banner_version(_plotly_py_bundle())
    assert _banner_version(BUNDLE) == bundled, (
        f"plotly.py now bundles plotly.js {bundled}: bump plotly.js in "
        "scripts/plotly_bundle/package.json, run scripts/plotly_bundle/build.sh and commit "
        "the new bundle"
    )


def test_recipe_pins_the_bundled_version_and_the_licence_is_shipped() -> None:
    deps = json.loads(RECIPE.read_text(encoding="utf-8"))["dependencies"]
    assert deps["plotly.js"] == _banner_version(BUNDLE)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", v) for v in deps.values()), "pin exact versions"
    assert "MIT License" in LICENSE.read_text(encoding="utf-8")
