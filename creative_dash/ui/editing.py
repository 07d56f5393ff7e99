"""Edit mode of the initiatives, hubs and region pages: a region's rows in ``st.data_editor``,
every problem of the edit listed at once, a preview of what a save will change, and the save.

Who may edit is decided by the store, never here: the toggle is shown to signed-in region
editors (for their region) and administrators (for the sidebar's region) only as a courtesy;
every save goes through ``creative_dash.store.edits`` and the write gateway, which read the
user's role and region from the store and refuse anything else (the refusal is shown).

The editor starts from the rows as they were when edit mode opened (with each row's version)
and keeps them until a save or a reload: a row somebody else saved in the meantime is refused
with "changed by X at T" rather than overwritten."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from creative_dash import editing
from creative_dash.access import ADMIN, REGION_EDITOR, AccessDenied
from creative_dash.editing import CHOICE, DATE, FIRST_DATE, FLOAT, INT, LAST_DATE, TEXT
from creative_dash.i18n import Translator
from creative_dash.queries import run
from creative_dash.store import edits
from creative_dash.ui import auth, session
from creative_dash.ui.cache import q, store
from creative_dash.ui.layout import lazy_expander
from creative_dash.ui.render import plain_frame, static_table
from creative_dash.ui.sidebar import region_names, selected_region
from creative_dash.views import editing as view
from creative_dash.views import region as region_view


def _k(table: str, what: str) -> str:
    return f"ed_{table}_{what}"


def edit_region(t: Translator) -> str | None:
    """The region the signed-in user may edit here (None: a viewer, a presenter, or an admin
    with no region chosen in the sidebar)."""
    user = auth.current_user()
    if user is None:
        return None
    if user.role == REGION_EDITOR:
        return user.region_iso
    if user.role == ADMIN:
        return selected_region()
    return None


def _enum(t: Translator, table: str, column: str, names: Mapping[str, Mapping[str, str]]):
    return lambda v: view.value_text(t, table, column, v, names)


def column_config(
    t: Translator, table: str, names: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """The editor's columns: allowed values as selectboxes, number ranges, dates, lengths."""
    spec = editing.SPECS[table]
    config: dict[str, Any] = {
        spec.key: st.column_config.NumberColumn(view.column_label(t, spec.key), disabled=True),
        "version": None,  # hidden: the row version the save names
    }
    for col in spec.shown:
        config[col] = st.column_config.TextColumn(view.column_label(t, col), disabled=True)
    for f in spec.fields:
        label, help_ = view.column_label(t, f.name), view.field_help(t, f) or None
        if f.kind == CHOICE:
            options = list(names.get(f.name, {})) or list(f.choices)
            config[f.name] = st.column_config.SelectboxColumn(
                label,
                options=options,
                required=f.required,
                help=help_,
                format_func=_enum(t, table, f.name, names),
            )
        elif f.kind in (INT, FLOAT):
            config[f.name] = st.column_config.NumberColumn(
                label,
                min_value=f.min,
                max_value=f.max,
                step=1 if f.kind == INT else None,
                required=f.required,
                help=help_,
            )
        elif f.kind == DATE:
            config[f.name] = st.column_config.DateColumn(
                label, min_value=FIRST_DATE, max_value=LAST_DATE, required=f.required
            )
        elif f.kind == TEXT:
            config[f.name] = st.column_config.TextColumn(
                label, max_chars=f.max_len, required=f.required, help=help_
            )
    return config


def _base(table: str, region: str) -> pd.DataFrame:
    """The rows the editor started from (kept until a save or a reload)."""
    key = _k(table, "base")
    held = st.session_state.get(key)
    if not held or held[0] != region or held[1] != session.user_id():
        rows = run(store(), "edit_rows", table=table, region=region)
        for f in editing.SPECS[table].fields:
            if f.kind == DATE:  # the editor's date cells want dates, not timestamps
                rows[f.name] = [
                    None if pd.isna(v) else pd.Timestamp(v).date() for v in rows[f.name]
                ]
        st.session_state[key] = held = (region, session.user_id(), rows)
    return held[2]


def _restart(table: str, notice: tuple[str, str] | None = None) -> None:
    """Start the editor again from the store's rows (after a save, or on a reload)."""
    st.session_state.pop(_k(table, "base"), None)
    st.session_state[_k(table, "gen")] = st.session_state.get(_k(table, "gen"), 0) + 1
    if notice:
        st.session_state[_k(table, "notice")] = notice


def _show_notice(table: str) -> None:
    notice = st.session_state.pop(_k(table, "notice"), None)
    if notice:
        (st.success if notice[0] == "ok" else st.error)(notice[1])


