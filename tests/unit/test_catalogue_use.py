"""Every user-visible string comes from the message catalogues.

A static scan (``ast``) of app.py, pages/ and the chart builders: a string literal passed as the
text of a Streamlit display or widget call (first argument, or label/help/title/caption/...
keyword) fails, unless it has no letters once markup is removed (CSS, "---", emoji, HTML
wrappers around translated text). And every literal message key given to ``t(...)`` exists in
all three catalogues.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from creative_dash.i18n import LANGS, catalog

ROOT = Path(__file__).resolve().parents[2]
UI_FILES = sorted([ROOT / "app.py", *(ROOT / "pages").glob("*.py")])
CHART_FILES = sorted((ROOT / "creative_dash" / "charts").glob("*.py"))
PACKAGE_FILES = sorted((ROOT / "creative_dash").rglob("*.py"))

# Calls whose first positional argument is text the user reads.
FIRST_ARG_TEXT = {
    # text elements
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "write",
    "text",
    "html",
    "badge",
    # status messages
    "error",
    "warning",
    "info",
    "success",
    "toast",
    "exception",
    "spinner",
    "status",
    # widgets (first argument = label)
    "button",
    "download_button",
    "link_button",
    "form_submit_button",
    "menu_button",
    "selectbox",
    "multiselect",
    "slider",
    "select_slider",
    "radio",
    "checkbox",
    "toggle",
    "text_input",
    "text_area",
    "number_input",
    "date_input",
    "datetime_input",
    "time_input",
    "file_uploader",
    "color_picker",
    "camera_input",
    "audio_input",
    "chat_input",
    "pills",
    "segmented_control",
    "metric",
    "expander",
    "popover",
    "dialog",
    # our URL-bound widgets in creative_dash.ui
    "url_selectbox",
    "url_multiselect",
    # st.column_config.* (first argument = column header)
    "Column",
    "TextColumn",
    "NumberColumn",
    "ProgressColumn",
    "LinkColumn",
    "DateColumn",
    "DatetimeColumn",
    "TimeColumn",
    "ListColumn",
    "BarChartColumn",
    "LineChartColumn",
    "AreaChartColumn",
    "CheckboxColumn",
    "SelectboxColumn",
    "MultiselectColumn",
    "ImageColumn",
    "JsonColumn",
    "MarkdownColumn",
    "ButtonColumn",
}
# Calls whose first positional argument is a list of labels.
FIRST_ARG_LABELS = {"tabs"}
# Calls whose text comes only through keywords (their first argument is a page, an image...).
KEYWORD_ONLY = {
    "Page",
    "page_link",
    "image",
    "set_page_config",
    "progress",
    "plotly_chart",
    "dataframe",
    "data_editor",
    "line_chart",
    "bar_chart",
    "area_chart",
    "scatter_chart",
    "navigation",
}
TEXT_KEYWORDS = {
    "label",
    "help",
    "title",
    "caption",
    "placeholder",
    "page_title",
    "x_label",
    "y_label",
    "text",
    "body",
}
# Names too common outside Streamlit (``log.info``, ``fh.write``, ``s.title()``): checked only
# when the receiver is Streamlit (``st``, ``st.sidebar``, a column/container made by ``st``).
AMBIGUOUS = {
    "title",
    "header",
    "text",
    "write",
    "html",
    "badge",
    "error",
    "warning",
    "info",
    "success",
    "toast",
    "exception",
    "status",
    "image",
    "progress",
    "dialog",
    "navigation",
    "Page",
}
CHECKED = FIRST_ARG_TEXT | FIRST_ARG_LABELS | KEYWORD_ONLY

# Chart builders: figure titles must be translated too.
CHART_TITLE_CALLS = {"new_figure": 1, "empty_figure": 1}  # name -> index of the title argument
CHART_TITLE_KEYWORDS = {
    "title",
    "title_text",
    "xaxis_title",
    "yaxis_title",
    "legend_title_text",
    "coloraxis_colorbar_title_text",
}

# (file relative to the repository, literal text) -> why it may stay untranslated.
ALLOWED: dict[tuple[str, str], str] = {}


# -- helpers ---------------------------------------------------------------------------------------
def literal_text(node: ast.AST | None) -> str | None:
    """The literal text an expression contributes, with ``{}`` where values are interpolated;
    None when the expression has no literal text of its own (a variable, a t(...) call)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            else:
                parts.append("{}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        left, right = literal_text(node.left), literal_text(node.right)
        if left is None and right is None:
            return None
        return (left or "{}") + (right or "{}")
    if isinstance(node, ast.IfExp):
        texts = [t for t in (literal_text(node.body), literal_text(node.orelse)) if t]
        return " ".join(texts) if texts else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
    ):
        return literal_text(node.func.value)
    return None


