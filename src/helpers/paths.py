"""Every folder of the project, anchored to the project root (never the working directory)."""

from __future__ import annotations

import os
from pathlib import Path

# src/helpers/paths.py → the project root is two folders above the package.
PROJECT_ROOT = Path(os.environ.get("NEWSDESK_ROOT", Path(__file__).resolve().parents[2]))

DATA = PROJECT_ROOT / "data"
RAW = DATA / "raw"
# Tests and sandboxes may point outputs elsewhere; notebooks run by papermill inherit these.
PROCESSED = Path(os.environ.get("NEWSDESK_PROCESSED", DATA / "processed"))
GAZETTEER = DATA / "gazetteer"
LEXICONS = DATA / "lexicons"
REPORTS = Path(os.environ.get("NEWSDESK_REPORTS", PROJECT_ROOT / "reports"))
NOTEBOOKS = PROJECT_ROOT / "notebooks"

DEFAULT_CORPUS = "sample"


def raw_dir(corpus: str = DEFAULT_CORPUS) -> Path:
    """Folder of raw files for a corpus name: ``data/raw/<corpus>``."""
    return RAW / corpus


def processed_dir(corpus: str = DEFAULT_CORPUS) -> Path:
    """Folder of tables for a corpus name, created on demand: ``data/processed/<corpus>``."""
    path = PROCESSED / corpus
    path.mkdir(parents=True, exist_ok=True)
    return path


def resolve(path: str | os.PathLike | None, default: Path) -> Path:
    """A user-given path (relative ones are taken from the project root), or ``default``."""
    if path is None or str(path) == "":
        return default
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
