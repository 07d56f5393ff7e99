"""The import page's parts: choose a table, download its template (or the current rows), upload
a file, read every problem (and download them), see what will change, apply.

Reading and validating are :mod:`creative_dash.imports`; what changes and the write are
:mod:`creative_dash.store.importer`, as the signed-in user: the write gateway reads that user's
role and region from the store for every row, whatever this page showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from creative_dash import access, export
from creative_dash.access import INSERT, REGION_EDITOR, UPDATE, AccessDenied
from creative_dash.i18n import Translator
from creative_dash.imports import template
from creative_dash.imports.spec import TABLES
from creative_dash.store import importer, users
from creative_dash.ui.auth import current_user, sign_in_link
from creative_dash.ui.cache import store, versions
from creative_dash.ui.sidebar import region_names

TABLE_KEY, FILE_KEY, APPLY_KEY = "import_table", "import_file", "import_apply"
RESULT_KEY = "import_result"  # (ok, message key, parameters) of the last apply, shown once
PLAN_KEY = "import_plan"  # the last file's plan, by what it depends on


def importer_user(t: Translator) -> users.User | None:
    """The signed-in administrator or region editor; for anybody else, why there is nothing."""
    user = current_user()
    if user is None:
        st.info(t("imports.sign_in"))
        sign_in_link(t)
        return None
    if user.role not in (access.ADMIN, REGION_EDITOR):
        st.warning(t("imports.not_allowed"))
        return None
    return user


def _actor(user: users.User) -> access.Actor:
    return access.Actor(user.user_id, user.role, user.region_iso, user.disabled)


def tables_for(user: users.User) -> list[str]:
    """The tables this user's role may import into (the gateway decides each row anyway)."""
    actor = _actor(user)
    return [
        name
        for name, spec in TABLES.items()
        if access.may_write(actor, spec.table, INSERT)
        or access.may_write(actor, spec.table, UPDATE)
    ]


def choose_table(t: Translator, user: users.User) -> str:
    names = tables_for(user)
    if user.role == REGION_EDITOR:
        region = region_names(t).get(user.region_iso or "", user.region_iso)
        st.caption(t("imports.intro_editor", region=region))
    return st.selectbox(
        t("imports.table"),
        names,
        format_func=lambda n: t(f"imports.tables.{n}"),
        key=TABLE_KEY,
    )


def _extra(t: Translator, table: str) -> dict[str, str]:
    """The sectors' and indicators' names, for the columns sheet."""
    if table == "initiatives":
        frame = store().query(f"SELECT {t.name_col()} AS n FROM sectors ORDER BY sort_order")  # noqa: S608
        return {"sector": "; ".join(frame["n"])}
    if table == "indicators":
        frame = store().query(f"SELECT {t.name_col()} AS n FROM indicator_defs ORDER BY code")  # noqa: S608
        return {"indicator": "; ".join(frame["n"])}
    return {}


def downloads(t: Translator, user: users.User, table: str) -> None:
    spec = TABLES[table]
    st.subheader(t("imports.template_title"))
    st.caption(t("imports.template_text"))
    cols = st.columns(3)
    name = f"{table}_template_{t.lang}"
    cols[0].download_button(
        t("imports.template_xlsx"),
        template.template_xlsx(spec, t, _extra(t, table)),
        file_name=f"{name}.xlsx",
        mime=export.MIME["xlsx"],
        key="import_template_xlsx",
        on_click="ignore",
    )
    cols[1].download_button(
        t("imports.template_csv"),
        template.template_csv(spec, t),
        file_name=f"{name}.csv",
        mime=export.MIME["csv"],
        key="import_template_csv",
        on_click="ignore",
    )
    region = user.region_iso if user.role == REGION_EDITOR else None
    s, extra = store(), _extra(t, table)  # the file is built in a download thread
    cols[2].download_button(
        t("imports.export_current"),
        lambda: template.frame_to_xlsx(spec, t, importer.current_frame(s, table, t, region), extra),
        file_name=f"{table}_{t.lang}.xlsx",
        mime=export.MIME["xlsx"],
        key="import_current_xlsx",
        on_click="ignore",
    )


@dataclass
class Upload:
    name: str
    data: bytes
    sha: str


