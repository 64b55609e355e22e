"""`${VAR}` / `${VAR:-default}` expansion from the environment, and masking for display.

Expanded values may hold passwords: they are used, never printed; show `mask_url(...)`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class MissingVariable(KeyError):
    """A `${VAR}` without a default is not set in the environment."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"environment variable {self.name} is not set"


def variables(text: str) -> list[tuple[str, str | None]]:
    """The (name, default) of every `${...}` in `text`, in order."""
    return [(m.group(1), m.group(2)) for m in _VAR.finditer(text)]


def expand(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every `${VAR}` replaced; raises MissingVariable for an unset one."""
    env = os.environ if environ is None else environ

    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if name in env and env[name] != "":
            return env[name]
        if default is not None:
            return default
        raise MissingVariable(name)

    return _VAR.sub(replace, text)


_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^/:@\s]*:)(?P<password>[^@\s]*)(?=@)")
_QUERY_SECRET = re.compile(
    r"(?P<head>[?&](?:password|passwd|pwd|token|secret|key|access_token)=)[^&\s]*", re.I
)


def mask_url(url: str) -> str:
    """`url` with its password (and password-like query parameters) replaced by ***."""
    masked = _URL_PASSWORD.sub(lambda m: m.group("head") + "***", url)
    return _QUERY_SECRET.sub(lambda m: m.group("head") + "***", masked)


def display_url(url_template: str, environ: Mapping[str, str] | None = None) -> str:
    """A URL as it may be shown: expanded where possible, always masked."""
    try:
        return mask_url(expand(url_template, environ))
    except MissingVariable:
        return mask_url(url_template)