def visible(text: str) -> str:
    """What a reader would see of a literal: markup, CSS, icons and placeholders removed."""
    text = re.sub(r"(?is)<(style|script)\b.*?</\1\s*>", " ", text)
    text = re.sub(r"(?s)<[^>]*>", " ", text)
    text = re.sub(r"&(#\d+|[a-zA-Z]+);", " ", text)
    text = re.sub(r":material/[a-z0-9_]+:", " ", text)
    text = re.sub(r":[a-z0-9_+-]+:", " ", text)  # emoji shortcodes
    text = re.sub(r"\{[^{}]*\}", " ", text)
    return text


def has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in visible(text))


def root_name(node: ast.AST) -> str | None:
    """``st`` for ``st.sidebar.columns(2)[0].metric``."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for elt in target.elts:
            yield from target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)


def streamlit_names(tree: ast.Module) -> set[str]:
    """``st`` and every name bound to something made by it (columns, containers, tabs...)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "streamlit":
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module == "streamlit":
            names.update(alias.asname or alias.name for alias in node.names)

    def from_streamlit(expr: ast.AST) -> bool:
        return any(
            root_name(sub) in names
            for sub in ast.walk(expr)
            if isinstance(sub, ast.Call | ast.Attribute | ast.Subscript | ast.Name)
        )

    changed = True
    while changed:
        before = len(names)
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and from_streamlit(node.value):
                for target in node.targets:
                    names.update(target_names(target))
            elif isinstance(node, ast.With):
                for item in node.items:
                    if item.optional_vars is not None and from_streamlit(item.context_expr):
                        names.update(target_names(item.optional_vars))
            elif isinstance(node, ast.For) and from_streamlit(node.iter):
                names.update(target_names(node.target))
        changed = len(names) != before
    return names


def call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def untranslated_in_ui_file(path: Path) -> list[str]:
    return untranslated_ui(path.read_text(encoding="utf-8"), rel(path))


def untranslated_ui(source: str, name: str) -> list[str]:
    """``file:line: call(where='literal')`` for every untranslated literal in a UI module."""
    tree = ast.parse(source, filename=name)
    st_names = streamlit_names(tree)
    found: list[str] = []

    def check(node: ast.expr, call: str, where: str) -> None:
        text = literal_text(node)
        if text is not None and has_letters(text) and (name, text) not in ALLOWED:
            found.append(f"{name}:{node.lineno}: {call}({where}={text!r})")

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        call = call_name(node)
        if call not in CHECKED:
            continue
        if call in AMBIGUOUS and root_name(node.func) not in st_names:
            continue
        if call in FIRST_ARG_TEXT and node.args:
            check(node.args[0], call, "arg0")
        if call in FIRST_ARG_LABELS and node.args:
            first = node.args[0]
            elements = first.elts if isinstance(first, ast.List | ast.Tuple) else [first]
            for element in elements:
                check(element, call, "label")
        for keyword in node.keywords:
            if keyword.arg in TEXT_KEYWORDS:
                check(keyword.value, call, keyword.arg)
    return found


def untranslated_in_chart_file(path: Path) -> list[str]:
    return untranslated_charts(path.read_text(encoding="utf-8"), rel(path))


def untranslated_charts(source: str, file: str) -> list[str]:
    tree = ast.parse(source, filename=file)
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        candidates: list[tuple[str, ast.AST]] = []
        if name in CHART_TITLE_CALLS and len(node.args) > CHART_TITLE_CALLS[name]:
            candidates.append(("title", node.args[CHART_TITLE_CALLS[name]]))
        candidates += [(k.arg, k.value) for k in node.keywords if k.arg in CHART_TITLE_KEYWORDS]
        for where, value in candidates:
            text = literal_text(value)
            if text is not None and has_letters(text) and (file, text) not in ALLOWED:
                found.append(f"{file}:{value.lineno}: {name}({where}={text!r})")
    return found


# -- the checks on the code ------------------------------------------------------------------------
@pytest.mark.parametrize("path", UI_FILES, ids=rel)
def test_ui_text_comes_from_the_catalogue(path: Path) -> None:
    found = untranslated_in_ui_file(path)
    assert not found, "user-visible literals (use t('key')):\n" + "\n".join(sorted(found))


@pytest.mark.parametrize("path", CHART_FILES, ids=rel)
def test_chart_titles_come_from_the_catalogue(path: Path) -> None:
    found = untranslated_in_chart_file(path)
    assert not found, "untranslated chart titles (use t('key')):\n" + "\n".join(found)


def test_allow_list_entries_are_still_used() -> None:
    """A stale allow-list entry would hide the next literal with the same text."""
    texts = set()
    for path in UI_FILES + CHART_FILES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = literal_text(node)
            if text is not None:
                texts.add((rel(path), text))
    assert not set(ALLOWED) - texts


