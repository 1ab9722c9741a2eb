"""One run at a time per corpus name: an advisory lock file beside the corpus's tables.

Two runs on one ``--name`` would overwrite each other's tables and leave a manifest that
disagrees with them. ``newsdesk run`` holds ``data/processed/.<name>.lock`` (``flock``) for
its whole length; the kernel releases it when the process ends, however it ends, so a killed
run never leaves a stale lock, and a manifest still saying "running" while nobody holds the
lock belongs to an interrupted run.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path

from . import paths


class CorpusBusy(RuntimeError):
    """Another run holds the corpus's lock."""


def lock_path(name: str) -> Path:
    return paths.PROCESSED / f".{paths.check_name(name, internal=True)}.lock"


def holder(name: str) -> dict | None:
    """What the running run wrote into the lock (``run_id``, ``pid``, ``started``), or ``None``
    when no run holds the lock of ``name``."""
    path = lock_path(name)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            with contextlib.suppress(ValueError, OSError):
                return json.loads(os.pread(fd, 4096, 0) or b"{}")
            return {}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def corpus_lock(name: str, info: dict, wait: bool = False):
    """Hold the lock of corpus ``name`` for the ``with`` block; ``info`` is written into it.

    Raises :class:`CorpusBusy` naming the other run, unless ``wait`` (then blocks until free).
    """
    path = lock_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            other = {}
            with contextlib.suppress(ValueError, OSError):
                other = json.loads(os.pread(fd, 4096, 0) or b"{}")
            described = ", ".join(f"{k} {v}" for k, v in other.items() if k in ("run_id", "pid", "started"))
            raise CorpusBusy(f"another run on corpus {name!r} is in progress ({described or 'details unknown'}); "
                             f"wait for it to finish, add --wait to queue behind it, or use another --name") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
