"""Checks on the committed partial plotly.js bundle (static/plotly/plotly-creative.min.js).

The bundle is built by scripts/plotly_bundle/build.sh (npm + esbuild, never run by CI). These
checks read files: the bundle is the one the README describes (sha256, size), its plotly.js
version is the one that plotly.py bundles, so upgrading plotly.py without rebuilding the bundle
fails here, and it registers every trace type the app's code can build.
"""

from __future__ import annotations

import ast
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


# -- every trace type the app can build is in the bundle ------------------------------------------
# The partial bundle draws only the trace types registered in it; a figure with another type (a
# go.Pie, say) shows an empty chart with no error. Each trace the code can build is found by
# reading it: go.<Trace>(...), fig.add_<trace>(...), {"type": "<trace>"} dicts; plotly.express,
# whose traces cannot be read off the code, is not used. tests/app/test_all_pages.py checks the
# figures every page sends, too.
SOURCES = sorted(
    [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "creative_dash").rglob("*.py")]
)
GRAPH_OBJECTS = ("plotly.graph_objects", "plotly.graph_objs")


def _trace_classes() -> dict[str, str]:
    import plotly.graph_objects as go
    from plotly.basedatatypes import BaseTraceType

    return {
        name: cls().type
        for name in dir(go)
        if isinstance(cls := getattr(go, name), type)
        and issubclass(cls, BaseTraceType)
        and cls is not BaseTraceType
    }


def trace_types_in(source: str) -> set[str]:
    """The Plotly trace types ``source`` can build (a "px" entry for any use of plotly.express)."""
    classes = _trace_classes()
    types = set(classes.values())
    tree = ast.parse(source)
    modules: set[str] = set()  # names bound to plotly.graph_objects
    bare: dict[str, str] = {}  # names bound to one of its trace classes
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in GRAPH_OBJECTS:
                    modules.add(alias.asname or alias.name)
                if alias.name.startswith("plotly.express"):
                    found.add("px")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module in GRAPH_OBJECTS:
                for alias in node.names:
                    if alias.name in classes:
                        bare[alias.asname or alias.name] = classes[alias.name]
            elif node.module == "plotly":
                for alias in node.names:
                    if alias.name in ("graph_objects", "graph_objs"):
                        modules.add(alias.asname or alias.name)
                    if alias.name == "express":
                        found.add("px")
            elif node.module.startswith("plotly.express"):
                found.add("px")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Name) and base.id in modules and node.attr in classes:
                found.add(classes[node.attr])  # go.Bar
            elif isinstance(base, ast.Attribute) and ast.unparse(base) in GRAPH_OBJECTS:
                if node.attr in classes:
                    found.add(classes[node.attr])  # plotly.graph_objects.Bar
            if node.attr.startswith("add_") and node.attr[4:] in types:
                found.add(node.attr[4:])  # fig.add_bar(...)
        elif isinstance(node, ast.Name) and node.id in bare:
            found.add(bare[node.id])
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if (
                    isinstance(key, ast.Constant)
                    and key.value == "type"
                    and isinstance(value, ast.Constant)
                    and value.value in types
                ):
                    found.add(value.value)  # {"type": "bar", ...}
    return found


def test_the_bundle_registers_the_traces_it_was_built_with() -> None:
    from creative_dash.ui.plotly_view import bundle_trace_types

    assert bundle_trace_types() == {"scatter", "bar", "choropleth", "scattergeo"}
    # the entry of the build lists the same (scatter comes with plotly.js/lib/core)
    entry = (ROOT / "scripts" / "plotly_bundle" / "index.js").read_text(encoding="utf-8")
    required = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry))
    assert required - {"core"} == bundle_trace_types() - {"scatter"}


def test_every_trace_type_the_code_builds_is_in_the_bundle() -> None:
    from creative_dash.ui.plotly_view import bundle_trace_types

    built: dict[str, set[str]] = {}
    for path in SOURCES:
        found = trace_types_in(path.read_text(encoding="utf-8"))
        if found:
            built[path.relative_to(ROOT).as_posix()] = found
    assert "px" not in set().union(*built.values()), f"plotly.express is used: {built}"
    assert {"bar", "choropleth", "scattergeo", "scatter"} <= set().union(*built.values())
    missing = {p: types - bundle_trace_types() for p, types in built.items()}
    missing = {p: types for p, types in missing.items() if types}
    assert not missing, (
        f"trace types not in static/plotly/plotly-creative.min.js: {missing}; add them to "
        "scripts/plotly_bundle/index.js and rebuild (static/plotly/README.md)"
    )


def test_the_trace_reader_finds_a_pie_however_it_is_written() -> None:
    """A go.Pie fails the test above: the reader finds it, and the bundle has no pie."""
    from creative_dash.ui.plotly_view import bundle_trace_types

    for source in (
        "import plotly.graph_objects as go\nfig = go.Figure(go.Pie(labels=['a'], values=[1]))",
        "import plotly.graph_objects\nt = plotly.graph_objects.Pie()",
        "from plotly import graph_objects as g\nt = g.Pie()",
        "from plotly.graph_objects import Pie\nt = Pie()",
        "def f(fig):\n    fig.add_pie(labels=['a'], values=[1])",
        "fig = {'data': [{'type': 'pie', 'values': [1]}]}",
    ):
        assert trace_types_in(source) == {"pie"}, source
    assert "pie" not in bundle_trace_types()
    assert trace_types_in("import plotly.express as px\nfig = px.pie(values=[1])") == {"px"}
    # not traces: a map projection's type, shapes and annotations
    assert trace_types_in("g = {'projection': {'type': 'mercator'}}\nfig.add_shape()") == set()
