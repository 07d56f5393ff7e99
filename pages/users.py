"""Users (ministry administrators only): the accounts, a new account, and for each its password,
role and region, identity provider mapping, and whether it is enabled. Every change is made as
the signed-in administrator through the write gateway, which leaves an audit row."""

from __future__ import annotations

import streamlit as st

from creative_dash import ui
from creative_dash.ui import accounts, auth
from creative_dash.views.admin import accounts_table

t = ui.tr()
st.title(t("nav.users"))
if auth.admin_user(t) is not None:
    st.caption(t("accounts.intro"))
    regions = ui.region_names(t)
    accounts.show_result(t)
    accounts.new_account_form(t, regions)
    st.subheader(t("accounts.list"))
    rows = ui.q("user_accounts")
    ui.data_table(accounts_table(rows, t, regions), "accounts_table")
    st.subheader(t("accounts.manage"))
    accounts.manage_account(t, regions)
