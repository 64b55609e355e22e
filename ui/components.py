"""Small drawing pieces every page shares: status chips, badges, the problems banner.

Status colours come from the Okabe–Ito palette (safe for colour-blind readers) and are
always paired with a word and an icon, never colour alone.
"""

from __future__ import annotations

import html

import streamlit as st

from okr.catalog import Problem
from okr.formatting import STATUS_LABELS
from okr.model import Catalog

STATUS_COLORS = {
    "achieved": "#009E73",  # bluish green
    "on_track": "#0072B2",  # blue
    "at_risk": "#E69F00",  # orange
    "off_track": "#D55E00",  # vermillion
    "missed": "#B8437F",  # reddish purple, darkened for contrast on white
    "no_data": "#8A8A8A",
    "not_started": "#B0B0B0",
}
STATUS_ICONS = {
    "achieved": "★",
    "on_track": "●",
    "at_risk": "▲",
    "off_track": "✖",
    "missed": "✖",
    "no_data": "?",
    "not_started": "○",
}
STATUS_ORDER = ("off_track", "missed", "at_risk", "on_track", "achieved", "no_data", "not_started")


def status_chip_html(status: str, size: str = "0.85rem") -> str:
    """A coloured pill with the status's icon and word."""
    color = STATUS_COLORS.get(status, "#8A8A8A")
    label = f"{STATUS_ICONS.get(status, '')} {STATUS_LABELS.get(status, status)}"
    return (
        f'<span class="okr-chip okr-{status}" style="background:{color};color:#fff;'
        f"padding:0.1em 0.6em;border-radius:999px;font-size:{size};font-weight:600;"
        f'white-space:nowrap">{html.escape(label)}</span>'
    )


def badge_html(text: str, color: str = "#555", title: str = "") -> str:
    """A small outlined badge: 'Stale', 'Drifting'."""
    return (
        f'<span class="okr-badge" title="{html.escape(title)}" style="border:1px solid {color};'
        f"color:{color};padding:0 0.45em;border-radius:4px;font-size:0.75rem;font-weight:600;"
        f'white-space:nowrap">{html.escape(text)}</span>'
    )


STALE_BADGE = badge_html(
    "◷ Stale", "#9A6700", "The newest data is older than the metric's freshness"
)
DRIFTING_BADGE = badge_html("↘ Drifting", "#D55E00", "On its current trend it will miss the target")
FAILING_BADGE = badge_html("⚠ Source failing", "#D55E00", "The last sync of this source failed")


def problems_banner(problems: tuple[Problem, ...] | list[Problem]) -> None:
    """Show catalog problems above a page that keeps serving the valid part."""
    if not problems:
        return
    shown = "\n".join(f"- `{p}`" for p in problems[:20])
    more = f"\n- … and {len(problems) - 20} more" if len(problems) > 20 else ""
    st.warning(
        f"**The catalog has {len(problems)} problem{'s' if len(problems) != 1 else ''}** — "
        f"what is valid is shown; run `okr validate` for the full list.\n\n{shown}{more}",
        icon=":material/warning:",
    )


def empty_state(message: str, hint: str | None = None) -> None:
    """A calm, helpful message where data would be, saying what to do next."""
    st.info(message + (f"\n\n{hint}" if hint else ""), icon=":material/info:")


def require_catalog(loaded) -> Catalog:
    """The catalog's valid part, after showing its problems; stops the page when there is none."""
    problems_banner(loaded.problems)
    if loaded.catalog is None:
        empty_state(
            f"No catalog to show: `{loaded.path}` could not be read.",
            "Fix the problem above, or write a demo with `okr demo` and set `OKR_CATALOG` to its "
            "`metrics.yml`.",
        )
        st.stop()
    return loaded.catalog
