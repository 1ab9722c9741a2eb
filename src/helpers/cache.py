"""A small persistent key → value store for reusing work across runs.

Keys are fingerprints (SHA-256 of what produced a result: content hash, model, parameters,
code version); values are JSON, never pickles: a cache file planted in a shared folder can at
worst hold wrong data, never run code. SQLite gives atomic, crash-safe commits: a run killed
with SIGKILL loses at most the batch it was writing, never the store. A store that cannot be
read (malformed, another format, an old pickle cache) is moved aside with a one-line message
and rebuilt.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import inspect
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

# Written into every store; a store without it (or with another value) is rebuilt.
FORMAT = "newsdesk-json-2"


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


# --- values as JSON ------------------------------------------------------------------------------
# JSON has no dates, so a date is the tagged object {"$date": "2025-03-04"}; a one-dimensional numpy
# array of numbers (the cleaning stage keeps MinHash signatures) is its little-endian bytes in base64,
# {"$array": {"dtype": "<u4", "base64": "..."}}, read back without parsing a number each. A dict of
# the data whose only key starts with "$" gets one more "$" ({"$$date": ...}), removed on reading,
# so it is never mistaken for a tag.

ARRAY_DTYPES = frozenset({"|i1", "|u1", "<i2", "<u2", "<i4", "<u4", "<i8", "<u8", "<f4", "<f8"})


def encode(value) -> str:
    """A cache value as JSON text: dicts, lists, str, int, float, bool, None, dates, numpy arrays."""
    return json.dumps(_tagged(value), ensure_ascii=False, separators=(",", ":"))


def decode(text: str | bytes):
    """The value :func:`encode` wrote (lists come back as lists, tagged objects as their type)."""
    return json.loads(text, object_hook=_untag)


PLAIN = frozenset({str, int, float, bool, type(None)})


def _tagged(value):
    if type(value) in PLAIN:  # most values: one set lookup instead of the chain below
        return value
    if isinstance(value, dict):
        tagged = {str(k): _tagged(v) for k, v in value.items()}
        if len(tagged) == 1 and next(iter(tagged)).startswith("$"):
            return {"$" + key: inner for key, inner in tagged.items()}
        return tagged
    if isinstance(value, list | tuple):
        return [_tagged(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.datetime):  # a datetime is a date too: test it first
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy arrays (MinHash signatures), scalars
        if not value.ndim:
            return value.item()
        dtype = value.dtype.newbyteorder("<")
        if value.ndim != 1 or dtype.str not in ARRAY_DTYPES:
            raise TypeError(f"cache arrays must be one-dimensional numbers, not {value.dtype} of shape {value.shape}")
        data = base64.b64encode(value.astype(dtype, copy=False).tobytes()).decode("ascii")
        return {"$array": {"dtype": dtype.str, "base64": data}}
    raise TypeError(f"cache values must be JSON-like, not {type(value).__name__}")


def _untag(obj: dict):
    if len(obj) != 1:
        return obj
    key, inner = next(iter(obj.items()))
    if key == "$date":
        return dt.date.fromisoformat(inner)
    if key == "$datetime":
        return dt.datetime.fromisoformat(inner)
    if key.startswith("$$"):
        return {key[1:]: inner}
    if key == "$array":
        import numpy as np

        if inner["dtype"] not in ARRAY_DTYPES:  # numbers only: never an object array
            raise ValueError(f"unexpected array dtype {inner['dtype']!r} in the cache")
        return np.frombuffer(base64.b64decode(inner["base64"], validate=True), dtype=inner["dtype"])
    return obj


class Unreadable(Exception):
    """The store cannot be used as it is (malformed, another format)."""


class Store:
    """``key → value`` in one SQLite file; safe to reopen after a crash.

    >>> store = Store(path)
    >>> store.put_many({"k": {"rows": []}}); store.get_many(["k"])
    {'k': {'rows': []}}
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except (sqlite3.DatabaseError, Unreadable) as error:
            moved = self.move_aside(error)
            print(f"newsdesk: cache {self.path} could not be read ({error}); moved to {moved.name}, "
                  f"rebuilding it", file=sys.stderr)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        # SQLite creates files 0644 whatever the umask allows; created here they get 0666 & ~umask
        # (its journal files copy the database file's mode).
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666))
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "kv" in tables:
                found = (db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
                         if "meta" in tables else None)
                if found is None or found[0] != FORMAT:
                    raise Unreadable(f"format {found[0] if found else 'pickle (old)'!r}, expected {FORMAT!r}")
                check = db.execute("PRAGMA quick_check(1)").fetchone()[0]
                if check != "ok":
                    raise Unreadable(f"integrity check: {check}")
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('format', ?)", (FORMAT,))
                db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT)")
        except BaseException:
            db.close()
            raise
        return db

    def move_aside(self, error: Exception) -> Path:
        """Rename the store (and its WAL files) to ``<name>.broken-<time>``; returns the new path."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S-%f")
        target = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        return target

    def get_many(self, keys: Iterable[str]) -> dict[str, object]:
        """The stored values of those ``keys`` that are present (a value that cannot be decoded
        is deleted and left out, so it is computed again)."""
        found: dict[str, object] = {}
        broken: list[str] = []
        keys = list(keys)
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(f"SELECT key, value FROM kv WHERE key IN ({marks})", chunk):
                try:
                    found[key] = decode(value)
                except (ValueError, TypeError, KeyError, UnicodeDecodeError):
                    broken.append(key)
        if broken:
            print(f"newsdesk: {len(broken)} unreadable entries dropped from cache {self.path}", file=sys.stderr)
            with self._db:
                self._db.executemany("DELETE FROM kv WHERE key = ?", ((k,) for k in broken))
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
        self.put_encoded({key: encode(value) for key, value in items.items()})

    def put_encoded(self, items: Mapping[str, str]) -> None:
        """Store values already made by :func:`encode` (in worker processes), in one transaction."""
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", items.items())

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM kv").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
