"""Placeholder until the page lands."""

import streamlit as st

st.info("This page is being built.")