def section(
    t: Translator, table: str, names: Mapping[str, Mapping[str, str]] | None = None
) -> None:
    """The edit mode of ``table`` for the signed-in editor's region: nothing for viewers."""
    region = edit_region(t)
    user = auth.current_user()
    if user is None or user.role not in (ADMIN, REGION_EDITOR):
        return
    with st.container(key=_k(table, "box")):
        if region is None:
            st.caption(t("editing.pick_region"))
            return
        where = region_names(t).get(region, region)
        if not st.toggle(t(f"editing.toggle.{table}", region=where), key=_k(table, "on")):
            return
        _show_notice(table)
        _editor(t, table, region, names or {})


def _editor(t: Translator, table: str, region: str, names: Mapping[str, Mapping[str, str]]) -> None:
    spec = editing.SPECS[table]
    base = _base(table, region)
    total = int(q("edit_row_count", table=table, region=region).iloc[0]["n"])
    st.caption(t("editing.intro", n=t.num(len(base)), total=t.num(total)))
    edited = st.data_editor(
        base,
        key=f"{_k(table, 'grid')}_{st.session_state.get(_k(table, 'gen'), 0)}",
        column_config=column_config(t, table, names),
        column_order=[c for c in base.columns if c != "version"],
        num_rows="dynamic" if spec.insert else "fixed",
        hide_index=True,
        width="stretch",
    )
    changes = editing.diff(spec, base, edited)
    if st.button(t("editing.reload"), key=_k(table, "reload"), icon=":material/refresh:"):
        _restart(table)
        st.rerun()
    if not changes:
        st.caption(t("editing.no_changes"))
        return
    rows = {int(r[spec.key]): {str(c): v for c, v in r.items()} for r in base.to_dict("records")}
    choices = {c: list(v) for c, v in names.items()}
    problems = editing.validate(spec, changes, choices, rows)
    st.markdown(f"**{t('editing.preview_title')}** {view.counts_text(t, editing.counts(changes))}")
    st.dataframe(
        view.preview_table(t, table, changes, names), hide_index=True, key=_k(table, "preview")
    )
    if problems:
        _problems(t, table, problems)
        return
    if st.button(t("editing.save"), key=_k(table, "save"), type="primary", icon=":material/save:"):
        _save(t, table, region, changes)


def _problems(t: Translator, table: str, problems: list[editing.Problem]) -> None:
    st.error(t("editing.problems", n=t.num(len(problems))))
    st.dataframe(
        view.problems_table(t, table, problems), hide_index=True, key=_k(table, "problems")
    )


def _save(t: Translator, table: str, region: str, changes: list[editing.Change]) -> None:
    try:
        done = edits.save(store(), session.user_id(), table, changes, region=region)
    except edits.Invalid as exc:
        _problems(t, table, exc.problems)
        return
    except AccessDenied as exc:  # a stale row version too: "changed by X at T"
        st.error(exc.message(t))
        return
    _restart(table, ("ok", t("editing.saved", counts=view.counts_text(t, done))))
    st.rerun()


def history(t: Translator, table: str, key: int, element_key: str) -> None:
    """Who changed one row, what and when (from the audit log; plain text)."""
    rows = q("row_history", table=table, key=int(key))
    if rows.empty:
        own = f"{table}.audit_empty"  # a page's own wording, where it has one
        st.info(t(own) if t.has(own) else t("editing.history_empty"))
    else:
        history = plain_frame(view.history_table(t, table, rows))
        st.dataframe(history, hide_index=True, key=element_key)


def history_picker(t: Translator, table: str, options: Mapping[int, str]) -> None:
    """An expander to choose one row of ``options`` (id -> label) and see its history.

    Its content runs only while it is open (a closed expander sends nothing: the picker's
    options, one per row, were 10 KB of every rerun of the hubs page)."""

    def picker() -> None:
        chosen = st.selectbox(
            t("editing.history_pick"),
            list(options),
            index=None,
            format_func=lambda k: options.get(k, str(k)),
            key=_k(table, "history_pick"),
        )
        if chosen is not None:
            with st.container(key=_k(table, "history_box")):
                history(t, table, int(chosen), _k(table, "history"))

    lazy_expander(t(f"editing.history_title.{table}"), _k(table, "history_open"), picker)


def recommendations(t: Translator, recs: pd.DataFrame) -> None:
    """The region's recommendations with their follow-up, overdue ones flagged (a table of
    plain text: notes are typed by people), then their edit mode."""
    if not recs.empty:
        if note := region_view.overdue_note(t, recs):
            st.info(note, icon=":material/schedule:")
        table = region_view.recommendations_table(t, recs)
        # A region's few recommendations as a plain table (cells inert: notes are typed by
        # people): it prints whole, and spares a reader on a slow link the data grid's code
        # (132 KB; bench/results.md, "The regional link").
        with st.container(key="rg_recs_table"):
            static_table(table)
        st.caption(t("region.recs_language_note"))
    section(t, "recommendations")
