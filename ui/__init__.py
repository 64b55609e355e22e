"""What the dashboard's pages share: cached access to the catalog and store, and drawing helpers.

Importing this package also puts a shared link into the dashboard's frame. With a `pages/`
folder beside `dashboard.py`, Streamlit serves the first request of a fresh server in its
older folder-based mode: a link such as `/tv` or `/key_result?kr=csat` would run that page
file alone, without `dashboard.py`'s navigation, layout and page addresses. Every page imports
`ui`, so the first such run turns that mode off (the process keeps it off from then on, as
`st.navigation` itself would) and reruns the request through `dashboard.py`.
"""

import streamlit as _st
from streamlit.runtime.pages_manager import PagesManager as _PagesManager

if _PagesManager.uses_pages_directory and _st.runtime.exists():
    _PagesManager.uses_pages_directory = False
    _st.rerun()