def upload(t: Translator) -> Upload | None:
    st.subheader(t("imports.upload_title"))
    st.caption(t("imports.dates_note") + " " + t("imports.numbers_note"))
    file = st.file_uploader(t("imports.upload"), type=["csv", "xlsx", "txt"], key=FILE_KEY)
    if file is None:
        return None
    data = file.getvalue()
    return Upload(file.name, data, importer.file_sha256(data))


def plan_of(t: Translator, user: users.User, table: str, up: Upload) -> importer.Plan:
    """The file's plan, kept while the file, table, language, user and data stay the same."""
    s = store()
    key = (up.sha, table, t.lang, user.user_id, versions(s).total)
    kept = st.session_state.get(PLAN_KEY)
    if kept is not None and kept[0] == key:
        return kept[1]
    parsed = importer.read_file(s, table, up.data, up.name, t.lang)
    plan = importer.plan(s, user.user_id, parsed, t.lang)
    st.session_state[PLAN_KEY] = (key, plan)
    return plan


def show_problems(t: Translator, plan: importer.Plan) -> None:
    problems = plan.all_problems()
    st.error(t("imports.problems_title", count=len(problems) + plan.parsed.more))
    frame = plan.problems_frame(t)
    st.dataframe(frame, hide_index=True, width="stretch", key="import_problems")
    if plan.parsed.more:
        st.caption(t("imports.problems_more", count=plan.parsed.more))
    st.download_button(
        t("imports.problems_download"),
        lambda: export.to_xlsx_bytes(frame, sheet_name=t("imports.problems.rule")),
        file_name=f"problems_{plan.spec.name}_{t.lang}.xlsx",
        mime=export.MIME["xlsx"],
        key="import_problems_xlsx",
        on_click="ignore",
    )


def show_preview(t: Translator, plan: importer.Plan) -> None:
    st.subheader(t("imports.preview_title"))
    counts = plan.counts()
    cols = st.columns(4)
    for col, outcome in zip(cols, importer.OUTCOMES, strict=True):
        col.metric(t(f"imports.preview_{outcome}"), t.num(counts[outcome]))
    frame = plan.preview_frame(t)
    if len(frame):
        st.caption(t("imports.preview_caption"))
        st.dataframe(frame, hide_index=True, width="stretch", key="import_preview")


def _apply(user_id: str, plan: importer.Plan, up: Upload, counts: dict[str, int]) -> None:
    try:
        done = importer.apply(store(), user_id, plan.parsed, data=up.data, expect=counts)
    except AccessDenied as exc:
        st.session_state[RESULT_KEY] = (False, exc.message_key, {})
        return
    except (importer.ImportStale, importer.ImportRefused):
        st.session_state[RESULT_KEY] = (False, "imports.stale", {})
        return
    c = done.counts
    st.session_state[RESULT_KEY] = (
        True,
        "imports.applied",
        {"new": c["new"], "updated": c["updated"], "unchanged": c["unchanged"]},
    )


def apply_button(t: Translator, user: users.User, plan: importer.Plan, up: Upload) -> None:
    counts = plan.counts()
    changes = counts[importer.NEW] + counts[importer.UPDATED]
    if plan.ok and not changes:
        st.info(t("imports.nothing_to_change"))
        return
    st.button(
        t("imports.apply"),
        type="primary",
        disabled=not plan.ok,
        key=APPLY_KEY,
        on_click=_apply,
        args=(user.user_id, plan, up, counts),
    )


def show_result(t: Translator) -> None:
    result = st.session_state.pop(RESULT_KEY, None)
    if result:
        ok, key, params = result
        (st.success if ok else st.error)(t(key, **params))


def history(t: Translator) -> None:
    frame = importer.history(store())
    if not len(frame):
        return
    st.subheader(t("imports.history_title"))
    view: dict[str, Any] = {
        t("imports.history.when"): [
            f"{t.date(v)} {v:%H:%M}" for v in frame["imported_at"].dt.to_pydatetime()
        ],
        t("imports.history.who"): frame["actor"],
        t("imports.history.table"): frame["table_name"],
        t("imports.history.file"): frame["file_name"],
        t("imports.history.new"): frame["inserted"],
        t("imports.history.updated"): frame["updated"],
        t("imports.history.unchanged"): frame["unchanged"],
    }
    st.dataframe(view, hide_index=True, width="stretch", key="import_history")
