"""Who may edit the catalog from the dashboard: an editor password or a Streamlit OIDC login.

Editing is off unless one is configured. Nothing here imports Streamlit: the page reads its
secrets and login state and passes them in.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["PASSWORD_VARIABLE", "EditorAccess", "editor_access", "password_matches"]

PASSWORD_VARIABLE = "OKR_EDITOR_PASSWORD"
SECRET_NAME = "editor_password"
HOW_TO_ENABLE = (
    f"Editing is off. To turn it on, set {PASSWORD_VARIABLE} in the dashboard's environment, "
    f"or `{SECRET_NAME}` in .streamlit/secrets.toml, or configure an `[auth]` login there."
)


@dataclass(frozen=True)
class EditorAccess:
    """How an editor can log in: with the editor password, with the OIDC login, or not at all.

    The password is kept only to be compared; it is left out of repr and never shown.
    """

    password: str | None = field(default=None, repr=False)
    oidc: bool = False

    @property
    def configured(self) -> bool:
        """True when some way to log in as an editor exists; editing is off otherwise."""
        return bool(self.password) or self.oidc

    def can_edit(self, *, password_given: str | None = None, logged_in: bool = False) -> bool:
        """True when the given password is the editor password, or the OIDC user is logged in."""
        if self.password and password_given and password_matches(password_given, self.password):
            return True
        return self.oidc and logged_in


def editor_access(
    *,
    environ: Mapping[str, str] | None = None,
    secret_password: str | None = None,
    auth_configured: bool = False,
) -> EditorAccess:
    """The configured editor login.

    The password comes from the environment variable OKR_EDITOR_PASSWORD, else from the
    `editor_password` secret (read by the page); an empty value counts as not set. OIDC is
    offered when Streamlit's `[auth]` is configured.
    """
    env = os.environ if environ is None else environ
    password = env.get(PASSWORD_VARIABLE) or secret_password or None
    return EditorAccess(password=password, oidc=bool(auth_configured))


def password_matches(given: str, expected: str) -> bool:
    """Compare in constant time, so the time taken tells nothing about the password."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
