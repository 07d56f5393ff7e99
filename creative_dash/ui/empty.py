"""What the store holds nothing of, said on the page in place of an empty chart or table: the
notes of :mod:`creative_dash.views.empty`, each with a link to the import page for a viewer who
may import that kind of data, and the sidebar's "reference data only" badge."""

from __future__ import annotations

import streamlit as st

from creative_dash import access
from creative_dash.i18n import Translator
from creative_dash.metrics import Metric
from creative_dash.ui.auth import current_user
from creative_dash.ui.cache import q
from creative_dash.ui.navigate import page
from creative_dash.views import empty as view

ICON = ":material/inventory_2:"


def empty_kinds() -> frozenset[str]:
    """The kinds of data the store holds nothing of (``views.empty.KINDS``)."""
    return view.empty_kinds(q("store_contents").iloc[0])


def reference_only() -> bool:
    return view.reference_only(empty_kinds())


def importable() -> frozenset[str]:
    """The tables of the import page the signed-in user may import (none for anybody else)."""
    from creative_dash.ui.imports import tables_for  # the import page's own rule

    user = current_user()
    if user is None or user.role not in (access.ADMIN, access.REGION_EDITOR):
        return frozenset()
    return frozenset(tables_for(user))


def empty_notes(
    t: Translator, *kinds: str, page_key: str | None = None, link: bool = True
) -> frozenset[str]:
    """Say, for each of ``kinds`` (default: every kind) the store holds nothing of, what is
    missing and who fills it how, with a link to the import page where the viewer may use it
    (``link=False`` on the import page itself). Returns every empty kind (for the page to leave
    out what would be drawn empty)."""
    empty = empty_kinds()
    contents = q("store_contents").iloc[0]
    missing = int(contents["regions"]) - int(contents["regions_with_population"])
    notes = view.notes(
        t,
        empty,
        kinds or view.KINDS,
        importable=importable() if link else frozenset(),
        page=page_key,
        missing_population=missing,
    )
    for n in notes:
        with st.container(key=f"empty_{n.kind}"):
            st.info(n.text, icon=ICON)
            if n.link:
                st.page_link(
                    page("data_import"),
                    label=t("empty.link"),
                    icon=":material/upload_file:",
                    query_params={"lang": t.lang},
                )
    return empty


def metric_missing(t: Translator, metric: Metric, empty: frozenset[str]) -> bool:
    """Whether ``metric`` counts a kind of data the store holds nothing of (then says so, in
    place of its chart)."""
    if not view.metric_empty(metric, empty):
        return False
    st.info(t("empty.metric_empty", kind=t(f"empty.kind.{view.metric_kind(metric)}")), icon=ICON)
    return True


def reference_badge(t: Translator) -> None:
    """Above every page, in place of the demo badge while the store holds reference data only:
    a link to the About page, which lists each missing kind and who fills it how."""
    empty = empty_kinds()
    if view.reference_only(empty):
        with st.container(key="reference_badge"):
            st.page_link(
                page("about"),
                label=t("empty.badge"),
                icon=ICON,
                help=view.badge_help(t, empty),
                query_params={"lang": t.lang},
            )
