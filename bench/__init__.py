"""Benchmarks of the dashboard in a real browser, measured against Streamlit's own floor.

Run ``python -m bench`` (or ``make bench``); see bench/README.md. Not part of the test suite.
"""
