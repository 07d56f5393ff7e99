"""Chart builders: pure functions DataFrame -> go.Figure, no Streamlit.

Each builder makes a new figure on every call; the shared look is the Plotly template in
:mod:`creative_dash.charts.base`. Titles, axes, legends and hover text come translated from the
caller's :class:`~creative_dash.i18n.Translator`, and user-entered text is escaped.
"""
