"""The notice over the maps when the region boundaries file is not fully usable.

Pure: a ``geo.BoundaryCheck`` in, the text in the reader's language out (markdown for
``st.warning``), or None when the file is fine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from creative_dash.geo import BoundaryCheck
from creative_dash.i18n import Translator
from creative_dash.text import inert

SHOWN_CODES = 5  # unknown codes quoted at most
# A code from the file is quoted only when it looks like one: the file is not trusted.
_CODE_RE = re.compile(r"^[A-Za-z0-9._-]{1,20}$")


def _quoted(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def boundaries_warning(
    t: Translator, check: BoundaryCheck, region_names: Mapping[str, str]
) -> str | None:
    """What is wrong with the file and what the maps leave out, naming the file and the
    regions (in ``t``'s language, from ``region_names``); None when nothing is."""
    if check.ok:
        return None
    file = _quoted(check.file.name or str(check.file))
    parts = []
    if check.problem is not None:
        parts.append(
            t(f"boundaries.{check.problem}", file=file, line=check.line, column=check.column)
        )
    else:
        if check.missing:
            parts.append(
                t(
                    "boundaries.missing_regions",
                    file=file,
                    n=t.num(len(check.missing)),
                    total=t.num(len(region_names) or len(check.missing)),
                    regions=", ".join(inert(region_names.get(c, c)) for c in check.missing),
                )
            )
        if check.without_id:
            parts.append(t("boundaries.without_id", file=file, n=t.num(check.without_id)))
        shown = [_quoted(c) if _CODE_RE.match(c) else "?" for c in check.unknown[:SHOWN_CODES]]
        if shown:
            more = "…" if len(check.unknown) > SHOWN_CODES else ""
            parts.append(t("boundaries.unknown_ids", codes=", ".join(shown) + more))
    parts.append(t("boundaries.fix"))
    return " ".join(parts)
