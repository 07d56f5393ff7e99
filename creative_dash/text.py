"""Text from the store or a user, made inert: the one rule for every string that was typed by
someone (titles, names, recommendations, poll questions and options, deck titles, display names,
audit details, values echoed from a link).

Two ways it reaches a reader, two functions:

- :func:`visible` for elements that show text as text (``st.text``, ``st.dataframe`` cells,
  ``st.code``, select options): only the invisible characters that change how text reads are
  made visible. Bidirectional controls (U+202E "right-to-left override" would show ``abc`` as
  ``cba``), zero-width spaces and control characters become named marks such as ``⟨RLO⟩``.
- :func:`inert` for everything that renders markup: Streamlit's Markdown (``st.markdown``,
  captions, alerts, titles, expander, tab, metric and widget labels, ``help=`` tooltips) and,
  with ``markdown=False``, Plotly's label HTML (titles, axis and tick labels, hover text: ``<``
  as ``&lt;``, ``%{`` as ``&#37;{``; chart builders call it as ``charts.base.esc``). For
  Markdown, on top of :func:`visible`:
  every ASCII punctuation character becomes a numeric character reference (``<`` is ``&#60;``),
  which both Markdown and Plotly show as the character itself and never read as markup (no
  ``**bold**``, ``[link](...)``, ``![image](...)``, ``<img>``, ``:red[...]``, ``:material/...:``,
  ``$math$``, ``%{hover template}``); white space runs become one space (no code block from a
  leading tab, no heading from a new line); and a word joiner (U+2060, invisible) is put inside
  ``://``, ``www.`` and ``@``, the only patterns Streamlit's Markdown turns into links after
  reading the text (GitHub-style bare links and e-mail addresses).

Both take anything (None is empty text). Apply :func:`inert` once, where the text meets the
element: applied twice, the reader sees the references themselves.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["inert", "inert_all", "visible"]

# Invisible characters that change how the text around them reads, by the name shown instead.
NAMED_CONTROLS = {
    0x061C: "ALM",  # Arabic letter mark
    0x200B: "ZWSP",  # zero-width space
    0x200E: "LRM",  # left-to-right mark
    0x200F: "RLM",  # right-to-left mark
    0x202A: "LRE",  # left-to-right embedding
    0x202B: "RLE",  # right-to-left embedding
    0x202C: "PDF",  # pop directional formatting
    0x202D: "LRO",  # left-to-right override
    0x202E: "RLO",  # right-to-left override
    0x2060: "WJ",  # word joiner
    0x2066: "LRI",  # left-to-right isolate
    0x2067: "RLI",  # right-to-left isolate
    0x2068: "FSI",  # first strong isolate
    0x2069: "PDI",  # pop directional isolate
    0xFEFF: "BOM",  # zero-width no-break space
}
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + "".join(map(chr, NAMED_CONTROLS)) + "]"
)
# ASCII punctuation: everything Markdown, Streamlit's directives, LaTeX and HTML build on.
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# What Markdown links after parsing (remark-gfm's bare URLs and e-mail addresses).
_BARE_LINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)
WORD_JOINER = "\u2060"
_PLOTLY_TEMPLATE = re.compile(r"%(?=\{)")
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # ASCII white space: what Markdown reads as layout


def _mark(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "⟨" + NAMED_CONTROLS.get(code, f"U+{code:04X}") + "⟩"


def visible(text: Any) -> str:
    """``text`` with its invisible controls shown as named marks (``⟨RLO⟩``, ``⟨U+0007⟩``);
    tabs and line breaks stay. For elements that show text as text."""
    return _CONTROL.sub(_mark, "" if text is None else str(text))


def inert(text: Any, *, markdown: bool = True) -> str:
    """``text`` for an element that renders markup, shown exactly as typed, never read as
    markup. ``markdown=True`` (Streamlit): controls made visible, white space runs as one space,
    ASCII punctuation as character references, bare links broken by a word joiner.
    ``markdown=False`` (Plotly's labels, titles, hover and tick text): controls made visible,
    ``&``, ``<``, ``>`` and quotes as HTML entities (what Plotly's tags and entities are made
    of), and ``%{`` as ``&#37;{`` (never read as a hover template's field)."""
    if not markdown:
        return _PLOTLY_TEMPLATE.sub("&#37;", html.escape(visible(text), quote=True))
    flat = _SPACES.sub(" ", visible(text)).strip(" ")  # no-break spaces (in numbers) stay
    joined = _BARE_LINK.sub(WORD_JOINER, flat)
    return _PUNCTUATION.sub(lambda m: f"&#{ord(m.group())};", joined)


def inert_all(values: Any, *, markdown: bool = True) -> list[str]:
    return [inert(v, markdown=markdown) for v in values]
