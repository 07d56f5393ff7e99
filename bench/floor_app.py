"""The floor: the least any Streamlit + Plotly page can cost on this machine.

One selectbox and one 20-bar Plotly chart, nothing else: ``python -m bench`` measures it in the
same run as the dashboard's pages, and every budget is a ratio to it.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Floor", layout="wide")

# 24 options so every repetition can pick one it has not drawn before.
OPTIONS = [f"S{i:02d}" for i in range(24)]
choice = st.selectbox("Series", OPTIONS, key="floor_choice")
seed = OPTIONS.index(choice) + 1
values = [(seed * 37 + i * 11) % 97 + 3 for i in range(20)]
fig = go.Figure(go.Bar(x=[f"R{i:02d}" for i in range(20)], y=values))
st.plotly_chart(fig, key="floor_chart", width="stretch")
