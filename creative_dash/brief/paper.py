"""The sheet a brief is printed on: A4 portrait, the project's font, a running head (with the
demo mark while the store holds demo rows) and a foot (sources, data version, page numbers) on
every page, and the drawing primitives the brief's sections use.

Made for black-and-white printers: text is black or dark grey, charts are shades of grey with
their values written beside them, nothing depends on colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT = "DejaVu"  # DejaVu Sans (static/fonts/, licence beside it): every Kazakh letter, and ₸
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# Page geometry, in millimetres. Nothing is drawn outside the margins (a test checks the
# rendered pages): printers clip the edge of a sheet.
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 15.0
WIDTH = PAGE_W - 2 * MARGIN
HEAD_H = 12.0  # the running head, from the top margin
FOOT_H = 16.0  # the foot, up to the bottom margin
BODY_TOP = MARGIN + HEAD_H
BODY_BOTTOM = PAGE_H - MARGIN - FOOT_H

# Greys (0 black, 255 white), chosen to stay apart on a laser printer.
INK = 0
TEXT_GREY = 70
EMPHASIS = 40  # the region's bar, its outline on the map
BAR = 150  # other bars
LIGHT = 215  # neighbours on the map, table stripes
RULE = 120
STRIPE = 243  # every other table row


@dataclass(frozen=True)
class Running:
    """What every page repeats: the head's title, the foot's source lines, the demo mark (None
    when the store holds no demo rows) and the page-number pattern (with ``{page}``/``{pages}``)."""

    head: str
    sources: Sequence[str]
    demo_mark: str | None
    page_of: str
    created: datetime


class Paper(FPDF):
    """An A4 sheet with the brief's running head and foot."""

    def __init__(self, running: Running, *, title: str, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.running = running
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, str(FONT_DIR / name))
        self.set_margins(MARGIN, BODY_TOP, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + FOOT_H)
        self.set_title(title)
        self.set_lang(lang)
        self.set_creator("creative_dash")
        # A fixed creation date: the same data gives the same file (and cache entry).
        self.set_creation_date(running.created)
        self.alias_nb_pages("{nb}")
        self.set_text_color(INK)

    # -- every page ------------------------------------------------------------------------------
    def header(self) -> None:
        r = self.running
        self.set_xy(MARGIN, MARGIN)
        self.font(8, "")
        self.set_text_color(TEXT_GREY)
        mark_w = 0.0
        if r.demo_mark:
            self.font(9, "B")
            mark_w = self.get_string_width(r.demo_mark) + 6
            self.set_draw_color(INK)
            self.set_line_width(0.5)
            self.set_text_color(INK)
            self.set_xy(MARGIN + WIDTH - mark_w, MARGIN)
            self.cell(mark_w, 7, r.demo_mark, border=1, align="C")
            self.font(8, "")
            self.set_text_color(TEXT_GREY)
        self.set_xy(MARGIN, MARGIN)
        self.cell(WIDTH - mark_w - 3, 7, r.head, align="L")
        self.set_draw_color(RULE)
        self.set_line_width(0.2)
        self.line(MARGIN, MARGIN + 9, MARGIN + WIDTH, MARGIN + 9)
        self.set_text_color(INK)
        self.set_xy(MARGIN, BODY_TOP)

    def footer(self) -> None:
        r = self.running
        top = PAGE_H - MARGIN - FOOT_H + 2
        self.set_draw_color(RULE)
        self.set_line_width(0.2)
        self.line(MARGIN, top, MARGIN + WIDTH, top)
        self.set_text_color(TEXT_GREY)
        self.font(6.5, "")
        number = r.page_of.format(page=self.page_no(), pages="{nb}")
        number_w = 28.0
        self.set_xy(MARGIN + WIDTH - number_w, top + 1)
        self.cell(number_w, 4, number, align="R")
        self.set_xy(MARGIN, top + 1)
        for line in r.sources:
            self.set_x(MARGIN)
            self.multi_cell(
                WIDTH - number_w - 2, 3, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        self.set_text_color(INK)

    # -- text -------------------------------------------------------------------------------------
    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        """Ragged right (fpdf2 justifies by default, which spreads short Kazakh lines)."""
        kwargs.setdefault("align", "L")
        return super().multi_cell(*args, **kwargs)

    def font(self, size: float, style: str = "") -> None:
        self.set_font(FONT, style, size)

    def room(self, height: float) -> None:
        """A new page unless ``height`` mm still fit above the foot: a chart or a block is
        never split across pages."""
        if self.get_y() + height > BODY_BOTTOM:
            self.add_page()

    def heading(self, text: str, *, keep: float = 30.0) -> None:
        """A section heading, kept with the first ``keep`` mm of its section."""
        self.room(10 + keep)
        self.ln(2)
        self.font(12.5, "B")
        self.set_x(MARGIN)
        self.multi_cell(WIDTH, 6, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(INK)
        self.set_line_width(0.4)
        self.line(MARGIN, self.get_y() + 0.5, MARGIN + 30, self.get_y() + 0.5)
        self.ln(2.5)

    def para(self, text: str, *, size: float = 8.5, style: str = "", grey: bool = False) -> None:
        self.font(size, style)
        self.set_text_color(TEXT_GREY if grey else INK)
        self.set_x(MARGIN)
        self.multi_cell(WIDTH, size * 0.48, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(INK)

    def note_box(self, text: str) -> None:
        """A framed note (the demo notice): a thick rule on its left, read in grey print too."""
        self.font(8.5, "")
        lines = self.multi_cell(WIDTH - 6, 4.2, text, align="L", dry_run=True, output="LINES")
        h = len(lines) * 4.2 + 3
        self.room(h)
        y = self.get_y()
        self.set_fill_color(INK)
        self.rect(MARGIN, y, 1.2, h, style="F")
        self.set_xy(MARGIN + 4, y + 1.5)
        self.multi_cell(WIDTH - 6, 4.2, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_y(y + h + 2)

    def fit_cell(self, w: float, h: float, text: str, size: float, style: str = "") -> None:
        """One line of ``text`` in ``w`` mm: down to 80 % of ``size`` points, then cut."""
        self.font(size, style)
        smallest = size * 0.8
        while size > smallest and self.get_string_width(text) > w:
            size -= 0.2
            self.font(size, style)
        self.cell(w, h, self.fits(text, w))

    def fits(self, text: str, width: float) -> str:
        """``text`` cut with an ellipsis to fit a cell ``width`` mm wide (its inner margins
        left free) in the current font."""
        width -= 2 * self.c_margin
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"
