"""The floor: the least any Streamlit + Plotly page can cost on this machine.

One selectbox and one 20-bar Plotly chart, nothing else: ``python -m bench`` measures it in the
same run as the dashboard's pages, and every budget is a ratio to it.

``?filler=N`` adds N rows under the chart, each a metric and a caption side by side in two
columns (five elements: the row, its two columns, the metric, the caption), whose values
change with the selection as a dashboard's cards and notes do. The benchmark measures the
floor's chart with 0 and with N rows: what each further element of a page costs the redraw
of a chart that is sent before it. Without the parameter this is the floor, unchanged.
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

try:
    filler = min(max(int(st.query_params.get("filler", "0")), 0), 100)
except ValueError:
    filler = 0
for i in range(filler):
    left, right = st.columns(2)
    left.metric(f"R{i % 20:02d}", f"{values[i % 20] * 1000:,}", delta=f"{(seed + i) % 9 - 4}%")
    right.caption(f"Row {i + 1} of series **{choice}**: {values[i % 20]} units.")
