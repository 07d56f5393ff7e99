"""The audience's ballot, with no Streamlit and no store: which device token to vote with, the
order of the answers and which messages the vote page shows."""

from __future__ import annotations

from collections.abc import Mapping

from creative_dash.i18n import name_sort_key

__all__ = ["LATE_ERRORS", "answer_order", "ballot_messages"]

# Votes refused because the poll was not open: stale once the presenter (re)opens it.
LATE_ERRORS = ("poll_closed", "poll_not_open")


def answer_order(kind: str, labels: Mapping[str, str]) -> dict[str, str]:
    """Answers in the order the buttons show them: the 20 regions alphabetically in the voter's
    language (Kazakh letters in the Kazakh alphabet's order), choices and ratings as the poll
    lists them."""
    if kind == "region":
        return dict(sorted(labels.items(), key=lambda kv: name_sort_key(kv[1])))
    return dict(labels)


def ballot_messages(status: str, error: str | None) -> tuple[str | None, str | None]:
    """(error key, info message key) of the vote page for a poll in ``status`` after the device's
    last vote failed with ``error`` (None: it did not)."""
    if error in LATE_ERRORS and status == "open":
        error = None  # the presenter (re)opened the poll since
    info = None
    if status == "draft":
        info = "live.vote.not_open"
    elif status == "closed" and error != "poll_closed":
        info = "live.vote.closed"
    return error, info
