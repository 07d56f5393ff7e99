"""Every setting of creative_dash.settings is documented in the README with its default, and the
README documents no setting that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from creative_dash.settings import ROOT, SETTINGS, Setting

README = ROOT / "README.md"


def readme() -> str:
    assert README.is_file(), "README.md is missing"
    return README.read_text(encoding="utf-8")


def shown_default(setting: Setting) -> str:
    """The default as a reader sees it: paths inside the repository are relative."""
    path = Path(setting.default)
    if setting.default and path.is_absolute() and path.is_relative_to(ROOT):
        return path.relative_to(ROOT).as_posix()
    return setting.default


def table_row(text: str, name: str) -> list[str] | None:
    """Cells of the README table row whose first cell is `NAME`."""
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.lstrip().startswith("|") and cells and cells[0] == f"`{name}`":
            return cells
    return None


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_setting_is_documented_with_its_default(setting: Setting) -> None:
    row = table_row(readme(), setting.name)
    assert row is not None, f"README has no table row for `{setting.name}`"
    rest = " | ".join(row[1:])
    default = shown_default(setting)
    if default:
        assert f"`{default}`" in rest or default in rest, (
            f"README row of {setting.name} does not show its default {default!r}: {row}"
        )
    else:
        assert "empty" in rest.lower() or '""' in rest, (
            f"README row of {setting.name} should say its default is empty: {row}"
        )
    assert len(rest) > len(default) + 20, f"{setting.name} has no description in the README"


# Variables of the test suite, not of the app (README, "Tests"): each must be read by tests/.
TEST_ONLY = {"CREATIVE_DASH_TEST_BACKEND"}


def test_readme_mentions_only_real_settings() -> None:
    names = {s.name for s in SETTINGS}
    mentioned = set(re.findall(r"\bCREATIVE_DASH_[A-Z0-9_]+\b", readme()))
    unknown = mentioned - names - TEST_ONLY
    assert not unknown, f"README documents unknown settings: {unknown}"
    tests_dir = Path(__file__).resolve().parents[1]
    suite = "".join(p.read_text(encoding="utf-8") for p in tests_dir.glob("*.py"))
    for name in TEST_ONLY & mentioned:
        assert name in suite, f"{name} is documented but no test module reads it"


def test_every_setting_has_help_and_a_unique_name() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    for s in SETTINGS:
        assert s.name.startswith("CREATIVE_DASH_") and s.help.strip(), s
