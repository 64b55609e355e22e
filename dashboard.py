"""The okr dashboard: `streamlit run dashboard.py` (or `okr serve`). OKR_CATALOG picks the catalog."""

import streamlit as st

st.set_page_config(page_title="okr", page_icon=":material/flag:", layout="wide")

pages = [
    st.Page(
        "pages/overview.py", title="Overview", icon=":material/flag:", url_path="", default=True
    ),
    st.Page(
        "pages/key_result.py",
        title="Key result",
        icon=":material/show_chart:",
        url_path="key_result",
        visibility="hidden",
    ),
    st.Page("pages/explore.py", title="Explore", icon=":material/query_stats:", url_path="explore"),
    st.Page(
        "pages/health.py", title="Data health", icon=":material/monitor_heart:", url_path="health"
    ),
    st.Page("pages/catalog.py", title="Catalog", icon=":material/menu_book:", url_path="catalog"),
    st.Page("pages/tv.py", title="TV", icon=":material/tv:", url_path="tv"),
]
st.navigation(pages).run()
