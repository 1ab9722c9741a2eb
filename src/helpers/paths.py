"""Every folder of the project, anchored to the project root (never the working directory)."""

from __future__ import annotations

import os
import re
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

# A corpus name is one folder name: it becomes data/processed/<name> and reports/<name>-<time>.
NAME_CHARACTERS = re.compile(r"[A-Za-z0-9_.\-]{1,100}")


class UnsafeName(ValueError):
    """A corpus name that is not one safe folder name."""


def check_name(name: str, *, internal: bool = False) -> str:
    """``name`` when it is one safe path segment, else :class:`UnsafeName` saying why.

    Letters, digits, ``-``, ``_`` and ``.``, at most 100 characters, not ``.`` or ``..``. Names
    starting with ``.`` are Newsdesk's own (staging folders) unless ``internal``.
    """
    if not isinstance(name, str) or not NAME_CHARACTERS.fullmatch(name) or name in (".", ".."):
        raise UnsafeName(f"corpus name {name!r} is not allowed: use 1 to 100 letters, digits, '-', '_' "
                         f"or '.' (one folder name, not '.' or '..')")
    if name.startswith(".") and not internal:
        raise UnsafeName(f"corpus name {name!r} is not allowed: names starting with '.' are Newsdesk's own")
    return name


def default_name(raw: Path) -> str:
    """A corpus name from a raw folder's name (other characters become ``-``)."""
    name = re.sub(r"[^A-Za-z0-9_.\-]+", "-", Path(raw).name).strip("-.")[:100]
    if not name:
        raise UnsafeName(f"no corpus name can be made from the folder {str(raw)!r}: give one with --name")
    return name


def inside(path: Path, folder: Path) -> Path:
    """``path`` resolved, when it lies inside ``folder`` (resolved too); else ``ValueError``."""
    resolved, base = Path(path).resolve(), Path(folder).resolve()
    if not resolved.is_relative_to(base):
        raise ValueError(f"{path} resolves to {resolved}, outside {base}")
    return resolved


def raw_dir(corpus: str = DEFAULT_CORPUS) -> Path:
    """Folder of raw files for a corpus name: ``data/raw/<corpus>``."""
    return RAW / check_name(corpus, internal=True)


def processed_dir(corpus: str = DEFAULT_CORPUS) -> Path:
    """Folder of tables for a corpus name, created on demand: ``data/processed/<corpus>``.

    Raises :class:`UnsafeName` for a name that is not one folder name, and ``ValueError`` when
    the folder resolves outside ``data/processed`` (a planted link).
    """
    path = PROCESSED / check_name(corpus, internal=True)
    path.mkdir(parents=True, exist_ok=True)
    inside(path, PROCESSED)
    return path


def resolve(path: str | os.PathLike | None, default: Path) -> Path:
    """A user-given path (relative ones are taken from the project root), or ``default``."""
    if path is None or str(path) == "":
        return default
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path