# -- the scanner itself must catch what it is meant to catch -------------------------------------
SCANNER_CASES = {
    'st.title("Overview")': 1,
    'st.sidebar.selectbox("Region", codes, key="x")': 1,
    'c1, c2 = st.columns(2)\nc1.metric("Hubs", 3)': 1,
    'with st.expander(t("a.b")) as box:\n    box.write(f"Total: {n}")': 1,
    'st.tabs([t("a.b"), "Map"])': 1,
    'st.button(label="Save", key="k")': 1,
    'st.Page("pages/x.py", title="X page")': 1,
    'st.metric(t("a.b"), 3, help="Hubs " + "count")': 1,
    'ui.url_selectbox("Metric", ["a"], "k", default="a")': 1,
    # allowed: translated, markup without words, icons, logging, paths
    'st.title(t("a.b"))': 0,
    'st.markdown("---")': 0,
    'st.markdown("<style>.x {color: red}</style>", unsafe_allow_html=True)': 0,
    "st.markdown(f\"<div class='kpi'>{value}</div>\", unsafe_allow_html=True)": 0,
    "st.markdown(f\"**{t('a.b')}**\")": 0,
    'st.page_link("pages/region.py", label=t("a.b"), icon=":material/map:")': 0,
    'log.info("store error")': 0,
    "name.title()": 0,
    'st.caption("🎨 :material/info:")': 0,
}


@pytest.mark.parametrize(("source", "expected"), SCANNER_CASES.items())
def test_scanner(source: str, expected: int) -> None:
    found = untranslated_ui("import streamlit as st\n" + source + "\n", "probe.py")
    assert len(found) == expected, (source, found)


def test_chart_scanner() -> None:
    source = (
        'fig = new_figure(t, "Initiatives by region")\n'
        'fig.update_layout(xaxis_title="Year")\n'
        'ok = new_figure(t, t("a.b"))\n'
    )
    assert len(untranslated_charts(source, "charts_probe.py")) == 2


# -- every literal message key exists ----------------------------------------------------------
KEY_FUNCS = {"t", "tr", "_t"}
KEY_SHAPE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


def message_keys(tree: ast.AST) -> Iterator[tuple[int, str, str]]:
    """(line, kind, text): kind 'key' for t("a.b"), 'prefix' for t(f"a.{x}") and
    t.enum("group", x)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        if name in KEY_FUNCS and node.args:
            args = node.args
            # i18n.t(lang, "key") takes the language first
            if (
                len(args) >= 2
                and not isinstance(args[0], ast.Constant | ast.JoinedStr)
                and isinstance(args[1], ast.Constant | ast.JoinedStr)
            ):
                first = args[1]
            else:
                first = args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, "key", first.value
            elif isinstance(first, ast.JoinedStr) and first.values:
                head = first.values[0]
                if (
                    isinstance(head, ast.Constant)
                    and isinstance(head.value, str)
                    and "." in head.value
                ):
                    yield node.lineno, "prefix", head.value[: head.value.rindex(".") + 1]
        elif name == "enum" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield node.lineno, "prefix", first.value + "."


KEY_FILES = sorted({ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *PACKAGE_FILES})


@pytest.mark.parametrize("path", KEY_FILES, ids=rel)
def test_message_keys_exist(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = []
    for line, kind, text in message_keys(tree):
        for lang in LANGS:
            keys = catalog(lang)
            if kind == "key" and text not in keys:
                problems.append(f"{rel(path)}:{line}: {text!r} missing in {lang}")
            if kind == "prefix" and not any(k.startswith(text) for k in keys):
                problems.append(f"{rel(path)}:{line}: no key {text}* in {lang}")
    assert not problems, "\n".join(sorted(problems, key=lambda p: int(p.split(":")[1])))


def test_key_scanner_finds_keys() -> None:
    tree = ast.parse('t("a.b")\nt(lang, "c.d")\ntr(f"nav.{k}")\nt.enum("status", s)\nui.tr()\n')
    assert sorted((k, v) for _, k, v in message_keys(tree)) == [
        ("key", "a.b"),
        ("key", "c.d"),
        ("prefix", "nav."),
        ("prefix", "status."),
    ]


def test_the_scan_sees_the_app() -> None:
    """Guard against a scan that silently checks nothing."""
    keys = [
        text
        for path in KEY_FILES
        for _, kind, text in message_keys(ast.parse(path.read_text(encoding="utf-8")))
        if kind == "key"
    ]
    assert "about.title" in keys and "app.error" in keys
    assert all(KEY_SHAPE.match(k) for k in keys), [k for k in keys if not KEY_SHAPE.match(k)]
