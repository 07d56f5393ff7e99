"""Make the brief's fonts (static/fonts/) from Debian's DejaVu Sans (package fonts-dejavu-core):
the scripts the dashboard writes in (Latin, Cyrillic with every Kazakh letter), punctuation,
currency (₸), arrows, maths and the shapes the brief draws with, every other glyph left out.

Why: fpdf2 reads the whole font on every PDF; the full DejaVu Sans (760 KB, 6,000 glyphs) took
0.3-0.6 s of a brief's build per weight, this cut (300 KB) about half of that. The licence (Bitstream
Vera, DejaVu changes public domain: static/fonts/LICENSE-DejaVu.txt) allows modified copies
whose names contain neither "Bitstream" nor "Vera".

    python scripts/build_fonts.py [/usr/share/fonts/truetype/dejavu]
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "static" / "fonts"
FONTS = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
RANGES = (
    (0x0020, 0x024F),  # Basic Latin, Latin-1, Latin Extended-A and -B
    (0x0300, 0x036F),  # combining marks
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic and its supplement: every Kazakh letter
    (0x2000, 0x20CF),  # punctuation, super- and subscripts, currency (₸)
    (0x2100, 0x22FF),  # letterlike, number forms, arrows, mathematical operators
    (0x2460, 0x24FF),  # enclosed alphanumerics (ⓘ)
    (0x2500, 0x27BF),  # box drawing, shapes, symbols, dingbats (●, ○, ┆, ✓)
)


def build(source_dir: Path) -> None:
    codes = [c for lo, hi in RANGES for c in range(lo, hi + 1)]
    for name in FONTS:
        font = TTFont(source_dir / name)
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.legacy_kern = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=codes)
        subsetter.subset(font)
        font.save(OUT / name)
        print(f"{name}: {(OUT / name).stat().st_size // 1024} KB")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/truetype/dejavu"))
