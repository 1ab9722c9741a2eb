"""A small persistent key → value store for reusing work across runs.

Keys are fingerprints (SHA-256 of what produced a result: content hash, model, parameters,
code version); values are pickled Python objects. SQLite gives atomic, crash-safe commits: a
run killed with SIGKILL loses at most the batch it was writing, never the store.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import pickle
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path


def fingerprint(*parts) -> str:
    """SHA-256 over JSON-serialisable parts (sorted keys, so dict order does not matter)."""
    blob = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def code_version(*modules) -> str:
    """A hash of the source code of ``modules``: editing them invalidates what they produced."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(inspect.getsource(module).encode("utf-8"))
    return digest.hexdigest()[:16]


def file_digest(*paths: Path) -> str:
    """A hash of the bytes of data files (gazetteer, lexicons); missing files hash as empty."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(Path(path).name).encode())
        if Path(path).exists():
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:16]


class Store:
    """``key → object`` in one SQLite file; safe to reopen after a crash.

    >>> store = Store(path)
    >>> store.put_many({"k": {"rows": []}}); store.get_many(["k"])
    {'k': {'rows': []}}
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB)")
        self._db.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, object]:
        """The stored values of those ``keys`` that are present."""
        found: dict[str, object] = {}
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, value FROM kv WHERE key IN ({marks})", chunk)
            found.update((key, pickle.loads(value)) for key, value in rows)
        return found

    def present(self, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` are stored (without loading their values)."""
        keys, found = list(keys), set()
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key FROM kv WHERE key IN ({marks})", chunk)
            found.update(key for (key,) in rows)
        return found

    def put_many(self, items: Mapping[str, object]) -> None:
        """Store all ``items`` in one transaction."""
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)",
                ((key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
                 for key, value in items.items()))

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM kv").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
