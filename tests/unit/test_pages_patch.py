"""creative_dash/ui/pages_patch.py sets a class attribute of Streamlit's PagesManager. These tests
fail when a Streamlit upgrade changes what that attribute is or does: it must still be a class
attribute, set from the ``pages/`` folder only while unset, read by the script runner to choose
the old multipage mode, and cleared by ``st.navigation`` the way the patch clears it."""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from creative_dash.ui import pages_patch

MODULE, CLASS, ATTRIBUTE = pages_patch.PATCHED


@pytest.fixture
def pages_manager() -> Iterator[Any]:
    """The patched class, its attribute restored afterwards (it is process-wide)."""
    cls = getattr(importlib.import_module(MODULE), CLASS)
    before = getattr(cls, ATTRIBUTE)
    yield cls
    setattr(cls, ATTRIBUTE, before)


def _main_script(folder: Path, *, with_pages: bool) -> str:
    (folder / "app.py").write_text("", encoding="utf-8")
    if with_pages:
        (folder / "pages").mkdir()
        (folder / "pages" / "one.py").write_text("", encoding="utf-8")
    return str(folder / "app.py")


def test_the_attribute_is_a_class_level_optional_bool(pages_manager: Any) -> None:
    assert ATTRIBUTE in vars(pages_manager), f"{CLASS}.{ATTRIBUTE} is no longer a class attribute"
    assert inspect.get_annotations(pages_manager)[ATTRIBUTE] in ("bool | None", bool | None)
    assert getattr(pages_manager, ATTRIBUTE) in (None, True, False)


def test_a_pages_folder_sets_it_only_while_unset(pages_manager: Any, tmp_path: Path) -> None:
    """Each new session makes a PagesManager: once the patch has set False, a session started
    later must not switch the old mode back on because app.py has a pages/ folder."""
    script = _main_script(tmp_path, with_pages=True)
    setattr(pages_manager, ATTRIBUTE, None)
    pages_manager(script, setup_watcher=False)
    assert getattr(pages_manager, ATTRIBUTE) is True  # what happens on a fresh server

    setattr(pages_manager, ATTRIBUTE, False)
    pages_manager(script, setup_watcher=False)
    assert getattr(pages_manager, ATTRIBUTE) is False

    other = tmp_path / "no_pages"
    other.mkdir()
    setattr(pages_manager, ATTRIBUTE, None)
    pages_manager(_main_script(other, with_pages=False), setup_watcher=False)
    assert getattr(pages_manager, ATTRIBUTE) is False


def _reads(module: str, function: str) -> list[ast.If]:
    """The ``if PagesManager.uses_pages_directory:`` statements of ``module`` that call
    ``function`` in their body."""
    tree = ast.parse(inspect.getsource(importlib.import_module(module)))
    found = []
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if (
            isinstance(node, ast.If)
            and isinstance(test, ast.Attribute)
            and test.attr == ATTRIBUTE
            and isinstance(test.value, ast.Name)
            and test.value.id == CLASS
        ):
            calls = [
                c.func.id
                for c in ast.walk(ast.Module(body=node.body, type_ignores=[]))
                if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)
            ]
            if function in calls:
                found.append(node)
    return found


def test_the_script_runner_chooses_the_old_mode_by_it() -> None:
    """What the patch switches off: the runner runs the page files in the old multipage mode
    (``_mpa_v1``) instead of app.py when the attribute is true."""
    runner = "streamlit.runtime.scriptrunner.script_runner"
    assert callable(getattr(importlib.import_module(runner), "_mpa_v1", None))
    assert len(_reads(runner, "_mpa_v1")) == 1


def test_st_navigation_clears_it_as_the_patch_does(pages_manager: Any) -> None:
    """app.py's st.navigation sets the same attribute False on its first run; the patch only
    does it before that run (for a deep link on a fresh server)."""
    from streamlit.commands import navigation

    source = inspect.getsource(navigation.navigation)
    assert f"{CLASS}.{ATTRIBUTE} = False" in source


def test_the_patch_leaves_the_old_mode_and_reruns_only_if_it_was_in_it(
    pages_manager: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit.runtime.scriptrunner as scriptrunner

    reruns = []
    monkeypatch.setattr(pages_patch.st, "rerun", lambda: reruns.append(1))
    monkeypatch.setattr(scriptrunner, "get_script_run_ctx", lambda: object())

    setattr(pages_manager, ATTRIBUTE, True)  # a page run on its own, on a fresh server
    pages_patch.leave_pages_directory_mode()
    assert getattr(pages_manager, ATTRIBUTE) is False
    assert reruns == [1]

    pages_patch.leave_pages_directory_mode()  # the run through app.py that follows
    assert getattr(pages_manager, ATTRIBUTE) is False
    assert reruns == [1]

    monkeypatch.setattr(scriptrunner, "get_script_run_ctx", lambda: None)  # an import, no run
    setattr(pages_manager, ATTRIBUTE, True)
    pages_patch.leave_pages_directory_mode()
    assert getattr(pages_manager, ATTRIBUTE) is False
    assert reruns == [1]


def test_the_server_leaves_the_old_mode_before_any_session(pages_manager: Any) -> None:
    """asgi.py, which Streamlit loads when the server starts, switches the old mode off: many
    deep links as a fresh server's first requests then all run through app.py, with no rerun in
    the middle of an import (tests/e2e/test_cold_start.py)."""
    import runpy

    setattr(pages_manager, ATTRIBUTE, None)  # a fresh server
    runpy.run_path(str(Path(__file__).resolve().parents[2] / "asgi.py"))
    assert getattr(pages_manager, ATTRIBUTE) is False
    # a session's PagesManager made afterwards (app.py has a pages/ folder) keeps it off
    pages_manager(str(Path(__file__).resolve().parents[2] / "app.py"), setup_watcher=False)
    assert getattr(pages_manager, ATTRIBUTE) is False
