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


def malformed_reference(text: str) -> str | None:
    """The first `${` in `text` that is not a well-formed `${VAR}` or `${VAR:-default}`."""
    well_formed = {m.start() for m in _VAR.finditer(text)}
    start = text.find("${")
    while start >= 0:
        if start not in well_formed:
            end = text.find("}", start)
            return text[start : end + 1] if end >= 0 else text[start:]
        start = text.find("${", start + 2)
    return None


def expand(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with every `${VAR}` replaced; raises MissingVariable for an unset one.

    A variable set to the empty string counts as unset, so its default applies.
    """
    env = os.environ if environ is None else environ

    def replace(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        raise MissingVariable(name)

    return _VAR.sub(replace, text)


def unset_variables(text: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """The names of the `${VAR}` in `text` that have no default and are not set (or empty)."""
    env = os.environ if environ is None else environ
    names = [name for name, default in variables(text) if default is None and not env.get(name)]
    return list(dict.fromkeys(names))


_SCHEME = re.compile(r"^[A-Za-z][\w+.-]*://")
_QUERY_SECRET = re.compile(
    r"(?P<head>[?&;](?:password|passwd|pwd|pass|token|secret|key|api_key|apikey|access_token"
    r"|private_key|client_secret|sas_token)=)[^&;#\s]*",
    re.I,
)


def mask_url(url: str) -> str:
    """`url` with its password (and password-like query parameters) replaced by ***.

    The user information ends at the last '@' of the URL, as a password may itself hold '@',
    '/' or ':' written unescaped; masking too much is harmless, showing a password is not.
    """
    masked = url
    scheme = _SCHEME.match(url)
    if scheme:
        head, rest = url[: scheme.end()], url[scheme.end() :]
        at = rest.rfind("@")
        colon = rest.find(":", 0, at) if at > 0 else -1
        if colon >= 0:
            masked = head + rest[: colon + 1] + "***" + rest[at:]
    return _QUERY_SECRET.sub(lambda m: m.group("head") + "***", masked)


_URL_IN_TEXT = re.compile(r"[A-Za-z][\w+.-]*://[^\s'\"<>]+")


def mask_urls(text: str) -> str:
    """`text` (an error message, catalog lines) with the password of every URL in it masked."""
    return _URL_IN_TEXT.sub(lambda match: mask_url(match.group(0)), text)


def display_url(url_template: str, environ: Mapping[str, str] | None = None) -> str:
    """A URL as it may be shown: expanded where possible, always masked."""
    try:
        return mask_url(expand(url_template, environ))
    except MissingVariable:
        return mask_url(url_template)
