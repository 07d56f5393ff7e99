"""A figure card as pages show it (``ui.metric_cards`` draws rows of them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    help: str | None = None
    delta: str | None = None  # a change or a note under the value, formatted
    delta_color: str = "normal"  # normal | off | green | red | gray
    delta_arrow: str = "auto"  # auto | up | down | off
