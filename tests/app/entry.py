"""AppTest's entry point: runs the real app.py from a folder that has no pages/ next to it.

AppTest resets Streamlit's multipage state before every run, and with a pages/ folder next to
the main script every run would go through Streamlit's old directory mode, where a switched-to
page file runs on its own, without app.py's sidebar, badge and navigation. Entering through this
file keeps every test run on app.py's st.navigation, as a browser session is.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__main__")
