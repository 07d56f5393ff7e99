"""What a page shows, as one :class:`~creative_dash.filters.Filters` value: the sidebar's region
and years, and the page's own widgets bound to the URL (``urlstate`` bindings that name a
``field``). Pages read it once per run and pass it to every query."""

from __future__ import annotations

from typing import Any, Protocol

from creative_dash.filters import Filters
from creative_dash.ui.sidebar import selected_region, selected_years


class Binding(Protocol):
    """A widget bound to the URL whose value is read before it is drawn (``AnyOf``, ``OneOf``,
    ``Text``, ``YearSpan``)."""

    key: str
    field: str

    def value(self) -> Any: ...


def page_filters(*widgets: Binding, region: bool = True, years: bool = True) -> Filters:
    """The page's filters: the sidebar's years (``years=False``: none) and region, then each
    widget's value in the field it names.

    A page's own region choice (a widget on ``regions``) wins over the sidebar's region while it
    is not empty; ``region=False`` leaves the sidebar's region out (a page comparing every region
    marks it instead)."""
    values: dict[str, Any] = {}
    for widget in widgets:
        if widget.field:
            values[widget.field] = widget.value()
    sidebar = selected_region()
    if not values.get("regions"):
        values["regions"] = (sidebar,) if region and sidebar else ()
    if years:
        values["years"] = selected_years()
    return Filters(**values)
