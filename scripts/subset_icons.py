"""Build ``static/fonts/MaterialSymbols-Rounded-subset.woff2``: Streamlit's Material Symbols
icon font with only the icons anyone can ask for, which ``creative_dash/web.py`` serves at the
font's URL (375 KB -> about 50 KB on every first visit).

Icons are drawn by ligatures: the text ``map`` in that font is the map icon. Kept: every icon
whose name the app writes (``:material/<name>:`` in app.py, pages/, creative_dash/) and every
quoted word of Streamlit's frontend code that names an icon (its ``:material/<name>:`` icons
and the plain names it draws, such as the table's ``more_vert``), with the letters, digits and
``_`` the names are typed with. ``tests/unit/test_web.py`` checks both lists against the built
file, so a new icon or a Streamlit upgrade that needs one fails the tests until this is re-run:

    .venv/bin/python scripts/subset_icons.py

Build-time only (fontTools, requirements-dev.txt). Material Symbols: Apache License 2.0
(Google), as shipped in the streamlit wheel.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "static" / "fonts" / "MaterialSymbols-Rounded-subset.woff2"
# A font without a glyph: what the server answers for a font the theme does not use (the browser
# draws every character with the next font of the stack, and logs no error as for a 404).
EMPTY = ROOT / "static" / "fonts" / "empty.woff2"
APP_SOURCES = [
    ROOT / "app.py",
    *(ROOT / "pages").glob("*.py"),
    *(ROOT / "creative_dash").rglob("*"),
]
TYPED = "abcdefghijklmnopqrstuvwxyz0123456789_"
APP_ICON = re.compile(r":material/([a-z0-9_]+):")
QUOTED = re.compile(r"[`\"']([a-z0-9_]+)[`\"']")


def streamlit_static() -> Path:
    import streamlit.file_util

    return Path(streamlit.file_util.get_static_dir())


def source_font() -> Path:
    (font,) = (streamlit_static() / "static" / "media").glob("MaterialSymbols-Rounded.*.woff2")
    return font


def ligatures(font: TTFont) -> dict[str, str]:
    """{icon name: glyph} of the font's ligature substitutions."""
    chars = {glyph: chr(code) for code, glyph in font.getBestCmap().items()}
    out: dict[str, str] = {}
    for lookup in font["GSUB"].table.LookupList.Lookup:
        for table in lookup.SubTable:
            table = getattr(table, "ExtSubTable", table)
            for first, ligs in getattr(table, "ligatures", {}).items():
                for lig in ligs:
                    name = "".join(chars.get(g, "\0") for g in [first, *lig.Component])
                    out[name] = lig.LigGlyph
    return out


def app_icons() -> set[str]:
    names: set[str] = set()
    for path in APP_SOURCES:
        if path.is_file() and path.suffix in {".py", ".toml", ".js"}:
            names |= set(APP_ICON.findall(path.read_text(encoding="utf-8")))
    return names


def streamlit_words() -> set[str]:
    """Every quoted lower-case word and every ``:material/<name>:`` of Streamlit's frontend."""
    words: set[str] = set()
    for path in (streamlit_static() / "static" / "js").glob("*.js"):
        text = path.read_text(encoding="utf-8", errors="ignore")
        words |= set(QUOTED.findall(text)) | set(APP_ICON.findall(text))
    return words


def empty_font() -> bytes:
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef"])
    fb.setupCharacterMap({})
    fb.setupGlyf({".notdef": TTGlyphPen(None).glyph()})
    fb.setupHorizontalMetrics({".notdef": (500, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Creative Dash Empty", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    fb.font.flavor = "woff2"
    buf = io.BytesIO()
    fb.font.save(buf)
    return buf.getvalue()


def main() -> int:
    font = TTFont(source_font())
    names = ligatures(font)
    missing = app_icons() - names.keys()
    if missing:
        print(f"not icons of Material Symbols: {sorted(missing)}", file=sys.stderr)
        return 1
    keep = sorted((app_icons() | streamlit_words()) & names.keys())
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.layout_closure = False  # only the ligatures of the kept icons, not all 4,000
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(glyphs=sorted({names[n] for n in keep}), unicodes=[ord(c) for c in TYPED])
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff2"
    font.save(buf)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(buf.getvalue())
    print(f"{OUT.relative_to(ROOT)}: {len(keep)} icons, {len(buf.getvalue())} bytes")
    EMPTY.write_bytes(empty_font())
    return 0


if __name__ == "__main__":
    sys.exit(main())
