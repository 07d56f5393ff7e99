"""The marked sections of bench/results.md: each benchmark besides ``python -m bench`` (the
regional link, a full room, the room on two replicas, the peer, PostgreSQL at scale) writes its
own section between two HTML comments, and replaces only that section when it runs again;
``python -m bench``, which rewrites the file, keeps every one of them."""

from __future__ import annotations

import re
from pathlib import Path

# <!-- NAME: written by python -m MODULE --> … <!-- end of the NAME -->
_ANY = re.compile(
    r"<!-- (?P<name>[^:>]+): written by python -m [\w.]+(?: --[\w-]+)* -->.*?"
    r"<!-- end of the (?P=name) -->\n?",
    re.S,
)


def markers(name: str, module: str) -> tuple[str, str]:
    """(start, end) comments of the section ``name`` written by ``python -m module``."""
    return f"<!-- {name}: written by python -m {module} -->", f"<!-- end of the {name} -->"


def write(path: Path, section: str, start: str, end: str) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) into ``path`` in
    place of the previous one, or at the end."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end) + "\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def kept(path: Path) -> list[str]:
    """Every marked section of ``path``, in order (none if it does not exist)."""
    if not path.exists():
        return []
    return [m.group(0) for m in _ANY.finditer(path.read_text(encoding="utf-8"))]
