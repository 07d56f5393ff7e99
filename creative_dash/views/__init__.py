"""What a page shows besides its charts: KPI cards, captions, tables and files, formatted in the
reader's language. Pure functions from query frames to plain values; no Streamlit, no store."""
