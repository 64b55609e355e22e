"""Pull sources into the store: incrementally, one transaction per source, failures isolated.

A source whose metric definitions changed since its last sync (a new metric, an edited
filter...) is re-read from scratch, so stored values always match the catalog.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict

from connectors import connector_for
from connectors.base import Connector, Progress, SourceError
from okr import secrets
from okr.model import Catalog, Metric, Source
from okr.store import Store, SyncRecord, utcnow

ConnectorFactory = Callable[[Source], Connector]


class UnknownSource(ValueError):
    """`okr sync --source NAME` named a source the catalog does not define."""


def metric_fingerprint(metric: Metric, timezone: str) -> str:
    """Changes whenever anything that shapes the metric's stored values changes."""
    shaping = {k: v for k, v in asdict(metric).items() if k not in _PRESENTATION_FIELDS}
    shaping["timezone"] = timezone
    text = json.dumps(shaping, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


_PRESENTATION_FIELDS = frozenset(
    {"label", "description", "owner", "unit", "format", "freshness", "line"}
)


def sync(
    catalog: Catalog,
    sources: Iterable[str] | None = None,
    *,
    progress: Progress | None = None,
    connector_factory: ConnectorFactory | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[SyncRecord]:
    """Sync every source (or the named ones); returns one log record per source.

    A failing source is logged with its error and keeps its last good values; the others
    still load. Nothing at all lands if the process dies before the end.
    """
    names = list(sources) if sources else sorted(catalog.sources)
    unknown = [name for name in names if name not in catalog.sources]
    if unknown:
        raise UnknownSource(
            f"unknown source {', '.join(repr(n) for n in unknown)}; "
            f"the catalog defines: {', '.join(sorted(catalog.sources)) or 'none'}"
        )
    if connector_factory is None:

        def connector_factory(source: Source) -> Connector:
            return _default_connector(source, catalog, environ)

    store = Store(catalog.settings.store)
    records: list[SyncRecord] = []
    with store.writing() as writer:
        for index, name in enumerate(names):
            source = catalog.sources[name]
            metrics = catalog.metrics_of(name)
            definitions = {m.id: metric_fingerprint(m, catalog.settings.timezone) for m in metrics}
            state, known_definitions = writer.source_state(name)
            reset = any(known_definitions.get(k) != v for k, v in definitions.items())
            started = utcnow()
            step = _step_progress(progress, name, index, len(names))
            step(f"{name}: reading {len(metrics)} metric(s)", 0.0)
            try:
                if not metrics:
                    raise SourceError(
                        f"source '{name}' has no metrics; define one with `source: {name}`"
                    )
                connector = connector_factory(source)
                pull = connector.pull(
                    metrics,
                    state={} if reset else state,
                    timezone=catalog.settings.timezone,
                    progress=step,
                )
                record = writer.apply_pull(
                    name,
                    pull,
                    definitions,
                    started,
                    reset=reset,
                    notes="metric definitions changed: re-read in full"
                    if reset and known_definitions
                    else None,
                )
            except SourceError as error:
                record = writer.record_failure(name, secrets.mask_urls(str(error)), started)
            except Exception as error:  # any other failure of one source must not stop the rest
                message = f"{type(error).__name__}: {error}"
                record = writer.record_failure(name, secrets.mask_urls(message), started)
            step(f"{name}: {'done' if record.ok else 'failed'}", 1.0)
            records.append(record)
    return records


def _default_connector(
    source: Source, catalog: Catalog, environ: Mapping[str, str] | None
) -> Connector:
    if source.type == "sql":
        from connectors.sql import SqlConnector

        return SqlConnector(source, environ=environ, base_dir=catalog.path.resolve().parent)
    return connector_for(source, environ)


def _step_progress(progress: Progress | None, name: str, index: int, count: int) -> Progress:
    def step(message: str, fraction: float | None) -> None:
        if progress is None:
            return
        overall = None if fraction is None else (index + fraction) / count
        progress(message if message.startswith(name) else f"{name}: {message}", overall)

    return step
