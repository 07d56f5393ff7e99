"""The one rule for user text (creative_dash.text): every hostile string shows as typed and is
never read as Markdown (checked with a CommonMark parser too) or as Plotly's label HTML."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from creative_dash.charts.base import esc
from creative_dash.text import WORD_JOINER, inert, visible

HOSTILE = [
    "![](http://tracker.example/p.png)",
    "**bold** [link](javascript:alert(1))",
    '=HYPERLINK("http://evil","x")',
    "\tcode block after a tab",
    ":red[red] :material/home: :smile:",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a> <b>b</b> <br> &lt;b&gt;',
    "$x^2$ `code` _it_ ~~s~~ %{x} %{customdata[0]}",
    "# heading\n---\n1. list\n- item\n> quote",
    "see http://evil.example/x, www.evil.example and a@b.example",
    "abc\u202edcba",
    "zero\u200bwidth\u2066isolate\u2069\ufeff",
    "bell\x07 and del\x7f",
    "x" * 10_000,
]
MD = MarkdownIt("commonmark")


def shown(text: str) -> str:
    """What a reader sees of inert Markdown text: references read, joiners invisible."""
    return html.unescape(text).replace(WORD_JOINER, "")


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_shows_every_hostile_string_as_typed(text: str) -> None:
    out = inert(text)
    assert shown(out) == re.sub(r"[ \t\n\r\f\v]+", " ", visible(text)).strip(" ")
    bare = re.sub(r"&#\d+;", "", out)  # what is left once the references are taken out
    assert not set(bare) & set("\\`*_{}[]()#+-.!|<>~=:$^\"'%/@?&;")  # no ASCII punctuation
    rendered = MD.render(out)  # one paragraph of text, no other element
    assert rendered.startswith("<p>") and rendered.count("<") == 2, rendered[:200]


@pytest.mark.parametrize("text", HOSTILE)
def test_plotly_labels_show_every_hostile_string_as_typed(text: str) -> None:
    out = esc(text)
    assert out == inert(text, markdown=False)
    assert "<" not in out and ">" not in out and "%{" not in out
    assert html.unescape(out) == visible(text)


def test_bare_links_are_broken_by_an_invisible_joiner() -> None:
    out = inert("http://evil.example www.evil.example a@b.example")
    assert out.count(WORD_JOINER) == 3
    assert "http&#58;" + WORD_JOINER + "&#47;&#47;" in out


def test_direction_and_invisible_controls_are_shown_by_name() -> None:
    assert visible("abc\u202edcba") == "abc⟨RLO⟩dcba"
    assert visible("a\u200bb\u2066c\u2069\ufeff") == "a⟨ZWSP⟩b⟨LRI⟩c⟨PDI⟩⟨BOM⟩"
    assert visible("bell\x07") == "bell⟨U+0007⟩"
    assert visible("line\nnext\ttab") == "line\nnext\ttab"  # text layout stays
    assert inert("abc\u202edcba") == "abc⟨RLO⟩dcba"
    assert esc("abc\u202edcba") == "abc⟨RLO⟩dcba"


def test_plain_text_passes_unchanged() -> None:
    for text in ("Абай облысы", "Қарағанды", "Astana", "12 345"):
        assert inert(text) == text and visible(text) == text and esc(text) == text
    assert visible(None) == inert(None) == ""
    assert inert("28\xa0852\xa0₸") == "28\xa0852\xa0₸"  # no-break spaces stay
