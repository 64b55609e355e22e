"""Connectors: one module per kind of source. `connector_for` picks the right one."""

from __future__ import annotations

from connectors.base import Connector, FakeConnector, Pull, SourceError, Supersede
from okr.model import Source

__all__ = ["Connector", "FakeConnector", "Pull", "SourceError", "Supersede", "connector_for"]


def connector_for(source: Source, environ=None) -> Connector:
    """The connector that reads `source`; `${VAR}` in a SQL URL expand from `environ`."""
    if source.type == "csv":
        from connectors.csv import CsvConnector

        return CsvConnector(source)
    from connectors.sql import SqlConnector

    return SqlConnector(source, environ=environ)
