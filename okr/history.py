"""Saved versions of a catalog, kept beside it in `.okr-history/`, so changes can be audited.

The catalog page saves a version on every save; `okr lint` reads them to find key results
whose target changed after their cycle had started.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

STAMP = "%Y%m%dT%H%M%S%f"


def history_dir(catalog_path: Path) -> Path:
    return catalog_path.resolve().parent / ".okr-history"


def save_version(catalog_path: Path, text: str, when: datetime) -> Path:
    """Keep `text` as the version of the catalog saved at `when` (naive UTC)."""
    folder = history_dir(catalog_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{catalog_path.stem}.{when.strftime(STAMP)}.yml"
    path.write_text(text, encoding="utf-8")
    return path


def versions(catalog_path: Path) -> list[tuple[datetime, Path]]:
    """Every saved version of the catalog, oldest first."""
    folder = history_dir(catalog_path)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob(f"{catalog_path.stem}.*.yml"):
        try:
            found.append((datetime.strptime(path.stem.rsplit(".", 1)[1], STAMP), path))
        except (ValueError, IndexError):
            continue
    return sorted(found)
