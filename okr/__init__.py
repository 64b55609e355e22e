"""okr: key results fed by real numbers. The core: catalog, store, sync, status, forecast."""

__version__ = "0.1.0"
